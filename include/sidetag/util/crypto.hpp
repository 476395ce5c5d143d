#pragma once
// Hashing and randomness used across stages. OpenSSL-backed; no Asio.
#include <cstdint>
#include <string>
#include <string_view>

namespace sidetag::util {

// SHA-256 of the bytes, 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);
// HMAC-SHA256(key, message) as 64 lowercase hex characters (appsecret_proof, webhook signatures).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// HMAC-SHA256 raw 32 bytes.
std::string hmac_sha256_raw(std::string_view key, std::string_view message);
// Lowercase hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);
// Cryptographically random bytes from OpenSSL's DRBG (drawn in 512-byte blocks per thread, each byte used once).
void random_bytes(unsigned char* out, std::size_t n);
// n such bytes as 2n lowercase hex characters (trace ids, generated event ids).
std::string random_hex(std::size_t n_bytes);
// Constant-time comparison for secrets (API keys, signatures).
bool constant_time_equal(std::string_view a, std::string_view b);
// Standard base64 (with padding) and base64url (no padding) encode/decode; decode returns false on bad input.
std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string& out);
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace sidetag::util
