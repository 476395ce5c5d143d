#pragma once
// Consent Mode decoding: gcs (v1) and gcd (v2) (developers.google.com/tag-platform/security/guides/consent). Pure.
#include <string_view>

namespace sidetag::sources::ga4 {

enum class ConsentState { unknown, granted, denied };
const char* to_string(ConsentState s);

enum class ConsentOrigin {
  none,     // no information
  gcd,      // from the gcd letter
  gcs,      // from gcs (v1) because gcd was absent, malformed or did not set this signal
};

struct ConsentSignal {
  ConsentState state = ConsentState::unknown;          // effective: update if set, else default
  ConsentState default_state = ConsentState::unknown;  // gcd "default" bits (gcs values count as default)
  ConsentState update_state = ConsentState::unknown;   // gcd "update" bits
  bool from_update = false;                            // effective state came from an update
  ConsentOrigin origin = ConsentOrigin::none;
};

struct Consent {
  ConsentSignal ad_storage, analytics_storage, ad_user_data, ad_personalization;
  bool gcs_present = false, gcs_valid = false;
  bool gcd_present = false, gcd_valid = false;
  bool gpc = false;               // Sec-GPC: 1 header
  bool us_privacy_opt_out = false;  // IAB us_privacy with 'Y' in position 2 (opt-out of sale), e.g. "1YYN"
};

// Decodes one gcd letter: default = (idx >> 2) & 3, update = idx & 3; 3 granted, 2 denied, 0/1 unset.
// Returns false for a character outside the 64-char alphabet.
bool decode_gcd_letter(char c, ConsentState& default_state, ConsentState& update_state);

// gcd wins over gcs for every signal it sets; gcs (ad_storage at index 2, analytics_storage at index 3) fills
// ad_storage/analytics_storage when gcd is absent/malformed or leaves them unset. ad_user_data and
// ad_personalization come from gcd only (no inference here; falling back to gcs is a destination decision).
// Malformed inputs never throw: they are flagged (gcs_valid/gcd_valid false) and ignored.
Consent decode_consent(std::string_view gcs, std::string_view gcd, std::string_view sec_gpc = {},
                       std::string_view us_privacy = {});

}  // namespace sidetag::sources::ga4
