#include "sidetag/event/json_bridge.hpp"

namespace sidetag::event {

Value from_json(const nlohmann::json& j, Arena& arena) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::null: return Value::null();
    case T::boolean: return Value::boolean(j.get<bool>());
    case T::number_integer: return Value::integer(j.get<std::int64_t>());
    case T::number_unsigned: return Value::unsigned_integer(j.get<std::uint64_t>());
    case T::number_float: return Value::floating(j.get<double>());
    case T::string: return Value::string(arena.copy(j.get_ref<const std::string&>()));
    case T::array: {
      ArrayBuilder b(arena, j.size());
      for (const auto& e : j) b.push_back(from_json(e, arena));
      return b.finish();
    }
    case T::object: {
      ObjectBuilder b(arena, j.size());
      for (const auto& [k, v] : j.items()) b.add(arena.copy(k), from_json(v, arena));
      return b.finish();
    }
    default: return Value::null();
  }
}

nlohmann::json to_nlohmann(const Value& v) {
  switch (v.type()) {
    case Value::Type::absent:
    case Value::Type::null: return nullptr;
    case Value::Type::boolean: return v.as_bool();
    case Value::Type::integer: return v.as_int();
    case Value::Type::unsigned_integer: return v.as_uint();
    case Value::Type::floating: return v.as_double();
    case Value::Type::string: return std::string(v.as_string());
    case Value::Type::array: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : v.items()) a.push_back(to_nlohmann(e));
      return a;
    }
    case Value::Type::object: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& m : v.members()) o[std::string(m.key)] = to_nlohmann(m.value);
      return o;
    }
  }
  return nullptr;
}

nlohmann::json to_nlohmann(const EventData& d) {
  nlohmann::json o = nlohmann::json::object();
  d.for_each([&](std::string_view name, const Value& v) { o[std::string(name)] = to_nlohmann(v); });
  return o;
}

void assign(EventData& d, const nlohmann::json& object) {
  if (!object.is_object()) return;
  for (const auto& [k, v] : object.items()) d.set(k, from_json(v, d.arena()));
}

}  // namespace sidetag::event
