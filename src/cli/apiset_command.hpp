#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `apiset dump|resolve|extract|hash|diff|build|scan`.
void register_apiset_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
