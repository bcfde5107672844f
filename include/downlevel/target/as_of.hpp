// An older system approximated from a newer one: every export the built-in
// first-version data dates after `version` is dropped, and the API set schema
// too when `version` predates Windows 7. Functions the data does not know are
// kept, so the result can only overstate what the old system had.
#pragma once

#include "downlevel/target/target.hpp"
#include "downlevel/target/windows_version.hpp"

namespace downlevel::target {

struct AsOf {
  Target target;
  std::size_t dropped = 0;  // exports removed
};

AsOf as_of(const Target& newer, const WindowsVersion& version);

}  // namespace downlevel::target
