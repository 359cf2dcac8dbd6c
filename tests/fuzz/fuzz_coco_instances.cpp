// COCO instances JSON (ground truth): the reader, with and without --skip-bad.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_clean([&] { fuzz::exercise(coco::read_instances_text(text, "instances.json")); });
  // The file path (--skip-bad lives there) reads through JsonSource::load.
  const auto file = fuzz::scratch() / "instances.json";
  fuzz::write(file, text);
  fuzz::expect_clean([&] { fuzz::exercise(coco::read_instances_file(file, fuzz::scratch(), true)); });
  return 0;
}
