// `sidetag normalize FIELD VALUE [--country CC]` (see normalize_cli.hpp).
#include "sidetag/prep/normalize_cli.hpp"

#include "sidetag/prep/normalize.hpp"

#include <nlohmann/json.hpp>

namespace sidetag::prep {
namespace {

constexpr const char* kUsage =
    "usage: sidetag normalize [--country CC] [--] FIELD VALUE [--country CC]\n"
    "  VALUE may start with '-'; `--` ends the options.\n"
    "  FIELD: em ph fn ln ge db ct st zp country external_id f5first f5last fi dobd dobm doby\n";

int usage(std::ostream& out, const std::string& why) {
  out << "error: " << why << "\n" << kUsage;
  return 2;
}

bool is_two_letters(const std::string& s) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return s.size() == 2 && letter(s[0]) && letter(s[1]);
}

void print(std::ostream& out, const nlohmann::ordered_json& j) {
  // Arguments may be any bytes: never throw on invalid UTF-8 while printing.
  out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

int normalize_command(const std::vector<std::string>& args, std::ostream& out) {
  std::vector<std::string> positional;
  NormalizeOptions opt;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string country;
    if (a == "--") {  // end of options: the rest is FIELD and VALUE, whatever they look like
      positional.insert(positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    // The argument after FIELD is the VALUE even when it starts with '-' (`ct ---Sarah---`), unless it is an option.
    const bool is_option = a == "--country" || a.rfind("--country=", 0) == 0 || a == "--help" || a == "-h";
    if (positional.size() == 1 && !is_option) {
      positional.push_back(a);
      continue;
    }
    if (a == "--country") {
      if (i + 1 >= args.size()) return usage(out, "--country needs a value");
      country = args[++i];
    } else if (a.rfind("--country=", 0) == 0) {
      country = a.substr(10);
    } else if (a == "--help" || a == "-h") {
      out << kUsage;
      return 2;
    } else if (a.size() > 2 && a.rfind("--", 0) == 0) {
      return usage(out, "unknown option " + a);
    } else {
      positional.push_back(a);
      continue;
    }
    if (!is_two_letters(country)) return usage(out, "--country must be a 2-letter ISO country code");
    for (auto& c : country) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    opt.region = country;
  }
  if (positional.size() != 2) return usage(out, "expected FIELD and VALUE");

  const std::string& key = positional[0];
  const std::string& value = positional[1];
  nlohmann::ordered_json j;
  j["field"] = key;
  j["input"] = value;
  auto field = field_from_key(key);
  if (!field) {
    j["error"] = "unknown field (expected one of em ph fn ln ge db ct st zp country external_id f5first f5last fi "
                 "dobd dobm doby)";
    print(out, j);
    return 1;
  }
  Normalized n = normalize_field(*field, value, opt);
  if (!n.ok) {
    j["error"] = n.error;
    print(out, j);
    return 1;
  }
  j["normalized"] = n.normalized;
  j["sha256"] = n.sha256;
  if (n.already_hashed) j["already_hashed"] = true;
  print(out, j);
  return 0;
}

}  // namespace sidetag::prep
