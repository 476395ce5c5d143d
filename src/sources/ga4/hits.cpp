#include "sidetag/sources/ga4/hits.hpp"

#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

namespace {

// Removes parameters whose key or (decoded) value is invalid UTF-8 or too long. Tilde-structured values are raw:
// checked after a full decode (splitting valid UTF-8 on the ASCII '~' keeps every field valid).
void sanitize(Params& p, const HitLimits& limits, std::vector<std::string>& notes, bool& bad_event_name) {
  p.erase_if([&](const Params::value_type& kv) {
    const std::string& k = kv.first;
    const std::string& v = kv.second;
    bool key_ok = util::valid_utf8(k);
    bool value_ok = true;
    const char* why = nullptr;
    if (!key_ok) {
      why = "invalid_utf8_key";
    } else if (v.size() > limits.max_value_bytes && k != "em") {
      why = "value_too_long";
      value_ok = false;
    } else if (is_tilde_structured_key(k)) {
      // Without a '%' the decode only turns '+' into ' ', which cannot change UTF-8 validity.
      value_ok = util::valid_utf8(v.find('%') == std::string::npos ? std::string_view(v) : form_decode(v));
      if (!value_ok) why = "invalid_utf8_value";
    } else {
      value_ok = util::valid_utf8(v);
      if (!value_ok) why = "invalid_utf8_value";
    }
    if (key_ok && value_ok) return false;
    if (key_ok && k == "en") bad_event_name = true;
    // Never echo invalid bytes into notes: only a valid key is named.
    notes.push_back(std::string("param dropped (") + why + ")" + (key_ok ? ": " + k : std::string()));
    return true;
  });
}

void cap_params(Params& p, const HitLimits& limits, std::vector<std::string>& notes) {
  if (p.size() <= limits.max_params_per_hit) return;
  std::size_t extra = p.size() - limits.max_params_per_hit;
  // Drop from the end of the key order, but never the event name.
  std::size_t removed = 0;
  auto it = p.end();
  while (removed < extra && it != p.begin()) {
    --it;
    if (it->first == "en") continue;
    it = p.erase(it);
    ++removed;
  }
  notes.push_back("params dropped (too_many_params): " + std::to_string(extra));
}

void finish_hit(Hit&& hit, HitBatch& batch, const HitLimits& limits, bool bad_event_name) {
  cap_params(hit.params, limits, hit.notes);
  if (bad_event_name) {
    batch.dropped.push_back({hit.line, "invalid_utf8_event_name"});
    return;
  }
  auto en = hit.params.find("en");
  if (en == hit.params.end() || en->second.empty()) {
    batch.dropped.push_back({hit.line, "missing_event_name"});
    return;
  }
  batch.hits.push_back(std::move(hit));
}

}  // namespace

HitBatch parse_hits(std::string_view query, std::string_view body, const HitLimits& limits) {
  return parse_hits(query, body, [&](const Params&) { return limits; });
}

HitBatch parse_hits(std::string_view query, std::string_view body,
                    const std::function<HitLimits(const Params& query_params)>& limits_for) {
  HitBatch batch;
  try {
    Params base = parse_query(query);
    const HitLimits limits = limits_for(base);
    std::vector<std::string> base_notes;
    bool base_bad_en = false;
    sanitize(base, limits, base_notes, base_bad_en);

    std::size_t line_no = 0;
    std::size_t events = 0;
    std::size_t start = 0;
    bool any_line = false;
    while (start < body.size()) {
      std::size_t nl = body.find('\n', start);
      if (nl == std::string_view::npos) nl = body.size();
      std::string_view line = body.substr(start, nl - start);
      start = nl + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (util::trim(line).empty()) continue;
      any_line = true;
      if (events >= limits.max_events) {
        batch.dropped.push_back({line_no, "too_many_events"});
        continue;
      }
      ++events;
      Hit hit;
      hit.line = line_no;
      hit.notes = base_notes;
      Params overlay = parse_query(line);
      bool bad_en = false;
      sanitize(overlay, limits, hit.notes, bad_en);
      // An invalid `en` in the line is fatal; an invalid `en` only in the query is overridden by a valid line one.
      bool fatal = bad_en || (base_bad_en && overlay.find("en") == overlay.end());
      hit.params = Params::overlay(base, std::move(overlay));
      finish_hit(std::move(hit), batch, limits, fatal);
    }
    if (!any_line) {
      Hit hit;
      hit.params = std::move(base);
      hit.notes = std::move(base_notes);
      finish_hit(std::move(hit), batch, limits, base_bad_en);
    }
  } catch (const std::exception&) {
    // Only std::bad_alloc is plausible here; report instead of propagating.
    batch.dropped.push_back({0, "internal_error"});
  }
  return batch;
}

}  // namespace sidetag::sources::ga4
