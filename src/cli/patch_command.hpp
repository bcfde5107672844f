#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `patch FILE (-o OUT | --in-place) ...`.
void register_patch_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
