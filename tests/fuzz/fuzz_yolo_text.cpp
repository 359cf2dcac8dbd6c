// YOLO / Darknet text: the input is "<label file>\n=====\n<obj.names>\n=====\n<images.txt>
// [\n=====\n<data.yaml keys>]". An empty list falls back to one listed image, so the label and
// names files are always read. With a fourth part, the label file is read again in the Ultralytics
// layout, that part appended to a data.yaml naming three classes (kpt_shape: pose lines).
#include "fuzz_support.hpp"
#include "formats/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto p = fuzz::parts(data, size, 4);
  const auto dir = fuzz::fresh("darknet");
  fuzz::write(dir / "images" / "a.png", fuzz::tiny_png());
  fuzz::write(dir / "labels" / "a.txt", p[0]);
  fuzz::write(dir / "obj.names", p[1]);
  fuzz::write(dir / "images.txt", p[2].empty() ? std::string_view("images/a.png\n") : p[2]);
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load("format: darknet\nlist: images.txt\nnames: obj.names\n"), "");
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec)); });
  ReadOptions skip;
  skip.skip_bad = true;
  skip.masks = true;  // and the polygons kept as masks
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec, skip)); });
  if (!p[3].empty()) {
    fuzz::write(dir / "data.yaml", "val: images\nnames: [a, b, c]\n" + std::string(p[3]) + "\n");
    const ConfigNode ultralytics(dir / "dataset.yaml", YAML::Load("format: yolo\ndata: data.yaml\n"), "");
    fuzz::expect_clean([&] { fuzz::exercise(load_dataset(ultralytics)); });
    fuzz::expect_clean([&] { fuzz::exercise(load_dataset(ultralytics, skip)); });
  }
  return 0;
}
