#include "sidetag/sources/ga4/event_data.hpp"

#include <map>
#include <unordered_map>

#include "sidetag/sources/ga4/client_ip.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

namespace {

struct KeyMap {
  std::string_view param;
  std::string_view key;
};

// Direct string mappings (§4 tables, "-> event data").
constexpr KeyMap kStrings[] = {
    {"en", "event_name"},           {"cid", "client_id"},            {"dl", "page_location"},
    {"dr", "page_referrer"},        {"dt", "page_title"},            {"ul", "language"},
    {"sr", "screen_resolution"},    {"sid", "ga_session_id"},        {"uid", "user_id"},
    {"cu", "currency"},             {"dp", "page_path"},             {"dh", "page_hostname"},
    {"pi", "promotion_id"},         {"pn", "promotion_name"},        {"v", "x-ga-protocol_version"},
    {"tid", "x-ga-measurement_id"}, {"gtm", "x-ga-gtm_version"},     {"ecid", "x-ga-ecid"},
    {"gcs", "x-ga-gcs"},            {"gcd", "x-ga-gcd"},             {"gcu", "x-ga-gcu"},
    {"npa", "x-ga-npa"},            {"dma_cps", "x-ga-dma_cps"},     {"edid", "x-ga-edid"},
    {"gdid", "x-ga-gdid"},          {"did", "x-ga-did"},             {"ur", "x-ga-ur"},
    {"pscdl", "x-ga-pscdl"},        {"are", "x-ga-are"},             {"frm", "x-ga-mp2-frm"},
    {"seg", "x-ga-mp2-seg"},        {"ir", "x-ga-mp2-ir"},           {"tt", "x-ga-mp2-tt"},
    {"tag_exp", "x-ga-mp2-tag_exp"}, {"richsstsse", "x-ga-mp2-richsstsse"},
};
// Typed numbers: a non-numeric value is dropped (noted) so consumers can rely on the type.
constexpr KeyMap kNumbers[] = {
    {"sct", "ga_session_number"}, {"_et", "engagement_time_msec"}, {"_p", "x-ga-page_id"},
    {"_s", "x-ga-request_count"}, {"tfd", "x-ga-tfd"},
};
constexpr KeyMap kBools[] = {{"dma", "x-ga-dma"}, {"lps", "x-ga-lps"}};
constexpr KeyMap kClientHints[] = {
    {"uaa", "architecture"}, {"uab", "bitness"},           {"uam", "model"},
    {"uap", "platform"},     {"uapv", "platform_version"},
};
// Underscore params consumed elsewhere or documented as not forwarded (§4.2, §4.5).
constexpr std::string_view kDroppedUnderscore[] = {"_uip", "_fplc", "_glv", "_gaz", "_rdi", "_geo", "_rnd"};
// Keys an ep./epn. parameter may not overwrite.
constexpr std::string_view kProtected[] = {"event_name", "client_id", "ip_override", "user_agent", "items", "user_data"};

// Which table a parameter belongs to, found with one hash lookup: a hit carries ~40 parameters and a linear scan
// of the tables for each was a tenth of this function's cost.
enum class ParamKind { string, number, boolean, client_hint };
struct ParamTarget {
  ParamKind kind;
  const KeyMap* map;
};

const std::unordered_map<std::string_view, ParamTarget>& param_index() {
  static const auto index = [] {
    std::unordered_map<std::string_view, ParamTarget> m;
    for (const auto& e : kStrings) m.emplace(e.param, ParamTarget{ParamKind::string, &e});
    for (const auto& e : kNumbers) m.emplace(e.param, ParamTarget{ParamKind::number, &e});
    for (const auto& e : kBools) m.emplace(e.param, ParamTarget{ParamKind::boolean, &e});
    for (const auto& e : kClientHints) m.emplace(e.param, ParamTarget{ParamKind::client_hint, &e});
    return m;
  }();
  return index;
}

const ParamTarget* find_param(std::string_view param) {
  const auto& index = param_index();
  auto it = index.find(param);
  return it == index.end() ? nullptr : &it->second;
}

bool is_protected(std::string_view key) {
  if (key.substr(0, 2) == "x-") return true;
  for (auto p : kProtected)
    if (p == key) return true;
  return false;
}

int item_number(std::string_view k) {  // pr<N> -> N (is_tilde_structured_key already checked)
  int n = 0;
  for (char c : k.substr(2)) n = n * 10 + (c - '0');
  return n;
}

// "brand;version|brand;version" after the first decode; each part decoded once more (§2, uafvl double-encoded).
nlohmann::json full_version_list(std::string_view v) {
  nlohmann::json arr = nlohmann::json::array();
  for (auto entry : util::split(v, '|')) {
    if (entry.empty()) continue;
    auto semi = entry.rfind(';');
    std::string brand = util::percent_decode(semi == std::string_view::npos ? entry : entry.substr(0, semi), false);
    std::string version = semi == std::string_view::npos ? std::string() : util::percent_decode(entry.substr(semi + 1), false);
    if (!util::valid_utf8(brand) || !util::valid_utf8(version)) continue;
    arr.push_back({{"brand", std::move(brand)}, {"version", std::move(version)}});
  }
  return arr;
}

// Reads a structured-header quoted string starting at s[i] == '"'; advances i past the closing quote.
bool read_quoted(std::string_view s, std::size_t& i, std::string& out) {
  out.clear();
  for (++i; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      out.push_back(s[++i]);
    } else if (c == '"') {
      ++i;
      return true;
    } else {
      out.push_back(c);
    }
  }
  return false;
}

}  // namespace

nlohmann::json parse_sec_ch_ua(std::string_view h) {
  nlohmann::json arr = nlohmann::json::array();
  std::size_t i = 0;
  while (i < h.size()) {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == ',')) ++i;
    if (i >= h.size()) break;
    std::string brand, version;
    bool ok = h[i] == '"' && read_quoted(h, i, brand);
    // parameters up to the next top-level ','
    while (i < h.size() && h[i] != ',') {
      if (h[i] == ';') {
        ++i;
        while (i < h.size() && h[i] == ' ') ++i;
        if (h.substr(i, 2) == "v=" && i + 2 < h.size() && h[i + 2] == '"') {
          i += 2;
          std::string v;
          if (read_quoted(h, i, v)) version = std::move(v);
        }
        continue;
      } else if (h[i] == '"') {
        std::string skip;
        read_quoted(h, i, skip);
        continue;
      }
      ++i;
    }
    if (ok && util::valid_utf8(brand) && util::valid_utf8(version))
      arr.push_back({{"brand", std::move(brand)}, {"version", std::move(version)}});
  }
  return arr;
}

nlohmann::json to_event_data(const Params& params, const RequestInfo& request, std::vector<std::string>* notes) {
  auto note = [&](std::string s) {
    if (notes) notes->push_back(std::move(s));
  };
  nlohmann::json d = nlohmann::json::object();
  try {
    nlohmann::json sys = nlohmann::json::object();       // x-ga-system_properties
    nlohmann::json sst = nlohmann::json::object();       // x-sst-system_properties
    nlohmann::json uprops = nlohmann::json::object();    // x-ga-mp2-user_properties
    nlohmann::json hints = nlohmann::json::object();     // client_hints
    std::map<int, nlohmann::json> items;
    std::vector<std::pair<std::string, nlohmann::json>> event_params;  // ep./epn., applied last
    std::vector<std::string> not_forwardable;
    std::string uip;

    for (const auto& [k, v] : params) {
      if (k.empty()) continue;
      if (!util::valid_utf8(k)) {
        note("param dropped (invalid UTF-8 key)");
        continue;
      }
      std::string_view key(k);
      if (is_tilde_structured_key(key)) {
        if (key == "em") {
          std::string whole = form_decode(v);
          if (!util::valid_utf8(whole)) {
            note("em dropped (invalid UTF-8)");
            continue;
          }
          d["x-ga-em"] = std::move(whole);
          nlohmann::json ud = decode_user_provided_data(v, &not_forwardable, notes);
          if (!ud.is_null()) d["user_data"] = std::move(ud);
        } else {
          nlohmann::json item = decode_item(v, notes);
          if (!item.empty()) items[item_number(key)] = std::move(item);
        }
        continue;
      }
      if (!util::valid_utf8(v)) {
        note("param dropped (invalid UTF-8 value): " + k);
        continue;
      }
      if (key.size() > 3 && key.substr(0, 3) == "ep.") {
        event_params.emplace_back(k.substr(3), v);
        continue;
      }
      if (key.size() > 4 && key.substr(0, 4) == "epn.") {
        if (auto n = parse_number(v)) {
          event_params.emplace_back(k.substr(4), std::move(*n));
        } else {
          note("epn." + k.substr(4) + " not numeric: kept as string");
          event_params.emplace_back(k.substr(4), v);
        }
        continue;
      }
      if (key.size() > 3 && key.substr(0, 3) == "up.") {
        uprops[k.substr(3)] = v;
        continue;
      }
      if (key.size() > 4 && key.substr(0, 4) == "upn.") {
        if (auto n = parse_number(v)) {
          uprops[k.substr(4)] = std::move(*n);
        } else {
          note("upn." + k.substr(4) + " not numeric: kept as string");
          uprops[k.substr(4)] = v;
        }
        continue;
      }
      if (key.size() > 4 && key.substr(0, 4) == "sst.") {
        sst[k.substr(4)] = v;
        continue;
      }
      if (key.substr(0, 4) == "gap.") continue;
      if (const ParamTarget* t = find_param(key)) {
        const std::string target(t->map->key);
        switch (t->kind) {
          case ParamKind::string:
            d[target] = v;
            if (key == "uid") uprops["_user_id"] = v;
            break;
          case ParamKind::number:
            if (auto n = parse_number(v))
              d[target] = std::move(*n);
            else
              note(target + " dropped (not numeric)");
            break;
          case ParamKind::boolean:
            if (v == "1" || v == "true")
              d[target] = true;
            else if (v == "0" || v == "false")
              d[target] = false;
            else
              d[target] = v;
            break;
          case ParamKind::client_hint:
            hints[target] = v;
            break;
        }
        continue;
      }
      if (key == "uamb" || key == "uaw") {
        hints[key == "uamb" ? "mobile" : "wow64"] = v == "1";
        continue;
      }
      if (key == "uafvl") {
        hints["full_version_list"] = full_version_list(v);
        continue;
      }
      if (key == "ngs") {
        sst["ngs"] = v;
        continue;
      }
      if (key == "_uip") uip = v;
      if (key.front() == '_') {
        bool dropped = false;
        for (auto x : kDroppedUnderscore) dropped = dropped || x == key;
        if (dropped || key.size() == 1) continue;
        if (key == "_ee")
          sys["ee"] = true;
        else
          sys[k.substr(1)] = v;
        continue;
      }
      d["x-ga-" + k] = v;  // unknown parameter: kept (§7.3 rule 6)
    }

    for (auto& [name, value] : event_params) {
      if (name.empty()) continue;
      if (is_protected(name)) {
        note("event parameter ignored (reserved key " + name + ")");
        continue;
      }
      d[name] = std::move(value);
    }

    if (!items.empty()) {
      nlohmann::json arr = nlohmann::json::array();
      for (auto& [n, item] : items) arr.push_back(std::move(item));
      d["items"] = std::move(arr);
    }
    if (!sys.empty()) d["x-ga-system_properties"] = std::move(sys);
    if (!uprops.empty()) d["x-ga-mp2-user_properties"] = std::move(uprops);
    if (!request.sec_ch_ua.empty()) {
      nlohmann::json brands = parse_sec_ch_ua(request.sec_ch_ua);
      if (!brands.empty()) hints["brands"] = std::move(brands);
    }
    if (!hints.empty()) d["client_hints"] = std::move(hints);
    if (!not_forwardable.empty()) d[kNotForwardableKey] = not_forwardable;

    // Request-derived data (§7.3 rule 5).
    if (!request.user_agent.empty() && util::valid_utf8(request.user_agent)) d["user_agent"] = request.user_agent;
    std::string ip = normalize_ip(request.client_ip);
    if (!uip.empty()) {
      std::string u = normalize_ip(uip);
      if (request.trust_uip && !u.empty())
        ip = u;
      else
        note("_uip ignored");
    }
    if (!ip.empty()) d["ip_override"] = ip;
    if (request.received_ms > 0) sst["request_start_time_ms"] = request.received_ms;
    if (!sst.empty()) d["x-sst-system_properties"] = std::move(sst);

    if (auto fbp = find_cookie(request.cookies, "_fbp"); fbp && valid_fb_cookie(*fbp)) d["x-fb-ck-fbp"] = std::string(*fbp);
    if (auto fbc = find_cookie(request.cookies, "_fbc"); fbc && valid_fb_cookie(*fbc)) d["x-fb-ck-fbc"] = std::string(*fbc);

    if (request.use_fpid) {
      auto fpid = find_cookie(request.cookies, "FPID");
      constexpr std::string_view prefix = "FPID2.2.";
      if (fpid && fpid->substr(0, prefix.size()) == prefix && fpid->size() > prefix.size()) {
        std::string id = util::percent_decode(fpid->substr(prefix.size()), false);
        if (util::valid_utf8(id)) {
          if (d.contains("client_id")) d["x-ga-js_client_id"] = d["client_id"];
          d["client_id"] = std::move(id);
        }
      }
    }
  } catch (const std::exception& e) {
    note(std::string("event data incomplete: ") + e.what());
  }
  return d;
}

}  // namespace sidetag::sources::ga4
