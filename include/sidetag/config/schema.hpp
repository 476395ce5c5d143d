#pragma once
// Schema tables: every configuration section declares, next to its code, one table of its keys (name, type,
// default, range or allowed values, doc) bound to the fields of its settings struct. The table is both the reader
// (MapReader interprets it: typed values, ranges, line numbers, did-you-mean for unknown keys, secrets never
// quoted) and the documentation (`sidetag config reference`, README.md's configuration reference).
//
//   // include/sidetag/<module>/settings.hpp
//   struct WidgetSettings { int size = 4; std::string mode = "fast"; };      // defaults live here, once
//   const config::Schema<WidgetSettings>& widget_schema();
//
//   // src/<module>/settings.cpp
//   const config::Schema<WidgetSettings>& widget_schema() {
//     static const config::Schema<WidgetSettings> s = [] {
//       config::Schema<WidgetSettings> s("What widgets are.");
//       s.integer("size", &WidgetSettings::size, 1, 64, "How big.");
//       s.one_of("mode", &WidgetSettings::mode, {"fast", "safe"}, "How careful.");
//       s.check([](config::MapReader& r, WidgetSettings& w) { /* cross-key rules: r.error(key, r.child(key), ...) */ });
//       return s;
//     }();
//     return s;
//   }
//
// Defaults are the struct's member initialisers; the reference shows them by reading a default-constructed struct.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sidetag/config/reader.hpp"

namespace sidetag::config {

// One documented key, as `sidetag config reference` prints it.
struct KeyDoc {
  std::string path;          // "server.port", "sites.<id>.meta.pixels[].id", "sources.<name>.path"
  std::string type;          // "integer", "string", "list of strings", "true/false", "mapping", ...
  std::string default_text;  // rendered default ("" = none), "required" for required keys
  std::string values;        // range ("1..256") or allowed values ("`live`, `sandbox`")
  std::string doc;
};

// Markdown rendering of a reference: one table per top-level section, in order.
std::string render_reference_markdown(const std::vector<KeyDoc>& keys);

namespace schema_detail {
std::string quote_default(const std::string& s);
std::string show_list(const std::vector<std::string>& v);
std::string join_values(const std::vector<std::string>& v);
bool same_word(const std::string& a, const std::string& b);  // ASCII case-insensitive
}  // namespace schema_detail

template <class T>
class Schema {
 public:
  // How a row reads its key from the section's reader into the settings struct.
  using ReadFn = std::function<void(MapReader&, const std::string& key, T&)>;
  using CheckFn = std::function<void(MapReader&, T&)>;
  using DocFn = std::function<void(const std::string& path, std::vector<KeyDoc>&)>;

  struct Row {
    std::string key, type, doc, values;
    std::string default_text;                         // set by default_doc(); otherwise rendered from T{}
    std::function<std::string(const T&)> render_default;
    bool required_ = false, secret_ = false;
    std::vector<std::pair<std::string, std::string>> refused;  // value -> why it is refused for now
    std::string unavailable_;                          // non-empty: the key does nothing yet; any value is an error
    std::function<std::string(const std::string&)> validator;  // scalar (or each list element) -> problem or ""
    ReadFn read;
    DocFn document_children;                           // nested sections, lists and maps of sections

    Row& required() { required_ = true; return *this; }
    // Values of this key are never quoted in messages and are scrubbed from every message.
    Row& secret() { secret_ = true; return *this; }
    Row& default_doc(std::string text) { default_text = std::move(text); render_default = nullptr; return *this; }
    Row& values_doc(std::string text) { values = std::move(text); return *this; }
    // A value that is accepted by the type but does nothing yet: an error with `why`, until it works.
    Row& refuse(std::string value, std::string why) { refused.emplace_back(std::move(value), std::move(why)); return *this; }
    // A key that does nothing yet: setting it at all is an error with `why`, until it works.
    Row& unavailable(std::string why) { unavailable_ = std::move(why); return *this; }
    // Checks a scalar value (every element of a list): returns "" or what is wrong ("is not a CIDR range").
    Row& validate(std::function<std::string(const std::string&)> fn) { validator = std::move(fn); return *this; }
  };

  explicit Schema(std::string doc = {}) : doc_(std::move(doc)) {}

  const std::string& doc() const { return doc_; }

  // --- rows ---------------------------------------------------------------------------------------------------
  Row& str(std::string key, std::string T::*field, std::string doc) {
    Row& r = add(std::move(key), "string", std::move(doc));
    r.read = [field, &r](MapReader& m, const std::string& k, T& out) {
      std::string v = out.*field;
      m.str(k, v, r.required_);
      out.*field = std::move(v);
    };
    r.render_default = [field](const T& t) { return schema_detail::quote_default(t.*field); };
    return r;
  }

  template <class I>
  Row& integer(std::string key, I T::*field, long long min, long long max, std::string doc) {
    Row& r = add(std::move(key), "integer", std::move(doc));
    r.values = std::to_string(min) + ".." + std::to_string(max);
    r.read = [field, min, max](MapReader& m, const std::string& k, T& out) { m.integer(k, out.*field, min, max); };
    r.render_default = [field](const T& t) { return "`" + std::to_string(t.*field) + "`"; };
    return r;
  }

  Row& flag(std::string key, bool T::*field, std::string doc) {
    Row& r = add(std::move(key), "true/false", std::move(doc));
    r.read = [field](MapReader& m, const std::string& k, T& out) { m.flag(k, out.*field); };
    r.render_default = [field](const T& t) { return std::string(t.*field ? "`true`" : "`false`"); };
    return r;
  }

  // A list of strings (a single scalar is a one-element list).
  Row& str_list(std::string key, std::vector<std::string> T::*field, std::string doc) {
    Row& r = add(std::move(key), "list of strings", std::move(doc));
    r.read = [field](MapReader& m, const std::string& k, T& out) { m.str_list(k, out.*field); };
    r.render_default = [field](const T& t) { return schema_detail::show_list(t.*field); };
    return r;
  }

  // A string that must be one of `allowed`.
  Row& one_of(std::string key, std::string T::*field, std::vector<std::string> allowed, std::string doc) {
    Row& r = add(std::move(key), "one of", std::move(doc));
    r.values = schema_detail::join_values(allowed);
    r.read = [field, allowed](MapReader& m, const std::string& k, T& out) { m.one_of(k, out.*field, allowed); };
    r.render_default = [field](const T& t) { return schema_detail::quote_default(t.*field); };
    return r;
  }

  // A C++ enum spelled as one of the names in `names`.
  template <class E>
  Row& one_of(std::string key, E T::*field, std::vector<std::pair<std::string, E>> names, std::string doc) {
    std::vector<std::string> allowed;
    for (const auto& [n, e] : names) allowed.push_back(n);
    Row& r = add(std::move(key), "one of", std::move(doc));
    r.values = schema_detail::join_values(allowed);
    r.read = [field, names, allowed](MapReader& m, const std::string& k, T& out) {
      std::string v;
      m.one_of(k, v, allowed);
      for (const auto& [n, e] : names) {
        if (n == v) out.*field = e;
      }
    };
    r.render_default = [field, names](const T& t) {
      for (const auto& [n, e] : names) {
        if (e == t.*field) return "`" + n + "`";
      }
      return std::string();
    };
    return r;
  }

  // A nested mapping read into a member struct with its own table.
  template <class S>
  Row& section(std::string key, S T::*field, const Schema<S>& schema, std::string doc = {}) {
    Row& r = add(std::move(key), "mapping", doc.empty() ? schema.doc() : std::move(doc));
    r.read = [field, &schema](MapReader& m, const std::string& k, T& out) {
      MapReader sub(m.child(k), m.key_path(k), m.diagnostics());
      schema.read(sub, out.*field);
    };
    r.document_children = [&schema](const std::string& path, std::vector<KeyDoc>& out) {
      schema.document(path + ".", S{}, out);
    };
    return r;
  }

  // A nested mapping whose keys are read into this same struct (`meta.batch.max_events` -> MetaDefaults).
  Row& group(std::string key, const Schema<T>& schema, std::string doc = {}) {
    Row& r = add(std::move(key), "mapping", doc.empty() ? schema.doc() : std::move(doc));
    r.read = [&schema](MapReader& m, const std::string& k, T& out) {
      MapReader sub(m.child(k), m.key_path(k), m.diagnostics());
      schema.read(sub, out);
    };
    r.document_children = [&schema](const std::string& path, std::vector<KeyDoc>& out) {
      schema.document(path + ".", T{}, out);
    };
    return r;
  }

  // An optional nested mapping: the member is set only when the key is present.
  template <class S>
  Row& optional_section(std::string key, std::optional<S> T::*field, const Schema<S>& schema, std::string doc = {}) {
    Row& r = add(std::move(key), "mapping", doc.empty() ? schema.doc() : std::move(doc));
    r.read = [field, &schema](MapReader& m, const std::string& k, T& out) {
      const Node* n = m.child(k);
      if (!n) return;
      MapReader sub(n, m.key_path(k), m.diagnostics());
      S value;
      schema.read(sub, value);
      out.*field = std::move(value);
    };
    r.document_children = [&schema](const std::string& path, std::vector<KeyDoc>& out) {
      schema.document(path + ".", S{}, out);
    };
    return r;
  }

  // A list of mappings, each read with `schema` (`pixels: [{id: ...}, ...]`).
  template <class S>
  Row& list_of(std::string key, std::vector<S> T::*field, const Schema<S>& schema, std::string doc) {
    Row& r = add(std::move(key), "list of mappings", std::move(doc));
    r.read = [field, &schema](MapReader& m, const std::string& k, T& out) {
      const Node* n = m.child(k);
      if (!n) return;
      if (n->kind != Node::Kind::seq) {
        m.error(k, n, "expected a list (- key: value entries)");
        return;
      }
      (out.*field).clear();
      for (std::size_t i = 0; i < n->seq.size(); ++i) {
        MapReader sub(&n->seq[i], m.key_path(k) + "[" + std::to_string(i) + "]", m.diagnostics());
        S value;
        schema.read(sub, value);
        (out.*field).push_back(std::move(value));
      }
    };
    r.render_default = [](const T&) { return std::string("`[]`"); };
    r.document_children = [&schema](const std::string& path, std::vector<KeyDoc>& out) {
      schema.document(path + "[].", S{}, out);
    };
    return r;
  }

  // A mapping of names to sections (`sites: {shop: {...}}`), kept in file order; `name_field` receives the name.
  template <class S>
  Row& map_of(std::string key, std::vector<S> T::*field, const Schema<S>& schema, std::string placeholder,
              std::string S::*name_field, std::string doc) {
    Row& r = add(std::move(key), "mapping of " + placeholder + " -> mapping", std::move(doc));
    r.read = [field, &schema, name_field](MapReader& m, const std::string& k, T& out) {
      const Node* n = m.child(k);
      if (!n) return;
      if (n->kind != Node::Kind::map) {
        m.error(k, n, "expected a mapping of names to settings");
        return;
      }
      for (const auto& [name, v] : n->map) {
        MapReader sub(&v, m.key_path(k) + "." + name, m.diagnostics());
        S value;
        value.*name_field = name;
        schema.read(sub, value);
        (out.*field).push_back(std::move(value));
      }
    };
    r.document_children = [&schema, placeholder](const std::string& path, std::vector<KeyDoc>& out) {
      schema.document(path + "." + placeholder + ".", S{}, out);
    };
    return r;
  }

  // Anything else: the row documents `type` and reads with `read` (MapReader, the key, the struct).
  Row& custom(std::string key, std::string type, std::string doc, ReadFn read) {
    Row& r = add(std::move(key), std::move(type), std::move(doc));
    r.read = std::move(read);
    return r;
  }

  // Documents children of a custom row (e.g. the keys of its mapping form).
  Row& last() { return rows_.back(); }

  // A rule across keys, run after every row has been read (errors: r.error(key, r.child(key), message)).
  Schema& check(CheckFn fn) {
    checks_.push_back(std::move(fn));
    return *this;
  }

  // --- interpretation -----------------------------------------------------------------------------------------
  // Reads every row from `r` (a reader over this section's mapping), runs the checks, reports unknown keys.
  void read(MapReader& r, T& out) const {
    read_rows(r, out);
    r.finish();
  }
  // Reads the rows without reporting unknown keys (a caller that reads more keys from the same mapping).
  void read_rows(MapReader& r, T& out) const {
    for (const auto& row : rows_) {
      if (row.secret_) r.secret(row.key);
      const Node* n = r.child(row.key);
      if (!n) {
        if (row.required_) r.error(row.key, nullptr, "required value is missing");
        continue;
      }
      if (!row.unavailable_.empty()) {
        r.error(row.key, n, row.unavailable_);
        continue;
      }
      if (refused(r, row, *n)) continue;
      if (row.validator && !validate_values(r, row, *n)) continue;
      row.read(r, row.key, out);
    }
    if (!r.present()) return;
    for (const auto& c : checks_) c(r, out);
  }
  void read(const Node* n, const std::string& path, T& out, Diagnostics& d) const {
    MapReader r(n, path, d);
    read(r, out);
  }

  // The documented keys under `prefix` ("server."), with defaults taken from `defaults`.
  void document(const std::string& prefix, const T& defaults, std::vector<KeyDoc>& out) const {
    for (const auto& row : rows_) {
      KeyDoc k;
      k.path = prefix + row.key;
      k.type = row.type;
      k.values = row.values;
      k.doc = row.doc;
      for (const auto& [v, why] : row.refused) k.doc += (k.doc.empty() ? "" : " ") + std::string("Refused: ") + why + ".";
      if (!row.unavailable_.empty()) k.doc += (k.doc.empty() ? "" : " ") + std::string("Refused: ") + row.unavailable_ + ".";
      if (row.required_) {
        k.default_text = "required";
      } else if (!row.default_text.empty()) {
        k.default_text = row.default_text;
      } else if (row.render_default) {
        k.default_text = row.render_default(defaults);
      }
      out.push_back(std::move(k));
      if (row.document_children) row.document_children(prefix + row.key, out);
    }
  }
  std::vector<KeyDoc> reference(const std::string& prefix = {}) const {
    std::vector<KeyDoc> out;
    document(prefix, T{}, out);
    return out;
  }

  // The keys of this table, for did-you-mean lists.
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& r : rows_) k.push_back(r.key);
    return k;
  }

 private:
  Row& add(std::string key, std::string type, std::string doc) {
    rows_.push_back(std::make_unique<Row>());
    Row& r = rows_.back();
    r.key = std::move(key);
    r.type = std::move(type);
    r.doc = std::move(doc);
    return r;
  }

  static bool refused(MapReader& r, const Row& row, const Node& n) {
    if (n.kind != Node::Kind::scalar) return false;
    for (const auto& [value, why] : row.refused) {
      if (schema_detail::same_word(n.scalar, value)) {
        r.error(row.key, &n, why);
        return true;
      }
    }
    return false;
  }

  static bool validate_values(MapReader& r, const Row& row, const Node& n) {
    bool ok = true;
    auto one = [&](const Node& v, const std::string& path) {
      if (v.kind != Node::Kind::scalar) return;  // the type check reports it
      std::string problem = row.validator(v.scalar);
      if (problem.empty()) return;
      r.diagnostics().error(path, v.line, r.shown_value(row.key, v) + " " + problem);
      ok = false;
    };
    if (n.kind == Node::Kind::seq) {
      for (std::size_t i = 0; i < n.seq.size(); ++i) one(n.seq[i], r.key_path(row.key) + "[" + std::to_string(i) + "]");
    } else {
      one(n, r.key_path(row.key));
    }
    return ok;
  }

  // Rows are reached through references handed out by the builders, so they must not move.
  struct Rows {
    std::vector<std::unique_ptr<Row>> v;
    void push_back(std::unique_ptr<Row> r) { v.push_back(std::move(r)); }
    Row& back() { return *v.back(); }
    auto begin() const { return IndirectIt{v.begin()}; }
    auto end() const { return IndirectIt{v.end()}; }
  };
  struct IndirectIt {
    typename std::vector<std::unique_ptr<Row>>::const_iterator it;
    const Row& operator*() const { return **it; }
    IndirectIt& operator++() { ++it; return *this; }
    bool operator!=(const IndirectIt& o) const { return it != o.it; }
  };

  std::string doc_;
  Rows rows_;
  std::vector<CheckFn> checks_;
};

}  // namespace sidetag::config
