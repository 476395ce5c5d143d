// sources.<name>: the `type` picks the source's own table (capi_json: src/sources/capi_json/settings.cpp, mapped:
// src/sources/mapped/settings.cpp). A mapped source is compiled here, once, so a bad mapping fails `sidetag validate`
// and never a request; its target keys are checked against what the stages read.
#include <regex>
#include <set>

#include "config/sections.hpp"
#include "sidetag/event/key.hpp"
#include "sidetag/sources/capi_json/settings.hpp"
#include "sidetag/sources/mapped/mapping.hpp"
#include "sidetag/sources/mapped/settings.hpp"

namespace sidetag::config {

namespace {

const std::set<std::string> kReservedPaths = {"/healthz", "/readyz", "/metrics", "/g/collect", "/mp/collect"};
const std::vector<std::string> kTypes = {"capi_json", "mapped"};

// Paths below `user_data` the Meta prep stage reads (src/destinations/meta/field_sources.cpp's built-in keys).
const std::vector<std::string> kUserDataPaths = {
    "email_address", "sha256_email_address", "email",   "phone_number",      "phone",
    "first_name",    "last_name",            "gender",  "date_of_birth",     "external_id",
    "address.first_name", "address.last_name", "address.city", "address.region", "address.postal_code",
    "address.country"};
// Keys of an `items[]` element the Meta assemble stage reads.
const std::vector<std::string> kItemKeys = {"item_id", "item_name", "item_category", "price", "item_price",
                                            "quantity"};
// Objects passed to Meta as they are: any key below them is read.
const std::set<std::string> kOpenObjects = {"custom_data", "x-fb-app_data", "x-fb-original_event_data",
                                            "x-fb-attribution_data"};

bool configured_for_site(const std::string& target, const SiteConfig* site) {
  if (!site) return false;
  auto matches = [&](const std::string& key) {
    return key == target || (target.size() > key.size() && target.compare(0, key.size(), key) == 0 &&
                             target[key.size()] == '.');
  };
  for (const auto& [field, src] : site->meta.user_data) {
    for (const auto& k : src.keys) {
      if (matches(k)) return true;
    }
  }
  for (const auto& k : site->meta.custom_properties) {
    if (matches(k)) return true;
  }
  for (const auto& k : site->meta.event_id_keys) {
    if (matches(k)) return true;
  }
  return false;
}

bool read_by_a_stage(const std::string& target, const SiteConfig* site) {
  if (configured_for_site(target, site)) return true;
  const auto dot = target.find('.');
  const std::string head = target.substr(0, dot);
  if (!event::is_known_key(head)) return false;
  if (dot == std::string::npos) return true;
  if (kOpenObjects.count(head)) return true;
  const std::string rest = target.substr(dot + 1);
  if (head == "user_data") {
    for (const auto& p : kUserDataPaths) {
      if (p == rest) return true;
    }
  }
  return false;
}

std::vector<std::string> target_candidates(const std::string& target) {
  std::vector<std::string> c;
  for (event::Key k : event::keys_by_name()) c.emplace_back(event::name_of(k));
  for (const auto& p : kUserDataPaths) c.push_back("user_data." + p);
  // Meta's Conversion Leads keys and any custom_data property: custom_data passes through.
  c.push_back("custom_data.event_source");
  c.push_back("custom_data.lead_event_source");
  if (target.find('.') == std::string::npos) c.push_back("custom_data." + target);
  return c;
}

void check_targets(MapReader& r, const std::vector<sources::mapped::FieldSpec>& fields, const std::string& prefix,
                   const SiteConfig* site, bool items) {
  for (const auto& f : fields) {
    const std::string path = r.key_path(prefix) + "." + f.target;
    if (items) {
      bool ok = false;
      for (const auto& k : kItemKeys) ok |= k == f.target;
      if (!ok) {
        r.diagnostics().error(path, f.line,
                              "no stage reads the item key '" + f.target + "'" + did_you_mean(f.target, kItemKeys, 3));
      }
      continue;
    }
    if (!read_by_a_stage(f.target, site)) {
      r.diagnostics().error(path, f.line,
                            "no stage reads the event-data key '" + f.target + "', so its value would be dropped" +
                                did_you_mean(f.target, target_candidates(f.target), 3) +
                                "; keys a site reads itself go under sites.<id>.meta (user_data, custom_properties)");
    }
    if (!f.each.empty()) check_targets(r, f.each, prefix + "." + f.target, site, f.target == "items");
  }
}

// Meta's Conversion Leads (CRM events): custom_data.event_source "crm", custom_data.lead_event_source (the CRM's
// name) and the lead id from Lead Ads.
void warn_incomplete_crm_source(MapReader& r, const sources::mapped::MappingSpec& spec) {
  std::set<std::string> targets;
  for (const auto& f : spec.fields) targets.insert(f.target);
  bool crm = spec.action_source == "system_generated";
  for (const auto& f : spec.fields) {
    if (f.target == "custom_data.event_source") crm = true;
  }
  if (!crm) return;
  std::vector<std::string> missing;
  if (!targets.count("custom_data.event_source")) missing.push_back("custom_data.event_source: {const: crm}");
  if (!targets.count("custom_data.lead_event_source")) {
    missing.push_back("custom_data.lead_event_source (the CRM's name, e.g. {const: HubSpot})");
  }
  if (!targets.count("x-fb-ud-lead_id") && !targets.count("lead_id")) {
    missing.push_back("x-fb-ud-lead_id (the Lead Ads lead id, sent as user_data.lead_id)");
  }
  if (missing.empty()) return;
  std::string list;
  for (const auto& m : missing) list += (list.empty() ? "" : "; ") + m;
  r.warning("fields", r.child("fields"),
            "a CRM source (action_source: system_generated) should map what Meta's Conversion Leads match on: " +
                list);
}

// Mapper::compile's messages ("field 'x' (line 9): ...", "event_id: ...") at the key they are about.
void report_compile_error(MapReader& r, const std::string& e) {
  static const std::regex field(R"(^fields? '([^']*)' \(line (\d+)\): (.*)$)");
  std::smatch m;
  if (std::regex_match(e, m, field)) {
    r.diagnostics().error(r.key_path("fields") + "." + m[1].str(), std::stoi(m[2].str()), m[3].str());
    return;
  }
  for (const char* key : {"event_id", "event_name", "action_source", "delimiter"}) {
    const std::string p = std::string(key) + ": ";
    if (e.rfind(p, 0) == 0) {
      r.error(key, r.child(key), e.substr(p.size()));
      return;
    }
  }
  r.diagnostics().error(r.path(), r.line(), e);
}

void read_capi_json(MapReader& r, SourceConfig& s) {
  sources::capi_json::Settings st;
  sources::capi_json::settings_schema().read_rows(r, st);
  s.path = st.path;
  s.site = st.site;
  s.api_keys = st.api_keys;
  s.action_source = st.action_source;
  if (kReservedPaths.count(s.path)) r.error("path", r.child("path"), "'" + s.path + "' is reserved by the server");
}

void read_mapped(MapReader& r, const std::string& name, SourceConfig& s, const Config& c) {
  sources::mapped::MappingSpec spec;
  spec.name = name;
  const std::size_t errors_before = r.diagnostics().errors.size();
  sources::mapped::mapped_source_schema().read_rows(r, spec);
  s.path = spec.path.empty() ? "/v1/sources/" + name : spec.path;
  s.site = spec.site;
  s.action_source = spec.action_source;
  if (!spec.auth.secret.empty()) s.api_keys = {spec.auth.secret};  // listed for log redaction
  if (r.diagnostics().errors.size() != errors_before) return;     // compile errors would only repeat these
  check_targets(r, spec.fields, "fields", c.find_site(spec.site), false);
  warn_incomplete_crm_source(r, spec);
  std::vector<std::string> compile_errors;
  auto mapper = sources::mapped::Mapper::compile(spec, compile_errors);
  for (const auto& e : compile_errors) report_compile_error(r, e);
  if (mapper) s.mapper = std::make_shared<const sources::mapped::Mapper>(std::move(*mapper));
}

}  // namespace

void read_sources(MapReader& top, const std::string& key, Config& c) {
  const Node* n = top.child(key);
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    top.error(key, n, "expected a mapping of source name -> source settings");
    return;
  }
  std::map<std::string, std::string> paths;  // path -> source
  for (const auto& [name, sn] : n->map) {
    MapReader r(&sn, top.key_path(key) + "." + name, top.diagnostics());
    SourceConfig s;
    s.name = name;
    s.type = "capi_json";
    r.one_of("type", s.type, kTypes);
    if (s.type == "mapped") {
      read_mapped(r, name, s, c);
    } else {
      read_capi_json(r, s);
    }
    r.finish();
    if (auto [it, fresh] = paths.emplace(s.path, name); !fresh) {
      r.error("path", r.child("path"), "path '" + s.path + "' is also used by source '" + it->second + "'");
    }
    if (!s.site.empty() && !c.find_site(s.site)) {
      std::vector<std::string> ids;
      for (const auto& site : c.sites) ids.push_back(site.id);
      r.error("site", r.child("site"), "no site '" + s.site + "' is defined under sites" + did_you_mean(s.site, ids));
    }
    c.sources.push_back(std::move(s));
  }
}

void document_sources(const std::string& path, std::vector<KeyDoc>& out) {
  out.push_back({path + ".<name>.type", "one of", "`capi_json`", "`capi_json`, `mapped`",
                 "The kind of source; each kind has its own keys below."});
  sources::capi_json::settings_schema().document(path + ".<capi_json source>.", sources::capi_json::Settings{}, out);
  sources::mapped::mapped_source_schema().document(path + ".<mapped source>.", sources::mapped::MappingSpec{}, out);
}

}  // namespace sidetag::config
