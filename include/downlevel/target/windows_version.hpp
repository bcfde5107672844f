// Windows versions as the knowledge data writes them ("5.1", "5.1.SP2",
// "6.0.SP1", "10.0.14393"), ordered and named.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace downlevel::target {

struct WindowsVersion {
  unsigned major = 0, minor = 0;
  unsigned service_pack = 0;  // 5.x and 6.x
  unsigned build = 0;         // 10.0.<build>
  auto operator<=>(const WindowsVersion&) const = default;

  static std::optional<WindowsVersion> parse(std::string_view text);
  std::string code() const;  // "6.0", "5.1.SP2", "10.0.14393"
  std::string name() const;  // "Windows Vista", "Windows XP SP2", "Windows 10 1607 (build 14393)"
};

// What the built-in knowledge calls "present in XP": XP SP3 minus the
// service-pack additions, which the first-version data lists.
inline constexpr WindowsVersion kWindowsXp{5, 1, 0, 0};

}  // namespace downlevel::target
