// Conventions shared by every command: exit codes, the one-line error
// format, and opening an input file as a PE image.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

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

// Text output of names read from untrusted files: a control byte becomes
// \xNN, so one entry stays on one line and no escape sequence reaches the
// terminal. The JSON forms carry the names as they are, escaped by JSON.
inline bool needs_text_escape(unsigned char byte) { return byte < 0x20 || byte == 0x7F; }
std::string printable(std::string_view text);
inline std::string text_of(const nlohmann::json& value) { return printable(value.get_ref<const std::string&>()); }

// Writes JSON with a trailing newline.
void print_json(const nlohmann::json& document);


}  // namespace downlevel::cli
