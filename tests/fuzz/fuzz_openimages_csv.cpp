// Open Images CSV: "<boxes.csv>\n=====\n<class-descriptions.csv>\n=====\n<image_ids.csv>";
// empty parts leave that file out of the spec.
#include "fuzz_support.hpp"
#include "core/util/csv.hpp"
#include "formats/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto p = fuzz::parts(data, size, 3);
  // The CSV reader alone, on the whole input.
  fuzz::expect_clean([&] {
    CsvReader csv("input.csv", std::string(reinterpret_cast<const char*>(data), size));
    std::vector<std::string> fields;
    while (csv.next(fields)) {
    }
  });
  const auto dir = fuzz::fresh("openimages");
  fuzz::write(dir / "images" / "a.png", fuzz::tiny_png());
  fuzz::write(dir / "boxes.csv", p[0]);
  std::string yaml = "format: openimages\nboxes: boxes.csv\nimages: images\nimage_ext: .png\n";
  if (!p[1].empty()) {
    fuzz::write(dir / "classes.csv", p[1]);
    yaml += "class_descriptions: classes.csv\n";
  }
  if (!p[2].empty()) {
    fuzz::write(dir / "ids.csv", p[2]);
    yaml += "image_ids: ids.csv\n";
  }
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load(yaml), "");
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec)); });
  ReadOptions skip;
  skip.skip_bad = true;
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec, skip)); });
  return 0;
}
