#pragma once
// The picture: zoom with the wheel (about the mouse), pan by dragging, fit and 1:1, and a click
// reported in image pixels. Two views can be kept in step (side by side).
#include <QGraphicsView>

#include <functional>
#include <optional>

class QGraphicsPixmapItem;
class QGraphicsRectItem;

namespace ds::viewer::qt {

class PictureView final : public QGraphicsView {
 public:
  explicit PictureView(QWidget* parent);

  // `scale`: canvas pixels per image pixel (draw_picture's scale). Keeps the zoom and position
  // when the picture keeps its size (the next image of a dataset), fits otherwise.
  void set_picture(const QImage& picture, double scale);
  void fit();
  void one_to_one();
  void zoom_by(double factor);
  // Screen pixels per image pixel.
  double zoom() const;
  bool fitted() const { return fitted_; }
  // Where image pixel (0, 0) is, in the coordinates of the top-level window.
  QPoint origin_in_window() const;
  // Outlines a box (image pixels) to show which one was clicked; none: clear.
  void highlight(std::optional<QRectF> box);

  // Takes the zoom and the visible centre of another view (side by side).
  void follow(const PictureView& other);

  std::function<void(double x, double y)> on_click;  // image pixels
  std::function<void()> on_view_changed;             // zoom or pan

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;

 private:
  void changed();

  QGraphicsPixmapItem* pixmap_ = nullptr;  // owned by the scene
  QGraphicsRectItem* highlight_ = nullptr;
  double scale_ = 1;
  bool fitted_ = true;
  bool following_ = false;  // set while taking another view's position: do not echo it back
  QPoint press_;
};

}  // namespace ds::viewer::qt
