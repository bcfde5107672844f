// The `downlevel` program: parses the command line and hands each command to
// the library. Everything that decides an answer lives in the library.
#include <CLI/CLI.hpp>

#include "apiset_command.hpp"
#include "check_command.hpp"
#include "common.hpp"
#include "minver_command.hpp"
#include "patch_command.hpp"
#include "port_command.hpp"
#include "scan_command.hpp"
#include "shim_command.hpp"
#include "target_command.hpp"
#include "pe_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"downlevel: will this program run on that (older) Windows?"};
  app.require_subcommand(1);
  int exit_code = downlevel::cli::kExitOk;
  downlevel::cli::register_pe_command(app, exit_code);
  downlevel::cli::register_apiset_command(app, exit_code);
  downlevel::cli::register_check_command(app, exit_code);
  downlevel::cli::register_target_command(app, exit_code);
  downlevel::cli::register_minver_command(app, exit_code);
  downlevel::cli::register_patch_command(app, exit_code);
  downlevel::cli::register_scan_command(app, exit_code);
  downlevel::cli::register_shim_command(app, exit_code);
  downlevel::cli::register_port_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : downlevel::cli::kExitBadInput;
  }
  return exit_code;
}
