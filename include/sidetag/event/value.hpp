#pragma once
// One event-data value: what a JSON value is, in 16 bytes. Strings, arrays and objects are views into memory the
// value does not own (the request's event::Arena, or static text), so a value is copied by copying 16 bytes and
// freed with its arena. Objects keep their members sorted by key with unique keys, like nlohmann's std::map, so
// a member is found by binary search and append_json() writes exactly what nlohmann's dump() wrote for the same
// JSON (the Meta text is byte-identical to the DOM era's).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sidetag/event/arena.hpp"

namespace sidetag::event {

struct Member;

class Value {
 public:
  // absent: no value at all (an empty slot); null: JSON null. Integers keep nlohmann's split into signed and
  // unsigned (a parsed non-negative integer is unsigned), which matters only for values above INT64_MAX.
  enum class Type : std::uint8_t { absent, null, boolean, integer, unsigned_integer, floating, string, array, object };

  constexpr Value() noexcept : i_(0) {}
  static constexpr Value null() { return Value(Type::null, 0); }
  static constexpr Value boolean(bool b) {
    Value v(Type::boolean, 0);
    v.i_ = b ? 1 : 0;
    return v;
  }
  static constexpr Value integer(std::int64_t i) {
    Value v(Type::integer, 0);
    v.i_ = i;
    return v;
  }
  static constexpr Value unsigned_integer(std::uint64_t u) {
    Value v(Type::unsigned_integer, 0);
    v.u_ = u;
    return v;
  }
  static constexpr Value floating(double d) {
    Value v(Type::floating, 0);
    v.d_ = d;
    return v;
  }
  // s is referenced, not copied: copy it into the arena first unless it is static (EventData::text does both).
  static Value string(std::string_view s) {
    Value v(Type::string, static_cast<std::uint32_t>(s.size()));
    v.s_ = s.data();
    return v;
  }
  // items/members are referenced; members must be sorted by key and unique (ObjectBuilder makes them so).
  static Value array(std::span<const Value> items) {
    Value v(Type::array, static_cast<std::uint32_t>(items.size()));
    v.a_ = items.data();
    return v;
  }
  static Value object(std::span<const Member> members);

  Type type() const { return type_; }
  bool is_absent() const { return type_ == Type::absent; }
  bool is_null() const { return type_ == Type::null; }
  bool is_bool() const { return type_ == Type::boolean; }
  bool is_number() const { return type_ >= Type::integer && type_ <= Type::floating; }
  bool is_integer() const { return type_ == Type::integer || type_ == Type::unsigned_integer; }  // not float
  bool is_unsigned() const { return type_ == Type::unsigned_integer; }
  bool is_float() const { return type_ == Type::floating; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }
  bool is_structured() const { return type_ == Type::array || type_ == Type::object; }
  bool is_scalar() const { return type_ >= Type::boolean && type_ <= Type::string; }

  bool as_bool() const { return i_ != 0; }
  // Numbers converted the way nlohmann's get<T>() converts them (C++ casts); 0 for anything else.
  std::int64_t as_int() const;
  std::uint64_t as_uint() const;
  double as_double() const;
  std::string_view as_string() const { return is_string() ? std::string_view(s_, size_) : std::string_view(); }
  std::span<const Value> items() const { return is_array() ? std::span<const Value>(a_, size_) : std::span<const Value>(); }
  std::span<const Member> members() const;
  // Elements of an array, members of an object, bytes of a string; 0 otherwise.
  std::size_t size() const { return size_; }
  // The member `key` of an object (binary search); null when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  // nlohmann's type_name(): "null", "boolean", "number", "string", "array", "object" ("absent" for absent).
  const char* type_name() const;

 private:
  constexpr Value(Type t, std::uint32_t n) : type_(t), size_(n), i_(0) {}
  Type type_ = Type::absent;
  std::uint32_t size_ = 0;
  union {
    std::int64_t i_;
    std::uint64_t u_;
    double d_;
    const char* s_;
    const Value* a_;
    const Member* o_;
  };
};

struct Member {
  std::string_view key;
  Value value;
};

// Deep equality with nlohmann's rules: numbers compare by value across integer, unsigned and float.
bool operator==(const Value& a, const Value& b);

// v as JSON text, exactly as nlohmann's dump(-1, ' ', false, error_handler_t::replace) writes the same JSON value
// (absent is written as null).
void append_json(std::string& out, const Value& v);
std::string to_json(const Value& v);
// One object member: a ',' unless `first` (which it clears), the key as a JSON string, ':' and the value.
void append_json_member(std::string& out, bool& first, std::string_view key, const Value& v);

// Builds an array in the arena.
class ArrayBuilder {
 public:
  explicit ArrayBuilder(Arena& arena, std::size_t capacity = 4);
  void push_back(const Value& v);
  std::size_t size() const { return size_; }
  Value finish() const { return Value::array(std::span<const Value>(data_, size_)); }

 private:
  Arena& arena_;
  Value* data_;
  std::size_t size_ = 0, capacity_;
};

// Builds an object in the arena: members in any order, finish() sorts them by key; of equal keys the last one
// added wins (JSON text with duplicate keys means what it meant to nlohmann). Keys are referenced, not copied.
class ObjectBuilder {
 public:
  explicit ObjectBuilder(Arena& arena, std::size_t capacity = 8);
  void add(std::string_view key, const Value& v);
  std::size_t size() const { return size_; }
  Value finish();

 private:
  Arena& arena_;
  Member* data_;
  std::size_t size_ = 0, capacity_;
};

}  // namespace sidetag::event
