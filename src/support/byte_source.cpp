#include "downlevel/support/byte_source.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace downlevel {

std::string Error::to_string() const {
  if (structure.empty()) return message;
  return fmt::format("{} at offset {:#x}: {}", structure, offset, message);
}

Error make_error(std::string structure, std::uint64_t offset, std::string message) {
  return Error{std::move(structure), offset, std::move(message)};
}

Status check_range(std::uint64_t size, std::uint64_t offset, std::uint64_t length,
                   const char* what) {
  if (offset > size || length > size - offset) {
    return make_error(what, offset,
                      fmt::format("{} bytes needed but the file ends at {:#x}", length, size));
  }
  return Status::ok();
}

// How many of `length` bytes from `offset` a file of `size` bytes holds.
static std::uint64_t bytes_held(std::uint64_t size, std::uint64_t offset, std::uint64_t length) {
  return offset >= size ? 0 : std::min(length, size - offset);
}

Result<std::span<const std::byte>> ByteSource::read_at_most(std::uint64_t offset, std::uint64_t length,
                                                          const char* what) {
  const std::uint64_t held = bytes_held(size(), offset, length);
  if (held == 0) return std::span<const std::byte>{};
  return read(offset, held, what);
}

Result<std::span<const std::byte>> MemorySource::read(std::uint64_t offset, std::uint64_t length,
                                                      const char* what) {
  if (auto in = check_range(bytes_.size(), offset, length, what); !in) return in.error();
  fetched_ += length;
  return bytes_.subspan(offset, length);
}

namespace {

Error system_error(const std::string& path, const char* action) {
  return make_error("", 0, fmt::format("{}: cannot {}: {}", path, action, std::strerror(errno)));
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Keeps every range it has read, so views stay valid and a range already
// inside an earlier read (e.g. the section table inside the first 4 KiB) is
// served without another system call.
//
// It does not stat the file when opened: a scan reads the first page and one
// or two sections, and a short read tells where the file ends. The size is
// asked of the system only when a caller wants it, or before a read large
// enough that allocating it blindly would let a hostile header claim gigabytes.
class PreadSource final : public ByteSource {
 public:
  PreadSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  std::uint64_t size() const noexcept override {
    if (!size_known_) {
      // fstat on an open descriptor does not fail in practice; if it did, the
      // file reads as empty and every read reports that it ends at 0.
      struct stat st {};
      learn_size(::fstat(fd_.get(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0);
    }
    return size_;
  }
  std::uint64_t bytes_fetched() const noexcept override { return fetched_; }

  Result<std::span<const std::byte>> read(std::uint64_t offset, std::uint64_t length,
                                          const char* what) override {
    if (size_known_ || length == 0 || length > kReadWithoutSize) {
      if (auto in = check_range(size(), offset, length, what); !in) return in.error();
    }
    if (auto cached = cached_view(offset, length)) return *cached;
    auto got = fetch(offset, length);
    if (!got) return got.error();
    if (got->size() < length) {  // the file ends inside the range
      if (auto in = check_range(size(), offset, length, what); !in) return in.error();
      return make_error(what, offset + got->size(), "file shrank while being read");
    }
    return got;
  }

  Result<std::span<const std::byte>> read_at_most(std::uint64_t offset, std::uint64_t length,
                                                  const char* what) override {
    (void)what;
    if (size_known_ || length > kReadWithoutSize) length = bytes_held(size(), offset, length);
    if (length == 0) return std::span<const std::byte>{};
    if (auto cached = cached_view(offset, length)) return *cached;
    return fetch(offset, length);
  }

 private:
  // Reads of up to this many bytes are allocated and issued without knowing
  // the size; a short read then tells it.
  static constexpr std::uint64_t kReadWithoutSize = std::uint64_t{1} << 20;

  struct Chunk {
    std::uint64_t offset;
    std::uint64_t length;
    std::unique_ptr<std::byte[]> bytes;
  };

  void learn_size(std::uint64_t size) const noexcept {
    size_ = size;
    size_known_ = true;
  }

  std::optional<std::span<const std::byte>> cached_view(std::uint64_t offset, std::uint64_t length) const {
    for (const auto& chunk : chunks_) {
      if (offset >= chunk.offset && offset + length <= chunk.offset + chunk.length) {
        return std::span<const std::byte>(chunk.bytes.get() + (offset - chunk.offset), length);
      }
    }
    return std::nullopt;
  }

  // Up to `length` bytes from `offset`, fewer at the end of the file.
  Result<std::span<const std::byte>> fetch(std::uint64_t offset, std::uint64_t length) {
    Chunk chunk{offset, 0, std::make_unique_for_overwrite<std::byte[]>(length)};
    std::uint64_t done = 0;
    while (done < length) {
      ssize_t got = ::pread(fd_.get(), chunk.bytes.get() + done, length - done,
                            static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return system_error(path_, "read");
      if (got == 0) {
        // The end of the file, exactly there when something came before it
        // (an empty read only says the file ends at or before `offset`).
        if (done > 0 && !size_known_) learn_size(offset + done);
        break;
      }
      done += static_cast<std::uint64_t>(got);
    }
    if (done == 0) return std::span<const std::byte>{};
    fetched_ += done;
    chunk.length = done;
    std::span<const std::byte> view(chunk.bytes.get(), done);
    chunks_.push_back(std::move(chunk));
    return view;
  }

  FileDescriptor fd_;
  std::string path_;
  mutable std::uint64_t size_ = 0;
  mutable bool size_known_ = false;
  std::vector<Chunk> chunks_;
  std::uint64_t fetched_ = 0;
};

class MappedSource final : public ByteSource {
 public:
  MappedSource(void* base, std::uint64_t size) : base_(base), size_(size) {}
  ~MappedSource() override {
    if (base_ != nullptr) ::munmap(base_, size_);
  }
  std::uint64_t size() const noexcept override { return size_; }
  std::uint64_t bytes_fetched() const noexcept override { return fetched_; }

  Result<std::span<const std::byte>> read(std::uint64_t offset, std::uint64_t length,
                                          const char* what) override {
    if (auto in = check_range(size_, offset, length, what); !in) return in.error();
    fetched_ += length;
    return std::span<const std::byte>(static_cast<const std::byte*>(base_) + offset, length);
  }

 private:
  void* base_;
  std::uint64_t size_;
  std::uint64_t fetched_ = 0;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file(const std::string& path, ReadMode mode) {
  int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw_fd < 0) return system_error(path, "open");
  FileDescriptor fd(raw_fd);
  // A folder or a device is refused here for mmap; for pread, its first read
  // fails ("Is a directory") or finds no PE headers.
  if (mode == ReadMode::mmap) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return system_error(path, "stat");
    if (!S_ISREG(st.st_mode)) return make_error("", 0, fmt::format("{}: not a regular file", path));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > 0) {
      void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
      if (base == MAP_FAILED) return system_error(path, "map");
      return std::unique_ptr<ByteSource>(new MappedSource(base, size));
    }
  }
  return std::unique_ptr<ByteSource>(new PreadSource(fd.release(), path));
}

Result<std::vector<std::byte>> read_whole_file(const std::string& path) {
  auto source = open_file(path, ReadMode::pread);
  if (!source) return source.error();
  auto bytes = (*source)->read(0, (*source)->size(), "file");
  if (!bytes) return bytes.error();
  return std::vector<std::byte>(bytes->begin(), bytes->end());
}

}  // namespace downlevel
