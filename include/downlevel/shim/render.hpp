// A shim plan as source text: the mingw .def that the build uses, the same
// exports as MSVC linker directives (for users who build with Visual C++),
// and the manifest `shim build` reads.
#pragma once

#include <string>

#include "downlevel/shim/plan.hpp"

namespace downlevel::shim {

// LIBRARY and EXPORTS, every name quoted: `"Name" = "kernel32.Name" @3`,
// `"Name" = "dl_Name"` for implementations, ordinal-only exports NONAME.
std::string render_def(const ShimPlan& plan);

// `#pragma comment(linker, "/export:Name=kernel32.Name,@3")` lines, each
// marked `// in target`, `// implemented: runtime/x.c` or `// NOT in target`.
std::string render_msvc_directives(const ShimPlan& plan);

// JSON: the shim's name, the original, the sources, and each export's provision.
std::string render_manifest(const ShimPlan& plan);

}  // namespace downlevel::shim
