// When newer functions first appeared: the first Windows version exporting
// each of ~2,000 functions that XP RTM lacks (data/targets/first-version.csv,
// compiled in).
#pragma once

#include <span>
#include <string_view>

namespace downlevel::target {

struct FirstVersion {
  std::string_view dll;            // lower case, "kernel32.dll"
  std::string_view function;
  std::string_view first_windows;  // "5.1.SP2", "6.0", "6.0.SP1", "10.0.14393", ...
  std::string_view source;         // "yy-thunks" or "reactos-spec"
};

// Sorted by dll, then function.
std::span<const FirstVersion> first_versions();

// nullptr when the data does not know the function.
const FirstVersion* find_first_version(std::string_view dll, std::string_view function);

}  // namespace downlevel::target
