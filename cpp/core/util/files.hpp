#pragma once
// File I/O with user-facing errors, and writes that never leave a half-written file behind.
#include <filesystem>
#include <string>
#include <string_view>

namespace ds {

std::string read_file(const std::filesystem::path& path);

// Writes to a temporary file next to `path`, then renames it over `path`: readers see the old
// file or the new one, never a partial one.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// `relative` resolved against the directory of `base_file` (absolute paths are kept as is).
std::filesystem::path resolve_relative_to(const std::filesystem::path& base_file,
                                          const std::filesystem::path& relative);

// The running executable's path (from /proc/self/exe).
std::filesystem::path current_executable();

}  // namespace ds
