#pragma once
// What a source decided about an event besides its data: consent and the controls a destination must honour. They
// used to travel inside the event data as x-sidetag-* keys; typed here, a configured key can neither read nor
// forge them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sidetag::event {

enum class ConsentState : std::uint8_t { unknown, granted, denied };
const char* to_string(ConsentState s);

struct Consent {
  ConsentState ad_storage = ConsentState::unknown;
  ConsentState analytics_storage = ConsentState::unknown;
  ConsentState ad_user_data = ConsentState::unknown;
  ConsentState ad_personalization = ConsentState::unknown;
};

struct Flags {
  // The request's Meta test_event_code (a CAPI body's "test_event_code"); empty: the pixel's own.
  std::string test_event_code;
  // Consent allows the event but not its user data (the site's policy said forward_without_user_data): a
  // destination sends only what the event itself needs (IP, user agent, click and browser ids), also for keys a
  // site maps itself, which the source cannot know about.
  bool user_data_withheld = false;
  // Consent asks for limited data use (the site's policy said ldu): Meta's data_processing_options ["LDU"] with
  // country and state 0 (Meta geolocates).
  bool limited_data_use = false;
  // The consent signals as the source received them (GA4 gcs/gcd, Measurement Protocol consent, ...).
  Consent consent;
  // Event-data paths whose values no destination may send (Google-normalized hashes: a phone with "+", names):
  // a lookup of such a path, or of a path inside or around one, finds nothing for a destination.
  std::vector<std::string> not_forwardable;

  // False when `path` is, lies inside or contains a not-forwardable path.
  bool forwardable(std::string_view path) const;
};

}  // namespace sidetag::event
