#include "common.hpp"

#include <iostream>

#include <fmt/format.h>

namespace downlevel::cli {

std::string format_error(const std::string& file, const Error& error) {
  return fmt::format("{}: {}", file, error.to_string());
}

void report_error(const std::string& file, const Error& error) {
  std::fputs((format_error(file, error) + "\n").c_str(), stderr);
}

void print_json(const nlohmann::json& document) {
  // Names from hostile files may hold invalid UTF-8: replace, never throw.
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace downlevel::cli
