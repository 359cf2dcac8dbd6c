// The run journal (evaluate --resume): the input's lines are the journal's JSON lines. Most
// inputs get their checksums computed here (random bytes would almost never carry a right
// CRC-32, and the parser behind it would go unfuzzed); an input starting with '!' is taken as
// the file is, checksums and all, for the torn- and corrupt-line paths. A header for the run is
// put first unless the input's first line is a header itself ("journal" in it).
#include <string>
#include <string_view>

#include "core/eval/journal.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ds;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string run = "fuzz run";
  std::string text;
  if (input.starts_with('!')) {
    text = std::string(input.substr(1));
  } else {
    std::size_t pos = 0;
    bool first = true;
    while (pos < input.size()) {
      std::size_t end = input.find('\n', pos);
      const bool torn = end == std::string_view::npos;
      if (torn) end = input.size();
      const std::string_view line = input.substr(pos, end - pos);
      if (first && line.find("journal") == std::string_view::npos) text += journal_line(journal_header(run));
      first = false;
      text += torn ? std::string(line) : journal_line(line);  // a last line without '\n' is torn
      pos = end + 1;
    }
    if (first) text += journal_line(journal_header(run));
  }
  fuzz::expect_clean([&] {
    const JournalReplay replay = parse_journal(text, "journal.jsonl", run);
    for (const auto& [id, dets] : replay.images)
      for (const Detection& d : dets)
        if (d.image_id != id) std::abort();
    if (replay.whole_bytes > text.size()) std::abort();
  });
  return 0;
}
