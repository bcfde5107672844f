// Patching a PE image: OS/subsystem version fields, imported-DLL renames
// (import and delay-import descriptors), the checksum. A pure function from
// the input bytes to new bytes: nothing is written here, so an error can
// never leave a half-patched file behind.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "downlevel/support/result.hpp"

namespace downlevel::patch {

struct Version {
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
};
// "5.0" -> {5, 0}; nullopt when malformed.
std::optional<Version> parse_version(std::string_view text);

struct Request {
  std::optional<Version> os_version;
  std::optional<Version> subsystem_version;
  std::vector<std::pair<std::string, std::string>> renames;  // OLD (any case) -> NEW
  bool strip_signature = false;
};

struct Change {
  std::string field;  // "MajorOperatingSystemVersion.MinorOperatingSystemVersion", "import name", ...
  std::string old_value;
  std::string new_value;
};

struct Patched {
  std::vector<std::byte> bytes;
  std::vector<Change> changes;
};

Result<Patched> apply(std::span<const std::byte> input, const Request& request);

// A DLL name that a descriptor may safely carry: 1-255 printable ASCII
// characters without path separators or quotes.
Status validate_dll_name(std::string_view name);

inline constexpr char kNamesSection[8] = {'.', 'd', 'l', 'n', 'a', 'm', 'e', 0};

}  // namespace downlevel::patch
