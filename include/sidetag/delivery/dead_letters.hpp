#pragma once
// The dead-letter store: one JSON object per line in meta.dead_letter_file. Every writer and the `sidetag dlq`
// commands take an exclusive flock on "<file>.lock" first, so a running server's appends and a concurrent
// `dlq purge` / `dlq replay` rewrite never lose a record. Appends are fdatasync'ed before the spool record they
// replace is acknowledged. Pure (no Asio).
//
// Record: {"id", "ts" (RFC 3339), "ts_us", "env", "trace_id", "pixel_id", "test_event_code", "reason",
//          "event" (the Meta server event), "meta_response": {"http_status", "code", "error_subcode", "message",
//          "fbtrace_id"} (absent when Meta never answered, e.g. the event left the 7-day window)}
// Never the access token.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::delivery {

bool dlq_append(const std::string& path, const nlohmann::json& record, std::string& error);
// Every readable record, oldest first; unreadable lines are counted in bad_lines (and kept by dlq_rewrite).
std::vector<nlohmann::json> dlq_read(const std::string& path, std::size_t* bad_lines = nullptr);
// Rewrites the file atomically (temp file + rename) keeping the records for which keep() is true; unreadable
// lines are kept verbatim. `removed` counts the records dropped.
bool dlq_rewrite(const std::string& path, const std::function<bool(const nlohmann::json&)>& keep,
                 std::size_t& removed, std::string& error);
// A record's time in Unix microseconds (ts_us, else parsed from ts); 0 when unknown.
std::int64_t dlq_record_time_us(const nlohmann::json& record);
// "2026-11-26T10:00:00Z", "2026-11-26", Unix seconds, or a duration back from now ("90s", "30m", "6h", "7d").
bool parse_time_arg(const std::string& text, std::int64_t now_us, std::int64_t& out_us);

}  // namespace sidetag::delivery
