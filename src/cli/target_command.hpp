#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `target snapshot|list|show`.
void register_target_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
