#include "common.hpp"

#include <iostream>

#include <fmt/format.h>

namespace downlevel::cli {

std::string format_error(const std::string& file, const Error& error) {
  return printable(fmt::format("{}: {}", file, error.to_string()));  // always one line
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (needs_text_escape(byte)) out += fmt::format("\\x{:02x}", byte);
    else out += c;
  }
  return out;
}

void report_error(const std::string& file, const Error& error) {
  std::fputs((format_error(file, error) + "\n").c_str(), stderr);
}

void print_json(const nlohmann::json& document) {
  // Names from hostile files may hold invalid UTF-8: replace, never throw.
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace downlevel::cli
