#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `minver APP...`.
void register_minver_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
