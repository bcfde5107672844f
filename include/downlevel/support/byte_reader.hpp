// Sequential, bounds-checked reading of a little-endian byte buffer, for
// formats of our own (target snapshots). Every read either succeeds or
// returns an error naming what was being read and where.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "downlevel/support/little_endian.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel {

class ByteReader {
 public:
  ByteReader(std::span<const std::byte> bytes, std::string structure)
      : bytes_(bytes), structure_(std::move(structure)) {}

  std::uint64_t position() const { return position_; }
  bool at_end() const { return position_ == bytes_.size(); }

  Result<std::uint8_t> u8(const char* what) { return fixed<std::uint8_t>(what); }
  Result<std::uint16_t> u16(const char* what) { return fixed<std::uint16_t>(what); }
  Result<std::uint32_t> u32(const char* what) { return fixed<std::uint32_t>(what); }

  Result<std::span<const std::byte>> bytes(std::uint64_t length, const char* what) {
    if (length > bytes_.size() - position_) return truncated(what, length);
    auto view = bytes_.subspan(position_, length);
    position_ += length;
    return view;
  }

  // A u32 length followed by that many bytes, at most `max_length`.
  Result<std::string_view> string(const char* what, std::uint32_t max_length) {
    auto length = u32(what);
    if (!length) return length.error();
    if (*length > max_length) {
      return make_error(structure_, position_ - 4, std::string(what) + ": length " + std::to_string(*length) +
                                                       " exceeds the limit of " + std::to_string(max_length));
    }
    auto view = bytes(*length, what);
    if (!view) return view.error();
    return std::string_view(reinterpret_cast<const char*>(view->data()), view->size());
  }

  Error error(const char* what, std::string message) const {
    return make_error(structure_, position_, std::string(what) + ": " + message);
  }

 private:
  template <class T>
  Result<T> fixed(const char* what) {
    if (sizeof(T) > bytes_.size() - position_) return truncated(what, sizeof(T));
    T value = load_le<T>(bytes_, position_);
    position_ += sizeof(T);
    return value;
  }
  Error truncated(const char* what, std::uint64_t length) const {
    return make_error(structure_, position_,
                      std::string(what) + ": " + std::to_string(length) + " bytes needed, " +
                          std::to_string(bytes_.size() - position_) + " left");
  }

  std::span<const std::byte> bytes_;
  std::string structure_;
  std::uint64_t position_ = 0;
};

}  // namespace downlevel
