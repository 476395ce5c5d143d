#include <map>

#include "sidetag/sources/ga4/event_data.hpp"
#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

namespace {

// base64url (43 chars, no padding) or 64 hex -> 64 lowercase hex; "" when neither.
std::string digest_to_hex(std::string_view v) {
  if (v.size() == 64 && util::is_hex(v)) return util::ascii_lower(v);
  if (v.size() != 43) return {};
  std::string raw;
  if (!util::base64url_decode(v, raw) || raw.size() != 32) return {};
  return util::to_hex(raw);
}

// "fn0" -> ("fn", 0); index 0..99 required for address fields.
bool split_indexed(std::string_view key, std::string_view prefix, int& index) {
  if (key.size() <= prefix.size() || key.size() > prefix.size() + 2 || key.substr(0, prefix.size()) != prefix)
    return false;
  index = 0;
  for (char c : key.substr(prefix.size())) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + (c - '0');
  }
  return true;
}

bool is_error_code(std::string_view v) {
  if (v.size() < 2 || v.size() > 6 || v[0] != 'e') return false;
  for (char c : v.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

// For notes: ASCII letters/digits/'_' only, at most 16 (never raw bytes of the input).
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= 16) break;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') out.push_back(c);
  }
  return out;
}

}  // namespace

nlohmann::json decode_user_provided_data(std::string_view raw_em, std::vector<std::string>* not_forwardable,
                                         std::vector<std::string>* notes) {
  auto note = [&](std::string s) {
    if (notes) notes->push_back(std::move(s));
  };
  if (raw_em.size() > 20000) {
    note("em rejected: longer than 20000 characters");
    return nullptr;
  }
  std::vector<std::string> emails, phones;
  std::map<int, nlohmann::json> address;
  int tag_versions = 0;
  bool tv_ok = false;
  auto add_address = [&](int idx, const char* key, std::string v) { address[idx][key] = std::move(v); };

  for (const std::string& tok : split_tilde_fields(raw_em)) {
    auto dot = tok.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == tok.size() || tok.find('.', dot + 1) != std::string::npos)
      continue;  // not exactly two non-empty parts
    std::string_view key(tok.data(), dot);
    std::string_view val(tok.data() + dot + 1, tok.size() - dot - 1);
    if (!util::valid_utf8(tok)) {
      note("em field dropped (invalid UTF-8)");
      continue;
    }
    if (key == "tv") {
      ++tag_versions;
      tv_ok = val == "1";
      continue;
    }
    if (key == "ec") {
      note("em global error code: " + printable(val));
      continue;
    }
    if (is_error_code(val)) {
      note("em field error code for " + printable(key));
      continue;
    }
    int idx = 0;
    if (key == "em" || key == "pn") {
      std::string hex = digest_to_hex(val);
      if (hex.empty()) {
        note("em field dropped (not a SHA-256 digest): " + printable(key));
        continue;
      }
      (key == "em" ? emails : phones).push_back(std::move(hex));
    } else if (split_indexed(key, "fn", idx) || split_indexed(key, "ln", idx) || split_indexed(key, "sa", idx)) {
      std::string hex = digest_to_hex(val);
      if (hex.empty()) {
        note("em field dropped (not a SHA-256 digest): " + printable(key.substr(0, 2)));
        continue;
      }
      const char* name = key[0] == 'f' ? "sha256_first_name" : key[0] == 'l' ? "sha256_last_name" : "sha256_street";
      add_address(idx, name, std::move(hex));
    } else if (split_indexed(key, "pc", idx)) {
      add_address(idx, "postal_code", std::string(val));
    } else if (split_indexed(key, "co", idx)) {
      add_address(idx, "country", std::string(val));
    } else {
      note("em field ignored: " + printable(key));
    }
  }
  if (tag_versions != 1 || !tv_ok) {
    note("em rejected: exactly one tv.1 required");
    return nullptr;
  }
  nlohmann::json ud = nlohmann::json::object();
  auto put_list = [&](const char* key, std::vector<std::string>& v) {
    if (v.empty()) return;
    if (v.size() == 1)
      ud[key] = std::move(v[0]);
    else
      ud[key] = v;
  };
  put_list("sha256_email_address", emails);
  put_list("sha256_phone_number", phones);
  if (!phones.empty() && not_forwardable) not_forwardable->push_back("user_data.sha256_phone_number");
  if (!address.empty()) {
    bool names = false;
    for (auto& [i, a] : address)
      names = names || a.contains("sha256_first_name") || a.contains("sha256_last_name") || a.contains("sha256_street");
    if (address.size() == 1) {
      ud["address"] = std::move(address.begin()->second);
    } else {
      nlohmann::json arr = nlohmann::json::array();
      for (auto& [i, a] : address) arr.push_back(std::move(a));
      ud["address"] = std::move(arr);
    }
    if (names && not_forwardable) {
      auto has = [&](const char* k) {
        if (ud["address"].is_object()) return ud["address"].contains(k);
        for (auto& a : ud["address"])
          if (a.contains(k)) return true;
        return false;
      };
      for (const char* k : {"sha256_first_name", "sha256_last_name", "sha256_street"})
        if (has(k)) not_forwardable->push_back(std::string("user_data.address.") + k);
    }
  }
  if (ud.empty()) return nullptr;
  return ud;
}

}  // namespace sidetag::sources::ga4
