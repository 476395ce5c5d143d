#pragma once
#include <string>
#include <vector>

namespace sidetag::destinations::meta {

struct FieldSource {
  std::string meta_key;           // key in Meta's user_data
  std::vector<std::string> keys;  // event-data keys, first present wins (values of all are merged for lists)
};

const std::vector<FieldSource>& default_user_field_sources();
const std::vector<FieldSource>& default_raw_field_sources();

}  // namespace sidetag::destinations::meta
