#include "core/util/files.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace fs = std::filesystem;

namespace ds {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

std::string reason_for(mode_t mode, std::string_view what) {
  if (S_ISREG(mode)) return {};
  if (S_ISDIR(mode)) return "is a directory, not " + std::string(what);
  return "is " + kind_of(mode) + ", not a regular file";
}

}  // namespace

std::string not_regular_file_reason(const fs::path& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    // A link whose target is gone: say so, not "not found" for a name the user can see.
    if (struct stat link {}; err == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      std::error_code ec;
      const fs::path target = fs::read_symlink(path, ec);
      return "dangling symbolic link" + (ec ? std::string() : " (to " + target.string() + ")");
    }
    return err == ENOENT || err == ENOTDIR ? "file not found" : "cannot open: " + std::string(std::strerror(err));
  }
  return reason_for(st.st_mode, what);
}

RegularFile::RegularFile(const fs::path& path, std::string_view what) : path_(path) {
  // stat first: opening a FIFO for reading blocks until a writer appears.
  if (const std::string why = not_regular_file_reason(path, what); !why.empty())
    throw Error(path.string() + ": " + why);
  // O_NONBLOCK as well, in case the path was swapped for a FIFO since the stat.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  if (const std::string why = reason_for(st.st_mode, what); !why.empty()) {
    ::close(fd_);
    fd_ = -1;
    throw Error(path.string() + ": " + why);
  }
  size_ = static_cast<std::size_t>(st.st_size);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t RegularFile::read_at(std::uint64_t offset, char* out, std::size_t n) const {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(path_.string() + ": read failed: " + std::strerror(errno));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::string RegularFile::read_all() const {
  // The size is a hint only: /proc files say 0, and a file may grow while it is read.
  std::string content(size_ > 0 ? size_ : 4096, '\0');
  std::size_t used = 0;
  while (true) {
    used += read_at(used, content.data() + used, content.size() - used);
    if (used < content.size()) break;
    content.resize(content.size() * 2);
  }
  content.resize(used);
  return content;
}

std::string read_file(const fs::path& path) { return RegularFile(path).read_all(); }

std::string read_text_file(const fs::path& path) {
  std::string text = read_file(path);
  if (std::string problem = utf8_problem(text, path.string()); !problem.empty()) throw Error(problem);
  return text;
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  std::error_code ec;
  if (path.empty()) throw Error("cannot write to an empty file name");
  if (fs::is_directory(path, ec) || !path.has_filename())
    throw Error(path.string() + ": is a folder; give a file name to write");
  if (path.has_parent_path()) {
    ec.clear();  // is_directory's "no such file" is not a failure here
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error(path.parent_path().string() + ": cannot create directory: " + ec.message());
  }
  std::random_device rd;
  const fs::path tmp = path.string() + ".tmp" + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot write: " + std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      throw Error(path.string() + ": write failed (disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    throw Error(path.string() + ": cannot replace: " + why);
  }
}

StagedFolder::StagedFolder(const fs::path& target) : target_(target) {
  if (!target_.has_filename()) target_ = target_.parent_path();  // "out/" -> "out"
  std::error_code ec;
  const fs::path parent = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) throw Error(parent.string() + ": cannot create folder: " + ec.message());
  std::random_device rd;
  // Beside the target, on the same file system, so that publishing is a rename.
  std::string name = ".";
  name += target_.filename().string();
  name += ".partial-" + std::to_string(rd());
  staging_ = parent / name;
  if (!fs::create_directory(staging_, ec) || ec)
    throw Error(staging_.string() + ": cannot create folder: " + (ec ? ec.message() : "already exists"));
}

StagedFolder::~StagedFolder() {
  std::error_code ec;
  if (!published_) fs::remove_all(staging_, ec);
}

void StagedFolder::publish() {
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(target_, ec));
  if (!exists || (fs::is_directory(target_, ec) && fs::is_empty(target_, ec))) {
    fs::rename(staging_, target_, ec);  // rename(2) replaces an empty folder too
    if (ec) throw Error(target_.string() + ": cannot move the new files into place: " + ec.message());
    published_ = true;
    return;
  }
  // Swap the two folders in one step, then delete the old files (now at the staging path).
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0)
    throw Error(target_.string() + ": cannot replace the folder: " + std::strerror(errno));
  published_ = true;
  fs::remove_all(staging_, ec);
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

fs::path resolve_relative_to(const fs::path& base_file, const fs::path& relative) {
  if (relative.is_absolute()) return relative;
  return (base_file.parent_path() / relative).lexically_normal();
}

fs::path current_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("/proc/self/exe: cannot resolve the running executable: " + ec.message());
  return exe;
}

OutputLock::OutputLock(const std::filesystem::path& folder) {
  const std::filesystem::path abs = std::filesystem::absolute(folder).lexically_normal();
  std::filesystem::path name = abs.filename();
  if (name.empty()) name = abs.parent_path().filename();
  const std::filesystem::path parent = abs.filename().empty() ? abs.parent_path().parent_path() : abs.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  const std::filesystem::path lock = parent / ("." + name.string() + ".lock");
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(lock.string() + ": cannot create the output lock: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    fd_ = -1;
    std::string holder(pid, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw Error(folder.string() + ": in use by another run (pid " + (holder.empty() ? "unknown" : holder) +
                "); wait for it, or give another --output");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is a courtesy for the message above; the lock itself holds without it.
  }
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::string files_fingerprint(std::span<const std::filesystem::path> files, std::uintmax_t hash_limit) {
  // FNV-1a, 64 bits: a change detector, not a security boundary.
  std::uint64_t h = 1469598103934665603ull;
  const auto mix = [&](std::string_view bytes) {
    for (const char c : bytes) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
  };
  for (const std::filesystem::path& f : files) {
    mix(f.string());
    mix(std::string_view("\0", 1));
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    if (ec) {
      mix("missing");
      continue;
    }
    if (size <= hash_limit) {
      try {
        mix(RegularFile(f, "a file").read_all());
        continue;
      } catch (const Error&) {
        // unreadable: fall back to its size and time
      }
    }
    const auto time = std::filesystem::last_write_time(f, ec).time_since_epoch().count();
    mix(std::to_string(size) + "@" + std::to_string(time));
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace ds
