#pragma once
// YAML -> MappingSpec for `type: mapped` sources (see config/examples/*.yaml for the documented shape).
// Errors are collected (never thrown) as "<source name>: line <n>: <key>: <problem>".
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sidetag/sources/mapped/mapping.hpp"

namespace sidetag::sources::mapped {

// Resolves ${NAME} in auth.secret. Return nullopt when NAME is unset (reported as an error).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// getenv-backed lookup.
EnvLookup process_env();

// One element of `sources:`. `env` empty: ${...} left as is (e.g. for a config check without secrets).
MappingSpec mapping_spec_from_yaml(const YAML::Node& node, std::vector<std::string>& errors,
                                   const EnvLookup& env = process_env());

// Every `type: mapped` element of root["sources"].
std::vector<MappingSpec> mapped_sources_from_yaml(const YAML::Node& root, std::vector<std::string>& errors,
                                                  const EnvLookup& env = process_env());

}  // namespace sidetag::sources::mapped
