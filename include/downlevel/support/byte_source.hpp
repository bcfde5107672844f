// Where a parser's bytes come from.
//
// The PE reader asks a ByteSource for the ranges it needs (the headers, then
// the sections that hold the directories it walks) and keeps the returned
// views. Three sources exist because the cheapest way to get bytes depends on
// the workload: `pread` of just those ranges touches ~4 % of a typical DLL,
// `mmap` avoids copies when most of a file will be read anyway, and memory
// views serve tests and fuzzers. Parse results must not depend on the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "downlevel/support/result.hpp"

namespace downlevel {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // The file's size. The pread source learns it lazily (an fstat, or a read
  // that met the end of the file): most files never need it asked.
  virtual std::uint64_t size() const noexcept = 0;

  // A view of [offset, offset + length). The view stays valid for the life of
  // the source. A range that is not wholly inside the source is an error
  // naming `what`, so callers report the structure they were reading.
  virtual Result<std::span<const std::byte>> read(std::uint64_t offset, std::uint64_t length,
                                                  const char* what) = 0;

  // Up to `length` bytes from `offset`: fewer when the file ends first, none
  // when it ends at or before `offset`. For extents a file may cut short (the
  // first page, a section's raw data), read without asking the size first.
  virtual Result<std::span<const std::byte>> read_at_most(std::uint64_t offset, std::uint64_t length,
                                                          const char* what);

  // How many bytes were brought in from storage (pread: copied; mmap and
  // memory: the extent of the views handed out, counted once per request).
  virtual std::uint64_t bytes_fetched() const noexcept = 0;
};

// A view of bytes owned by the caller.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  std::uint64_t size() const noexcept override { return bytes_.size(); }
  Result<std::span<const std::byte>> read(std::uint64_t offset, std::uint64_t length,
                                          const char* what) override;
  std::uint64_t bytes_fetched() const noexcept override { return fetched_; }

 private:
  std::span<const std::byte> bytes_;
  std::uint64_t fetched_ = 0;
};

enum class ReadMode { pread, mmap };

// Opens a regular file. Errors name the path and the system's reason.
Result<std::unique_ptr<ByteSource>> open_file(const std::string& path, ReadMode mode);

// Reads a whole file into memory (for writers that must rewrite it).
Result<std::vector<std::byte>> read_whole_file(const std::string& path);

// Shared check for sources: is [offset, offset + length) inside [0, size)?
Status check_range(std::uint64_t size, std::uint64_t offset, std::uint64_t length,
                   const char* what);

}  // namespace downlevel
