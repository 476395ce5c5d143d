#include "sidetag/sources/ga4/consent.hpp"

#include "sidetag/util/strings.hpp"

namespace sidetag::sources::ga4 {

const char* to_string(ConsentState s) {
  switch (s) {
    case ConsentState::granted: return "granted";
    case ConsentState::denied: return "denied";
    case ConsentState::unknown: break;
  }
  return "unknown";
}

namespace {

int gcd_index(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return 10 + (c - 'a');
  if (c >= 'A' && c <= 'Z') return 36 + (c - 'A');
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

ConsentState from_bits(int b) {
  if (b == 3) return ConsentState::granted;
  if (b == 2) return ConsentState::denied;
  return ConsentState::unknown;
}

ConsentState from_gcs_char(char c, bool& ok) {
  if (c == '1') return ConsentState::granted;
  if (c == '0') return ConsentState::denied;
  if (c != '-') ok = false;
  return ConsentState::unknown;
}

}  // namespace

bool decode_gcd_letter(char c, ConsentState& default_state, ConsentState& update_state) {
  int idx = gcd_index(c);
  if (idx < 0) return false;
  default_state = from_bits((idx >> 2) & 3);
  update_state = from_bits(idx & 3);
  return true;
}

Consent decode_consent(std::string_view gcs, std::string_view gcd, std::string_view sec_gpc,
                       std::string_view us_privacy) {
  Consent c;
  gcs = util::trim(gcs);
  gcd = util::trim(gcd);

  // gcd: letters at 0-based positions 2, 4, 6, 8 (ad_storage, analytics_storage, ad_user_data, ad_personalization).
  ConsentSignal* order[4] = {&c.ad_storage, &c.analytics_storage, &c.ad_user_data, &c.ad_personalization};
  c.gcd_present = !gcd.empty();
  if (c.gcd_present && gcd.size() >= 9) {
    bool ok = true;
    for (char ch : gcd) ok = ok && gcd_index(ch) >= 0;
    ConsentState d[4], u[4];
    for (int i = 0; ok && i < 4; ++i) ok = decode_gcd_letter(gcd[2 + 2 * i], d[i], u[i]);
    if (ok) {
      c.gcd_valid = true;
      for (int i = 0; i < 4; ++i) {
        ConsentSignal& s = *order[i];
        s.default_state = d[i];
        s.update_state = u[i];
        if (u[i] != ConsentState::unknown) {
          s.state = u[i];
          s.from_update = true;
        } else {
          s.state = d[i];
        }
        if (s.state != ConsentState::unknown) s.origin = ConsentOrigin::gcd;
      }
    }
  }

  // gcs: "G1" + ad_storage + analytics_storage.
  c.gcs_present = !gcs.empty();
  if (c.gcs_present && gcs.size() == 4 && gcs[0] == 'G' && gcs[1] == '1') {
    bool ok = true;
    ConsentState ad = from_gcs_char(gcs[2], ok);
    ConsentState an = from_gcs_char(gcs[3], ok);
    if (ok) {
      c.gcs_valid = true;
      auto fill = [](ConsentSignal& s, ConsentState v) {
        if (s.origin == ConsentOrigin::gcd || v == ConsentState::unknown) return;
        s.state = v;
        s.default_state = v;
        s.from_update = false;
        s.origin = ConsentOrigin::gcs;
      };
      fill(c.ad_storage, ad);
      fill(c.analytics_storage, an);
    }
  }

  c.gpc = util::trim(sec_gpc) == "1";
  us_privacy = util::trim(us_privacy);
  // IAB CCPA string: version '1', notice, opt-out of sale, LSPA; '-' = not applicable.
  c.us_privacy_opt_out = us_privacy.size() == 4 && us_privacy[0] == '1' && (us_privacy[2] == 'Y' || us_privacy[2] == 'y');
  return c;
}

}  // namespace sidetag::sources::ga4
