#pragma once
// File I/O with user-facing errors, and writes that never leave a half-written file behind.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace ds {

// Every reader opens its input through here. A FIFO, device, socket or folder is refused before
// a byte is read (a FIFO would block forever, /dev/zero never ends). Throws ds::Error
// "<path>: file not found" / "<path>: is a FIFO, not a regular file" / ...; `what` names the
// expected content in the folder message ("a JSON file").
class RegularFile {
 public:
  explicit RegularFile(const std::filesystem::path& path, std::string_view what = "a file");
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  int fd() const { return fd_; }
  // Size from fstat; 0 for files such as /proc's whose size is unknown until read.
  std::size_t size() const { return size_; }
  // Reads up to n bytes at `offset`; returns how many (short only at the end of the file).
  // Throws on a read error.
  std::size_t read_at(std::uint64_t offset, char* out, std::size_t n) const;
  // The whole file from its start.
  std::string read_all() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t size_ = 0;
};

// Why `path` cannot be read as a regular file ("file not found", "is a FIFO, not a regular file",
// ...), or empty when it can. Does not open it.
std::string not_regular_file_reason(const std::filesystem::path& path, std::string_view what = "a file");

std::string read_file(const std::filesystem::path& path);
// read_file for text formats (CSV, YAML, label and list files): bytes that are not UTF-8 are an
// error naming the line and byte offset; they would otherwise travel on into JSON we write.
std::string read_text_file(const std::filesystem::path& path);

// Writes to a temporary file next to `path`, then renames it over `path`: readers see the old
// file or the new one, never a partial one. A folder at `path` is an error.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// A folder written as a whole: files go into a hidden staging folder beside `target`, and
// publish() renames it into place (swapping it with an existing target in one step), so readers
// see the old folder or the new one, never a mix. Destroyed unpublished (an error, a full
// disk), it removes the staging folder and leaves `target` as it was.
class StagedFolder {
 public:
  explicit StagedFolder(const std::filesystem::path& target);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  const std::filesystem::path& path() const { return staging_; }  // where to write
  const std::filesystem::path& target() const { return target_; }
  void publish();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool published_ = false;
};

// An exclusive lock on an output folder for a run's life, so two runs never write one folder
// (one would delete the journal the other writes). The lock is a file beside the folder,
// `.<name>.lock`, which stays where the folder is swapped by publish (a file inside would move).
// Throws ds::Error naming the holder's pid when another process holds it.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& folder);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  int fd_ = -1;
};

// A fingerprint of what files hold: each path with its bytes (files up to `hash_limit`) or its
// size and modification time (larger ones: weights are not read twice). Missing files count as
// such. For "is this the same run": a changed config, class list or weights file changes it.
std::string files_fingerprint(std::span<const std::filesystem::path> files, std::uintmax_t hash_limit = 16u << 20);

// True when `a` and `b` name the same file (same inode, or the same path when neither exists).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

// `relative` resolved against the directory of `base_file` (absolute paths are kept as is).
std::filesystem::path resolve_relative_to(const std::filesystem::path& base_file,
                                          const std::filesystem::path& relative);

// The running executable's path (from /proc/self/exe).
std::filesystem::path current_executable();

}  // namespace ds
