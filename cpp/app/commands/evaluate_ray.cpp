// `evaluate --engine ray`: the run's shards on Ray workers (python_modules/ray_engine.py: one
// `evaluate --serve-shards` process per worker, the model loaded once), each shard merged as it
// finishes and the whole scored as `merge` scores it.
#include <algorithm>
#include <iostream>
#include <thread>

#include "app/cli/progress.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/evaluate_ray.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/text.hpp"
#include "host/python_runtime.hpp"
#include "pipeline/interrupt.hpp"
#include "pipeline/report/html_report.hpp"

namespace fs = std::filesystem;
namespace py = pybind11;

namespace ds::cli {
namespace {

// Disconnects from the cluster (a local one goes down) however the run ends.
class Cluster {
 public:
  explicit Cluster(py::module_ engine) : engine_(std::move(engine)) {}
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  ~Cluster() {
    try {
      engine_.attr("stop")();
    } catch (const std::exception& e) {
      std::cerr << "warning: ray: " << e.what() << "\n";
    }
  }

 private:
  py::module_ engine_;
};

// A scratch folder beside the outputs for the shards' files, removed at the end.
class Scratch {
 public:
  explicit Scratch(fs::path path) : path_(std::move(path)) {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::create_directories(path_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

int run_evaluate_on_ray(const ParsedArgs& args, RayRun run) {
  const std::int64_t workers_arg = args.get_int("--workers", 0);
  if (workers_arg < 0) throw UsageError("--workers must be 1 or more (0: one per CPU of the cluster)");
  const double gpus = args.get_double("--gpus-per-worker", 0);
  if (!(gpus >= 0)) throw UsageError("--gpus-per-worker must be 0 or more");
  const std::optional<std::string> address = args.get("--address");

  host::PythonRuntime python(args.verbose());
  py::gil_scoped_acquire gil;
  const auto fail = [&](const py::error_already_set& e) { return Error(python.describe(e, "ray")); };
  py::module_ engine;
  py::dict info;
  try {
    engine = py::module_::import("detection_studio.ray_engine");
    const std::size_t local_workers =
        workers_arg > 0 ? static_cast<std::size_t>(workers_arg) : std::max(1u, std::thread::hardware_concurrency());
    info = engine.attr("start")(address ? py::object(py::str(*address)) : py::none(), local_workers);
  } catch (const py::error_already_set& e) {
    throw fail(e);
  }
  const Cluster cluster(engine);
  // ray.init takes SIGTERM for itself; the run's own handlers stop it at the next poll instead.
  pipeline::install_interrupt_handlers();
  const auto cpus = info["cluster_cpus"].cast<std::size_t>();
  // A worker's actor holds one CPU for the whole run: a worker beyond the cluster's CPUs would wait
  // for one forever, with the shards given to it.
  const std::size_t wanted = workers_arg > 0 ? static_cast<std::size_t>(workers_arg) : cpus;
  const std::size_t workers = std::clamp<std::size_t>(wanted, 1, std::max<std::size_t>(cpus, 1));
  // Two shards per worker: a retried shard costs half a worker's share, and the last ones balance.
  const std::size_t shards = std::min(run.total, 2 * workers);
  // Each shard's process gets its share of the machine's cores (local cluster) for torch.
  const std::size_t threads = address ? 0 : std::max<std::size_t>(1, std::thread::hardware_concurrency() / workers);

  py::list arguments;
  for (const std::string& a : {fs::absolute(run.config).lexically_normal().string(), std::string("--model"),
                               fs::absolute(run.model).lexically_normal().string(), std::string("--limit"),
                               std::to_string(run.total)})
    arguments.append(a);
  if (run.batch > 0) {
    arguments.append("--batch-size");
    arguments.append(std::to_string(run.batch));
  }
  if (args.has("--skip-bad")) arguments.append("--skip-bad");

  const Scratch scratch(run.out_dir / ".ray-shards");
  // Each shard is checked and its detections read as soon as it is in, while the others run.
  ShardMerge merge(run.config, std::move(run.dataset));
  const std::string runtime = current_executable().string();
  std::cerr << "ray: " << (address ? "joined " + *address : std::string("local cluster on 127.0.0.1")) << ", " << cpus
            << " CPUs, " << workers << " workers, " << shards << " shards (started in "
            << fixed_decimals(info["start_seconds"].cast<double>(), 1) << " s)\n";
  Progress progress("evaluating on ray", run.total);
  py::dict timing;
  try {
    timing = engine.attr("run_shards")(
        runtime, arguments, shards, workers, scratch.path().string(), gpus, threads,
        py::cpp_function([&](std::size_t n) { progress.update(std::min(n, run.total)); }),
        py::cpp_function([&](std::size_t, const std::string& folder) {
          // Its detections are read now: the file can go, the records stay until the scoring.
          merge.add(folder);
          std::error_code ec;
          fs::remove(fs::path(folder) / "detections.json", ec);
        }),
        py::cpp_function([] { return pipeline::interrupt_signal() != 0; }));
  } catch (const py::error_already_set& e) {
    if (e.matches(engine.attr("Interrupted"))) {
      progress.finish();
      const int sig = pipeline::interrupt_signal();
      std::cerr << "interrupted: the shards were cancelled and the cluster stopped; nothing was written\n";
      return 128 + sig;
    }
    throw fail(e);
  }
  progress.finish();

  const JsonFields facts = {{"model_config", json_string(fs::absolute(run.model).lexically_normal().string())},
                            {"engine", json_string("ray")},
                            {"ray", "{\"workers\": " + std::to_string(timing["workers"].cast<std::size_t>()) + ", \"cluster_cpus\": " + std::to_string(cpus) +
                                        ", \"start_seconds\": " + format_double(info["start_seconds"].cast<double>()) +
                                        ", \"shards_seconds\": " + format_double(timing["shards_seconds"].cast<double>()) +
                                        ", \"model_loads\": " + std::to_string(timing["model_loads"].cast<std::size_t>()) +
                                        "}"}};
  const MergedRun merged = merge.finish(run.out_dir, facts);
  std::cout << "\n";
  write_merged_report(merged, run.out_dir, python);
  return 0;
}

}  // namespace ds::cli
