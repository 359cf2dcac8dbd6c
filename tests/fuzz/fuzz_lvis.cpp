// LVIS fields of a COCO instances JSON (images' neg_category_ids / not_exhaustive_category_ids,
// categories' frequency, synset, counts): the reader, `check`, the round trip, and the federated
// evaluation itself on detections made from the file's own annotations.
#include "core/eval/lvis/evaluate.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_clean([&] {
    const Dataset d = coco::read_instances_text(text, "lvis.json");
    fuzz::exercise(d);
    // Detections: each annotation moved a little, and one on every category an image lists,
    // scores tied in places; more than 300 on an image exercises the cap.
    std::vector<Detection> dts;
    double score = 0.5;
    for (const Annotation& a : d.annotations) {
      Detection det;
      det.image_id = a.image_id;
      det.category_id = a.category_id;
      det.bbox = {a.bbox.x + 1, a.bbox.y, a.bbox.w, a.bbox.h};
      det.score = score;
      score = score > 0.9 ? 0.1 : score + 0.1;
      dts.push_back(det);
      if (dts.size() > 2000) break;
    }
    for (const Image& im : d.images)
      for (const auto* list : {&im.neg_category_ids, &im.not_exhaustive_category_ids})
        if (*list)
          for (const std::int64_t c : **list) {
            if (dts.size() > 4000) break;
            dts.push_back({im.id, c, {1, 1, 10, 10}, 0.5, nullptr, -1, {}});
          }
    (void)lvis::summarize(lvis::evaluate(d, dts, coco::IouType::kBbox, std::nullopt, 1));
  });
  return 0;
}
