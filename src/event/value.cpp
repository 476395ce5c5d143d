#include "sidetag/event/value.hpp"

#include <algorithm>

#include "sidetag/util/json_write.hpp"

namespace sidetag::event {

Value Value::object(std::span<const Member> members) {
  Value v(Type::object, static_cast<std::uint32_t>(members.size()));
  v.o_ = members.data();
  return v;
}

std::int64_t Value::as_int() const {
  switch (type_) {
    case Type::integer: return i_;
    case Type::unsigned_integer: return static_cast<std::int64_t>(u_);
    case Type::floating: return static_cast<std::int64_t>(d_);
    case Type::boolean: return i_;
    default: return 0;
  }
}

std::uint64_t Value::as_uint() const {
  switch (type_) {
    case Type::integer: return static_cast<std::uint64_t>(i_);
    case Type::unsigned_integer: return u_;
    case Type::floating: return static_cast<std::uint64_t>(d_);
    case Type::boolean: return static_cast<std::uint64_t>(i_);
    default: return 0;
  }
}

double Value::as_double() const {
  switch (type_) {
    case Type::integer: return static_cast<double>(i_);
    case Type::unsigned_integer: return static_cast<double>(u_);
    case Type::floating: return d_;
    case Type::boolean: return static_cast<double>(i_);
    default: return 0;
  }
}

std::span<const Member> Value::members() const {
  return is_object() ? std::span<const Member>(o_, size_) : std::span<const Member>();
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Member* lo = o_;
  std::size_t n = size_;
  if (n <= 8) {  // small objects (most): a scan touches fewer cache lines than the bisection's branches cost
    for (std::size_t i = 0; i < n; ++i) {
      if (lo[i].key == key) return &lo[i].value;
    }
    return nullptr;
  }
  const Member* end = o_ + n;
  const Member* it = std::lower_bound(lo, end, key, [](const Member& m, std::string_view k) { return m.key < k; });
  return it != end && it->key == key ? &it->value : nullptr;
}

const char* Value::type_name() const {
  switch (type_) {
    case Type::absent: return "absent";
    case Type::null: return "null";
    case Type::boolean: return "boolean";
    case Type::integer:
    case Type::unsigned_integer:
    case Type::floating: return "number";
    case Type::string: return "string";
    case Type::array: return "array";
    case Type::object: return "object";
  }
  return "null";
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    // nlohmann compares an unsigned and a signed integer, or an integer and a float, by value.
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    if (a.is_unsigned() != b.is_unsigned()) {
      const Value& s = a.is_unsigned() ? b : a;
      const Value& u = a.is_unsigned() ? a : b;
      return s.as_int() >= 0 && static_cast<std::uint64_t>(s.as_int()) == u.as_uint();
    }
    return a.as_int() == b.as_int();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::absent:
    case Value::Type::null: return true;
    case Value::Type::boolean: return a.as_bool() == b.as_bool();
    case Value::Type::string: return a.as_string() == b.as_string();
    case Value::Type::array: return std::equal(a.items().begin(), a.items().end(), b.items().begin(), b.items().end());
    case Value::Type::object:
      return std::equal(a.members().begin(), a.members().end(), b.members().begin(), b.members().end(),
                        [](const Member& x, const Member& y) { return x.key == y.key && x.value == y.value; });
    default: return false;
  }
}

namespace {
void write(util::JsonWriter& w, const Value& v) {
  switch (v.type()) {
    case Value::Type::absent:
    case Value::Type::null: w.null(); return;
    case Value::Type::boolean: w.boolean(v.as_bool()); return;
    case Value::Type::integer: w.number(v.as_int()); return;
    case Value::Type::unsigned_integer: w.number(v.as_uint()); return;
    case Value::Type::floating: w.number(v.as_double()); return;
    case Value::Type::string: w.string(v.as_string()); return;
    case Value::Type::array: {
      w.write('[');
      bool first = true;
      for (const auto& e : v.items()) {
        if (!first) w.write(',');
        first = false;
        write(w, e);
      }
      w.write(']');
      return;
    }
    case Value::Type::object: {
      w.write('{');
      bool first = true;
      for (const auto& m : v.members()) {
        if (!first) w.write(',');
        first = false;
        w.string(m.key);
        w.write(':');
        write(w, m.value);
      }
      w.write('}');
      return;
    }
  }
}
}  // namespace

void append_json(std::string& out, const Value& v) {
  util::JsonWriter w(out);
  write(w, v);
}

void append_json_member(std::string& out, bool& first, std::string_view key, const Value& v) {
  util::JsonWriter w(out);
  if (!first) w.write(',');
  first = false;
  w.string(key);
  w.write(':');
  write(w, v);
}

std::string to_json(const Value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

ArrayBuilder::ArrayBuilder(Arena& arena, std::size_t capacity)
    : arena_(arena), data_(arena.allocate_array<Value>(std::max<std::size_t>(capacity, 1))),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

void ArrayBuilder::push_back(const Value& v) {
  if (size_ == capacity_) {
    Value* bigger = arena_.allocate_array<Value>(capacity_ * 2);
    std::copy(data_, data_ + size_, bigger);
    data_ = bigger;
    capacity_ *= 2;
  }
  data_[size_++] = v;
}

ObjectBuilder::ObjectBuilder(Arena& arena, std::size_t capacity)
    : arena_(arena), data_(arena.allocate_array<Member>(std::max<std::size_t>(capacity, 1))),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

void ObjectBuilder::add(std::string_view key, const Value& v) {
  if (size_ == capacity_) {
    Member* bigger = arena_.allocate_array<Member>(capacity_ * 2);
    std::copy(data_, data_ + size_, bigger);
    data_ = bigger;
    capacity_ *= 2;
  }
  data_[size_++] = Member{key, v};
}

Value ObjectBuilder::finish() {
  // Stable, so that among equal keys the last one added comes last; then keep only that one. Objects are small and
  // often already in order: an insertion sort is O(n) then and needs no buffer (std::stable_sort mallocs one).
  auto less = [](const Member& a, const Member& b) { return a.key < b.key; };
  if (size_ <= 32) {
    for (std::size_t i = 1; i < size_; ++i) {
      Member m = data_[i];
      std::size_t j = i;
      while (j > 0 && less(m, data_[j - 1])) {
        data_[j] = data_[j - 1];
        --j;
      }
      data_[j] = m;
    }
  } else {
    std::stable_sort(data_, data_ + size_, less);
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    if (i + 1 < size_ && data_[i + 1].key == data_[i].key) continue;
    data_[out++] = data_[i];
  }
  size_ = out;
  return Value::object(std::span<const Member>(data_, size_));
}

}  // namespace sidetag::event
