#pragma once
// Loader for tests/fixtures/ga4-hits.txt (format described in the file's header).
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/fixture.hpp"

namespace ga4_test {

struct Sample {
  std::string id;      // "01"
  std::string title;
  std::string method;  // GET / POST
  std::string url;
  std::string query;   // part after '?'
  std::string body;    // body lines joined with '\n' (empty when none)
  std::size_t body_lines = 0;
  bool is_g_collect = false;
};

// Throws (a test failure with the reason) when the fixture is missing or holds no sample.
inline std::vector<Sample> load_samples(const std::string& name = "ga4-hits.txt") {
  std::istringstream in(sidetag_test::read_fixture(name));
  std::vector<Sample> out;
  std::string line;
  Sample* cur = nullptr;
  bool have_request = false;
  bool in_json = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("#== sample ", 0) == 0) {
      out.emplace_back();
      cur = &out.back();
      auto colon = line.find(':');
      cur->id = line.substr(11, colon - 11);
      cur->title = colon == std::string::npos ? "" : line.substr(colon + 2);
      have_request = false;
      in_json = false;
      continue;
    }
    if (!cur) continue;
    if (line == "#== end") {
      cur = nullptr;
      continue;
    }
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      if (have_request && !in_json) cur = nullptr;
      continue;
    }
    if (!have_request) {
      auto sp = line.find(' ');
      cur->method = line.substr(0, sp);
      cur->url = line.substr(sp + 1);
      auto q = cur->url.find('?');
      cur->query = q == std::string::npos ? "" : cur->url.substr(q + 1);
      cur->is_g_collect = cur->url.find("/g/collect") != std::string::npos;
      in_json = cur->url.find("/mp/collect") != std::string::npos;
      have_request = true;
      continue;
    }
    if (in_json) continue;
    if (!cur->body.empty()) cur->body += '\n';
    cur->body += line;
    ++cur->body_lines;
  }
  if (out.empty()) throw std::runtime_error("no '#== sample' in " + sidetag_test::fixture_path(name));
  return out;
}

inline const Sample* find_sample(const std::vector<Sample>& v, const std::string& id) {
  for (const auto& s : v)
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace ga4_test
