// ge: cpb gender rule (capi-param-builder genderUtil.js): lowercase, trim, exact membership in the male/female word
// sets.
#include "prep/fields.hpp"
#include "prep/text.hpp"

#include <algorithm>
#include <iterator>

namespace sidetag::prep::detail {
namespace {

constexpr std::string_view kMale[] = {
    "man",   "male",   "boy",     "gentleman", "guy",  "sir",      "mister", "mr",    "son",     "father",
    "dad",   "daddy",  "papa",    "uncle",     "nephew", "brother", "husband", "boyfriend", "groom", "widower",
    "king",  "prince", "duke",    "count",     "emperor", "god",    "lord",   "lad",   "fellow",  "chap",
    "bloke", "dude",   "he",      "him",       "his",  "himself",  "m"};

constexpr std::string_view kFemale[] = {
    "woman",    "female",  "girl",    "lady",    "miss",       "ms",       "mrs",     "madam",  "ma'am",
    "daughter", "mother",  "mom",     "mama",    "mommy",      "aunt",     "niece",   "sister", "wife",
    "girlfriend", "bride", "widow",   "queen",   "princess",   "duchess",  "countess", "empress", "goddess",
    "maiden",   "lass",    "gal",     "chick",   "dame",       "belle",    "she",     "her",    "hers",
    "herself",  "f"};

template <std::size_t N>
bool contains(const std::string_view (&set)[N], std::string_view w) {
  return std::find(std::begin(set), std::end(set), w) != std::end(set);
}

}  // namespace

FieldResult normalize_gender(std::string_view in) {
  std::string lower = to_lower(in);
  std::string_view w = js_trim(lower);
  if (contains(kMale, w)) return FieldResult::success("m");
  if (contains(kFemale, w)) return FieldResult::success("f");
  if (w.empty()) return FieldResult::failure("gender is empty");
  return FieldResult::failure("not a recognised gender (expected m/f or a word such as male/female)");
}

}  // namespace sidetag::prep::detail
