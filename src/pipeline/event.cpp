#include "sidetag/pipeline/event.hpp"

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::pipeline {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::skipped: return "skipped";
    case Outcome::stopped: return "stopped";
    case Outcome::error: return "error";
  }
  return "unknown";
}

namespace {
bool lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }
}  // namespace

bool parse_traceparent(std::string_view header, std::string& trace_id, std::string& parent_id) {
  header = util::trim(header);
  // version(2)-trace(32)-parent(16)-flags(2); future versions may append fields after another '-'.
  if (header.size() < 55) return false;
  auto version = header.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return false;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return false;
  if (version == "00" && header.size() != 55) return false;
  if (header.size() > 55 && header[55] != '-') return false;
  auto tid = header.substr(3, 32);
  auto pid = header.substr(36, 16);
  auto flags = header.substr(53, 2);
  if (!lower_hex(tid) || !lower_hex(pid) || !lower_hex(flags)) return false;
  if (all_zero(tid) || all_zero(pid)) return false;
  trace_id.assign(tid);
  parent_id.assign(pid);
  return true;
}

std::string new_trace_id() { return util::random_hex(16); }

}  // namespace sidetag::pipeline
