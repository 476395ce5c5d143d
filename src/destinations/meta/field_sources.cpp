// Where each Meta user_data field is read from in the event data, in order of preference. These defaults follow
// what the sGTM peers read (x-fb-ud-* from Meta's own client, then Google's common event data names).
#include "destinations/meta/field_sources.hpp"

#include "sidetag/config/meta.hpp"
#include "sidetag/destinations/meta/stages.hpp"

namespace sidetag::destinations::meta {

const std::vector<FieldSource>& default_user_field_sources() {
  static const std::vector<FieldSource> kSources = {
      {"em", {"x-fb-ud-em", "user_data.email_address", "user_data.sha256_email_address", "user_data.email", "email"}},
      {"ph", {"x-fb-ud-ph", "user_data.phone_number", "user_data.phone", "phone"}},
      {"fn", {"x-fb-ud-fn", "user_data.address.first_name", "user_data.first_name", "first_name"}},
      {"ln", {"x-fb-ud-ln", "user_data.address.last_name", "user_data.last_name", "last_name"}},
      {"ge", {"x-fb-ud-ge", "user_data.gender", "gender"}},
      {"db", {"x-fb-ud-db", "user_data.date_of_birth", "date_of_birth"}},
      {"ct", {"x-fb-ud-ct", "user_data.address.city", "city"}},
      {"st", {"x-fb-ud-st", "user_data.address.region", "region"}},
      {"zp", {"x-fb-ud-zp", "user_data.address.postal_code", "postal_code"}},
      {"country", {"x-fb-ud-country", "user_data.address.country", "country"}},
      {"external_id", {"x-fb-ud-external_id", "user_data.external_id", "external_id", "user_id"}},
      {"f5first", {"x-fb-ud-f5first"}},
      {"f5last", {"x-fb-ud-f5last"}},
      {"fi", {"x-fb-ud-fi"}},
      {"dobd", {"x-fb-ud-dobd"}},
      {"dobm", {"x-fb-ud-dobm"}},
      {"doby", {"x-fb-ud-doby"}},
  };
  return kSources;
}

// Raw identifiers Meta takes unhashed.
const std::vector<FieldSource>& default_raw_field_sources() {
  static const std::vector<FieldSource> kSources = {
      {"client_ip_address", {"ip_override", "x-fb-ud-client_ip_address"}},
      {"client_user_agent", {"user_agent", "x-fb-ud-client_user_agent"}},
      {"fbc", {"x-fb-ck-fbc", "fbc"}},
      {"fbp", {"x-fb-ck-fbp", "fbp"}},
      {"lead_id", {"x-fb-ud-lead_id", "lead_id"}},
      {"subscription_id", {"x-fb-ud-subscription_id"}},
      {"fb_login_id", {"x-fb-ud-fb_login_id"}},
      {"anon_id", {"x-fb-ud-anon_id"}},
      {"madid", {"x-fb-ud-madid"}},
      {"page_id", {"x-fb-ud-page_id"}},
      {"ctwa_clid", {"x-fb-ud-ctwa_clid"}},
  };
  return kSources;
}

bool user_data_withheld_by_consent(const nlohmann::json& data) {
  // Set by a source whose consent decision is forward_without_user_data (the GA4 route); a flag, not a note.
  auto it = data.find(kUserDataWithheldKey);
  return it != data.end() && it->is_boolean() && it->get<bool>();
}

void for_each_source(const std::vector<FieldSource>& defaults, const config::MetaSiteConfig* site,
                     const std::function<void(const EffectiveSource&)>& fn) {
  for (const auto& d : defaults) {
    const config::MetaFieldSource* o = nullptr;
    if (site) {
      if (auto it = site->user_data.find(d.meta_key); it != site->user_data.end()) o = &it->second;
    }
    const auto& keys = o && !o->keys.empty() ? o->keys : d.keys;
    fn(EffectiveSource{d.meta_key, keys, o && !o->transforms.empty() ? &o->transforms : nullptr});
  }
}

namespace detail {
bool transform_field_value(const EffectiveSource& src, const std::string& key, std::size_t index, nlohmann::json& value,
                           std::vector<std::string>& notes) {
  static const sources::mapped::MapTables kNoTables;
  for (const auto& t : *src.transforms) {
    std::string error;
    if (!sources::mapped::apply_transform(t, value, kNoTables, error)) {
      notes.push_back(src.meta_key + ": value " + std::to_string(index) + " of " + key + " dropped: transform '" +
                      t.spec + "' failed");
      return false;
    }
  }
  return true;
}
}  // namespace detail

}  // namespace sidetag::destinations::meta
