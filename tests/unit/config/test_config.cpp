#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "sidetag/config/config.hpp"

using namespace sidetag::config;

namespace {
std::map<std::string, std::string> g_env;
std::optional<std::string> fake_env(const std::string& name) {
  auto it = g_env.find(name);
  if (it == g_env.end()) return std::nullopt;
  return it->second;
}

const char* kBase = R"(server:
  port: 9000
meta:
  dispatch: sandbox
sites:
  shop:
    default_region: gb
    meta:
      pixels:
        - id: "123"
          access_token: "${TOKEN:-}"
sources:
  backend:
    path: /v1/events
    site: shop
    api_keys: ["key-0123456789abcdef"]
environments:
  dev: {}
  prod:
    server: { port: 8081 }
    meta: { dispatch: live }
)";

LoadResult load(const std::string& text, const std::string& env = "dev") { return load_string(text, env, &fake_env); }

bool has_error(const LoadResult& r, const std::string& needle) {
  for (const auto& e : r.errors) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}
std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e + "\n";
  return s;
}
}  // namespace

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { g_env = {{"TOKEN", "EAAsecret"}}; }
};

TEST_F(ConfigTest, DefaultsAndOverlay) {
  auto dev = load(kBase, "dev");
  ASSERT_TRUE(dev.config) << all(dev);
  EXPECT_EQ(dev.config->server.port, 9000);
  EXPECT_EQ(dev.config->server.max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(dev.config->server.shutdown_grace_s, 25);
  EXPECT_EQ(dev.config->meta.api_version, "v26.0");
  EXPECT_EQ(dev.config->meta.graph_url, "https://graph.facebook.com");
  EXPECT_EQ(dev.config->meta.dispatch, DispatchMode::sandbox);
  EXPECT_EQ(dev.config->sites[0].default_region, "GB");
  EXPECT_EQ(dev.config->delivery.durability, Durability::memory);
  auto prod = load(kBase, "prod");
  ASSERT_TRUE(prod.config) << all(prod);
  EXPECT_EQ(prod.config->server.port, 8081);
  EXPECT_EQ(prod.config->meta.dispatch, DispatchMode::live);
  EXPECT_TRUE(prod.config->is_prod);
  EXPECT_EQ(prod.config->sites[0].pixels[0].access_token, "EAAsecret");
  EXPECT_EQ(prod.config->delivery.durability, Durability::disk);
}

TEST_F(ConfigTest, UnknownEnvironmentIsAnError) {
  auto r = load(kBase, "qa");
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, "environment 'qa' is not defined (defined: dev, prod)")) << all(r);
}

TEST_F(ConfigTest, MisspelledKeyNamesPathLineAndSuggestion) {
  std::string text = kBase;
  text.replace(text.find("  dispatch: sandbox"), 19, "  dispatch: sandbox\n  graph_ur: https://x");
  auto r = load(text);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, "meta.graph_ur (line 5): unknown key 'graph_ur' (did you mean 'graph_url'?)")) << all(r);
}

TEST_F(ConfigTest, UnknownKeyInsideAnOverlayHasItsOwnLine) {
  std::string text = kBase;
  text.replace(text.find("    server: { port: 8081 }"), 26, "    server: { port: 8081, thread: 4 }");
  auto r = load(text, "prod");
  EXPECT_TRUE(has_error(r, "server.thread (line 20): unknown key 'thread' (did you mean 'threads'?)")) << all(r);
}

TEST_F(ConfigTest, DuplicateKeysAreRejected) {
  auto r = load(std::string(kBase) + "server:\n  port: 1\n");
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, "server (line 22): duplicate key (first defined on line 1)")) << all(r);
}

TEST_F(ConfigTest, WrongTypesAndRanges) {
  std::string text = kBase;
  text.replace(text.find("  port: 9000"), 12, "  port: ninety\n  threads: 0");
  auto r = load(text);
  EXPECT_TRUE(has_error(r, "server.port (line 2): expected an integer, got 'ninety'")) << all(r);
  EXPECT_TRUE(has_error(r, "server.threads (line 3): must be between 1 and 256, got 0")) << all(r);
  text = kBase;
  text.replace(text.find("  dispatch: sandbox"), 19, "  dispatch: maybe");
  r = load(text);
  EXPECT_TRUE(has_error(r, "meta.dispatch (line 4): must be one of: live, sandbox (got 'maybe')")) << all(r);
}

TEST_F(ConfigTest, TrustedProxiesMustBeAddressesOrRanges) {
  std::string text = kBase;
  text.replace(text.find("  port: 9000"), 12, "  port: 9000\n  trusted_proxies:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n"
                                              "    - ::1\n    - proxy.internal");
  auto r = load(text);
  EXPECT_TRUE(has_error(r, "server.trusted_proxies[1] (line 5): '10.0.0.0/33' is not an IP address or CIDR range")) << all(r);
  EXPECT_TRUE(has_error(r, "server.trusted_proxies[3] (line 7): 'proxy.internal' is not an IP address or CIDR range"))
      << all(r);
  EXPECT_EQ(r.errors.size(), 2u) << all(r);
  text = kBase;
  text.replace(text.find("  port: 9000"), 12, "  port: 9000\n  trusted_proxies: [10.0.0.0/8, \"2001:db8::/32\", 127.0.0.1]");
  r = load(text);
  EXPECT_TRUE(r.errors.empty()) << all(r);
}

TEST_F(ConfigTest, InterpolationDefaultsAndMissingVariables) {
  g_env.clear();
  auto r = load(kBase, "dev");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].pixels[0].access_token, "");
  std::string text = kBase;
  text.replace(text.find("${TOKEN:-}"), 10, "${NOPE}");
  r = load(text);
  EXPECT_TRUE(has_error(r, "sites.shop.meta.pixels[0].access_token (line 11): environment variable NOPE is not set")) << all(r);
  text = kBase;
  text.replace(text.find("${TOKEN:-}"), 10, "$${literal}");
  r = load(text);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].pixels[0].access_token, "${literal}");
}

TEST_F(ConfigTest, SecretsFromFiles) {
  char path[] = "/tmp/sidetag-secret-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::write(fd, "EAAfromfile\n", 12);
  ::close(fd);
  g_env = {{"TOKEN_FILE", path}};
  auto r = load(kBase, "prod");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].pixels[0].access_token, "EAAfromfile");
  std::string text = kBase;
  text.replace(text.find("${TOKEN:-}"), 10, std::string("${file:") + path + "}");
  r = load(text, "prod");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].pixels[0].access_token, "EAAfromfile");
  auto secrets = r.config->secrets();
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "EAAfromfile"), secrets.end());
  std::remove(path);
}

TEST_F(ConfigTest, ImpossibleCombinations) {
  // live dispatch without a token
  g_env.clear();
  auto r = load(kBase, "prod");
  EXPECT_TRUE(has_error(r, "sites.shop.meta.pixels[0].access_token (line 10): required when meta.dispatch is live"))
      << all(r);
  // a non-prod environment may not send live events without a test_event_code
  g_env = {{"TOKEN", "EAAsecret"}};
  std::string text = std::string(kBase) + "  staging:\n    meta: { dispatch: live }\n";
  r = load(text, "staging");
  EXPECT_TRUE(has_error(r, "environment 'staging' is not prod, so live dispatch needs a test_event_code")) << all(r);
  // a source pointing at a site that does not exist, a reserved path
  text = kBase;
  text.replace(text.find("    site: shop"), 14, "    site: shopp");
  text.replace(text.find("path: /v1/events"), 16, "path: /healthz");
  r = load(text);
  EXPECT_TRUE(has_error(r, "sources.backend.site (line 15): no site 'shopp' is defined under sites")) << all(r);
  EXPECT_TRUE(has_error(r, "'/healthz' is reserved")) << all(r);
  // TLS needs both files
  text = std::string(kBase);
  text.replace(text.find("  port: 9000"), 12, "  port: 9000\n  tls: { cert_file: /x.pem }");
  r = load(text);
  EXPECT_TRUE(has_error(r, "server.tls.key_file (line 3): required value is missing")) << all(r);
}

TEST_F(ConfigTest, SyntaxErrorsHaveLines) {
  auto r = load("server:\n  port: [1,\n");
  EXPECT_FALSE(r.config);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("YAML syntax error"), std::string::npos);
  r = load("");
  EXPECT_TRUE(has_error(r, "the configuration is empty"));
  r = load("- a\n- b\n");
  EXPECT_TRUE(has_error(r, "must be a mapping at the top level"));
}

TEST_F(ConfigTest, EnvironmentNames) {
  auto names = environment_names(kBase);
  EXPECT_EQ(names, (std::vector<std::string>{"dev", "prod"}));
}

TEST_F(ConfigTest, ShippedExampleIsValidInEveryEnvironment) {
  std::ifstream in(std::string(SIDETAG_SOURCE_DIR) + "/config/sidetag.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  g_env = {{"META_ACCESS_TOKEN", "EAAexample"}, {"SIDETAG_API_KEY", "k0123456789abcdef0123"}};
  for (const auto& env : environment_names(ss.str())) {
    auto r = load(ss.str(), env);
    EXPECT_TRUE(r.config) << env << ": " << all(r);
  }
  EXPECT_EQ(environment_names(ss.str()).size(), 3u);
}

// Options that do nothing yet are errors, not silently accepted.
TEST_F(ConfigTest, OptionsThatDoNothingAreErrors) {
  std::string text = std::string(kBase) + "delivery:\n  durability: postgres\n  postgres_dsn: postgres://u:pw@db/x\n"
                                          "identity:\n  enabled: true\n";
  auto r = load(text);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(has_error(r, "delivery.durability (line 23): durability postgres (a shared outbox for several replicas) "
                           "is not available yet: use disk")) << all(r);
  EXPECT_TRUE(has_error(r, "delivery.postgres_dsn (line 24): postgres_dsn does nothing yet")) << all(r);
  EXPECT_TRUE(has_error(r, "identity.enabled (line 26): identity resolution is not available yet")) << all(r);
  EXPECT_EQ(all(r).find("pw@db"), std::string::npos) << all(r);  // the DSN is a secret
  r = load(std::string(kBase) + "identity:\n  enabled: false\n");
  EXPECT_TRUE(r.config) << all(r);
}

// With the passthrough off and no proxy set, nothing goes to Google: the proxy is off too (unknown paths get the
// JSON 404). The dev environment of the shipped example turns both off.
TEST_F(ConfigTest, ProxyDefaultFollowsThePassthrough) {
  auto site = [](const std::string& ga4) {
    return "meta: {dispatch: sandbox}\nsites:\n  shop:\n    ga4: " + ga4 + "\n";
  };
  auto r = load(site("{measurement_ids: [G-1]}"));
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].ga4.proxy_url, "https://www.googletagmanager.com");
  r = load(site("{measurement_ids: [G-1], passthrough: off}"));
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].ga4.proxy_url, "");
  r = load(site("{measurement_ids: [G-1], passthrough: off, proxy: https://tags.example}"));
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].ga4.proxy_url, "https://tags.example");
  r = load(site("{measurement_ids: [G-1], passthrough: {sgtm: https://old.example/}}"));
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sites[0].ga4.proxy_url, "https://old.example");

  std::ifstream in(std::string(SIDETAG_SOURCE_DIR) + "/config/sidetag.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  auto dev = load(ss.str(), "dev");
  ASSERT_TRUE(dev.config) << all(dev);
  for (const auto& s : dev.config->sites) {
    EXPECT_EQ(s.ga4.proxy_url, "") << s.id;
    EXPECT_EQ(s.ga4.passthrough, PassthroughMode::off) << s.id;
  }
}
