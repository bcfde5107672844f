#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `pe headers|sections|imports|exports`; the chosen view stores
// its exit status in `exit_code`.
void register_pe_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
