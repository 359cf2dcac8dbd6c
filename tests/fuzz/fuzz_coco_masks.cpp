// COCO masks: a ground truth with segmentations and mask results, read with masks and scored
// as segm (rasterisation, RLE strings, merge, IoU). The input is the instances JSON, then a
// line "---", then the results JSON.
#include "core/eval/coco/evaluate.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = text.find("\n---\n");
  const std::string_view gt_text = text.substr(0, cut);
  const std::string_view dt_text = cut == std::string_view::npos ? std::string_view("[]") : text.substr(cut + 5);
  const auto gt_file = fuzz::scratch() / "masks_gt.json", dt_file = fuzz::scratch() / "masks_dt.json";
  fuzz::write(gt_file, gt_text);
  fuzz::write(dt_file, dt_text);
  fuzz::expect_clean([&] {
    const Dataset gt = coco::read_instances_file(gt_file, fuzz::scratch(), false, true);
    const std::vector<Detection> dts = coco::read_mask_results(dt_file);
    coco::Params p = coco::Params::defaults();
    p.iou_type = coco::IouType::kSegm;
    (void)coco::evaluate(gt, dts, p, 1);
  });
  return 0;
}
