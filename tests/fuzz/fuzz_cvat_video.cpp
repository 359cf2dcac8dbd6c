// CVAT for video 1.1 (annotations.xml): tracks of boxes interpolated between keyframes,
// outside / occluded flags, the task's frame count and size; frames from a named video file.
#include "fuzz_support.hpp"
#include "formats/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto dir = fuzz::fresh("cvat_video");
  fuzz::write(dir / "annotations.xml", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::write(dir / "clip.mp4", "a video; never decoded by the formats");
  const ConfigNode spec(dir / "dataset.yaml",
                        YAML::Load("format: cvat-video\nannotations: annotations.xml\nvideo: clip.mp4\n"), "");
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec)); });
  ReadOptions skip;
  skip.skip_bad = true;
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec, skip)); });
  return 0;
}
