#include "sidetag/util/json_read.hpp"

#include <exception>
#include <nlohmann/json.hpp>

#include "sidetag/util/strings.hpp"

namespace sidetag::util {

JsonReadError read_json_limited(std::string_view text, std::size_t max_depth, nlohmann::json& out,
                                std::string* parser_message) {
  if (!valid_utf8(text)) return JsonReadError::invalid_utf8;
  if (json_nesting_depth(text, max_depth) > max_depth) return JsonReadError::too_deep;
  try {
    out = nlohmann::json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {  // nlohmann's parse_error; bad_alloc on absurd input
    if (parser_message) {
      std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line 1, column 3: ..."
      const auto p = what.find("] ");
      *parser_message = p == std::string::npos ? what : what.substr(p + 2);
    }
    return JsonReadError::invalid_json;
  }
  return JsonReadError::none;
}

}  // namespace sidetag::util
