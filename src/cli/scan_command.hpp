#pragma once

#include <CLI/CLI.hpp>

namespace downlevel::cli {

// Registers `scan PATH... [--jsonl] [--threads N] [--schema FILE]`.
void register_scan_command(CLI::App& app, int& exit_code);

}  // namespace downlevel::cli
