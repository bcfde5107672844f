// Errors as values: every fallible library call returns Result<T>.
//
// std::expected is C++23; this is the small subset the library needs, so the
// public API never throws and never needs exceptions enabled in callers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace downlevel {

// What went wrong, where. `structure` names the thing being read ("import
// descriptor 3", "section table"), `offset` is its file offset (or the
// offset of the field that pointed at it), `message` says what is wrong.
struct Error {
  std::string structure;
  std::uint64_t offset = 0;
  std::string message;

  // "import descriptor 3 at offset 0x1c8: name RVA 0x7fff0000 outside the image"
  std::string to_string() const;
};

Error make_error(std::string structure, std::uint64_t offset, std::string message);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that yields nothing but can fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}
  static Status ok() { return {}; }

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return !failed_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace downlevel
