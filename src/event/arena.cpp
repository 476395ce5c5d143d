#include "sidetag/event/arena.hpp"

#include <algorithm>
#include <cstdlib>

namespace sidetag::event {

struct Arena::Block {
  Block* next;
  std::size_t size;
  // the block's bytes follow
  char* data() { return reinterpret_cast<char*>(this + 1); }
};

Arena::Arena(std::size_t first_block_bytes) : next_block_(std::max<std::size_t>(first_block_bytes, 256)) {}

Arena::~Arena() {
  for (Block* b = blocks_; b;) {
    Block* next = b->next;
    std::free(b);
    b = next;
  }
}

void* Arena::allocate_slow(std::size_t bytes, std::size_t align) {
  // Blocks double up to 64 KB; a request larger than half a block gets a block of its own.
  const std::size_t need = bytes + align;
  std::size_t size = next_block_;
  if (need > size / 2) size = std::max(size, need);
  auto* b = static_cast<Block*>(std::malloc(sizeof(Block) + size));
  if (!b) throw std::bad_alloc();
  b->next = blocks_;
  b->size = size;
  blocks_ = b;
  if (block_start_) used_before_ += static_cast<std::size_t>(cur_ - block_start_);
  block_start_ = cur_ = b->data();
  end_ = cur_ + size;
  next_block_ = std::min<std::size_t>(next_block_ * 2, 64 * 1024);
  return allocate(bytes, align);
}

}  // namespace sidetag::event
