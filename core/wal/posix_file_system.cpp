// The real disk: POSIX calls, EINTR retried, errno turned into a Status that names the path.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/wal/file_system.h"

namespace qlab::wal {
namespace {

// ENOSPC is the one error a caller can wait out; a missing file is kNotFound so that the
// three file systems agree; everything else is an I/O error.
Status errnoStatus(const std::string& what, const std::string& path, int err) {
  std::string msg = path + ": " + what + " failed: " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status::noSpace(std::move(msg));
  if (err == ENOENT) return Status::notFound(std::move(msg));
  return Status::ioError(std::move(msg));
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  ~PosixFile() override { ::close(m_fd); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Result<std::size_t> append(const char* data, std::size_t n) override {
    for (;;) {
      const ssize_t w = ::write(m_fd, data, n);
      if (w >= 0) return static_cast<std::size_t>(w);
      if (errno != EINTR) return errnoStatus("write", m_path, errno);
    }
  }
  Status sync() override {
    for (;;) {
      if (::fdatasync(m_fd) == 0) return Status::ok();
      if (errno != EINTR) return errnoStatus("fdatasync", m_path, errno);
    }
  }
  Result<std::size_t> readAt(std::uint64_t offset, char* buf, std::size_t n) const override {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(m_fd, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r == 0) break;
      if (r < 0) {
        if (errno == EINTR) continue;
        return errnoStatus("read at byte " + std::to_string(offset + done), m_path, errno);
      }
      done += static_cast<std::size_t>(r);
    }
    return done;
  }
  Result<std::uint64_t> size() const override {
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) return errnoStatus("fstat", m_path, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }
  Status truncate(std::uint64_t size) override {
    for (;;) {
      if (::ftruncate(m_fd, static_cast<off_t>(size)) == 0) return Status::ok();
      if (errno != EINTR) {
        return errnoStatus("truncate to " + std::to_string(size) + " bytes", m_path, errno);
      }
    }
  }
  const std::string& path() const override { return m_path; }

 private:
  int m_fd;
  std::string m_path;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead: flags |= O_RDONLY; break;
      case OpenMode::kAppend: flags |= O_RDWR | O_APPEND; break;
      case OpenMode::kCreate: flags |= O_RDWR | O_APPEND | O_CREAT | O_EXCL; break;
      case OpenMode::kCreateOrTruncate: flags |= O_RDWR | O_APPEND | O_CREAT | O_TRUNC; break;
    }
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return errnoStatus("open", path, errno);
    return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path));
  }

  Status createDirs(const std::string& path) override {
    if (path.empty()) return Status::ok();
    std::size_t pos = 0;
    do {
      pos = path.find('/', pos + 1);
      const std::string prefix = path.substr(0, pos);
      if (prefix.empty() || prefix == "/") continue;
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return errnoStatus("create directory", prefix, errno);
      }
      struct stat st {};
      if (::stat(prefix.c_str(), &st) != 0) return errnoStatus("stat", prefix, errno);
      if (!S_ISDIR(st.st_mode)) {
        return Status::ioError(prefix + ": create directory failed: exists and is not a directory");
      }
    } while (pos != std::string::npos);
    return Status::ok();
  }

  Result<std::vector<std::string>> list(const std::string& dir) const override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return errnoStatus("list directory", dir, errno);
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    return names;
  }

  Status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return errnoStatus("remove", path, errno);
    return Status::ok();
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return errnoStatus("rename to " + to, from, errno);
    }
    return Status::ok();
  }

  Status syncDir(const std::string& dir) override {
    const std::string d = dir.empty() ? "." : dir;
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errnoStatus("open directory for fsync", d, errno);
    int rc;
    do {
      rc = ::fsync(fd);
    } while (rc != 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return errnoStatus("fsync of directory", d, err);
    return Status::ok();
  }

  bool exists(const std::string& path) const override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  Result<std::uint64_t> fileSize(const std::string& path) const override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errnoStatus("stat", path, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }
};

}  // namespace

std::unique_ptr<FileSystem> makePosixFileSystem() { return std::make_unique<PosixFileSystem>(); }

FileSystem& posixFileSystem() {
  static PosixFileSystem fs;
  return fs;
}

}  // namespace qlab::wal
