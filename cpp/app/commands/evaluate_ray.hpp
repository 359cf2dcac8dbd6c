#pragma once
// `evaluate --engine ray` (evaluate_ray.cpp).
#include <filesystem>

#include "app/cli/command.hpp"

namespace ds::cli {

struct RayRun {
  std::filesystem::path config, model, out_dir;
  std::size_t total = 0;  // images (after --limit)
  std::int64_t batch = 0;  // --batch-size, 0: the model's
};

int run_evaluate_on_ray(const ParsedArgs& args, const RayRun& run);

}  // namespace ds::cli
