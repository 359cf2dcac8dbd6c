#pragma once
// MOT Challenge ground truth (MOT16/17/20 layout), one sequence:
//   format: mot
//   sequence: MOT17-02        # folder with seqinfo.ini and gt/gt.txt
//   video: MOT17-02.mp4       # optional: the frames are this video file, not <imDir>/000001<imExt>
//   classes: ...              # optional: a list (ids 1..N) or id: name; default MOT17/20 numbering
//   zero_conf: crowd          # or skip: what a gt line with conf 0 ("not considered") becomes
// gt.txt lines: frame,id,bb_left,bb_top,w,h,conf,class,visibility (frame 1-based; the last three
// optional), or MOT15's ten values frame,id,bb_left,bb_top,w,h,conf,x,y,z (class 1, world x,y,z ignored).
// Conventions (README "Dataset formats"):
// - bb_left/bb_top are 1-based pixel coordinates (the top-left pixel is 1,1, as the MOT devkits'
//   images are indexed): x = bb_left - 1, y = bb_top - 1, so boxes line up with a detector's,
//   which count from 0; width/height are extents, unchanged.
// - conf 0 lines become crowd (ignore) regions: a detection on them is neither right nor wrong,
//   as the devkits treat them; `zero_conf: skip` leaves them out instead. Crowd is written as 0.
// - image ids are frame numbers (1-based); the id column is Annotation::track_id; the class
//   column is the category id; visibility is not kept (written as -1, unknown).
// seqinfo.ini must give seqLength, imWidth and imHeight (a video's frames cannot be sized here).
#include "formats/format.hpp"

namespace ds::mot {

class MotFormat final : public DatasetFormat {
 public:
  std::string_view name() const override { return "mot"; }
  std::string_view summary() const override {
    return "MOT Challenge ground truth, one sequence (sequence: DIR with seqinfo.ini and gt/gt.txt [video: FILE])";
  }
  FormatKeeps keeps() const override { return {true, false, false, false, true, true, true}; }
  Dataset read(const ConfigNode& spec, const ReadOptions& options) const override;
  void write(const Dataset& dataset, const std::filesystem::path& dir,
             const WriteOptions& options) const override;
};

}  // namespace ds::mot
