// CVAT for images XML (annotations.xml): images, boxes, attributes, shapes we do not read.
#include "fuzz_support.hpp"
#include "formats/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto dir = fuzz::fresh("cvat");
  fuzz::write(dir / "annotations.xml", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::write(dir / "images" / "a.png", fuzz::tiny_png());
  const ConfigNode spec(dir / "dataset.yaml",
                        YAML::Load("format: cvat\nannotations: annotations.xml\nimages: images\n"), "");
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec)); });
  ReadOptions skip;
  skip.skip_bad = true;
  skip.masks = true;  // and the polygons kept as masks
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec, skip)); });
  return 0;
}
