#include "sidetag/event/field_path.hpp"

namespace sidetag::event {

FieldPath::FieldPath(std::string text) : text_(std::move(text)) {
  whole_ = key_of(text_);
  const std::string_view t(text_);
  const auto dot = t.find('.');
  head_len_ = dot == std::string_view::npos ? t.size() : dot;
  head_ = dot == std::string_view::npos ? whole_ : key_of(t.substr(0, dot));
  if (dot == std::string_view::npos) return;
  std::size_t start = dot + 1;
  while (true) {
    const auto next = t.find('.', start);
    const std::size_t end = next == std::string_view::npos ? t.size() : next;
    rest_.emplace_back(static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end - start));
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
}

}  // namespace sidetag::event
