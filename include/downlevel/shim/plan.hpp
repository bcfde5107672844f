// What a shim DLL exports and how: every export of the original DLL is
// forwarded to it, except those the target lacks and the runtime implements.
// Exports neither the target nor the runtime provides stay forwarders (the
// shim still loads; an importer of one fails as it would have) and are listed
// as unprovided. Names come from untrusted files: one that the .def or
// linker-directive syntax cannot carry safely is rejected, never written.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "downlevel/shim/runtime.hpp"
#include "downlevel/support/result.hpp"
#include "downlevel/target/export_set.hpp"

namespace downlevel::shim {

enum class Provision {
  forwarded,    // the target has it: forward to the original
  implemented,  // the target lacks it: the runtime's implementation
  unprovided,   // the target lacks it and the runtime has none: forwarded anyway
};
const char* provision_name(Provision provision);

struct ShimExport {
  std::string name;  // empty: ordinal-only
  std::uint32_t ordinal = target::kUnknownOrdinal;
  Provision provision = Provision::forwarded;
  const RuntimeFunction* implementation = nullptr;  // set when implemented
};

struct RejectedExport {
  std::string name;  // printable: unsafe bytes escaped as \xNN
  std::uint32_t ordinal = target::kUnknownOrdinal;
  std::string reason;
};

struct ShimPlan {
  std::string file_name;      // "xernel32.dll"
  std::string original;       // "kernel32.dll"
  std::vector<ShimExport> exports;
  std::vector<RejectedExport> rejected;
  std::vector<std::string> sources;  // runtime files to compile, header first

  std::vector<std::string> names_with(Provision provision) const;
  // The module part of a forwarder to the original: "kernel32".
  std::string original_module() const { return original.substr(0, original.rfind('.')); }
};

// An export the shim must offer: the original DLL's, or an import a program
// expects from it.
struct WantedExport {
  std::string name;  // empty: ordinal-only
  std::uint32_t ordinal = target::kUnknownOrdinal;
};

// `in_target`: the target's copy of the original DLL (nullptr: the target has
// none, so nothing is forwarded as present).
Result<ShimPlan> plan_shim(std::string_view original_dll, std::string_view shim_name,
                           std::span<const WantedExport> wanted, const target::ExportSet* in_target,
                           const Runtime& runtime);

// Empty when `name` can be written into a .def file and a linker directive;
// otherwise why not.
std::string unsafe_export_name_reason(std::string_view name);

// "kernel32.dll" -> "xernel32.dll": the same length, so a rename fits in place.
std::string default_shim_name(std::string_view original_dll);

}  // namespace downlevel::shim
