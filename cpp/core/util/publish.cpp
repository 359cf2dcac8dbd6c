#include "core/util/publish.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/util/error.hpp"

namespace fs = std::filesystem;

namespace ds {
namespace {

fs::path sibling(const fs::path& dir, const char* what) {
  const fs::path absolute = fs::absolute(dir).lexically_normal();
  const fs::path clean = absolute.has_filename() ? absolute : absolute.parent_path();
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on a chain of `"." + string`.
  std::string name(".");
  name += clean.filename().string();
  name += '.';
  name += what;
  name += '-';
  name += std::to_string(::getpid());
  return clean.parent_path() / name;
}

void write_whole(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path.string() + ": cannot write: " + std::strerror(errno));
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw Error(path.string() + ": write failed (disk full?)");
}

}  // namespace

void publish_files(const fs::path& dir, const OutputFiles& files) {
  const fs::path staging = sibling(dir, "publish");
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) throw Error(staging.string() + ": cannot create the output folder: " + ec.message());
  try {
    for (const auto& [name, content] : files) write_whole(staging / name, content);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  const fs::path target = fs::absolute(dir).lexically_normal();
  if (!fs::exists(target, ec)) {
    fs::rename(staging, target, ec);
    if (ec) {
      fs::remove_all(staging, ec);
      throw Error(dir.string() + ": cannot publish the outputs: " + ec.message());
    }
    return;
  }
  // Files of the folder that are not in the set (screenshots, the user's notes) come along.
  for (const auto& entry : fs::directory_iterator(target, ec)) {
    const std::string name = entry.path().filename().string();
    bool ours = false;
    for (const auto& f : files) ours = ours || f.first == name;
    if (!ours) fs::rename(entry.path(), staging / name, ec);
  }
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
    const std::string why = std::strerror(errno);
    for (const auto& entry : fs::directory_iterator(staging, ec)) {  // put them back
      bool ours = false;
      for (const auto& f : files) ours = ours || f.first == entry.path().filename().string();
      if (!ours) fs::rename(entry.path(), target / entry.path().filename(), ec);
    }
    fs::remove_all(staging, ec);
    throw Error(dir.string() + ": cannot publish the outputs: " + why);
  }
  fs::remove_all(staging, ec);  // now the old set
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
