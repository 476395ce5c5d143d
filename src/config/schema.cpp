#include "sidetag/config/schema.hpp"

#include "sidetag/util/strings.hpp"

namespace sidetag::config {

namespace schema_detail {

std::string quote_default(const std::string& s) { return s.empty() ? std::string() : "`" + s + "`"; }

std::string show_list(const std::vector<std::string>& v) {
  std::string s = "`[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]`";
}

std::string join_values(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", `" : "`") + v[i] + "`";
  return s;
}

bool same_word(const std::string& a, const std::string& b) { return util::iequals(a, b); }

}  // namespace schema_detail

namespace {

std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string type_cell(const KeyDoc& k) {
  if (k.values.empty()) return k.type;
  if (k.type == "one of") return "one of " + k.values;
  return k.type + ", " + k.values;
}

}  // namespace

std::string render_reference_markdown(const std::vector<KeyDoc>& keys) {
  std::string out;
  std::string section;
  for (const auto& k : keys) {
    const std::string top = k.path.substr(0, k.path.find_first_of(".["));
    if (k.path == top) {  // a top-level key: its own heading, then a table of what is below it
      section = top;
      out += "\n### `" + top + "`\n\n";
      if (!k.doc.empty()) out += k.doc + "\n\n";
      if (k.type != "mapping" && k.type.rfind("mapping of", 0) != 0) {
        out += "Type: " + type_cell(k) + (k.default_text.empty() ? "" : "; default " + k.default_text) + ".\n\n";
      }
      out += "| Key | Type | Default | Meaning |\n|---|---|---|---|\n";
      continue;
    }
    out += "| `" + cell(k.path) + "` | " + cell(type_cell(k)) + " | " + cell(k.default_text) + " | " + cell(k.doc) +
           " |\n";
  }
  // Tables that stayed empty (a section documented only by its heading) lose their header.
  const std::string empty_table = "| Key | Type | Default | Meaning |\n|---|---|---|---|\n\n";
  for (auto pos = out.find(empty_table); pos != std::string::npos; pos = out.find(empty_table, pos)) {
    out.erase(pos, empty_table.size() - 1);
  }
  if (out.size() >= empty_table.size() - 1 &&
      out.compare(out.size() - (empty_table.size() - 1), empty_table.size() - 1, empty_table, 0,
                  empty_table.size() - 1) == 0) {
    out.erase(out.size() - (empty_table.size() - 1));
  }
  return out.empty() ? out : out.substr(1);
}

}  // namespace sidetag::config
