// LabelMe JSON: one annotation file beside its image.
#include "fuzz_support.hpp"
#include "formats/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto dir = fuzz::fresh("labelme");
  fuzz::write(dir / "a.json", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::write(dir / "a.png", fuzz::tiny_png());
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load("format: labelme\nannotations: .\n"), "");
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec)); });
  ReadOptions skip;
  skip.skip_bad = true;
  skip.masks = true;  // and the polygons kept as masks
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec, skip)); });
  return 0;
}
