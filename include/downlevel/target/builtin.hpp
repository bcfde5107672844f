// Targets compiled into the program, for users without a copy of the old
// system's DLLs. Each is a snapshot generated at build time from data in
// data/targets/, honestly labelled with its source and accuracy.
#pragma once

#include <span>
#include <string_view>

#include "downlevel/target/target.hpp"

namespace downlevel::target {

struct BuiltinTarget {
  std::string_view name;         // "xp"
  std::string_view title;        // "Windows XP SP3, 32-bit"
  std::string_view source;       // where the data comes from
  std::string_view accuracy;     // what it gets wrong
  std::span<const std::byte> snapshot;
};

std::span<const BuiltinTarget> builtin_targets();
const BuiltinTarget* find_builtin_target(std::string_view name);
Result<Target> load_builtin_target(const BuiltinTarget& builtin);

}  // namespace downlevel::target
