#pragma once
// TrackEval's MotChallenge2DBox.get_preprocessed_seq_data, kept apart from the metrics: per frame,
// tracker boxes matched (Hungarian on IoU >= 0.5) to a distractor ground truth are removed; the
// ground truth keeps only the evaluated class, less its zero-marked lines; ids are relabelled to
// 0..n-1 in ascending order over the sequence. Without `remove_distractors` (TrackEval's MOT15, and
// our datasets that have no pedestrian class) only zero-marked lines go.
#include "core/eval/tracking/sequence.hpp"

namespace ds::tracking {

struct Preprocessing {
  bool remove_distractors = true;
};

// Throws ds::Error when an id repeats within a frame (ground truth or tracker), naming the
// sequence, frame (1-based) and id, as TrackEval refuses it.
SequenceData preprocess(const RawSequence& raw, const Preprocessing& options);

}  // namespace ds::tracking
