#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `port APP_DIR --target TARGET -o OUT_DIR`.
void register_port_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
