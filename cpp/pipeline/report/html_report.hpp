#pragma once
// report.html from saved runs: the C++ side gathers the files, the Python package
// detection_studio.report (matplotlib charts, one self-contained page) writes it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/python_runtime.hpp"

namespace ds::pipeline {

// The gallery a run's report shows: gallery.json beside its metrics.json.
std::filesystem::path gallery_path(const std::filesystem::path& metrics_json);

// One run: a report of it; several: a comparison (`comparison_json`: the paired bootstrap of
// AP differences, see compare). Written atomically. Throws ds::Error naming the bad file.
void write_html_report(host::PythonRuntime& python, const std::vector<std::filesystem::path>& metrics_files,
                       const std::filesystem::path& out, const std::optional<std::string>& comparison_json = {});

// {"detection_studio", "python", "numpy", "torch", "torchvision", "opencv", ...}: the versions a
// run used (only the Python packages it had imported), as a JSON object.
std::string versions_json(host::PythonRuntime& python);

}  // namespace ds::pipeline
