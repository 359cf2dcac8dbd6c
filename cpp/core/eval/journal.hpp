#pragma once
// The run's journal file (DIR/journal.jsonl), read back for `evaluate --resume`: one
// checksummed JSON line per batch, written by pipeline/sinks/journal (which holds the format).
//   <crc32 hex> {"journal": 1, "run": "<what was run>"}
//   <crc32 hex> {"images": [[image_id, [cat, x, y, w, h, score, ...](, masks)(, keypoints)], ...],
//                "skipped": [[image_id, "why"]], "next": k}
// A torn or corrupt line (its checksum fails) ends what is replayed: that batch is redone. A
// line whose checksum is right but whose content is wrong is an error naming the line. Core
// only (no OpenCV), so the reader is fuzzed with the other parsers (tests/fuzz/fuzz_journal).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dataset/dataset.hpp"

namespace ds {

struct JournalReplay {
  std::vector<std::pair<std::int64_t, std::vector<Detection>>> images;  // in run order
  std::vector<std::pair<std::int64_t, std::string>> skipped;
  std::size_t next = 0;            // the source position to go on from
  std::uintmax_t whole_bytes = 0;  // the journal up to its last whole, intact line
};

// `json` as a journal line: its CRC-32 in 8 hex digits, a space, the JSON, a newline.
std::string journal_line(std::string_view json);

// The header line's JSON for `run` (what was run: configs, model files, dataset, limits).
std::string journal_header(const std::string& run);

// Reads a journal written for `run`. Throws ds::Error when it is missing, was written for
// another run (other model, dataset, limit or batch size), or a checked line is malformed.
JournalReplay read_journal(const std::filesystem::path& path, const std::string& run);

// The same over the journal's text (`name` in messages): the fuzz target's entry.
JournalReplay parse_journal(std::string_view text, const std::string& name, const std::string& run);

}  // namespace ds
