// libFuzzer: /g/collect query + body -> hits -> event data. Input: "<query>\n<body>".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidetag/sources/ga4/consent.hpp"
#include "sidetag/sources/ga4/event_data.hpp"
#include "sidetag/sources/ga4/hits.hpp"
#include "sidetag/util/strings.hpp"

using namespace sidetag::sources::ga4;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view query = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  HitLimits limits;
  limits.max_events = 20;
  HitBatch batch = parse_hits(query, body, limits);
  if (batch.hits.size() > limits.max_events) std::abort();
  RequestInfo req;
  req.client_ip = "198.51.100.1";
  req.user_agent = "fuzz";
  req.received_ms = 1;
  for (const auto& hit : batch.hits) {
    std::vector<std::string> notes;
    nlohmann::json e = to_event_data(hit.params, req, &notes);
    // The overload that takes the values over (the route's) must give exactly the same data and notes.
    std::vector<std::string> moved_notes;
    if (to_event_data(Params(hit.params), req, &moved_notes) != e || moved_notes != notes) std::abort();
    // Must serialise without throwing: every string is valid UTF-8.
    std::string s = e.dump();
    if (!sidetag::util::valid_utf8(s)) std::abort();
    if (!e.contains("event_name")) std::abort();  // parse_hits only keeps hits with `en`
    auto get = [&](const char* k) -> std::string_view {
      auto it = hit.params.find(k);
      return it == hit.params.end() ? std::string_view{} : std::string_view(it->second);
    };
    (void)decode_consent(get("gcs"), get("gcd"));
    // Notes end up in traces (JSON): they must be valid UTF-8 too.
    for (const auto& n : notes)
      if (!sidetag::util::valid_utf8(n)) std::abort();
    for (const auto& n : hit.notes)
      if (!sidetag::util::valid_utf8(n)) std::abort();
  }
  // Direct decoders on the raw input too.
  std::vector<std::string> nf, notes;
  (void)decode_item(in, &notes).dump();
  (void)decode_user_provided_data(in, &nf, &notes).dump();
  for (const auto& n : notes)
    if (!sidetag::util::valid_utf8(n)) std::abort();
  (void)decode_consent(query, body);
  return 0;
}
