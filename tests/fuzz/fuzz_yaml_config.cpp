// YAML configs: a run config, a dataset spec and a model config (the checks made before Python
// starts). Datasets are not loaded: a fuzzed path could name any folder on the machine.
#include "fuzz_support.hpp"
#include "core/config/run_config.hpp"
#include "formats/common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto dir = fuzz::fresh("yaml");
  const auto file = dir / "config.yaml";
  fuzz::write(file, std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::write(dir / "model.yaml", "module: m\n");
  fuzz::expect_clean([&] { (void)load_run_config(file); });
  fuzz::expect_clean([&] { (void)load_dataset_spec(file); });
  fuzz::expect_clean([&] { (void)model_module(file); });
  fuzz::expect_clean([&] { (void)formats::ClassNames::from_spec(ConfigNode::load(file)); });
  return 0;
}
