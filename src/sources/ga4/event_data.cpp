#include "sidetag/sources/ga4/event_data.hpp"

#include <cstring>
#include <map>
#include <type_traits>
#include <unordered_map>

#include "sidetag/sources/ga4/client_ip.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

namespace {

struct KeyMap {
  std::string_view param;
  std::string_view key;
};

// Direct string mappings (sGTM's common event data names).
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
constexpr KeyMap kHintFlags[] = {{"uamb", "mobile"}, {"uaw", "wow64"}};  // "1" -> true, anything else false
// Underscore params consumed elsewhere or documented as not forwarded by sGTM's GA4 client; _uip is read first.
constexpr std::string_view kDroppedUnderscore[] = {"_uip", "_fplc", "_glv", "_gaz", "_rdi", "_geo", "_rnd"};
// Keys an ep./epn. parameter may not overwrite.
constexpr std::string_view kProtected[] = {"event_name", "client_id", "ip_override", "user_agent", "items", "user_data"};

// Which table (or special case) a parameter belongs to, found with one hash lookup: a hit carries ~40 parameters
// and a linear scan of the tables, then of the special names, for each was a fifth of this function's cost.
enum class ParamKind { string, number, boolean, client_hint, hint_flag, version_list, sst_copy, uip, dropped, ee };
struct ParamTarget {
  ParamKind kind;
  const KeyMap* map;  // null for the kinds after client_hint
};

// FNV-1a inline: parameter names are a few bytes, std::hash's out-of-line _Hash_bytes cost more than the lookup.
struct ShortHash {
  std::size_t operator()(std::string_view s) const {
    std::uint64_t h = 14695981039346656037ULL;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

const std::unordered_map<std::string_view, ParamTarget, ShortHash>& param_index() {
  static const auto index = [] {
    std::unordered_map<std::string_view, ParamTarget, ShortHash> m;
    for (const auto& e : kStrings) m.emplace(e.param, ParamTarget{ParamKind::string, &e});
    for (const auto& e : kNumbers) m.emplace(e.param, ParamTarget{ParamKind::number, &e});
    for (const auto& e : kBools) m.emplace(e.param, ParamTarget{ParamKind::boolean, &e});
    for (const auto& e : kClientHints) m.emplace(e.param, ParamTarget{ParamKind::client_hint, &e});
    for (const auto& e : kHintFlags) m.emplace(e.param, ParamTarget{ParamKind::hint_flag, &e});
    m.emplace("uafvl", ParamTarget{ParamKind::version_list, nullptr});
    m.emplace("ngs", ParamTarget{ParamKind::sst_copy, nullptr});
    for (auto k : kDroppedUnderscore) m.emplace(k, ParamTarget{ParamKind::dropped, nullptr});
    m.insert_or_assign("_uip", ParamTarget{ParamKind::uip, nullptr});
    m.emplace("_ee", ParamTarget{ParamKind::ee, nullptr});
    return m;
  }();
  return index;
}

const ParamTarget* find_param(std::string_view param) {
  const auto& index = param_index();
  auto it = index.find(param);
  return it == index.end() ? nullptr : &it->second;
}

// key starts with `prefix` and has more after it. Inline byte compare: the generic string_view compare was an
// out-of-line call for each of the prefix tests every parameter goes through.
template <std::size_t N>
bool has_prefix(std::string_view key, const char (&prefix)[N]) {
  constexpr std::size_t n = N - 1;
  return key.size() > n && std::memcmp(key.data(), prefix, n) == 0;
}

bool is_protected(std::string_view key) {
  if (key.size() >= 2 && key[0] == 'x' && key[1] == '-') return true;
  for (auto p : kProtected)
    if (p == key) return true;
  return false;
}

int item_number(std::string_view k) {  // pr<N> -> N (is_tilde_structured_key already checked)
  int n = 0;
  for (char c : k.substr(2)) n = n * 10 + (c - '0');
  return n;
}

// {"brand": .., "version": ..}. Built member by member: a nested initializer list copies every value it holds.
nlohmann::json brand_version(std::string&& brand, std::string&& version) {
  nlohmann::json o = nlohmann::json::object();
  o["brand"] = std::move(brand);
  o["version"] = std::move(version);
  return o;
}

// "brand;version|brand;version" after the first decode; each part decoded once more (uafvl is double-encoded).
nlohmann::json full_version_list(std::string_view v) {
  nlohmann::json arr = nlohmann::json::array();
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t bar = v.find('|', start);
    if (bar == std::string_view::npos) bar = v.size();
    const std::string_view entry = v.substr(start, bar - start);
    start = bar + 1;
    if (entry.empty()) continue;
    auto semi = entry.rfind(';');
    std::string brand = util::percent_decode(semi == std::string_view::npos ? entry : entry.substr(0, semi), false);
    std::string version = semi == std::string_view::npos ? std::string() : util::percent_decode(entry.substr(semi + 1), false);
    if (!util::valid_utf8(brand) || !util::valid_utf8(version)) continue;
    arr.push_back(brand_version(std::move(brand), std::move(version)));
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

// A parameter value for the event data: moved out of parameters the caller gave away (to_event_data(Params&&)),
// copied from borrowed ones. Every value is stored at most once, after the last read of it.
template <typename Str>
decltype(auto) pass(Str& v) {
  if constexpr (std::is_const_v<Str>)
    return static_cast<const std::string&>(v);
  else
    return std::move(v);
}

template <typename P>  // Params or const Params
nlohmann::json build_event_data(P& params, const RequestInfo& request, std::vector<std::string>* notes);

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
      arr.push_back(brand_version(std::move(brand), std::move(version)));
  }
  return arr;
}

nlohmann::json to_event_data(const Params& params, const RequestInfo& request, std::vector<std::string>* notes) {
  return build_event_data(params, request, notes);
}

nlohmann::json to_event_data(Params&& params, const RequestInfo& request, std::vector<std::string>* notes) {
  return build_event_data(params, request, notes);
}

namespace {

template <typename P>
nlohmann::json build_event_data(P& params, const RequestInfo& request, std::vector<std::string>* notes) {
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
    std::vector<std::pair<std::string_view, nlohmann::json>> event_params;  // ep./epn. (views into params), applied last
    std::vector<std::string> not_forwardable;
    std::string uip;

    for (auto& [k, v] : params) {  // v is const for borrowed params
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
      if (has_prefix(key, "ep.")) {
        event_params.emplace_back(key.substr(3), pass(v));
        continue;
      }
      if (has_prefix(key, "epn.")) {
        if (auto n = parse_number(v)) {
          event_params.emplace_back(key.substr(4), std::move(*n));
        } else {
          note("epn." + k.substr(4) + " not numeric: kept as string");
          event_params.emplace_back(key.substr(4), pass(v));
        }
        continue;
      }
      if (has_prefix(key, "up.")) {
        uprops[key.substr(3)] = pass(v);
        continue;
      }
      if (has_prefix(key, "upn.")) {
        if (auto n = parse_number(v)) {
          uprops[key.substr(4)] = std::move(*n);
        } else {
          note("upn." + k.substr(4) + " not numeric: kept as string");
          uprops[key.substr(4)] = pass(v);
        }
        continue;
      }
      if (has_prefix(key, "sst.")) {
        sst[key.substr(4)] = pass(v);
        continue;
      }
      if (key.size() >= 4 && std::memcmp(key.data(), "gap.", 4) == 0) continue;
      if (const ParamTarget* t = find_param(key)) {
        const std::string_view target = t->map ? t->map->key : std::string_view();
        switch (t->kind) {
          case ParamKind::string:
            if (key == "uid") uprops["_user_id"] = v;  // before the value moves into d
            d[target] = pass(v);
            break;
          case ParamKind::number:
            if (auto n = parse_number(v))
              d[target] = std::move(*n);
            else
              note(std::string(target) + " dropped (not numeric)");
            break;
          case ParamKind::boolean:
            if (v == "1" || v == "true")
              d[target] = true;
            else if (v == "0" || v == "false")
              d[target] = false;
            else
              d[target] = pass(v);
            break;
          case ParamKind::client_hint:
            hints[target] = pass(v);
            break;
          case ParamKind::hint_flag:
            hints[target] = v == "1";
            break;
          case ParamKind::version_list:
            hints["full_version_list"] = full_version_list(v);
            break;
          case ParamKind::sst_copy:
            sst[key] = pass(v);
            break;
          case ParamKind::uip:
            uip = pass(v);
            break;
          case ParamKind::dropped:
            break;
          case ParamKind::ee:
            sys["ee"] = true;
            break;
        }
        continue;
      }
      if (key.front() == '_') {
        if (key.size() > 1) sys[key.substr(1)] = pass(v);
        continue;
      }
      std::string unknown;  // unknown parameter: kept as x-ga-<name>, like sGTM's GA4 client
      unknown.reserve(5 + key.size());
      unknown.append("x-ga-").append(key);
      d[std::move(unknown)] = pass(v);
    }

    for (auto& [name, value] : event_params) {
      if (name.empty()) continue;
      if (is_protected(name)) {
        note("event parameter ignored (reserved key " + std::string(name) + ")");
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

    // Request-derived data (user agent, client IP), as sGTM's GA4 client adds them.
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

    const FbCookies fb = request.fb_cookies ? *request.fb_cookies : FbCookies::from(request.cookies);
    if (!fb.fbp().empty()) d["x-fb-ck-fbp"] = std::string(fb.fbp());
    if (!fb.fbc().empty()) d["x-fb-ck-fbc"] = std::string(fb.fbc());

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

}  // namespace

}  // namespace sidetag::sources::ga4
