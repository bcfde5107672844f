#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `check APP... --target TARGET`.
void register_check_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
