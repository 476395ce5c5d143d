#include <charconv>
#include <cmath>
#include <map>
#include <string_view>

#include "sidetag/sources/ga4/event_data.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

std::optional<nlohmann::json> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  bool integral = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') continue;
    if (c == '-' && i == 0 && s.size() > 1) continue;
    integral = false;
    break;
  }
  if (integral) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec == std::errc() && p == e) return nlohmann::json(v);
  }
  // Only plain decimal/exponent syntax: from_chars would also accept "inf"/"nan"/"infinity".
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
    if (!ok) return std::nullopt;
  }
  if (s.front() == '+') return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(b, e, d);
  if (ec != std::errc() || p != e || !std::isfinite(d)) return std::nullopt;
  return nlohmann::json(d);
}

namespace {

struct Code {
  std::string_view code;
  std::string_view key;
  bool numeric;
};
constexpr Code kItemCodes[] = {
    {"id", "item_id", false},        {"nm", "item_name", false},       {"br", "item_brand", false},
    {"ca", "item_category", false},  {"c2", "item_category2", false},  {"c3", "item_category3", false},
    {"c4", "item_category4", false}, {"c5", "item_category5", false},  {"va", "item_variant", false},
    {"pr", "price", true},           {"qt", "quantity", true},         {"cp", "coupon", false},
    {"ds", "discount", true},        {"ln", "item_list_name", false},  {"li", "item_list_id", false},
    {"lp", "index", true},           {"af", "affiliation", false},     {"lo", "location_id", false},
    {"pi", "promotion_id", false},   {"pn", "promotion_name", false},  {"cn", "creative_name", false},
    {"cs", "creative_slot", false},
};

bool custom_index_char(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

}  // namespace

nlohmann::json decode_item(std::string_view raw_value, std::vector<std::string>* notes) {
  nlohmann::json item = nlohmann::json::object();
  std::map<char, std::string> custom_names, custom_values;
  for (std::string& field : split_tilde_fields(raw_value)) {
    if (field.size() < 2 || !util::valid_utf8(field)) {
      if (notes) notes->push_back("item field ignored (malformed)");
      continue;
    }
    const char code_chars[2] = {field[0], field[1]};  // field's buffer is moved into the value below
    const std::string_view code(code_chars, 2);
    auto ascii_alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!ascii_alnum(code[0]) || !ascii_alnum(code[1])) {  // also keeps multi-byte characters out of key names
      if (notes) notes->push_back("item field ignored (bad code)");
      continue;
    }
    std::string value = std::move(field);
    value.erase(0, 2);
    if ((code[0] == 'k' || code[0] == 'v') && custom_index_char(code[1])) {
      (code[0] == 'k' ? custom_names : custom_values)[code[1]] = std::move(value);
      continue;
    }
    const Code* known = nullptr;
    for (const auto& c : kItemCodes) {
      if (c.code[0] == code[0] && c.code[1] == code[1]) {  // codes are unique and two bytes long
        known = &c;
        break;
      }
    }
    if (!known) {
      item["x-ga-" + std::string(code)] = std::move(value);
      continue;
    }
    if (known->numeric) {
      if (auto n = parse_number(value)) {
        item[known->key] = std::move(*n);
        continue;
      }
      if (notes) notes->push_back("item " + std::string(known->key) + " not numeric: kept as string");
    }
    item[known->key] = std::move(value);
  }
  for (auto& [idx, name] : custom_names) {
    if (name.empty()) continue;
    auto v = custom_values.find(idx);
    if (v == custom_values.end()) {
      if (notes) notes->push_back("item custom parameter without value: " + name);
      continue;
    }
    if (item.contains(name)) {
      if (notes) notes->push_back("item custom parameter shadows a standard key: " + name);
      continue;
    }
    item[name] = std::move(v->second);
  }
  return item;
}

}  // namespace sidetag::sources::ga4
