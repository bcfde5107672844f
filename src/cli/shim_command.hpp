#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `shim generate --from DLL --target TARGET [--name NEW] -o DIR`
// and `shim build DIR --arch x86|x64`.
void register_shim_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
