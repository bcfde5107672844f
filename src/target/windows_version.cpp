#include "downlevel/target/windows_version.hpp"

#include <charconv>

#include <fmt/format.h>

namespace downlevel::target {

namespace {

std::optional<unsigned> number(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<WindowsVersion> WindowsVersion::parse(std::string_view text) {
  WindowsVersion v;
  const auto first = text.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto major = number(text.substr(0, first));
  std::string_view rest = text.substr(first + 1);
  const auto second = rest.find('.');
  const auto minor = number(rest.substr(0, second));
  if (!major || !minor) return std::nullopt;
  v.major = *major;
  v.minor = *minor;
  if (second != std::string_view::npos) {
    const std::string_view tail = rest.substr(second + 1);
    if (tail.starts_with("SP")) {
      const auto sp = number(tail.substr(2));
      if (!sp) return std::nullopt;
      v.service_pack = *sp;
    } else {
      const auto build = number(tail);
      if (!build) return std::nullopt;
      v.build = *build;
    }
  }
  return v;
}

std::string WindowsVersion::code() const {
  if (service_pack) return fmt::format("{}.{}.SP{}", major, minor, service_pack);
  if (build) return fmt::format("{}.{}.{}", major, minor, build);
  return fmt::format("{}.{}", major, minor);
}

std::string WindowsVersion::name() const {
  std::string base;
  if (major == 5 && minor == 0) base = "Windows 2000";
  else if (major == 5 && minor == 1) base = "Windows XP";
  else if (major == 5 && minor == 2) base = "Windows Server 2003";
  else if (major == 6 && minor == 0) base = "Windows Vista";
  else if (major == 6 && minor == 1) base = "Windows 7";
  else if (major == 6 && minor == 2) base = "Windows 8";
  else if (major == 6 && minor == 3) base = "Windows 8.1";
  else if (major == 10 && minor == 0) base = "Windows 10";
  else base = fmt::format("Windows NT {}.{}", major, minor);
  if (service_pack) return fmt::format("{} SP{}", base, service_pack);
  if (build) return fmt::format("{} build {}", base, build);
  return base;
}

}  // namespace downlevel::target
