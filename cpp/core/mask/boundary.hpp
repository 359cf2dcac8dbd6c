#pragma once
// Boundary IoU's boundaries (Cheng et al., CVPR 2021), as the authors' boundary-iou-api
// mask_to_boundary makes them and faster-coco-eval 1.8.0 reproduces them: the mask minus its
// erosion by a (2d+1) x (2d+1) square, pixels outside the image counting as background (the
// authors pad the mask with one zero pixel and erode d times by 3 x 3 with cv2.erode, which is
// the same thing), d = dilation(h, w, ratio). No OpenCV: the erosion is separable and is done
// only inside the mask's bounding box, where every pixel of the result lies.
#include <cstdint>

#include "core/mask/rle.hpp"

namespace ds::mask {

// The erosion radius in pixels for an h x w mask: ratio * the image diagonal, rounded as
// faster-coco-eval rounds it (std::round(x - 1e-10): an exact .5 rounds down, where the
// authors' Python round() rounds it to even), and at least 1.
int boundary_dilation(std::uint32_t h, std::uint32_t w, double ratio);

// The mask eroded by a (2 * radius + 1) square, outside the image = 0. radius >= 0.
Rle erode(const Rle& rle, int radius);

// The boundary of width `dilation`: the mask minus erode(mask, dilation).
Rle boundary(const Rle& rle, int dilation);

// boundary(rle, boundary_dilation(rle.h, rle.w, ratio)).
Rle boundary_of(const Rle& rle, double ratio);

}  // namespace ds::mask
