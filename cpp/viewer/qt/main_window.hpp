#pragma once
#include <QMainWindow>

#include <memory>
#include <optional>

#include <opencv2/core.hpp>

#include "viewer/browse.hpp"
#include "viewer/model_worker.hpp"
#include "viewer/qt/qt_viewer.hpp"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QSlider;
class QTableView;

namespace ds::viewer::qt {

class ImageFilterProxy;
class ImageListModel;
class PictureView;

// What a key does (the highgui window's keys, and the desktop viewer's own).
enum class Key {
  kNone, kNext, kPrevious, kNextError, kPreviousError, kToggleTruth, kToggleDetections, kToggleCrowd,
  kToggleMasks, kThresholdDown, kThresholdUp, kNextModel, kReloadModel, kScreenshot, kHelp, kQuit, kFit, kOneToOne,
  kZoomIn, kZoomOut, kToggleOverlay,
};
Key key_for(int qt_key, const QString& text);

class MainWindow final : public QMainWindow {
 public:
  MainWindow(Session& session, const QtViewerOptions& options);
  ~MainWindow() override;

  // What the keys and panels act on; public for the Qt tests.
  void act(Key key);
  std::size_t current_image() const { return current_; }
  const ShowOptions& show_options() const { return show_; }
  const ViewState& view_state() const { return state_; }
  SubsetMetrics metrics() const { return metrics_; }
  PictureView* picture() const { return view_a_; }
  QTableView* table() const { return table_; }
  void set_classes(const std::optional<std::set<std::int64_t>>& classes);
  void set_outcome_filter(OutcomeFilter f);
  void set_iou(double iou);
  void set_score(double score);
  QString box_info() const;
  std::size_t worker_runs() const { return worker_ ? worker_->runs() : 0; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  struct Side;
  void build_menus();
  QWidget* build_panel();
  void go_to(std::size_t image);
  void step(int direction);
  void step_error(int direction);
  void redraw(bool log = true);
  // Side's boxes for a source; false while its model has not run on the image yet.
  bool compute_side(Side& side, std::size_t source, bool& pending, std::string& problem);
  void draw_side(Side& side, std::size_t source, bool& pending, std::string& problem, const Side* overlay);
  void refresh_rows();
  // The panel's options for image i (mask IoU needs the image's size).
  ShowOptions options_for(std::size_t i) const;
  void refresh_metrics();
  void prefetch();
  void on_ready(std::size_t source, std::size_t image);
  void select_source(std::size_t k);
  void set_compare(std::optional<std::size_t> k);
  void clicked(Side& side, double x, double y);
  void log_view();
  void log_layout();
  void sync_controls();
  void open_file(const QString& kind, const QString& path);
  void remember(const QString& kind, const QString& path);
  void rebuild_recent();

  Session& session_;
  QtViewerOptions options_;
  SessionLocks locks_;
  ViewState state_;
  ShowOptions show_;
  std::size_t current_ = 0;
  std::size_t source_a_ = 0;
  std::optional<std::size_t> source_b_;
  bool overlay_ = false;  // the second model drawn over the first, in one picture
  bool pending_log_ = false;  // the current frame waits for its detections: log when they come
  SubsetMetrics metrics_;
  std::string last_metrics_;

  std::unique_ptr<Side> a_, b_;
  PictureView* view_a_ = nullptr;
  PictureView* view_b_ = nullptr;
  QTableView* table_ = nullptr;
  ImageListModel* list_ = nullptr;
  ImageFilterProxy* proxy_ = nullptr;
  QLineEdit* search_ = nullptr;
  QComboBox* outcome_ = nullptr;
  QListWidget* classes_ = nullptr;
  QSlider* score_ = nullptr;
  QLabel* score_label_ = nullptr;
  QDoubleSpinBox* iou_ = nullptr;
  QCheckBox* truth_box_ = nullptr;
  QCheckBox* detections_box_ = nullptr;
  QCheckBox* crowd_box_ = nullptr;
  QCheckBox* masks_box_ = nullptr;
  QComboBox* model_a_ = nullptr;
  QComboBox* model_b_ = nullptr;
  QCheckBox* overlay_box_ = nullptr;
  QLabel* metrics_label_ = nullptr;
  QLabel* info_ = nullptr;
  QLabel* status_ = nullptr;
  QMenu* recent_ = nullptr;
  bool syncing_ = false;         // controls being set from the state: their signals are ours
  bool rows_scheduled_ = false;  // a refresh of the list is already on its way
  bool columns_sized_ = false;

  // Last: its thread stops before anything above goes.
  std::unique_ptr<ModelWorker> worker_;
};

}  // namespace ds::viewer::qt
