// Open Images image-level labels and challenge detections: "<labels.csv>\n=====\n<dets.csv>"
// against a fixed dataset (boxes, classes, hierarchy); what is read is scored by --metric
// openimages.
#include "core/eval/openimages/evaluate.hpp"
#include "formats/format.hpp"
#include "formats/openimages/challenge_detections.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto p = fuzz::parts(data, size, 2);
  const auto dir = fuzz::fresh("openimages_labels");
  fuzz::write(dir / "boxes.csv",
              "ImageID,LabelName,XMin,XMax,YMin,YMax,IsGroupOf\na,/m/01,0.1,0.5,0.2,0.9,0\na,/m/02,0,1,0,1,1\n"
              "b,/m/02,0.5,0.6,0.5,0.6,0\n");
  fuzz::write(dir / "classes.csv", "/m/01,Cat\n/m/02,Dog\n/m/03,Animal\n");
  fuzz::write(dir / "hierarchy.json",
              R"({"LabelName": "/m/r", "Subcategory": [{"LabelName": "/m/03", "Subcategory": [{"LabelName": "/m/01"}, {"LabelName": "/m/02"}]}]})");
  fuzz::write(dir / "labels.csv", p[0]);
  fuzz::write(dir / "image_ids.csv", "ImageID\nc\n");
  const std::string yaml = "format: openimages\nboxes: boxes.csv\nclass_descriptions: classes.csv\nhierarchy: hierarchy.json\n"
                           "labels: labels.csv\nimage_ids: image_ids.csv\n";
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load(yaml), "");
  fuzz::expect_clean([&] {
    const Dataset gt = load_dataset(spec);
    fuzz::exercise(gt);
    const std::vector<Detection> dts = openimages::read_challenge_detections_text(p[1], "dets.csv", gt);
    (void)openimages::evaluate(gt, dts, {std::nullopt, 1});
  });
  return 0;
}
