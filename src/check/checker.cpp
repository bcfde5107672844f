#include "downlevel/check/checker.hpp"

#include <deque>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "downlevel/apiset/resolver.hpp"
#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/pe/open.hpp"
#include "downlevel/support/utf16.hpp"

namespace downlevel::check {

namespace {

using target::ExportSet;
using target::lower_ascii;

struct ImportedSymbol {
  std::string name;
  std::uint16_t ordinal = 0;
  bool by_ordinal = false;
  std::string display() const { return by_ordinal ? fmt::format("#{}", ordinal) : name; }
};

struct ImportedDll {
  std::string dll;
  bool delay = false;
  std::vector<ImportedSymbol> functions;
};

// A module's imports, copied out of its file so the file can be closed.
std::vector<ImportedDll> own_imports(const std::vector<pe::ImportedModule>& modules) {
  std::vector<ImportedDll> owned;
  owned.reserve(modules.size());
  for (const auto& m : modules) {
    ImportedDll dll{std::string(m.dll), m.kind == pe::ImportKind::delay, {}};
    dll.functions.reserve(m.functions.size());
    for (const auto& f : m.functions) dll.functions.push_back({std::string(f.name), f.ordinal, f.by_ordinal});
    owned.push_back(std::move(dll));
  }
  return owned;
}

struct ParsedModule {
  std::optional<Error> error;
  ExportSet exports;
  std::vector<ImportedDll> imports;
};

ParsedModule parse_module(const std::string& path, const std::string& file_name) {
  ParsedModule module;
  auto opened = pe::open_image(path);
  if (!opened) {
    module.error = opened.error();
    return module;
  }
  auto exports = ExportSet::from_image(*opened->image, file_name);
  auto imports = pe::read_all_imports(*opened->image);
  if (!exports || !imports) {
    module.error = exports ? imports.error() : exports.error();
    return module;
  }
  module.exports = std::move(*exports);
  module.imports = own_imports(*imports);
  return module;
}

}  // namespace

namespace detail {

// The application's folder: its DLLs, parsed when first needed.
class AppFolder {
 public:
  explicit AppFolder(std::string directory) : directory_(std::move(directory)) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory_.empty() ? "." : directory_, ec)) {
      if (entry.is_regular_file(ec)) files_.emplace(lower_ascii(entry.path().filename().string()), entry.path().string());
    }
  }

  // nullptr when the folder has no such file.
  const ParsedModule* find(std::string_view dll_name) {
    const std::string key = lower_ascii(dll_name);
    auto file = files_.find(key);
    if (file == files_.end()) return nullptr;
    auto& slot = parsed_[key];
    if (!slot) {
      slot = std::make_unique<ParsedModule>(
          parse_module(file->second, std::filesystem::path(file->second).filename().string()));
    }
    return slot.get();
  }

 private:
  std::string directory_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::unique_ptr<ParsedModule>> parsed_;
};

}  // namespace detail

namespace {

using detail::AppFolder;

// Where an imported DLL name leads.
struct Resolved {
  enum class Kind { app_folder, target, problem } kind = Kind::problem;
  std::string host;  // the file name that is loaded (or would be)
  const ExportSet* exports = nullptr;
  const ParsedModule* local = nullptr;
  ProblemKind problem = ProblemKind::missing_dll;
  std::string reason;
};

// One check of one file: the state shared by the walk over its closure.
class FileCheck {
 public:
  FileCheck(const target::Target& target, AppFolder& folder, bool pe32_plus, FileReport& report)
      : target_(target), folder_(folder), pe32_plus_(pe32_plus), report_(report) {}

  void run(const std::string& file_name, const std::vector<ImportedDll>& imports) {
    walked_.insert(lower_ascii(file_name));
    std::deque<std::pair<std::string, const std::vector<ImportedDll>*>> static_queue{{file_name, &imports}};
    std::deque<std::pair<std::string, const std::vector<ImportedDll>*>> delay_queue;
    // Everything reachable through static imports first, so that a DLL
    // reached both ways is judged as statically needed.
    while (!static_queue.empty()) {
      auto [importer, list] = static_queue.front();
      static_queue.pop_front();
      walk(importer, *list, false, static_queue, delay_queue);
    }
    while (!delay_queue.empty()) {
      auto [importer, list] = delay_queue.front();
      delay_queue.pop_front();
      walk(importer, *list, true, delay_queue, delay_queue);
    }
    for (auto& [key, entry] : closure_) report_.closure.push_back(entry);
  }

 private:
  using Queue = std::deque<std::pair<std::string, const std::vector<ImportedDll>*>>;

  void walk(const std::string& importer, const std::vector<ImportedDll>& imports, bool via_delay, Queue& static_next,
            Queue& delay_next) {
    for (const ImportedDll& dll : imports) {
      const bool delay = via_delay || dll.delay;
      const Resolved resolved = resolve_module(dll.dll, importer, false);
      note_closure(resolved, dll.dll, delay);
      if (resolved.kind == Resolved::Kind::problem) {
        add({resolved.problem, delay, importer, dll.dll, resolved.host, "", resolved.reason});
        continue;
      }
      for (const ImportedSymbol& symbol : dll.functions) {
        ++report_.functions_checked;
        check_function(resolved, symbol, importer, dll.dll, delay);
      }
      if (resolved.kind == Resolved::Kind::app_folder && walked_.insert(lower_ascii(resolved.host)).second) {
        (delay ? delay_next : static_next).emplace_back(resolved.host, &resolved.local->imports);
      }
    }
  }

  // `forwarder`: the name comes from an export forwarder, for which the
  // loader always appends ".dll".
  Resolved resolve_module(const std::string& dll, const std::string& importer, bool forwarder) {
    Resolved r;
    std::string name = forwarder ? dll + ".dll" : target::with_dll_extension(dll);
    if (target_.schema) {
      const auto result = apiset::resolve(*target_.schema, name, importer);
      if (result.outcome == apiset::Outcome::unhosted) {
        r.problem = ProblemKind::unhosted_api_set;
        r.reason = "the target's API set schema has this set but no host for it";
        return r;
      }
      if (result.outcome == apiset::Outcome::resolved) name = to_utf8(result.host);
    }
    r.host = name;
    if (const ParsedModule* local = folder_.find(name)) {
      if (local->error) {
        r.problem = ProblemKind::unreadable_dll;
        r.reason = "the application folder's copy cannot be read: " + local->error->to_string();
        return r;
      }
      r.kind = Resolved::Kind::app_folder;
      r.local = local;
      r.exports = &local->exports;
    } else if (const ExportSet* system = target_.find(name)) {
      r.kind = Resolved::Kind::target;
      r.exports = system;
    } else {
      r.problem = ProblemKind::missing_dll;
      r.reason = "in neither the application folder nor the target";
      return r;
    }
    if (r.exports->pe32_plus() != pe32_plus_) {
      r.kind = Resolved::Kind::problem;
      r.problem = ProblemKind::architecture_mismatch;
      r.reason = fmt::format("the {} copy is {}, the program is {}",
                             r.local ? "application folder's" : "target's", r.exports->pe32_plus() ? "PE32+" : "PE32",
                             pe32_plus_ ? "PE32+" : "PE32");
    }
    return r;
  }

  void check_function(const Resolved& first, const ImportedSymbol& imported, const std::string& importer,
                      const std::string& dll, bool delay) {
    const ExportSet* exports = first.exports;
    std::string current = first.host;
    std::string name = imported.name;
    bool by_ordinal = imported.by_ordinal;
    std::uint32_t ordinal = imported.ordinal;
    std::string chain;
    std::set<std::string> seen;
    auto fail = [&](ProblemKind kind, std::string reason) {
      add({kind, delay, importer, dll, first.host, imported.display(), chain.empty() ? reason : chain + ": " + reason});
    };
    for (int hop = 0;; ++hop) {
      const std::string symbol = by_ordinal ? fmt::format("#{}", ordinal) : name;
      if (!seen.insert(lower_ascii(current) + "!" + symbol).second) return fail(ProblemKind::missing_function, "forwarder cycle");
      const target::Export* e = by_ordinal ? exports->find(ordinal) : exports->find(name);
      if (e == nullptr) {
        if (by_ordinal && !exports->ordinals_complete()) {
          return fail(ProblemKind::unknown_function, fmt::format("the target's data for {} lacks some ordinals", current));
        }
        return fail(ProblemKind::missing_function, fmt::format("{} not exported by {}", symbol, current));
      }
      if (e->forwarder.empty()) return;
      chain += (chain.empty() ? fmt::format("{}!{}", current, symbol) : std::string()) + " -> " + e->forwarder;
      if (hop == kMaxForwarderHops) {
        return fail(ProblemKind::missing_function, fmt::format("forwarder chain longer than {} hops", kMaxForwarderHops));
      }
      const auto forwarded = pe::parse_forwarder(e->forwarder);
      if (!forwarded) return fail(ProblemKind::missing_function, "malformed forwarder");
      const Resolved next = resolve_module(std::string(forwarded->module), current, true);
      note_closure(next, std::string(forwarded->module) + ".dll", delay);
      if (next.kind == Resolved::Kind::problem) {
        return fail(ProblemKind::missing_function, fmt::format("{}: {}", next.host.empty() ? std::string(forwarded->module) : next.host, next.reason));
      }
      exports = next.exports;
      current = next.host;
      name = std::string(forwarded->name);
      by_ordinal = forwarded->ordinal.has_value();
      ordinal = forwarded->ordinal.value_or(0);
    }
  }

  void note_closure(const Resolved& r, const std::string& imported, bool delay) {
    const std::string file = r.host.empty() ? imported : r.host;
    const Origin origin = r.kind == Resolved::Kind::app_folder ? Origin::app_folder
                          : r.kind == Resolved::Kind::target  ? Origin::target
                                                              : Origin::nowhere;
    auto [it, added] = closure_.try_emplace(lower_ascii(file), ClosureEntry{file, origin, delay});
    if (!added) it->second.delay = it->second.delay && delay;
  }

  void add(Problem problem) {
    const std::string key = fmt::format("{}|{}|{}|{}", lower_ascii(problem.importer), lower_ascii(problem.dll),
                                        problem.function, problem.delay);
    if (reported_.insert(key).second) report_.problems.push_back(std::move(problem));
  }

  const target::Target& target_;
  AppFolder& folder_;
  bool pe32_plus_;
  FileReport& report_;
  std::set<std::string> walked_;
  std::set<std::string> reported_;
  std::map<std::string, ClosureEntry> closure_;
};

}  // namespace

Checker::Checker(const target::Target& target) : target_(target) {}
Checker::~Checker() = default;

AppFolder& Checker::folder_of(const std::string& path) {
  const std::string directory = std::filesystem::path(path).parent_path().string();
  auto& slot = folders_[directory];
  if (!slot) slot = std::make_unique<AppFolder>(directory);
  return *slot;
}

FileReport Checker::check_file(const std::string& path) {
  FileReport report;
  report.path = path;
  auto opened = pe::open_image(path);
  if (!opened) {
    report.error = opened.error();
    return report;
  }
  const pe::PeImage& image = *opened->image;
  auto imports = pe::read_all_imports(image);
  if (!imports) {
    report.error = imports.error();
    return report;
  }
  report.pe32_plus = image.is_pe32_plus();
  report.machine = image.machine();
  const auto owned = own_imports(*imports);
  FileCheck(target_, folder_of(path), report.pe32_plus, report)
      .run(std::filesystem::path(path).filename().string(), owned);
  return report;
}

}  // namespace downlevel::check
