// The `delivery:` table.
#include "sidetag/delivery/settings.hpp"

namespace sidetag::config {

const Schema<DeliveryConfig>& delivery_schema() {
  static const Schema<DeliveryConfig> s = [] {
    using D = DeliveryConfig;
    Schema<D> s("How accepted events survive a crash before Meta has them (see \"Delivery: acknowledgement "
                "semantics\").");
    s.one_of("durability", &D::durability,
             {{"memory", Durability::memory}, {"disk", Durability::disk}, {"postgres", Durability::postgres}},
             "`disk`: a spool with group commit, server-to-server sources answered after the commit; `memory`: "
             "no spool, what is not delivered within the shutdown grace is lost (logged).")
        .default_doc("`disk` (`memory` in dev)")
        .refuse("postgres",
                "durability postgres (a shared outbox for several replicas) is not available yet: use disk");
    s.str("spool_dir", &D::spool_dir, "Spool folder (`durability: disk`).");
    s.integer("fsync_interval_ms", &D::fsync_interval_ms, 0, 10'000,
              "Group commit: one `fdatasync` per interval for all appends in it.");
    s.integer("max_queue_bytes", &D::max_queue_bytes, 1 << 20, 64LL << 30,
              "Budget of queued events across all pixels; over it requests get 503 with `Retry-After`.");
    s.str("postgres_dsn", &D::postgres_dsn, "PostgreSQL connection string for `durability: postgres`.")
        .secret()
        .unavailable("postgres_dsn does nothing yet: durability postgres is not available; remove the key");
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
