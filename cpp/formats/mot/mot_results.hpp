#pragma once
// A tracker's output in the MOT Challenge results format, one sequence per file:
//   frame,id,bb_left,bb_top,width,height,conf,class,x,y   (MOTChallenge writes -1 for the last
//   three: no class, no world coordinates; 6 values are enough: conf defaults to 1, class to -1)
// Frames are 1-based; bb_left/bb_top are MOT's 1-based pixels, kept as written (TrackEval computes
// IoU from them, and so do we). What a tracker cannot mean is refused with file:line: a malformed
// line, a frame outside 1..seqLength, a negative width or height, a negative id, an id twice in
// one frame, an id given two classes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ds::mot {

struct ResultRow {
  std::int64_t frame = 0;  // 1-based
  std::int64_t id = 0;
  double x = 0, y = 0, w = 0, h = 0;  // as written (1-based pixels)
  double conf = 1;
  std::int64_t cls = -1;  // -1: none given
  std::size_t line = 0;
};

struct Results {
  std::string source;  // the file, for messages
  std::vector<ResultRow> rows;  // in file order
};

// `seq_length`: the sequence's frame count (seqinfo.ini's seqLength).
Results read_results(const std::filesystem::path& file, std::int64_t seq_length);
// The same from text in memory (`name` in messages): the fuzz target's entry.
Results read_results_text(std::string name, std::string text, std::int64_t seq_length);

}  // namespace ds::mot
