// Writing files the user asked for without ever leaving a half-written one:
// a temporary file in the same folder, flushed, then renamed over the target.
#pragma once

#include <span>
#include <string>

#include "downlevel/support/result.hpp"

namespace downlevel {

// `mode`: the new file's permission bits (a file replaced in place keeps its own).
Status write_file_atomically(const std::string& path, std::span<const std::byte> bytes, unsigned mode = 0644);

// True when both paths name the same existing file (same device and inode).
bool same_file(const std::string& a, const std::string& b);

}  // namespace downlevel
