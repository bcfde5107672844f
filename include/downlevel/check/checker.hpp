// Checks an application's imports against a target system, resolving each
// imported DLL the way the loader does: the target's API set schema first
// (with the importing module as the exception key), then the application's
// own folder, then the target's DLLs. Functions are looked up by name or
// ordinal, forwarders followed to their end.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "downlevel/check/report.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::check {

namespace detail {
class AppFolder;
}

// Hostile-input limit: a forwarder chain longer than this is reported as broken.
inline constexpr int kMaxForwarderHops = 16;

class Checker {
 public:
  explicit Checker(const target::Target& target);
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // Checks one PE file; its folder is its application folder.
  FileReport check_file(const std::string& path);

 private:
  detail::AppFolder& folder_of(const std::string& path);

  const target::Target& target_;
  // Application folders seen so far, each listed and its DLLs parsed once.
  std::map<std::string, std::unique_ptr<detail::AppFolder>> folders_;
};

}  // namespace downlevel::check
