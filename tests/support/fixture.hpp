#pragma once
// Reads a file of tests/fixtures/. A missing or unreadable fixture throws with its path, which GoogleTest reports
// as a failure of the test that asked for it (never an empty result a test could crash on).
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sidetag_test {

inline std::string fixture_path(const std::string& name) { return std::string(SIDETAG_FIXTURES_DIR) + "/" + name; }

inline std::string read_fixture(const std::string& name) {
  const std::string path = fixture_path(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test fixture missing: " + path + " (fixtures live in tests/fixtures/)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sidetag_test
