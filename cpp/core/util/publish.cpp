#include "core/util/publish.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace ds {
namespace {

void write_whole(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path.string() + ": cannot write: " + std::strerror(errno));
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw Error(path.string() + ": write failed (disk full?)");
}

}  // namespace

void publish_files(const fs::path& dir, const OutputFiles& files) {
  StagedFolder staged(dir);  // removed again if anything below fails
  for (const auto& [name, content] : files) write_whole(staged.path() / name, content);
  // Files of the folder that are not in the set (screenshots, the user's notes) come along.
  std::error_code ec;
  const auto ours = [&](const std::string& name) {
    return std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.first == name; });
  };
  std::vector<std::string> moved;
  if (fs::is_directory(staged.target(), ec))
    for (const auto& entry : fs::directory_iterator(staged.target(), ec)) {
      const std::string name = entry.path().filename().string();
      if (ours(name)) continue;
      fs::rename(entry.path(), staged.path() / name, ec);
      if (!ec) moved.push_back(name);
    }
  try {
    staged.publish();
  } catch (...) {
    for (const std::string& name : moved) fs::rename(staged.path() / name, staged.target() / name, ec);  // put back
    throw;
  }
}

void check_output_dir(const fs::path& dir, const std::vector<std::string>& output_names,
                      const std::vector<fs::path>& inputs, std::uintmax_t bytes) {
  std::error_code ec;
  for (const std::string& name : output_names) {
    const fs::path out = fs::weakly_canonical(fs::absolute(dir / name), ec);
    for (const fs::path& in : inputs) {
      if (in.empty()) continue;
      std::error_code ec2;
      if (fs::weakly_canonical(fs::absolute(in), ec2) == out)
        throw Error(dir.string() + ": --output would overwrite the input " + in.string());
    }
  }
  // The folder itself, or its nearest existing parent, must take new files.
  fs::path probe_dir = fs::absolute(dir).lexically_normal();
  while (!fs::exists(probe_dir, ec) && probe_dir.has_parent_path() && probe_dir != probe_dir.parent_path())
    probe_dir = probe_dir.parent_path();
  if (fs::exists(probe_dir, ec) && !fs::is_directory(probe_dir, ec))
    throw Error(dir.string() + ": cannot write outputs here: " + probe_dir.string() + " is not a folder");
  const fs::path probe = probe_dir / (".ds-write-test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw Error(dir.string() + ": cannot write outputs here: " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  const fs::space_info space = fs::space(probe_dir, ec);
  if (!ec && space.available < bytes)
    throw Error(dir.string() + ": only " + std::to_string(space.available >> 20) + " MB free, the outputs need about " +
                std::to_string(bytes >> 20) + " MB");
}

}  // namespace ds
