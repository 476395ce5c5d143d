#include "sidetag/config/yaml_tree.hpp"

#include <set>

#include <yaml-cpp/yaml.h>

namespace sidetag::config {

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

Node* Node::find(const std::string& key) {
  for (auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

Node convert(const YAML::Node& y, const std::string& path, std::vector<std::string>& errors, int depth) {
  Node n;
  n.line = y.Mark().line >= 0 ? y.Mark().line + 1 : 0;
  if (depth > 64) {
    errors.push_back(path + " (line " + std::to_string(n.line) + "): nesting deeper than 64 levels");
    return n;
  }
  switch (y.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      n.kind = Node::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::scalar;
      n.scalar = y.Scalar();
      n.quoted = (y.Tag() == "!");
      break;
    case YAML::NodeType::Sequence: {
      n.kind = Node::Kind::seq;
      std::size_t i = 0;
      for (const auto& item : y) {
        n.seq.push_back(convert(item, path + "[" + std::to_string(i) + "]", errors, depth + 1));
        ++i;
      }
      break;
    }
    case YAML::NodeType::Map: {
      n.kind = Node::Kind::map;
      std::set<std::string> seen;
      for (auto it = y.begin(); it != y.end(); ++it) {
        const int kline = it->first.Mark().line + 1;
        if (!it->first.IsScalar()) {
          errors.push_back(path + " (line " + std::to_string(kline) + "): keys must be plain strings");
          continue;
        }
        std::string key = it->first.Scalar();
        if (!seen.insert(key).second) {
          const Node* first = n.find(key);
          errors.push_back(join_path(path, key) + " (line " + std::to_string(kline) + "): duplicate key (first defined on line " +
                           std::to_string(first ? first->line : 0) + ")");
          continue;
        }
        Node child = convert(it->second, join_path(path, key), errors, depth + 1);
        child.line = kline;  // errors point at the key, which is where a reader looks
        n.map.push_back(MapEntry{std::move(key), std::move(child)});
      }
      break;
    }
  }
  return n;
}

}  // namespace

Node parse_yaml(const std::string& text, std::vector<std::string>& errors) {
  try {
    YAML::Node root = YAML::Load(text);
    Node n = convert(root, "", errors, 0);
    return n;
  } catch (const YAML::Exception& e) {
    errors.push_back("(line " + std::to_string(e.mark.line + 1) + "): YAML syntax error: " + e.msg);
  }
  return Node{};
}

void merge_overlay(Node& base, const Node& overlay) {
  if (base.kind == Node::Kind::map && overlay.kind == Node::Kind::map) {
    for (const auto& [k, v] : overlay.map) {
      if (Node* existing = base.find(k)) {
        merge_overlay(*existing, v);
      } else {
        base.map.push_back(MapEntry{k, v});
      }
    }
    return;
  }
  base = overlay;
}

}  // namespace sidetag::config
