// `downlevel scan PATH... [--jsonl] [--threads N] [--schema FILE]`
//
// Many files in one process, spread over threads, printed in input order.
// Each worker renders one file's output to a string; a bounded window of
// finished-but-unprinted results keeps memory flat however large the corpus.
#include "scan_command.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "common.hpp"
#include "downlevel/apiset/reader.hpp"
#include "downlevel/apiset/resolver.hpp"
#include "downlevel/pe/exports.hpp"
#include "downlevel/pe/imports.hpp"
#include "downlevel/support/little_endian.hpp"
#include "downlevel/support/utf16.hpp"
#include "downlevel/target/target.hpp"

namespace downlevel::cli {

namespace {

struct ScanOptions {
  std::vector<std::string> paths;
  bool jsonl = false;
  unsigned threads = 0;
  std::string schema;
  std::string read_mode = "pread";
};

// Appends `text`, passing runs of plain bytes through whole and handing each
// byte that needs escaping to `escape`: names are almost always plain, and
// this loop is the scanner's hottest.
template <class NeedsEscape, class Escape>
void append_escaped(std::string& out, std::string_view text, NeedsEscape needs_escape, Escape escape) {
  std::size_t run = 0;
  std::size_t i = 0;
  // Skip 8 plain bytes at a time: no byte below 0x20, none 0x7F or above,
  // no '"' and no '\\' (the union of what either caller escapes).
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_byte = [&](std::uint64_t x, unsigned char b) { x ^= kOnes * b; return ((x - kOnes) & ~x & kHigh) != 0; };
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + i, 8);
    const bool below_space = ((x - kOnes * 0x20) & ~x & kHigh) != 0;
    if (below_space || (x & kHigh) != 0 || has_byte(x, 0x7F) || has_byte(x, '"') || has_byte(x, '\\')) break;
  }
  for (; i < text.size(); ++i) {
    if (!needs_escape(static_cast<unsigned char>(text[i]))) continue;
    out.append(text.data() + run, i - run);
    escape(out, static_cast<unsigned char>(text[i]));
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

// JSON strings for names from untrusted files: bytes that are not printable
// ASCII become \u00XX (their Latin-1 reading), so the output is valid JSON
// whatever the file holds.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_escaped(
      out, text, [](unsigned char u) { return u < 0x20 || u >= 0x7F || u == '"' || u == '\\'; },
      [](std::string& o, unsigned char u) {
        if (u == '"' || u == '\\') {
          o += '\\';
          o += static_cast<char>(u);
        } else {
          o += fmt::format("\\u{:04x}", u);
        }
      });
  out += '"';
}

// Text lines stay one line per entry: control bytes are escaped.
void append_text(std::string& out, std::string_view text) {
  append_escaped(
      out, text, needs_text_escape,
      [](std::string& o, unsigned char u) { o += fmt::format("\\x{:02x}", u); });
}

class Scanner {
 public:
  Scanner(const ScanOptions& options, const apiset::Schema* schema) : options_(options), schema_(schema) {}

  // The output for one file, and the error line when it was unreadable.
  std::pair<std::string, std::string> scan(const std::string& path, bool found_in_folder) const {
    auto source = open_file(path, options_.read_mode == "mmap" ? ReadMode::mmap : ReadMode::pread);
    if (!source) return failure(path, source.error());
    // A folder's non-PE files are skipped: test the bytes the parser reads anyway.
    if (found_in_folder && !looks_like_pe(**source)) return {};
    auto image = pe::PeImage::parse(**source);
    if (!image) return failure(path, image.error());
    auto imports = pe::read_all_imports(*image);
    if (!imports) return failure(path, imports.error());
    auto exports = pe::read_exports(*image);
    if (!exports) return failure(path, exports.error());
    return {options_.jsonl ? jsonl(path, *image, *imports, *exports) : text(path, *imports, *exports), {}};
  }

 private:
  // "MZ" and "PE\0\0" at e_lfanew: the same test as target::has_pe_signature,
  // on the bytes the parser reads anyway.
  static bool looks_like_pe(ByteSource& source) {
    auto head = source.read(0, std::min<std::uint64_t>(source.size(), 4096), "headers");
    if (!head || head->size() < 64 || (*head)[0] != std::byte{'M'} || (*head)[1] != std::byte{'Z'}) return false;
    auto signature = source.read(le32(*head, 0x3C), 4, "NT headers");
    return signature && std::memcmp(signature->data(), "PE\0\0", 4) == 0;
  }

  std::pair<std::string, std::string> failure(const std::string& path, const Error& error) const {
    return {error_output(path, error), format_error(path, error) + "\n"};
  }

  std::string error_output(const std::string& path, const Error& error) const {
    if (!options_.jsonl) return {};
    std::string out = "{\"file\":";
    append_json_string(out, path);
    out += ",\"error\":";
    append_json_string(out, format_error(path, error));
    out += "}\n";
    return out;
  }

  std::string text(const std::string& path, const std::vector<pe::ImportedModule>& imports,
                   const std::optional<pe::ExportTable>& exports) const {
    std::string out;
    std::string prefix;  // the escaped path starts every line: escape it once
    append_text(prefix, path);
    prefix += '\t';
    std::string exporter = "export ";
    append_text(exporter, std::filesystem::path(path).filename().string());
    exporter += '!';
    for (const auto& m : imports) {
      for (const auto& f : m.functions) {
        out += prefix;
        out += m.kind == pe::ImportKind::delay ? "delay " : "import ";
        append_text(out, m.dll);
        out += '!';
        if (f.by_ordinal) {
          out += fmt::format("#{}", f.ordinal);
        } else {
          append_text(out, f.name);
        }
        out += '\n';
      }
    }
    if (exports) {
      for (const auto& s : exports->symbols) {
        out += prefix;
        out += exporter;
        if (s.name.empty()) {
          out += fmt::format("#{}", s.ordinal);
        } else {
          append_text(out, s.name);
        }
        if (!s.forwarder.empty()) {
          out += " -> ";
          append_text(out, s.forwarder);
        }
        out += '\n';
      }
    }
    return out;
  }

  std::string jsonl(const std::string& path, const pe::PeImage& image, const std::vector<pe::ImportedModule>& imports,
                    const std::optional<pe::ExportTable>& exports) const {
    std::string out = "{\"file\":";
    append_json_string(out, path);
    out += fmt::format(",\"format\":\"{}\",\"machine\":\"{}\",\"imports\":[", image.is_pe32_plus() ? "PE32+" : "PE32",
                       pe::machine_name(image.machine()));
    for (std::size_t i = 0; i < imports.size(); ++i) {
      const auto& m = imports[i];
      if (i) out += ',';
      out += "{\"dll\":";
      append_json_string(out, m.dll);
      out += m.kind == pe::ImportKind::delay ? ",\"delay\":true" : ",\"delay\":false";
      if (schema_) {
        const auto resolved = apiset::resolve(*schema_, m.dll, std::filesystem::path(path).filename().string());
        out += ",\"apiset\":";
        append_json_string(out, apiset::outcome_name(resolved.outcome));
        if (resolved.outcome == apiset::Outcome::resolved) {
          out += ",\"host\":";
          append_json_string(out, to_utf8(resolved.host));
        }
      }
      out += ",\"functions\":[";
      for (std::size_t f = 0; f < m.functions.size(); ++f) {
        if (f) out += ',';
        if (m.functions[f].by_ordinal) {
          out += fmt::format("{}", m.functions[f].ordinal);
        } else {
          append_json_string(out, m.functions[f].name);
        }
      }
      out += "]}";
    }
    out += "],\"exports\":[";
    if (exports) {
      for (std::size_t i = 0; i < exports->symbols.size(); ++i) {
        const auto& s = exports->symbols[i];
        if (i) out += ',';
        out += fmt::format("{{\"ordinal\":{}", s.ordinal);
        if (!s.name.empty()) {
          out += ",\"name\":";
          append_json_string(out, s.name);
        }
        if (!s.forwarder.empty()) {
          out += ",\"forwarder\":";
          append_json_string(out, s.forwarder);
        }
        out += '}';
      }
    }
    out += "]}\n";
    return out;
  }

  const ScanOptions& options_;
  const apiset::Schema* schema_;
};

// PATH arguments: files, folders (recursive, PE files by signature, sorted),
// and @LISTFILE (one path a line).
struct Input {
  std::string path;
  bool found_in_folder;  // a non-PE found by walking a folder is skipped, not an error
};

std::vector<Input> expand(const std::vector<std::string>& paths, int& status) {
  namespace fs = std::filesystem;
  std::vector<Input> files;
  std::vector<std::string> pending(paths.rbegin(), paths.rend());
  while (!pending.empty()) {
    const std::string path = pending.back();
    pending.pop_back();
    std::error_code ec;
    if (path.size() > 1 && path[0] == '@') {
      std::ifstream list(path.substr(1));
      if (!list) {
        report_error(path.substr(1), make_error("", 0, "cannot read the list file"));
        status = kExitBadInput;
        continue;
      }
      // One file per line, taken as given: no stat per entry.
      for (std::string line; std::getline(list, line);) {
        if (!line.empty()) files.push_back({line, false});
      }
    } else if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end; it != end;
           it.increment(ec)) {
        if (ec) break;
        // Signatures are checked by the parser, so each file is opened once.
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      for (auto& f : found) files.push_back({std::move(f), true});
    } else {
      files.push_back({path, false});  // named explicitly: any fault is reported
    }
  }
  return files;
}

int run_scan(const ScanOptions& o) {
  int status = kExitOk;
  std::optional<apiset::Schema> schema;
  if (!o.schema.empty()) {
    auto source = open_file(o.schema, ReadMode::pread);
    auto loaded = source ? apiset::read_schema(**source) : Result<apiset::Schema>(source.error());
    if (!loaded) {
      report_error(o.schema, loaded.error());
      return kExitBadInput;
    }
    schema = std::move(*loaded);
  }
  const std::vector<Input> files = expand(o.paths, status);
  const Scanner scanner(o, schema ? &*schema : nullptr);
  const unsigned threads = std::max(1u, o.threads ? o.threads : std::thread::hardware_concurrency());
  auto emit = [&](const std::pair<std::string, std::string>& result) {
    std::fwrite(result.first.data(), 1, result.first.size(), stdout);
    if (!result.second.empty()) {
      std::fputs(result.second.c_str(), stderr);
      status = kExitBadInput;
    }
  };
  if (threads == 1) {  // no hand-offs between threads for each file
    for (const auto& input : files) emit(scanner.scan(input.path, input.found_in_folder));
    std::fflush(stdout);
    return status;
  }

  // Results wait in a ring of `window` slots until their turn to print.
  const std::size_t window = 64u * threads;
  std::vector<std::optional<std::pair<std::string, std::string>>> ring(window);
  std::mutex mutex;
  std::condition_variable ready, room;
  std::size_t next_to_print = 0;
  std::atomic<std::size_t> next_to_take{0};

  auto worker = [&] {
    for (;;) {
      const std::size_t index = next_to_take.fetch_add(1);
      if (index >= files.size()) return;
      {
        std::unique_lock lock(mutex);
        room.wait(lock, [&] { return index < next_to_print + window; });
      }
      auto result = scanner.scan(files[index].path, files[index].found_in_folder);
      {
        std::lock_guard lock(mutex);
        ring[index % window] = std::move(result);
      }
      ready.notify_one();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (; next_to_print < files.size();) {
    std::pair<std::string, std::string> result;
    {
      std::unique_lock lock(mutex);
      ready.wait(lock, [&] { return ring[next_to_print % window].has_value(); });
      result = std::move(*ring[next_to_print % window]);
      ring[next_to_print % window].reset();
      ++next_to_print;
    }
    room.notify_all();
    emit(result);
  }
  for (auto& thread : pool) thread.join();
  std::fflush(stdout);
  return status;
}

}  // namespace

void register_scan_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ScanOptions>();
  auto* scan = app.add_subcommand("scan", "Imports, delay imports and exports of many PE files, streamed in input order");
  scan->add_option("paths", o->paths, "files, folders (recursive) or @LISTFILE")->required();
  scan->add_flag("--jsonl", o->jsonl, "one JSON object per file (default: one 'FILE<TAB>kind dll!function' line per entry)");
  scan->add_option("--threads", o->threads, "worker threads (default: all cores)");
  scan->add_option("--schema", o->schema, "resolve imported DLL names through this API set schema (JSON Lines)");
  scan->add_option("--read-mode", o->read_mode, "pread (default) or mmap")->check(CLI::IsMember({"pread", "mmap"}));
  scan->callback([o, &exit_code] { exit_code = run_scan(*o); });
}

}  // namespace downlevel::cli
