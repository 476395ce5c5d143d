// API, reference-table examples (capi-param-builder and the Business SDKs), Unicode handling, multi-value helper and
// the CLI.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "sidetag/prep/normalize.hpp"
#include "sidetag/prep/normalize_cli.hpp"
#include "sidetag/util/crypto.hpp"

namespace {

using sidetag::prep::Field;
using sidetag::prep::normalize_field;
using sidetag::prep::NormalizeOptions;

std::string show(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Expects `input` to normalise to `expected` (and hash to its SHA-256).
void ok(Field f, std::string_view input, const std::string& expected, const NormalizeOptions& o = {}) {
  SCOPED_TRACE(std::string(sidetag::prep::key_of(f)) + " <- " + show(input));
  auto r = normalize_field(f, input, o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.already_hashed);
  EXPECT_EQ(r.normalized, expected);
  EXPECT_EQ(r.sha256, sidetag::util::sha256_hex(expected));
  EXPECT_TRUE(r.error.empty());
}

void dropped(Field f, std::string_view input, const NormalizeOptions& o = {}) {
  SCOPED_TRACE(std::string(sidetag::prep::key_of(f)) + " <- " + show(input));
  auto r = normalize_field(f, input, o);
  EXPECT_FALSE(r.ok) << "normalized to " << r.normalized;
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(r.sha256.empty());
  EXPECT_TRUE(r.normalized.empty());
}

TEST(Keys, RoundTripAndUnknown) {
  EXPECT_EQ(sidetag::prep::all_fields().size(), 17u);
  for (Field f : sidetag::prep::all_fields()) {
    auto key = sidetag::prep::key_of(f);
    ASSERT_FALSE(key.empty());
    EXPECT_EQ(sidetag::prep::field_from_key(key), f);
  }
  EXPECT_EQ(sidetag::prep::field_from_key("em"), Field::em);
  EXPECT_EQ(sidetag::prep::field_from_key("external_id"), Field::external_id);
  EXPECT_EQ(sidetag::prep::key_of(Field::doby), "doby");
  EXPECT_FALSE(sidetag::prep::field_from_key("EM").has_value());
  EXPECT_FALSE(sidetag::prep::field_from_key("fbc").has_value());
  EXPECT_FALSE(sidetag::prep::field_from_key("").has_value());
}

TEST(HashOutput, ReferenceHashes) {
  // Hash output and already-hashed input (cpb's PIIUtil.getNormalizedAndHashedPII).
  EXPECT_EQ(normalize_field(Field::em, "john_smith@gmail.com").sha256,
            "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f");
  EXPECT_EQ(normalize_field(Field::em, "Mary@Example.com").sha256,
            "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79");
  EXPECT_EQ(normalize_field(Field::ph, "+1 650 555 1212").sha256,
            "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176");
  EXPECT_EQ(normalize_field(Field::ge, "Male").sha256,
            "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a");
  EXPECT_EQ(normalize_field(Field::ge, "Female").sha256,
            "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111");
}

TEST(AlreadyHashed, Sha256AndMd5AnyCaseTrimmed) {
  const std::string h = "2cf24dba4f21d4288094e8452703c0f0142fa00b2eeb1f2c9b4e70f39e8a4c29";
  std::string upper = h;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (Field f : {Field::em, Field::ph, Field::fn, Field::ge, Field::country, Field::zp, Field::external_id}) {
    auto r = normalize_field(f, " \t" + upper + "\u00a0");
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(r.already_hashed);
    EXPECT_TRUE(r.normalized.empty());
    EXPECT_EQ(r.sha256, h);
  }
  auto md5 = normalize_field(Field::em, "2A6A84E9E44441AFBD75CC19CE28BE37");
  ASSERT_TRUE(md5.ok);
  EXPECT_TRUE(md5.already_hashed);
  EXPECT_EQ(md5.sha256, "2a6a84e9e44441afbd75cc19ce28be37");
}

TEST(AlreadyHashed, CpbOutputWithSuffixKeepsOnlyTheHash) {
  const std::string h = "2cf24dba4f21d4288094e8452703c0f0142fa00b2eeb1f2c9b4e70f39e8a4c29";
  for (std::string suffix : {".AQQCAQIB", ".Ag", ".BQ"}) {
    auto r = normalize_field(Field::em, h + suffix);
    ASSERT_TRUE(r.ok) << suffix;
    EXPECT_TRUE(r.already_hashed);
    EXPECT_EQ(r.sha256, h);
  }
  auto md5 = normalize_field(Field::external_id, "2a6a84e9e44441afbd75cc19ce28be37.AQQCAQIB");
  EXPECT_TRUE(md5.already_hashed);
  EXPECT_EQ(md5.sha256, "2a6a84e9e44441afbd75cc19ce28be37");
  // Suffix neither a cpb token nor 8 characters: not a cpb hash, normalised as a plain value.
  for (std::string suffix : {".abc", ".en", ".AQQCAQI"}) {
    auto odd = normalize_field(Field::external_id, h + suffix);
    ASSERT_TRUE(odd.ok);
    EXPECT_FALSE(odd.already_hashed) << suffix;
    std::string lowered = h + suffix;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(odd.normalized, lowered);
  }
}

TEST(AlreadyHashed, NonHexOrWrongLengthIsHashedNormally) {
  // 64 characters, one not hex.
  ok(Field::external_id, "g665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3",
     "g665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3");
  // 63 hex.
  ok(Field::external_id, "A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE",
     "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae");
}

TEST(AlreadyHashed, SdkFieldsFollowPythonSdk) {
  // py: trim+lower, then only 64 hex passes through; MD5 is not recognised and is normalised like any name.
  auto r = normalize_field(Field::f5first, "  AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.already_hashed);
  EXPECT_EQ(r.sha256, std::string(64, 'a'));
  ok(Field::f5first, "2a6a84e9e44441afbd75cc19ce28be37", "2a6a8");
}

TEST(Empty, EmptyAndWhitespaceOnlyAreDropped) {
  for (Field f : sidetag::prep::all_fields()) {
    dropped(f, "");
    dropped(f, " \t\r\n\u00a0\u3000");
  }
}

TEST(Email, ReferenceExamples) {
  ok(Field::em, " John.Doe+x@Example.COM ", "john.doe+x@example.com");
  ok(Field::em, "a:.b@x.com", "a:.b@x.com");  // Meta's `(:?\.)` typo
  ok(Field::em, "\u00a0\u2003user@sub-domain.example.org\u3000", "user@sub-domain.example.org");
  ok(Field::em, "o'neil@example.ie", "o'neil@example.ie");
  dropped(Field::em, "a..b@x.com");
  dropped(Field::em, "\"q\"@x.com");
  dropped(Field::em, "jos\u00e9@x.com");
  dropped(Field::em, "a@localhost");
  dropped(Field::em, "a:b@x.com");
  dropped(Field::em, "a.@x.com");
  dropped(Field::em, ".a@x.com");
  dropped(Field::em, "a@-x.com");
  dropped(Field::em, "a@x-.com");
  dropped(Field::em, "a@x..com");
  dropped(Field::em, "a@x.com.");
  dropped(Field::em, "a@@x.com");
  dropped(Field::em, "a b@x.com");
  EXPECT_EQ(normalize_field(Field::em, "not-an-email").error, "not a valid email address");
}

TEST(Email, UnicodeLowercaseCanProduceAscii) {
  // JS toLowerCase maps U+212A KELVIN SIGN to 'k', so cpb accepts it; so do we.
  ok(Field::em, "\u212Aate@example.com", "kate@example.com");
}

TEST(NameTest, ReferenceExamples) {
  for (Field f : {Field::fn, Field::ln}) {
    ok(f, "Mary-Jane", "maryjane");
    ok(f, "Jos\u00e9 Mar\u00eda", "jos\u00e9mar\u00eda");
    ok(f, "O'Brien", "obrien");
    ok(f, "O\u2019Brien", "o\u2019brien");
    ok(f, "Mary\u2013Jane", "mary\u2013jane");
    ok(f, "Jean Luc 3", "jeanluc3");
    ok(f, "  Eg  ", "eg");
    ok(f, "ZO\u00cb", "zo\u00eb");
    ok(f, "\u0394\u0397\u039c\u0397\u03a4\u03a1\u0397\u03a3", "\u03b4\u03b7\u03bc\u03b7\u03c4\u03c1\u03b7\u03c2");
    ok(f, "Ann\u00a0Marie\u2009Lee\ufeff", "annmarielee");
    dropped(f, "!@#$%^&*()");
  }
  auto md5 = normalize_field(Field::ln, "2a6a84e9e44441afbd75cc19ce28be37");
  EXPECT_TRUE(md5.already_hashed);
}

TEST(Gender, ReferenceExamples) {
  ok(Field::ge, "Male", "m");
  ok(Field::ge, " FEMALE ", "f");
  ok(Field::ge, "Mrs", "f");
  ok(Field::ge, "Ma'am", "f");
  ok(Field::ge, "\u00a0Husband\u3000", "m");
  dropped(Field::ge, "x");
  dropped(Field::ge, "ma am");
  dropped(Field::ge, "males");
}

TEST(Dob, ReferenceExamples) {
  NormalizeOptions o;
  o.current_year = 2026;
  ok(Field::db, "12/25/1985", "19851225", o);
  ok(Field::db, "25.12.1985", "19851225", o);
  ok(Field::db, "1990-01-01", "19900101", o);
  ok(Field::db, "1990-13-05", "19900513", o);
  ok(Field::db, "05/06/1990", "19900506", o);
  ok(Field::db, "02/31/1990", "19900231", o);
  ok(Field::db, "25121985", "25121985", o);
  dropped(Field::db, "12/25/85", o);
  dropped(Field::db, "123456", o);
  dropped(Field::db, "1799-01-01", o);
  dropped(Field::db, "99999999999999999999/1/1", o);
}

TEST(Dob, YearBoundUsesCurrentYear) {
  NormalizeOptions o;
  o.current_year = 2026;
  ok(Field::db, "2027-01-01", "20270101", o);
  dropped(Field::db, "2028-01-01", o);
  o.current_year = 2030;
  ok(Field::db, "2028-01-01", "20280101", o);
}

TEST(City, ReferenceExamples) {
  ok(Field::ct, "San Francisco", "sanfrancisco");
  ok(Field::ct, "St. Louis", "stlouis");
  ok(Field::ct, "S\u00e3o Paulo", "sopaulo");
  ok(Field::ct, "New York 10", "newyork10");
  dropped(Field::ct, "\u5317\u4eac");
  dropped(Field::ct, "0Tokyo");
}

TEST(State, ReferenceExamples) {
  ok(Field::st, "California", "ca");
  ok(Field::st, "N.Y.", "ny");
  ok(Field::st, "OntarioCanada", "on");
  ok(Field::st, "XYZ", "xy");
  ok(Field::st, "Bavaria", "ba");
  ok(Field::st, "District of Columbia", "di");
  ok(Field::st, "Washington, DC", "wa");
  ok(Field::st, "\u00cele-de-France", "le");
  ok(Field::st, "Newfoundland and Labrador", "nl");
  ok(Field::st, "West Virginia", "wv");  // exact match wins over the "virginia" substring
  ok(Field::st, "Arkansas", "ar");       // exact match wins over the "kansas" substring
  dropped(Field::st, "123");
}

TEST(Zip, ReferenceExamples) {
  ok(Field::zp, "94107-1234", "94107");
  ok(Field::zp, "NR9 5AL", "nr9 5al");
  ok(Field::zp, "SW1A 1AA", "sw1a 1aa");
  ok(Field::zp, "\u3000ZIP123\u3000", "zip123");
  dropped(Field::zp, " 1 ");
  dropped(Field::zp, "-90210");
}

TEST(Country, ReferenceExamples) {
  ok(Field::country, "United States", "us");
  ok(Field::country, "USA", "us");
  ok(Field::country, "United Kingdom", "gb");
  ok(Field::country, "Germ\u00e1nia", "ge");
  ok(Field::country, "XYZ", "xy");
  ok(Field::country, "UK", "uk");  // cpb keeps 2 letters as is (ISO would be gb): Meta hashes the same way
  ok(Field::country, "Deutschland", "de");  // unmapped: truncated, which happens to be right
  ok(Field::country, "France", "fr");
  dropped(Field::country, "\u4e2d\u56fd");
}

TEST(ExternalId, ReferenceExamples) {
  ok(Field::external_id, "USER_123", "user_123");
  ok(Field::external_id, " a b\tC ", "abc");
  ok(Field::external_id, "Fr\u00e9d\u00e9ric\u202f123", "fr\u00e9d\u00e9ric123");
}

TEST(SdkFields, Rules) {
  ok(Field::f5first, "George", "georg");
  ok(Field::f5last, "Washington", "washi");
  ok(Field::f5first, " \u00c9LODIE ", "\u00e9lodi");  // characters, not bytes (python-sdk, not php)
  ok(Field::fi, "ABC", "a");
  ok(Field::fi, "john smith", "j");
  ok(Field::fi, "\u00c9mile", "\u00e9");
  ok(Field::dobd, "1", "01");
  ok(Field::dobd, " 31 ", "31");
  dropped(Field::dobd, "32");
  dropped(Field::dobd, "00");
  dropped(Field::dobd, "005");
  dropped(Field::dobd, "+5");
  ok(Field::dobm, "7", "07");
  dropped(Field::dobm, "13");
  dropped(Field::dobm, "1a");
  ok(Field::doby, "1990", "1990");
  dropped(Field::doby, "90");
  dropped(Field::doby, "199O");
}

TEST(Robustness, InvalidUtf8DoesNotCrashAndIsReplaced) {
  const std::string bad = std::string("Jo\xff\xfe") + "hn\xc3";
  for (Field f : sidetag::prep::all_fields()) {
    auto r = normalize_field(f, bad);
    if (r.ok) EXPECT_EQ(r.sha256.size(), 64u);
  }
  ok(Field::fn, bad, "jo\ufffd\ufffdhn\ufffd");
  ok(Field::ph, "\x80" "123", "123");
}

TEST(Values, DeduplicatesAndReportsDrops) {
  auto v = sidetag::prep::normalize_values(
      Field::em, {"A@B.com", " a@b.com ", "bad", "c@d.org", "", "2CF24DBA4F21D4288094E8452703C0F0142FA00B2EEB1F2C9B4E70F39E8A4C29",
                  "2cf24dba4f21d4288094e8452703c0f0142fa00b2eeb1f2c9b4e70f39e8a4c29"});
  ASSERT_EQ(v.hashes.size(), 3u);
  EXPECT_EQ(v.hashes[0], sidetag::util::sha256_hex("a@b.com"));
  EXPECT_EQ(v.hashes[1], sidetag::util::sha256_hex("c@d.org"));
  EXPECT_EQ(v.hashes[2], "2cf24dba4f21d4288094e8452703c0f0142fa00b2eeb1f2c9b4e70f39e8a4c29");
  ASSERT_EQ(v.drop_reasons.size(), 2u);
  EXPECT_EQ(v.drop_reasons[0], "value 2: not a valid email address");
  EXPECT_EQ(v.drop_reasons[1].rfind("value 4: ", 0), 0u);

  NormalizeOptions gb;
  gb.region = "GB";
  auto phones = sidetag::prep::normalize_values(Field::ph, {"07700 900123", "+44 7700 900123", "447700900123"}, gb);
  ASSERT_EQ(phones.hashes.size(), 1u);
  EXPECT_EQ(phones.hashes[0], sidetag::util::sha256_hex("447700900123"));
  EXPECT_TRUE(phones.drop_reasons.empty());

  auto none = sidetag::prep::normalize_values(Field::ge, {});
  EXPECT_TRUE(none.hashes.empty());
  EXPECT_TRUE(none.drop_reasons.empty());
}

struct CliResult {
  int rc;
  std::string out;
};

CliResult cli(std::vector<std::string> args) {
  std::ostringstream out;
  int rc = sidetag::prep::normalize_command(args, out);
  return {rc, out.str()};
}

TEST(Cli, PhoneWithCountry) {
  auto r = cli({"ph", "07700 900123", "--country", "gb"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out,
            "{\"field\":\"ph\",\"input\":\"07700 900123\",\"normalized\":\"447700900123\",\"sha256\":\"" +
                sidetag::util::sha256_hex("447700900123") + "\"}\n");
  auto eq = cli({"--country=GB", "ph", "07700 900123"});
  EXPECT_EQ(eq.rc, 0);
  EXPECT_EQ(nlohmann::json::parse(eq.out)["normalized"], "447700900123");
}

TEST(Cli, AlreadyHashedAndErrors) {
  const std::string h = "2cf24dba4f21d4288094e8452703c0f0142fa00b2eeb1f2c9b4e70f39e8a4c29";
  auto r = cli({"em", h});
  EXPECT_EQ(r.rc, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["sha256"], h);
  EXPECT_EQ(j["already_hashed"], true);

  auto bad = cli({"em", "nope"});
  EXPECT_EQ(bad.rc, 1);
  EXPECT_EQ(bad.out, "{\"field\":\"em\",\"input\":\"nope\",\"error\":\"not a valid email address\"}\n");

  auto unknown = cli({"zz", "x"});
  EXPECT_EQ(unknown.rc, 1);
  auto uj = nlohmann::json::parse(unknown.out);
  EXPECT_EQ(uj["field"], "zz");
  EXPECT_TRUE(uj.contains("error"));
  EXPECT_FALSE(uj.contains("sha256"));

  // Invalid UTF-8 in the argument still prints valid JSON.
  auto binary = cli({"fn", "Jo\xff"});
  EXPECT_EQ(binary.rc, 0);
  EXPECT_TRUE(nlohmann::json::accept(binary.out));
}

// A value that starts with dashes is a value, after FIELD or after `--` (issue: `ct ---Sarah---` was refused as an
// unknown option).
TEST(Cli, ValuesThatLookLikeOptions) {
  auto r = cli({"ct", "---Sarah---"});
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["input"], "---Sarah---");
  auto sep = cli({"--", "fn", "--Sarah"});
  EXPECT_EQ(sep.rc, 0) << sep.out;
  EXPECT_EQ(nlohmann::json::parse(sep.out)["input"], "--Sarah");
  auto both = cli({"--country", "GB", "--", "ph", "-07700 900123"});
  EXPECT_EQ(both.rc, 0) << both.out;
  EXPECT_EQ(nlohmann::json::parse(both.out)["normalized"], "447700900123");
  auto opt = cli({"ph", "--country", "GB", "07700 900123"});
  EXPECT_EQ(opt.rc, 0) << opt.out;
  EXPECT_EQ(nlohmann::json::parse(opt.out)["normalized"], "447700900123");
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(cli({}).rc, 2);
  EXPECT_EQ(cli({"em"}).rc, 2);
  EXPECT_EQ(cli({"em", "a@b.com", "extra"}).rc, 2);
  EXPECT_EQ(cli({"ph", "1", "--country"}).rc, 2);
  EXPECT_EQ(cli({"ph", "1", "--country", "GBR"}).rc, 2);
  EXPECT_EQ(cli({"ph", "1", "--region", "GB"}).rc, 2);
  auto r = cli({"em"});
  EXPECT_NE(r.out.find("usage: sidetag normalize"), std::string::npos);
}

}  // namespace
