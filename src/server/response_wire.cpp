#include "server/response_wire.hpp"

#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstring>
#include <string_view>

namespace sidetag::server {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// RFC 9110 §5.6.2 tchar.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool is_server_owned(std::string_view name) {
  return iequals(name, "Server") || iequals(name, "Content-Length") || iequals(name, "Connection") ||
         iequals(name, "Transfer-Encoding");
}

bool is_sendable(const Headers::value_type& field) { return is_token(field.first) && !is_server_owned(field.first); }

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Beast trimmed optional whitespace around values; kept so the bytes stay the same.
std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
  return v;
}

// memchr is vectorised; values are almost never bad, so the per-character repair rarely runs.
bool breaks_the_header_block(std::string_view v) {
  return std::memchr(v.data(), '\n', v.size()) || std::memchr(v.data(), '\r', v.size()) ||
         std::memchr(v.data(), '\0', v.size());
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  value = trim_ows(value);
  if (!breaks_the_header_block(value)) {
    out += value;
  } else {
    for (char c : value) out += c == '\r' || c == '\n' || c == '\0' ? ' ' : c;
  }
  out += "\r\n";
}

bool sent_with_an_earlier_field(const Headers& headers, std::size_t i) {
  for (std::size_t j = 0; j < i; ++j) {
    if (iequals(headers[j].first, headers[i].first) && is_sendable(headers[j])) return true;
  }
  return false;
}

// Beast's fields kept repeated names together at the place of the first one; clients see the same order as before.
void append_handler_fields(std::string& out, const Headers& headers) {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!is_sendable(headers[i]) || sent_with_an_earlier_field(headers, i)) continue;
    append_field(out, headers[i].first, headers[i].second);
    for (std::size_t j = i + 1; j < headers.size(); ++j) {
      if (iequals(headers[j].first, headers[i].first) && is_sendable(headers[j])) {
        append_field(out, headers[j].first, headers[j].second);
      }
    }
  }
}

// RFC 9110 §15.2, §15.3.5, §15.4.5: these never carry content, so they get neither a body nor a Content-Length.
bool never_has_content(int status) { return status / 100 == 1 || status == 204 || status == 304; }

void append_number(std::string& out, std::uint64_t n) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
  out.append(digits.data(), end);
}

void append_status_line(std::string& out, int status) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::uint64_t>(status));
  out += ' ';
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
}

}  // namespace

void to_wire(HttpResponse&& resp, bool keep_alive, bool head_request, ResponseWire& out) {
  // A status line must be three digits; a handler bug must not put anything else on the wire.
  const int status = resp.status >= 100 && resp.status <= 999 ? resp.status : 500;
  out.head.clear();
  append_status_line(out.head, status);
  out.head += "Server: sidetag\r\n";
  append_handler_fields(out.head, resp.headers);
  if (!keep_alive) out.head += "Connection: close\r\n";
  if (never_has_content(status)) {
    out.body.clear();
  } else {
    out.head += "Content-Length: ";
    append_number(out.head, resp.body.size());
    out.head += "\r\n";
    out.body = head_request ? std::string() : std::move(resp.body);
  }
  out.head += "\r\n";
}

}  // namespace sidetag::server
