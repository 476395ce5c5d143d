#pragma once
// `delivery:` — how accepted events survive a crash before Meta has them (README "Acknowledgement semantics"),
// with the schema table (src/delivery/settings.cpp).
#include <cstddef>
#include <string>

#include "sidetag/config/schema.hpp"

namespace sidetag::config {

enum class Durability { memory, disk, postgres };

struct DeliveryConfig {
  Durability durability = Durability::disk;  // memory by default in dev (the loader sets it before reading)
  std::string spool_dir = "var/spool";
  int fsync_interval_ms = 5;                  // group commit: one fsync per interval for all appends
  std::size_t max_queue_bytes = 256 * 1024 * 1024;  // global budget across queues; over it: 503 + Retry-After
  std::string postgres_dsn;                   // durability: postgres (shared outbox), not available yet
};

const Schema<DeliveryConfig>& delivery_schema();

}  // namespace sidetag::config
