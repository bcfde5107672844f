#include "downlevel/support/file_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace downlevel {

namespace {

Error failure(const std::string& path, const char* action) {
  return make_error("", 0, fmt::format("{}: cannot {}: {}", path, action, std::strerror(errno)));
}

}  // namespace

Status write_file_atomically(const std::string& path, std::span<const std::byte> bytes, unsigned mode) {
  std::string pattern = path + ".tmp-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return failure(path, "create a temporary file beside");
  const std::string temporary(name.data());
  auto abandon = [&](const char* action) {
    Error error = failure(path, action);
    ::close(fd);
    ::unlink(temporary.c_str());
    return error;
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return abandon("write");
    done += static_cast<std::size_t>(wrote);
  }
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return abandon("set permissions of");
  if (::fsync(fd) != 0) return abandon("flush");
  if (::close(fd) != 0) {
    Error error = failure(path, "close");
    ::unlink(temporary.c_str());
    return error;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = failure(path, "rename the temporary file to");
    ::unlink(temporary.c_str());
    return error;
  }
  return Status::ok();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace downlevel
