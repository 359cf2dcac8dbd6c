#pragma once
// Shared by the fuzz targets: a scratch folder for readers that take paths, inputs split into
// files, and the rule every target checks: a bad input may throw ds::Error (a one-line message
// for the user) and nothing else. Any other exception, a crash or a sanitizer report is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/dataset/check.hpp"
#include "core/util/error.hpp"
#include "formats/coco/coco_json.hpp"

namespace ds::fuzz {

// One folder per process, removed at exit (libFuzzer runs millions of inputs in one process).
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ds-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch(), ec);
    });
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

inline void write(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh, empty folder under scratch() for this input.
inline std::filesystem::path fresh(std::string_view name) {
  const std::filesystem::path dir = scratch() / std::string(name);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  return dir;
}

// The input cut at each "\n=====\n" into at most `n` parts (missing parts are empty), so one
// input can hold several files (a list, a names file, a label file).
inline std::vector<std::string_view> parts(const std::uint8_t* data, std::size_t size, std::size_t n) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> out;
  constexpr std::string_view kCut = "\n=====\n";
  while (out.size() + 1 < n) {
    const std::size_t at = rest.find(kCut);
    if (at == std::string_view::npos) break;
    out.push_back(rest.substr(0, at));
    rest.remove_prefix(at + kCut.size());
  }
  out.push_back(rest);
  out.resize(n);
  return out;
}

// 64x48 PNG: the header is all the readers look at.
inline std::string tiny_png() {
  return std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x40\0\0\0\x30\x08\x02\0\0\0", 29);
}

[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

// What a reader accepted must survive the rest of the pipeline: `check`, and COCO JSON written
// and read back (readers must not let through what our own writer cannot round-trip).
inline void exercise(const Dataset& d) {
  (void)check_dataset(d, false);
  const std::string json = coco::instances_json(d);
  try {
    (void)coco::read_instances_text(json, "round trip", true);  // masks too
  } catch (const Error& e) {
    bug(std::string("a dataset we read does not round-trip through COCO JSON: ") + e.what());
  }
}

// Runs `f`; ds::Error is the expected outcome of bad input, anything else escapes to libFuzzer.
template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

}  // namespace ds::fuzz
