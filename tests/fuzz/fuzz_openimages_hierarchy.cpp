// Open Images class hierarchy JSON: the reader alone, then as a dataset's hierarchy: (classes
// collected from it) scored by --metric openimages with one detection of every class.
#include "core/eval/openimages/evaluate.hpp"
#include "formats/format.hpp"
#include "formats/openimages/hierarchy.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_clean([&] { (void)openimages::read_hierarchy_text(text, "hierarchy.json"); });
  const auto dir = fuzz::fresh("openimages_hierarchy");
  fuzz::write(dir / "boxes.csv", "ImageID,LabelName,XMin,XMax,YMin,YMax,IsGroupOf\na,/m/01,0.1,0.5,0.2,0.9,0\n");
  fuzz::write(dir / "hierarchy.json", text);
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load("format: openimages\nboxes: boxes.csv\nhierarchy: hierarchy.json\n"), "");
  fuzz::expect_clean([&] {
    const Dataset gt = load_dataset(spec);
    fuzz::exercise(gt);
    std::vector<Detection> dts;
    for (const Category& c : gt.categories) {
      Detection d;
      d.image_id = 1;
      d.category_id = c.id;
      d.bbox = {0.1, 0.2, 0.4, 0.7};
      d.score = 0.5;
      dts.push_back(d);
    }
    (void)openimages::evaluate(gt, dts, {std::nullopt, 1});
  });
  return 0;
}
