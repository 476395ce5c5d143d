#pragma once
// Untrusted JSON text in (request bodies, NDJSON lines): the checks every source needs before nlohmann's recursive
// parser sees the text, in one place. Callers phrase the answer for their own clients.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace sidetag::util {

enum class JsonReadError { none, invalid_utf8, too_deep, invalid_json };

// Parses text into out after checking UTF-8 and that brackets nest at most max_depth deep. On invalid_json,
// *parser_message (when given) gets nlohmann's message without its "[json.exception.parse_error.101] " prefix.
JsonReadError read_json_limited(std::string_view text, std::size_t max_depth, nlohmann::json& out,
                                std::string* parser_message = nullptr);

}  // namespace sidetag::util
