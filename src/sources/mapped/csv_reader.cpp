#include "sidetag/sources/mapped/csv_reader.hpp"

#include <string>

#include "sidetag/util/strings.hpp"

namespace sidetag::sources::mapped {

std::optional<std::size_t> CsvHeader::find(std::string_view name) const {
  auto it = index.find(std::string(name));
  if (it == index.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> CsvRecord::field(std::string_view column) const {
  if (!header) return std::nullopt;
  auto i = header->find(column);
  if (!i || *i >= values.size()) return std::nullopt;
  return std::string_view(values[*i]);
}

CsvReader::CsvReader(std::istream& in, CsvOptions opts)
    : in_(in), opts_(opts), header_(std::make_shared<CsvHeader>()) {
  if (opts_.chunk_size == 0) opts_.chunk_size = 1;
}

bool CsvReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = buf_.size();
  buf_.resize(old + opts_.chunk_size);
  in_.read(buf_.data() + old, static_cast<std::streamsize>(opts_.chunk_size));
  const auto got = static_cast<std::size_t>(in_.gcount());
  buf_.resize(old + got);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

int CsvReader::peek() {
  while (pos_ >= buf_.size()) {
    if (!fill()) return -1;
  }
  return static_cast<unsigned char>(buf_[pos_]);
}

int CsvReader::get() {
  const int c = peek();
  if (c < 0) return c;
  ++pos_;
  if (c == '\n') {
    ++line_;
  } else if (c == '\r') {
    if (peek() != '\n') ++line_;  // lone CR ends a line; CRLF is counted at the LF
  }
  return c;
}

bool CsvReader::read_raw(std::vector<std::string>& out, std::size_t& start_line, std::string& err) {
  const char delim = opts_.delimiter;
  for (;;) {
    out.clear();
    err.clear();
    if (peek() < 0) return false;
    start_line = line_;
    enum { field_start, unquoted, quoted, after_quote } state = field_start;
    std::string field;
    std::size_t bytes = 0;
    bool overflow = false;
    bool any = false;  // anything besides the terminator
    bool done = false;
    auto push_char = [&](char ch) {
      if (overflow) return;
      if (++bytes > opts_.max_record_bytes) {
        overflow = true;
        field.clear();
        out.clear();
        return;
      }
      field.push_back(ch);
    };
    auto end_field = [&] {
      if (overflow) return;
      if (++bytes > opts_.max_record_bytes) {
        overflow = true;
        field.clear();
        out.clear();
        return;
      }
      out.push_back(std::move(field));
      field.clear();
    };
    while (!done) {
      const int c = get();
      if (c < 0) {
        if (state == quoted) err = "unterminated quoted field at end of input";
        end_field();
        done = true;
        break;
      }
      const char ch = static_cast<char>(c);
      switch (state) {
        case field_start:
          if (ch == '"') {
            state = quoted;
            any = true;
          } else if (ch == delim) {
            any = true;
            end_field();
          } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && peek() == '\n') get();
            end_field();
            done = true;
          } else {
            any = true;
            push_char(ch);
            state = unquoted;
          }
          break;
        case unquoted:
          if (ch == delim) {
            end_field();
            state = field_start;
          } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && peek() == '\n') get();
            end_field();
            done = true;
          } else {
            push_char(ch);  // a stray quote inside an unquoted field is kept literally
          }
          break;
        case quoted:
          if (ch == '"') {
            state = after_quote;
          } else {
            push_char(ch);
          }
          break;
        case after_quote:
          if (ch == '"') {
            push_char('"');
            state = quoted;
          } else if (ch == delim) {
            end_field();
            state = field_start;
          } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && peek() == '\n') get();
            end_field();
            done = true;
          } else {
            if (err.empty()) err = "unexpected character after closing quote";
            push_char(ch);
            state = unquoted;
          }
          break;
      }
    }
    if (overflow) {
      err = "record exceeds " + std::to_string(opts_.max_record_bytes) + " bytes";
      out.clear();
      return true;
    }
    if (!any && err.empty()) continue;  // blank line
    return true;
  }
}

bool CsvReader::read_header() {
  const char d = opts_.delimiter;
  if (d == '"' || d == '\r' || d == '\n') {
    header_error_ = "invalid delimiter";
    return false;
  }
  // Drop a UTF-8 BOM.
  while (buf_.size() - pos_ < 3 && fill()) {
  }
  if (buf_.size() - pos_ >= 3 && buf_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) pos_ += 3;
  std::vector<std::string> names;
  std::size_t line = 0;
  std::string err;
  if (!read_raw(names, line, err)) {
    header_error_ = "empty input: no header row";
    return false;
  }
  if (!err.empty()) {
    header_error_ = "header (line " + std::to_string(line) + "): " + err;
    return false;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!util::valid_utf8(names[i])) {
      header_error_ = "header (line " + std::to_string(line) + "): column " + std::to_string(i + 1) +
                      " name is not valid UTF-8";
      return false;
    }
    names[i] = std::string(util::trim(names[i]));
    header_->index.emplace(names[i], i);
  }
  header_->names = std::move(names);
  return true;
}

std::optional<CsvRecord> CsvReader::next() {
  if (!started_) {
    started_ = true;
    if (!read_header()) return std::nullopt;
  }
  if (!header_error_.empty()) return std::nullopt;
  CsvRecord rec;
  if (!read_raw(rec.values, rec.line, rec.error)) return std::nullopt;
  rec.index = next_index_++;
  rec.header = header_;
  if (rec.error.empty() && rec.values.size() != header_->names.size()) {
    rec.error = "expected " + std::to_string(header_->names.size()) + " fields, got " +
                std::to_string(rec.values.size());
  }
  if (rec.error.empty() && opts_.check_utf8) {
    for (std::size_t i = 0; i < rec.values.size(); ++i) {
      if (!util::valid_utf8(rec.values[i])) {
        rec.error = "invalid UTF-8 in column '" + header_->names[i] + "'";
        break;
      }
    }
  }
  return rec;
}

}  // namespace sidetag::sources::mapped
