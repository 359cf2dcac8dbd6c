// COCO results JSON (detections): read whole, and cut in two halves read on two threads (the
// path large files take; a small threshold sends every input there); and read as keypoint
// results (boxes from the keypoints' extent when the first record has none).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto file = fuzz::scratch() / "results.json";
  fuzz::write(file, std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<Detection> whole, halves;
  bool whole_ok = false, halves_ok = false;
  fuzz::expect_clean([&] {
    whole = coco::read_results(file, std::size_t(-1));
    whole_ok = true;
  });
  fuzz::expect_clean([&] {
    halves = coco::read_results(file, 16);
    halves_ok = true;
  });
  // Splitting is an optimisation: it must never change what a file means.
  if (whole_ok != halves_ok) fuzz::bug("read whole and read in halves disagree on validity");
  if (whole_ok && whole.size() != halves.size()) fuzz::bug("read whole and read in halves give different counts");
  // The same in small pieces (a cut every 64 bytes or so: large files' path, scaled down).
  std::vector<Detection> pieces;
  bool pieces_ok = false;
  fuzz::expect_clean([&] {
    pieces = coco::read_results(file, 16, 64);
    pieces_ok = true;
  });
  if (whole_ok != pieces_ok) fuzz::bug("read whole and read in pieces disagree on validity");
  if (whole_ok && whole.size() != pieces.size()) fuzz::bug("read whole and read in pieces give different counts");
  fuzz::expect_clean([&] {
    const std::vector<Detection> kps = coco::read_keypoint_results(file);
    for (const Detection& d : kps)
      if (d.keypoints.empty() || d.keypoints.size() % 3 != 0 || d.bbox.w < 0 || d.bbox.h < 0)
        fuzz::bug("keypoint results read with an empty or ragged keypoint array, or a negative box");
  });
  return 0;
}
