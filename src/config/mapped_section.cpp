// sources.<name> with `type: mapped`: CRM / call-tracking webhooks and offline files mapped by configuration.
// The mapping schema itself belongs to the source (src/sources/mapped/spec_yaml.cpp); this file hands it the
// already merged and interpolated subtree and compiles the Mapper once, at load, so a bad mapping fails
// `sidetag validate` and never a request.
#include <yaml-cpp/yaml.h>

#include "config/sections.hpp"
#include "sidetag/sources/mapped/mapping.hpp"
#include "sidetag/sources/mapped/spec_yaml.hpp"

namespace sidetag::config {

namespace {
YAML::Node to_yaml(const Node& n) {
  switch (n.kind) {
    case Node::Kind::null:
      return YAML::Node(YAML::NodeType::Null);
    case Node::Kind::scalar: {
      YAML::Node y(n.scalar);
      if (n.quoted) y.SetTag("!");  // keeps "123" a string, as in the file
      return y;
    }
    case Node::Kind::seq: {
      YAML::Node y(YAML::NodeType::Sequence);
      for (const auto& e : n.seq) y.push_back(to_yaml(e));
      return y;
    }
    case Node::Kind::map: {
      YAML::Node y(YAML::NodeType::Map);
      for (const auto& [k, v] : n.map) y[k] = to_yaml(v);
      return y;
    }
  }
  return {};
}
}  // namespace

void read_mapped_source(const std::string& name, const Node& node, SourceConfig& out, Diagnostics& errors) {
  YAML::Node y = to_yaml(node);
  y["name"] = name;
  const std::string where = "sources." + name + " (line " + std::to_string(node.line) + ")";
  std::vector<std::string> spec_errors;
  // Interpolation already happened; a remaining "${" is literal text (written as "$${" in the file).
  auto spec = sources::mapped::mapping_spec_from_yaml(y, spec_errors, sources::mapped::EnvLookup{});
  if (spec_errors.empty()) {
    auto mapper = sources::mapped::Mapper::compile(spec, spec_errors);
    if (mapper) out.mapper = std::make_shared<const sources::mapped::Mapper>(std::move(*mapper));
  }
  for (auto& e : spec_errors) {
    // The source's own messages start with its name; point at the config instead.
    if (e.rfind(name + ": ", 0) == 0) e = e.substr(name.size() + 2);
    errors.errors.push_back(where + ": " + e);
  }
  out.path = spec.path.empty() ? "/v1/sources/" + name : spec.path;
  out.site = spec.site;
  out.action_source = spec.action_source;
  if (!spec.auth.secret.empty()) out.api_keys = {spec.auth.secret};  // listed for log redaction
}

}  // namespace sidetag::config
