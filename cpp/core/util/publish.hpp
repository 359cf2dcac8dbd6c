#pragma once
// A run's outputs as one set: readers of the output folder see the old set or the new one,
// never a mix (a crash or a full disk mid-way leaves the old set as it was).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ds {

using OutputFiles = std::vector<std::pair<std::string, std::string>>;  // file name -> content

// Writes every file into a StagedFolder beside `dir`, moves the other entries of `dir` (files
// that are not part of the set) into it, then swaps the two folders in one atomic rename and
// removes the old one. Throws ds::Error, leaving `dir` as it was.
void publish_files(const std::filesystem::path& dir, const OutputFiles& files);

// Before any work: `dir` can be created and written, has room for at least `bytes`, and none of
// the output files it will get is one of `inputs`. Throws ds::Error naming the problem.
void check_output_dir(const std::filesystem::path& dir, const std::vector<std::string>& output_names,
                      const std::vector<std::filesystem::path>& inputs, std::uintmax_t bytes = 16u << 20);

}  // namespace ds
