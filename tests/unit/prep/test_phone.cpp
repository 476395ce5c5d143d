// Phone numbers with a region: sidetag's documented improvement over cpb (libphonenumber country-code completion).
#include <gtest/gtest.h>

#include "sidetag/prep/normalize.hpp"
#include "sidetag/util/crypto.hpp"

namespace {

using sidetag::prep::Field;
using sidetag::prep::NormalizeOptions;
using sidetag::prep::normalize_field;

sidetag::prep::Normalized ph(std::string_view v, std::string region) {
  NormalizeOptions o;
  o.region = std::move(region);
  return normalize_field(Field::ph, v, o);
}

void expect_phone(std::string_view input, const std::string& region, const std::string& e164) {
  SCOPED_TRACE(std::string(input) + " region=" + region);
  auto r = ph(input, region);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.normalized, e164);
  EXPECT_EQ(r.sha256, sidetag::util::sha256_hex(e164));
  EXPECT_FALSE(r.already_hashed);
}

TEST(PhoneRegion, UkMobileNationalGetsCountryCode) { expect_phone("07700 900123", "GB", "447700900123"); }

TEST(PhoneRegion, GermanMobileNationalGetsCountryCode) { expect_phone("0151 23456789", "DE", "4915123456789"); }

TEST(PhoneRegion, ItalianLandlineKeepsLeadingZero) { expect_phone("06 1234 5678", "IT", "390612345678"); }

TEST(PhoneRegion, DigitsAlreadyStartingWithOwnCountryCodeAreNotPrefixedTwice) {
  expect_phone("4915123456789", "DE", "4915123456789");
  auto r = ph("4915123456789", "DE");
  EXPECT_NE(r.normalized, "494915123456789");
}

TEST(PhoneRegion, UsNationalIsNotReadAsSingapore) {
  expect_phone("(650) 555-1212", "US", "16505551212");
  EXPECT_EQ(ph("(650) 555-1212", "US").sha256, "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176");
}

TEST(PhoneRegion, ItalianMobileWrittenNationallyStaysNational) {
  // 39x mobile numbers start with Italy's own country code; IsValidNumber breaks the tie towards national.
  expect_phone("393 123 4567", "IT", "393931234567");
}

TEST(PhoneRegion, MoreNationalFormats) {
  expect_phone("06 12 34 56 78", "FR", "33612345678");
  expect_phone("0412 345 678", "AU", "61412345678");
  expect_phone("030 123456", "DE", "4930123456");
  expect_phone("020 7946 0958", "GB", "442079460958");
  expect_phone("33 6 12 34 56 78", "FR", "33612345678");  // own country code already present
}

TEST(PhoneRegion, PlusPrefixIsInternationalWhateverTheRegion) {
  expect_phone("+44 20 7946 0958", "DE", "442079460958");
  expect_phone("+1 (616) 954-78 88", "GB", "16169547888");
  // A trunk 0 written after the country code is removed by libphonenumber.
  expect_phone("+44 (0)20 7946 0958", "US", "442079460958");
}

TEST(PhoneRegion, DoubleZeroPrefixIsInternational) {
  expect_phone("0044 20 7946 0958", "US", "442079460958");
  expect_phone("0049 151 23456789", "GB", "4915123456789");
}

TEST(PhoneRegion, RegionIddPrefixIsInternational) { expect_phone("011 44 20 7946 0958", "US", "442079460958"); }

TEST(PhoneRegion, ForeignCountryCodeKeptWhenNotANationalNumber) {
  // 12 digits are too long for a US national number, but a possible GB number with its country code.
  expect_phone("447700900123", "US", "447700900123");
}

TEST(PhoneRegion, UsWithLeadingOneAndFormatting) {
  expect_phone("1-650-555-1212", "US", "16505551212");
  expect_phone("+1 415 555 0100", "US", "14155550100");
}

TEST(PhoneRegion, ExtensionIsCut) { expect_phone("+1-555-123-4567 ext. 123", "US", "15551234567"); }

TEST(PhoneRegion, RegionIsCaseInsensitiveAndUkMeansGb) {
  expect_phone("07700 900123", "gb", "447700900123");
  expect_phone("07700 900123", "UK", "447700900123");
}

TEST(PhoneRegion, ImpossibleNumbersAreDroppedWithReason) {
  auto r = ph("123", "GB");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "not a possible phone number for region GB");
  EXPECT_TRUE(r.sha256.empty());

  auto intl = ph("+44 1", "GB");
  EXPECT_FALSE(intl.ok);
  EXPECT_EQ(intl.error, "not a possible international phone number");

  auto none = ph("call me", "GB");
  EXPECT_FALSE(none.ok);
  EXPECT_FALSE(none.error.empty());

  auto zeros = ph("000", "DE");
  EXPECT_FALSE(zeros.ok);
}

TEST(PhoneRegion, LocalOnlyNumberWithoutAreaCodeIsDropped) {
  auto r = ph("555-1212", "US");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "not a possible phone number for region US");
}

TEST(PhoneRegion, UnknownRegionFallsBackToCpbRule) { expect_phone("020 7946 0958", "XX", "2079460958"); }

TEST(PhoneNoRegion, CpbRuleExactly) {
  // cpb phoneUtil.js examples: digits only, all leading zeros stripped, no length check.
  expect_phone("+1 (616) 954-78 88", "", "16169547888");
  expect_phone("0044 20 7946 0958", "", "442079460958");
  expect_phone("1-800-FLOWERS", "", "1800");
  expect_phone("020 7946 0958", "", "2079460958");
  expect_phone("07700 900123", "", "7700900123");
  expect_phone("4915123456789", "", "4915123456789");
  auto r = ph("00", "");
  EXPECT_FALSE(r.ok);
  auto letters = ph("no digits", "");
  EXPECT_FALSE(letters.ok);
}

TEST(PhoneRegion, HashedInputPassesThroughRegardlessOfRegion) {
  auto r = ph("CF14FE3C9D73FCB3574D2643988EFB2DB605B1C224725BD322D7D2350467B4DC", "GB");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.already_hashed);
  EXPECT_EQ(r.sha256, "cf14fe3c9d73fcb3574d2643988efb2db605b1c224725bd322d7d2350467b4dc");
}

}  // namespace
