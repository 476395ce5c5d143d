#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/sources/mapped/transforms.hpp"

namespace sidetag::config {
struct MetaSiteConfig;
}

namespace sidetag::destinations::meta {

struct FieldSource {
  std::string meta_key;           // key in Meta's user_data
  std::vector<std::string> keys;  // event-data keys, first present wins (values of all are merged for lists)
};

const std::vector<FieldSource>& default_user_field_sources();
const std::vector<FieldSource>& default_raw_field_sources();

// True when a consent rule of the source removed the event's user data (GA4 forward_without_user_data): the
// source strips only the keys it knows, so fields read from configured keys must be left out here too.
// Event-data flag a source sets when consent allows the event but not its user data.
inline constexpr const char* kUserDataWithheldKey = "x-sidetag-user_data_withheld";
bool user_data_withheld_by_consent(const nlohmann::json& data);

// One field's effective sources for a site: the configured keys (sites.<id>.meta.user_data.<field>.keys) replace
// the defaults; the configured transforms run on every value before normalization.
struct EffectiveSource {
  const std::string& meta_key;
  const std::vector<std::string>& keys;
  const std::vector<sources::mapped::Transform>* transforms;  // null: none
};
void for_each_source(const std::vector<FieldSource>& defaults, const config::MetaSiteConfig* site,
                     const std::function<void(const EffectiveSource&)>& fn);

namespace detail {
// Runs src's transforms on value; false (with a note naming field, key, index and transform, never the value) when
// one fails.
bool transform_field_value(const EffectiveSource& src, const std::string& key, std::size_t index, nlohmann::json& value,
                           std::vector<std::string>& notes);
}  // namespace detail

// The values of one field, key by key in order: scalars as they are, arrays flattened (nested arrays and objects
// are skipped), each passed through the transforms; empty strings are left out. A value a transform cannot handle
// is left out with a note naming the field, the key and the transform (never the value). `first_only`: stop at the
// first key with a value. fn(const json&) is called per value and returns true to stop. Without transforms the
// values are the event data's own (prep and assemble read ~30 fields per event: copying each value into a vector
// first was most of their cost); with transforms each is a transformed copy.
template <typename Fn>
void visit_field(const nlohmann::json& data, const EffectiveSource& src, bool first_only,
                 std::vector<std::string>& notes, Fn&& fn) {
  for (const auto& key : src.keys) {
    const nlohmann::json* v = lookup(data, key);
    if (!v || v->is_object()) continue;
    bool any = false;
    std::size_t index = 0;
    auto visit = [&](const nlohmann::json& e) {  // true: stop
      const std::size_t i = index++;
      if (src.transforms) {
        nlohmann::json value = e;
        if (!detail::transform_field_value(src, key, i, value, notes)) return false;
        if (value.is_string() && value.template get_ref<const std::string&>().empty()) return false;
        any = true;
        return static_cast<bool>(fn(static_cast<const nlohmann::json&>(value)));
      }
      if (e.is_string() && e.template get_ref<const std::string&>().empty()) return false;
      any = true;
      return static_cast<bool>(fn(e));
    };
    if (v->is_array()) {
      for (const auto& e : *v) {
        if (e.is_array() || e.is_object() || e.is_null()) continue;
        if (visit(e)) return;
      }
    } else if (visit(*v)) {
      return;
    }
    if (first_only && any) return;
  }
}

}  // namespace sidetag::destinations::meta
