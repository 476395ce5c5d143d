// Fuzzes util::valid_utf8 (differentially, against a straightforward RFC 3629 decoder), util::percent_decode and
// util::base64url_decode / base64_decode. Byte 0 selects the function, the rest is the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

using namespace sidetag::util;

namespace {

// RFC 3629: no overlongs, no surrogates (U+D800..DFFF), nothing above U+10FFFF.
bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::string to_url_alphabet(std::string b64) {
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  for (auto& c : b64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return b64;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      if (valid_utf8(in) != reference_utf8(in)) std::abort();
      break;
    }
    case 1:
    case 2: {
      const bool plus = data[0] % 4 == 2;
      std::string out = percent_decode(in, plus);
      if (out.size() > in.size()) std::abort();
      // Text without '%' (and without '+' when it means space) decodes to itself.
      if (in.find('%') == std::string_view::npos && (!plus || in.find('+') == std::string_view::npos) && out != in) {
        std::abort();
      }
      break;
    }
    case 3: {
      std::string out;
      if (base64url_decode(in, out)) {
        // Whatever decodes must re-encode to something that decodes to the same bytes.
        std::string again;
        if (!base64url_decode(to_url_alphabet(base64_encode(out)), again) || again != out) std::abort();
        if (out.size() > in.size()) std::abort();
      }
      std::string std_out;
      if (base64_decode(in, std_out)) {
        std::string again;
        if (!base64_decode(base64_encode(std_out), again) || again != std_out) std::abort();
      }
      break;
    }
  }
  return 0;
}
