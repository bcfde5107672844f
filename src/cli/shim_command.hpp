#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "downlevel/shim/runtime.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::cli {

// Registers `shim generate --from DLL --target TARGET [--name NEW] -o DIR`
// and `shim build DIR --arch x86|x64`.
void register_shim_command(CLI::App& app, int& exit_code);

// What shim generation needs: the target and the built-in runtime. nullopt
// after reporting the error.
struct ShimInputs {
  target::Target target;
  shim::Runtime runtime;
};
std::optional<ShimInputs> open_shim_inputs(const std::string& target_name);

}  // namespace downlevel::cli
