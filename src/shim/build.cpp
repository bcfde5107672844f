#include "downlevel/shim/build.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "downlevel/patch/patch.hpp"
#include "downlevel/shim/folder.hpp"

extern char** environ;

namespace downlevel::shim {
namespace {

// An executable named `program` on PATH (or the path itself when it has a '/').
bool on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string tail_of(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "\n  " + all[i];
  return out;
}

// Exit status of `argv` run with stdout and stderr to `log`; -1 if it could not start.
int run(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool plain_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." && name[0] != '-';
}

}  // namespace

std::optional<Arch> parse_arch(std::string_view text) {
  if (text == "x86" || text == "i686" || text == "i386") return Arch::x86;
  if (text == "x64" || text == "x86_64" || text == "amd64") return Arch::x64;
  return std::nullopt;
}

std::string default_compiler(Arch arch) {
  return arch == Arch::x86 ? "i686-w64-mingw32-gcc" : "x86_64-w64-mingw32-gcc";
}

std::string_view compiler_package(Arch arch) {
  return arch == Arch::x86 ? "gcc-mingw-w64-i686" : "gcc-mingw-w64-x86-64";
}

Result<Built> build_shim(const BuildRequest& request) {
  const std::filesystem::path dir(request.folder);
  const std::string manifest_path = (dir / kManifestFile).string();
  std::ifstream in(manifest_path);
  if (!in) return make_error("", 0, manifest_path + ": cannot read the shim manifest (run `downlevel shim generate` first)");
  const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() || !manifest.contains("shim") || !manifest["shim"].is_string() ||
      !manifest.contains("sources") || !manifest["sources"].is_array()) {
    return make_error("", 0, manifest_path + ": not a shim manifest: needs \"shim\" and \"sources\"");
  }
  const std::string name = manifest["shim"].get<std::string>();
  if (auto valid = patch::validate_dll_name(name); !valid || !plain_file_name(name)) {
    return make_error("", 0, fmt::format("{}: unusable shim name \"{}\"", manifest_path, name));
  }
  const std::string compiler = request.compiler.empty() ? default_compiler(request.arch) : request.compiler;
  if (!on_path(compiler)) {
    return make_error("", 0,
                      fmt::format("the cross compiler {} is not installed: install the Debian package {} "
                                  "(apt-get install {})",
                                  compiler, compiler_package(request.arch), compiler_package(request.arch)));
  }

  const std::string stem = name.substr(0, name.rfind('.'));
  Built built;
  built.dll = (dir / name).string();
  const bool x86 = request.arch == Arch::x86;
  // No C runtime: keep gcc from turning copy loops into memcpy calls.
  built.command = {compiler, "-O2", "-Wall", "-shared", "-nostdlib", "-fno-tree-loop-distribute-patterns", "-o", built.dll};
  for (const auto& source : manifest["sources"]) {
    if (!source.is_string() || !plain_file_name(source.get<std::string>())) {
      return make_error("", 0, manifest_path + ": a source is not a plain file name");
    }
    const std::string file = source.get<std::string>();
    if (file.size() > 2 && file.compare(file.size() - 2, 2, ".c") == 0) built.command.push_back((dir / file).string());
  }
  const std::string subsystem_minor = x86 ? "1" : "2";
  for (const std::string& arg :
       {(dir / (stem + ".def")).string(), std::string("-Wl,--enable-stdcall-fixup"),
        std::string(x86 ? "-Wl,-e,_dl_DllEntry@12" : "-Wl,-e,dl_DllEntry"),
        std::string("-Wl,--major-os-version=5"), "-Wl,--minor-os-version=" + subsystem_minor,
        std::string("-Wl,--major-subsystem-version=5"), "-Wl,--minor-subsystem-version=" + subsystem_minor,
        std::string("-lkernel32"), std::string("-lntdll"), std::string("-lws2_32"), std::string("-lgcc")}) {
    built.command.push_back(arg);
  }
  const std::string log = (dir / "build.log").string();
  const int status = run(built.command, log);
  if (status != 0) {
    return make_error("", 0,
                      status < 0 ? fmt::format("could not run {}", compiler)
                                 : fmt::format("{} failed (exit {}); {}:{}", compiler, status, log, tail_of(log, 8)));
  }
  return built;
}

}  // namespace downlevel::shim
