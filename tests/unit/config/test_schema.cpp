// The schema-table mechanism on its own: typed rows bound to a struct, defaults, ranges, allowed values, nested
// sections, lists and maps of sections, validators, refused values, secrets, and the generated reference.
#include <gtest/gtest.h>

#include "sidetag/config/schema.hpp"

using namespace sidetag::config;

namespace {

enum class Mode { fast, safe };

struct Inner {
  std::string name;
  int weight = 1;
};

struct Widget {
  std::string label = "w";
  int size = 4;
  bool on = false;
  Mode mode = Mode::fast;
  std::string color = "red";
  std::vector<std::string> tags;
  Inner inner;
  std::vector<Inner> parts;
  std::vector<Inner> named;
  std::string token;
  std::string later;
};

const Schema<Inner>& inner_schema() {
  static const Schema<Inner> s = [] {
    Schema<Inner> s("An inner thing.");
    s.str("name", &Inner::name, "Its name.");
    s.integer("weight", &Inner::weight, 1, 10, "How heavy.");
    return s;
  }();
  return s;
}

const Schema<Widget>& widget_schema() {
  static const Schema<Widget> s = [] {
    Schema<Widget> s("A widget.");
    s.str("label", &Widget::label, "Shown label.").required();
    s.integer("size", &Widget::size, 1, 64, "How big.");
    s.flag("on", &Widget::on, "Switched on.");
    s.one_of("mode", &Widget::mode, {{"fast", Mode::fast}, {"safe", Mode::safe}}, "How careful.")
        .refuse("safe", "mode safe is not available yet: use fast");
    s.one_of("color", &Widget::color, {"red", "green"}, "Paint.");
    s.str_list("tags", &Widget::tags, "Labels.").validate([](const std::string& v) -> std::string {
      return v.find(' ') == std::string::npos ? "" : "must not contain spaces";
    });
    s.section("inner", &Widget::inner, inner_schema());
    s.list_of("parts", &Widget::parts, inner_schema(), "The parts.");
    s.map_of("named", &Widget::named, inner_schema(), "<name>", &Inner::name, "Parts by name.");
    s.str("token", &Widget::token, "A secret.").secret();
    s.str("later", &Widget::later, "Does nothing yet.").unavailable("later does nothing yet: remove the key");
    s.check([](MapReader& r, Widget& w) {
      if (w.on && w.size > 32) r.error("size", r.child("size"), "must be at most 32 while on");
    });
    return s;
  }();
  return s;
}

struct Read {
  Widget w;
  Diagnostics d;
};

Read read(const std::string& yaml) {
  Read out;
  std::vector<std::string> syntax;
  Node root = parse_yaml(yaml, syntax);
  EXPECT_TRUE(syntax.empty());
  widget_schema().read(&root, "widget", out.w, out.d);
  out.d.scrub();
  return out;
}

std::string all(const Diagnostics& d) {
  std::string s;
  for (const auto& e : d.errors) s += e + "\n";
  return s;
}

}  // namespace

TEST(Schema, TypedValuesAndDefaults) {
  auto r = read("label: x\nsize: 8\non: true\nmode: fast\ncolor: green\ntags: [a, b]\ninner: {name: i, weight: 3}\n"
                "parts: [{name: p1}, {name: p2, weight: 2}]\nnamed: {n1: {weight: 5}}\n");
  ASSERT_TRUE(r.d.errors.empty()) << all(r.d);
  EXPECT_EQ(r.w.label, "x");
  EXPECT_EQ(r.w.size, 8);
  EXPECT_TRUE(r.w.on);
  EXPECT_EQ(r.w.color, "green");
  EXPECT_EQ(r.w.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.w.inner.name, "i");
  EXPECT_EQ(r.w.inner.weight, 3);
  ASSERT_EQ(r.w.parts.size(), 2u);
  EXPECT_EQ(r.w.parts[0].weight, 1);  // the inner table's default
  EXPECT_EQ(r.w.parts[1].weight, 2);
  ASSERT_EQ(r.w.named.size(), 1u);
  EXPECT_EQ(r.w.named[0].name, "n1");
  EXPECT_EQ(r.w.named[0].weight, 5);
  auto d = read("label: y\n");
  ASSERT_TRUE(d.d.errors.empty()) << all(d.d);
  EXPECT_EQ(d.w.size, 4);
  EXPECT_EQ(d.w.color, "red");
}

TEST(Schema, EveryErrorNamesItsPathAndLine) {
  auto r = read("label: x\nsize: 99\nmode: maybe\ncolor: blue\ntags: [ok, \"not ok\"]\ninner: {nme: i}\n"
                "parts: [{name: p, weight: heavy}]\nnamed: {n1: {wieght: 5}}\nsiez: 3\n");
  const std::string e = all(r.d);
  EXPECT_NE(e.find("widget.size (line 2): must be between 1 and 64, got 99"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.mode (line 3): must be one of: fast, safe (got 'maybe')"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.color (line 4): must be one of: red, green (got 'blue')"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.tags[1] (line 5): 'not ok' must not contain spaces"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.inner.nme (line 6): unknown key 'nme' (did you mean 'name'?)"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.parts[0].weight (line 7): expected an integer, got 'heavy'"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.named.n1.wieght (line 8): unknown key 'wieght' (did you mean 'weight'?)"),
            std::string::npos) << e;
  EXPECT_NE(e.find("widget.siez (line 9): unknown key 'siez' (did you mean 'size'?)"), std::string::npos) << e;
  EXPECT_EQ(r.d.errors.size(), 8u) << e;
}

TEST(Schema, RequiredRefusedUnavailableAndChecks) {
  auto r = read("size: 40\non: true\nmode: safe\nlater: soon\n");
  const std::string e = all(r.d);
  EXPECT_NE(e.find("widget.label (line 1): required value is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.mode (line 3): mode safe is not available yet: use fast"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.later (line 4): later does nothing yet: remove the key"), std::string::npos) << e;
  EXPECT_NE(e.find("widget.size (line 1): must be at most 32 while on"), std::string::npos) << e;
  EXPECT_EQ(r.w.mode, Mode::fast);  // a refused value is not applied
}

TEST(Schema, SecretsAreNeverQuoted) {
  // A secret-bearing key: its value appears in no message, even one written by a check elsewhere.
  auto r = read("label: x\ntoken: [sk_live_0123456789]\n");
  ASSERT_FALSE(r.d.errors.empty());
  for (const auto& e : r.d.errors) EXPECT_EQ(e.find("sk_live_0123456789"), std::string::npos) << e;
  // A token pasted into a plain field is described, not echoed.
  const std::string token = "EAAB" + std::string(176, 'x');
  auto t = read("label: x\nsize: " + token + "\n");
  ASSERT_EQ(t.d.errors.size(), 1u);
  EXPECT_EQ(t.d.errors[0], "widget.size (line 2): expected an integer, got a 180-character string (not shown: it "
                           "looks like a token)");
}

TEST(Schema, LooksLikeSecret) {
  EXPECT_TRUE(looks_like_secret("EAAGm0PX4ZCpsBAKZC0ZBZAzl9"));
  EXPECT_TRUE(looks_like_secret("a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"));  // hex
  EXPECT_TRUE(looks_like_secret("sk_live_51HqLyjWDarjtT1zdp7dcXmplE"));
  EXPECT_TRUE(looks_like_secret("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc123def456"));  // JWT
  EXPECT_TRUE(looks_like_secret("Xy7aBcDeF3gHiJkL"));
  EXPECT_FALSE(looks_like_secret("ninety"));
  EXPECT_FALSE(looks_like_secret("1234567890123456"));  // a pixel id
  EXPECT_FALSE(looks_like_secret("hubspot_deals_2024_webhook"));
  EXPECT_FALSE(looks_like_secret("https://graph.facebook.com"));
  EXPECT_FALSE(looks_like_secret("var/sandbox/meta-requests.ndjson"));
  EXPECT_EQ(shown("ninety"), "'ninety'");
}

TEST(Schema, ReferenceListsEveryKeyWithTypeDefaultAndDoc) {
  const auto ref = widget_schema().reference("widget.");
  auto find = [&](const std::string& path) -> const KeyDoc* {
    for (const auto& k : ref) {
      if (k.path == path) return &k;
    }
    return nullptr;
  };
  ASSERT_NE(find("widget.size"), nullptr);
  EXPECT_EQ(find("widget.size")->type, "integer");
  EXPECT_EQ(find("widget.size")->values, "1..64");
  EXPECT_EQ(find("widget.size")->default_text, "`4`");
  EXPECT_EQ(find("widget.mode")->default_text, "`fast`");
  EXPECT_EQ(find("widget.mode")->values, "`fast`, `safe`");
  EXPECT_EQ(find("widget.label")->default_text, "required");
  ASSERT_NE(find("widget.inner.weight"), nullptr);
  ASSERT_NE(find("widget.parts[].name"), nullptr);
  ASSERT_NE(find("widget.named.<name>.weight"), nullptr);
  EXPECT_NE(find("widget.later")->doc.find("remove the key"), std::string::npos);
  const std::string md = render_reference_markdown(widget_schema().reference());
  EXPECT_NE(md.find("| `inner.weight` | integer, 1..10 | `1` | How heavy. |"), std::string::npos) << md;
}
