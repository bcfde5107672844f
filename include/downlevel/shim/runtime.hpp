// The runtime: C implementations of post-XP Windows APIs, written on XP-level
// APIs (runtime/*.c), and the catalogue naming which DLL export each one
// provides (runtime/catalogue.csv). Both are compiled into the program, so a
// shim can be generated anywhere.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "downlevel/support/result.hpp"

namespace downlevel::shim {

struct RuntimeFile {
  std::string_view name;  // "srw_lock.c"
  std::string_view text;
};

struct RuntimeFunction {
  std::string dll;             // lower case: "kernel32.dll"
  std::string function;        // "AcquireSRWLockExclusive"
  std::string implementation;  // the C symbol: "dl_AcquireSRWLockExclusive"
  std::vector<std::string> sources;  // the .c files it needs
};

// Files every shim compiles whatever it implements: the shared header and
// the entry point with the call counter.
inline constexpr std::string_view kRuntimeHeader = "downlevel_runtime.h";
inline constexpr std::string_view kShimEntrySource = "shim_entry.c";
// Exported by every shim: how many times its own implementations ran.
inline constexpr std::string_view kCallCounterExport = "DownlevelShimCalls";
inline constexpr std::string_view kCallCounterImplementation = "dl_DownlevelShimCalls";

class Runtime {
 public:
  // The runtime compiled into the program.
  static Result<Runtime> builtin();
  // A runtime from files, one of them "catalogue.csv" (for tests).
  static Result<Runtime> from_files(std::span<const RuntimeFile> files);

  // `dll` is matched case-insensitively, with ".dll" implied.
  const RuntimeFunction* find(std::string_view dll, std::string_view function) const;
  const std::vector<RuntimeFunction>& functions() const { return functions_; }
  // nullptr when there is no such file.
  const RuntimeFile* file(std::string_view name) const;

 private:
  std::vector<RuntimeFunction> functions_;
  std::span<const RuntimeFile> files_;
};

namespace detail {
std::span<const RuntimeFile> embedded_runtime_files();
}

}  // namespace downlevel::shim
