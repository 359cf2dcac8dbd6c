#include "viewer/qt/picture_view.hpp"

#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace ds::viewer::qt {

PictureView::PictureView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  pixmap_ = scene()->addPixmap({});
  // Nearest neighbour: zoomed in, a pixel stays a square and a box's colour stays exact.
  pixmap_->setTransformationMode(Qt::FastTransformation);
  highlight_ = scene()->addRect({}, QPen(Qt::white, 0, Qt::SolidLine));
  highlight_->setVisible(false);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setBackgroundBrush(QColor(40, 40, 40));
  setFrameShape(QFrame::NoFrame);
  setMinimumSize(200, 150);
}

void PictureView::set_picture(const QImage& picture, double scale) {
  const bool same_size = !pixmap_->pixmap().isNull() && pixmap_->pixmap().size() == picture.size() && scale == scale_;
  pixmap_->setPixmap(QPixmap::fromImage(picture));
  scale_ = scale;
  scene()->setSceneRect(QRectF(QPointF(0, 0), QSizeF(picture.size())));
  if (!same_size || fitted_) fit();
}

void PictureView::fit() {
  fitted_ = true;
  fitInView(pixmap_, Qt::KeepAspectRatio);
  changed();
}

void PictureView::one_to_one() {
  fitted_ = false;
  const QPointF centre = mapToScene(viewport()->rect().center());
  setTransform(QTransform::fromScale(1 / scale_, 1 / scale_));
  centerOn(centre);
  changed();
}

void PictureView::zoom_by(double factor) {
  const double z = zoom() * factor;
  if (z < 0.02 || z > 64) return;  // beyond these there is nothing left to see
  fitted_ = false;
  scale(factor, factor);
  changed();
}

double PictureView::zoom() const { return transform().m11() * scale_; }

QPoint PictureView::origin_in_window() const {
  return viewport()->mapTo(window(), mapFromScene(QPointF(0, 0)));
}

void PictureView::highlight(std::optional<QRectF> box) {
  highlight_->setVisible(box.has_value());
  if (box) {
    const QRectF r(box->x() * scale_, box->y() * scale_, box->width() * scale_, box->height() * scale_);
    highlight_->setRect(r.adjusted(-3, -3, 3, 3));
  }
}

void PictureView::follow(const PictureView& other) {
  following_ = true;
  setTransform(other.transform());
  fitted_ = other.fitted_;
  horizontalScrollBar()->setValue(other.horizontalScrollBar()->value());
  verticalScrollBar()->setValue(other.verticalScrollBar()->value());
  following_ = false;
}

void PictureView::wheelEvent(QWheelEvent* event) {
  const int steps = event->angleDelta().y() / 120;
  if (steps == 0) return;
  zoom_by(std::pow(1.25, steps));
  event->accept();
}

void PictureView::mousePressEvent(QMouseEvent* event) {
  press_ = event->pos();
  QGraphicsView::mousePressEvent(event);
}

void PictureView::mouseReleaseEvent(QMouseEvent* event) {
  QGraphicsView::mouseReleaseEvent(event);
  // A click, not the end of a drag.
  if (event->button() == Qt::LeftButton && (event->pos() - press_).manhattanLength() <= 3 && on_click) {
    const QPointF p = mapToScene(event->pos());
    on_click(p.x() / scale_, p.y() / scale_);
  }
}

void PictureView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (fitted_) fit();
}

void PictureView::scrollContentsBy(int dx, int dy) {
  QGraphicsView::scrollContentsBy(dx, dy);
  changed();
}

void PictureView::changed() {
  if (!following_ && on_view_changed) on_view_changed();
}

}  // namespace ds::viewer::qt
