// Building a generated shim folder into a DLL with mingw-w64.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "downlevel/support/result.hpp"

namespace downlevel::shim {

enum class Arch { x86, x64 };
std::optional<Arch> parse_arch(std::string_view text);  // "x86"/"i686", "x64"/"x86_64"
std::string default_compiler(Arch arch);                // "i686-w64-mingw32-gcc"
std::string_view compiler_package(Arch arch);           // the Debian package that has it

struct BuildRequest {
  std::string folder;  // written by write_shim_folder
  Arch arch = Arch::x64;
  std::string compiler;  // empty: default_compiler(arch)
};

struct Built {
  std::string dll;                   // folder/<shim name>
  std::vector<std::string> command;  // as run (no shell)
};

// Runs the compiler without a shell; its output goes to folder/build.log,
// whose tail is in the error when it fails. The DLL depends on nothing but
// kernel32, ntdll and ws2_32 (no C runtime) and says it runs on XP
// (OS and subsystem version 5.1 for x86, 5.2 for x64).
Result<Built> build_shim(const BuildRequest& request);

}  // namespace downlevel::shim
