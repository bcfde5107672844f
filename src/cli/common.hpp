// Conventions shared by every command: exit codes, the one-line error
// format, and opening an input file as a PE image.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "downlevel/pe/open.hpp"
#include "downlevel/support/byte_source.hpp"

namespace downlevel::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFindings = 1,   // the question was answered and the answer is "no"
  kExitBadInput = 2,   // unreadable or malformed input, bad usage
};

// "FILE: import descriptor 3 at offset 0x1c8: name RVA 0x7fff0000 outside the image"
void report_error(const std::string& file, const Error& error);
std::string format_error(const std::string& file, const Error& error);

using pe::open_image;

// Writes JSON with a trailing newline.
void print_json(const nlohmann::json& document);


}  // namespace downlevel::cli
