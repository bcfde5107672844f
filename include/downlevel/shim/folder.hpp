// A shim's source folder: what `shim generate` writes and `shim build` reads.
#pragma once

#include <string>

#include "downlevel/shim/plan.hpp"
#include "downlevel/shim/runtime.hpp"
#include "downlevel/support/result.hpp"

namespace downlevel::shim {

inline constexpr std::string_view kManifestFile = "shim.json";

// Writes <stem>.def, <stem>_exports.cpp (the MSVC form), shim.json and the
// runtime sources the plan needs into `folder` (created if missing). Each
// file is written atomically.
Status write_shim_folder(const ShimPlan& plan, const Runtime& runtime, const std::string& folder);

}  // namespace downlevel::shim
