#pragma once
// A per-request arena (ClickHouse's Arena): the strings and the nested arrays and objects of one request's events
// are bump-allocated here and freed at once when the request is done, instead of one heap block each. Not
// thread-safe; whatever points into it (event::Value, std::string_view) must not outlive it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>

namespace sidetag::event {

class Arena {
 public:
  explicit Arena(std::size_t first_block_bytes = 4096);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `bytes` of uninitialized memory aligned to `align` (a power of two, at most alignof(std::max_align_t)).
  void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    std::size_t pad = (align - (reinterpret_cast<std::uintptr_t>(cur_) & (align - 1))) & (align - 1);
    if (static_cast<std::size_t>(end_ - cur_) < bytes + pad) return allocate_slow(bytes, align);
    char* p = cur_ + pad;
    cur_ = p + bytes;
    return p;
  }
  // Room for n objects of a trivially copyable and destructible type (never destroyed: the arena only frees).
  template <typename T>
  T* allocate_array(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    return static_cast<T*>(allocate(n * sizeof(T), alignof(T)));
  }
  // A copy of s that lives as long as the arena.
  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  // Bytes handed out so far (all blocks), for tests and allocation counting.
  std::size_t used() const { return used_before_ + static_cast<std::size_t>(cur_ - block_start_); }

 private:
  struct Block;
  void* allocate_slow(std::size_t bytes, std::size_t align);
  Block* blocks_ = nullptr;
  char* block_start_ = nullptr;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  std::size_t next_block_ = 0;
  std::size_t used_before_ = 0;
};

}  // namespace sidetag::event
