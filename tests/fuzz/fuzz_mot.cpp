// MOT Challenge sequences: seqinfo.ini and gt/gt.txt (the input's two parts, cut at "\n=====\n"),
// frames from a video file that is only named (the readers never decode it).
#include "fuzz_support.hpp"
#include "formats/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const auto dir = fuzz::fresh("mot");
  const auto files = fuzz::parts(data, size, 2);
  fuzz::write(dir / "seq" / "seqinfo.ini", files[0]);
  fuzz::write(dir / "seq" / "gt" / "gt.txt", files[1]);
  fuzz::write(dir / "clip.mp4", "a video; never decoded by the formats");
  const ConfigNode spec(dir / "dataset.yaml", YAML::Load("format: mot\nsequence: seq\nvideo: clip.mp4\n"), "");
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec)); });
  ReadOptions skip;
  skip.skip_bad = true;
  fuzz::expect_clean([&] { fuzz::exercise(load_dataset(spec, skip)); });
  return 0;
}
