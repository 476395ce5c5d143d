#include <gtest/gtest.h>

#include "sidetag/sources/ga4/consent.hpp"

using namespace sidetag::sources::ga4;
using S = ConsentState;

namespace {
std::vector<const ConsentSignal*> all(const Consent& c) {
  return {&c.ad_storage, &c.analytics_storage, &c.ad_user_data, &c.ad_personalization};
}
}  // namespace

TEST(Ga4Consent, GcsTable) {
  struct Row {
    const char* gcs;
    S ad, an;
  } rows[] = {{"G111", S::granted, S::granted}, {"G110", S::granted, S::denied},
              {"G101", S::denied, S::granted},  {"G100", S::denied, S::denied},
              {"G1--", S::unknown, S::unknown}, {"G1-1", S::unknown, S::granted}};
  for (const auto& r : rows) {
    Consent c = decode_consent(r.gcs, "");
    EXPECT_TRUE(c.gcs_valid) << r.gcs;
    EXPECT_EQ(c.ad_storage.state, r.ad) << r.gcs;
    EXPECT_EQ(c.analytics_storage.state, r.an) << r.gcs;
    EXPECT_EQ(c.ad_user_data.state, S::unknown) << r.gcs;  // no inference from gcs
    if (r.ad != S::unknown) {
      EXPECT_EQ(c.ad_storage.origin, ConsentOrigin::gcs);
    }
  }
  for (auto bad : {"G11", "G1111", "X111", "G1x1", "g111"}) {
    Consent c = decode_consent(bad, "");
    EXPECT_TRUE(c.gcs_present);
    EXPECT_FALSE(c.gcs_valid) << bad;
    EXPECT_EQ(c.ad_storage.state, S::unknown);
  }
}

TEST(Ga4Consent, GcdLetterTable) {
  struct Row {
    char letter;
    S def, upd;
  } rows[] = {{'l', S::unknown, S::unknown}, {'p', S::denied, S::unknown},  {'q', S::denied, S::denied},
              {'r', S::denied, S::granted},  {'t', S::granted, S::unknown}, {'u', S::granted, S::denied},
              {'v', S::granted, S::granted}, {'m', S::unknown, S::denied},  {'n', S::unknown, S::granted},
              {'Z', S::granted, S::unknown}};
  for (const auto& r : rows) {
    S d, u;
    ASSERT_TRUE(decode_gcd_letter(r.letter, d, u)) << r.letter;
    EXPECT_EQ(d, r.def) << r.letter;
    EXPECT_EQ(u, r.upd) << r.letter;
  }
  S d, u;
  EXPECT_FALSE(decode_gcd_letter('.', d, u));
  EXPECT_FALSE(decode_gcd_letter('~', d, u));
}

TEST(Ga4Consent, ReferenceExamples) {
  // 13r3r3r2r5l1: all four denied by default, granted by update
  Consent c = decode_consent("", "13r3r3r2r5l1");
  EXPECT_TRUE(c.gcd_valid);
  for (auto* s : all(c)) {
    EXPECT_EQ(s->state, S::granted);
    EXPECT_EQ(s->default_state, S::denied);
    EXPECT_EQ(s->update_state, S::granted);
    EXPECT_TRUE(s->from_update);
  }
  // 13p3p3p2p5l1: all denied, no update
  c = decode_consent("", "13p3p3p2p5l1");
  for (auto* s : all(c)) {
    EXPECT_EQ(s->state, S::denied);
    EXPECT_FALSE(s->from_update);
  }
  // 13t3t3Z2t5l1: all granted by default (Z = t + flag bit)
  c = decode_consent("", "13t3t3Z2t5l1");
  for (auto* s : all(c)) {
    EXPECT_EQ(s->state, S::granted);
    EXPECT_EQ(s->update_state, S::unknown);
  }
  // 13l3l3l3l1 (10-char form): nothing set
  c = decode_consent("", "13l3l3l3l1");
  EXPECT_TRUE(c.gcd_valid);
  for (auto* s : all(c)) EXPECT_EQ(s->state, S::unknown);
}

TEST(Ga4Consent, GcdWinsOverGcs) {
  // gcs says granted, gcd says denied (update): gcd wins
  Consent c = decode_consent("G111", "13q3q3q2q5l1");
  EXPECT_EQ(c.ad_storage.state, S::denied);
  EXPECT_EQ(c.ad_storage.origin, ConsentOrigin::gcd);
  EXPECT_EQ(c.analytics_storage.state, S::denied);
  // gcd leaves ad_storage unset ('l'): gcs fills it
  c = decode_consent("G110", "13l3q3q2q5l1");
  EXPECT_EQ(c.ad_storage.state, S::granted);
  EXPECT_EQ(c.ad_storage.origin, ConsentOrigin::gcs);
  EXPECT_EQ(c.analytics_storage.state, S::denied);
  EXPECT_EQ(c.analytics_storage.origin, ConsentOrigin::gcd);
  // malformed gcd: ignored, gcs used
  c = decode_consent("G101", "13r3");
  EXPECT_TRUE(c.gcd_present);
  EXPECT_FALSE(c.gcd_valid);
  EXPECT_EQ(c.ad_storage.state, S::denied);
  EXPECT_EQ(c.analytics_storage.state, S::granted);
  EXPECT_EQ(c.ad_user_data.state, S::unknown);
  c = decode_consent("", "13r3r3r2r5l1 ~");  // bad character
  EXPECT_FALSE(c.gcd_valid);
  c = decode_consent("", "");
  EXPECT_FALSE(c.gcd_present);
  EXPECT_FALSE(c.gcs_present);
  for (auto* s : all(c)) EXPECT_EQ(s->origin, ConsentOrigin::none);
}

TEST(Ga4Consent, GpcAndUsPrivacy) {
  Consent c = decode_consent("G111", "", "1", "1YYN");
  EXPECT_TRUE(c.gpc);
  EXPECT_TRUE(c.us_privacy_opt_out);
  c = decode_consent("G111", "", "0", "1YNY");
  EXPECT_FALSE(c.gpc);
  EXPECT_FALSE(c.us_privacy_opt_out);
  EXPECT_FALSE(decode_consent("", "", "", "1---").us_privacy_opt_out);
  EXPECT_EQ(std::string(to_string(S::granted)), "granted");
}
