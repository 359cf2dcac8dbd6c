#include "viewer/qt/main_window.hpp"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QProcess>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/util/error.hpp"
#include "pipeline/ground_truth.hpp"
#include "vision/draw.hpp"
#include "viewer/qt/image_list.hpp"
#include "viewer/qt/picture_view.hpp"

namespace fs = std::filesystem;

namespace ds::viewer::qt {
namespace {

constexpr const char* kTitle = "Detection Studio";
constexpr int kRecentMax = 8;

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string maybe(const std::optional<double>& v) { return v ? fixed(*v, 3) : "-"; }

// Two decimals, so 0.05 steps add up to the numbers shown (as the highgui window).
double stepped(double threshold, double delta) {
  return std::clamp(std::round((threshold + delta) * 100) / 100, 0.0, 1.0);
}

QImage to_qimage(const cv::Mat& bgr) {
  return QImage(bgr.data, bgr.cols, bgr.rows, static_cast<int>(bgr.step), QImage::Format_BGR888).copy();
}

bool typing(QWidget* w) { return qobject_cast<QLineEdit*>(w) || qobject_cast<QAbstractSpinBox*>(w); }

}  // namespace

Key key_for(int qt_key, const QString& text) {
  switch (qt_key) {
    case Qt::Key_Right: return Key::kNext;
    case Qt::Key_Left: return Key::kPrevious;
    case Qt::Key_Escape: return Key::kQuit;
    case Qt::Key_Space: return Key::kNext;
    default: break;
  }
  if (text.size() != 1) return Key::kNone;
  switch (text.at(0).unicode()) {
    case 'n': return Key::kNext;
    case 'p': return Key::kPrevious;
    case 'e': return Key::kNextError;
    case 'E': return Key::kPreviousError;
    case 'g': return Key::kToggleTruth;
    case 'd': return Key::kToggleDetections;
    case 'c': return Key::kToggleCrowd;
    case 'k': return Key::kToggleMasks;
    case '[': return Key::kThresholdDown;
    case ']': return Key::kThresholdUp;
    case 'm': return Key::kNextModel;
    case 'r': return Key::kReloadModel;
    case 's': return Key::kScreenshot;
    case 'h': case '?': return Key::kHelp;
    case 'q': return Key::kQuit;
    case 'o': return Key::kToggleOverlay;
    case 'f': return Key::kFit;
    case '1': return Key::kOneToOne;
    case '+': case '=': return Key::kZoomIn;
    case '-': return Key::kZoomOut;
    default: return Key::kNone;
  }
}

// One picture and what is drawn on it.
struct MainWindow::Side {
  PictureView* view = nullptr;
  Shown shown;
  cv::Mat canvas;  // what `s` saves
  std::optional<double> inference_ms;
  std::optional<Picked> picked;
  bool known = false;
  std::size_t trails = 0;  // trails drawn (a video dataset's tracks)
};

MainWindow::MainWindow(Session& session, const QtViewerOptions& options)
    : session_(session), options_(options), state_(options.state), a_(std::make_unique<Side>()),
      b_(std::make_unique<Side>()) {
  show_.score_threshold = state_.score_threshold;
  source_a_ = session_.current_model();
  setWindowTitle(kTitle);

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  view_a_ = new PictureView(splitter);
  view_b_ = new PictureView(splitter);
  view_b_->hide();
  a_->view = view_a_;
  b_->view = view_b_;
  splitter->addWidget(view_a_);
  splitter->addWidget(view_b_);
  setCentralWidget(splitter);
  view_a_->on_click = [this](double x, double y) { clicked(*a_, x, y); };
  view_b_->on_click = [this](double x, double y) { clicked(*b_, x, y); };
  // Side by side, zoom and pan are kept in step, whichever picture is moved.
  view_a_->on_view_changed = [this] {
    if (view_b_->isVisible()) view_b_->follow(*view_a_);
    log_view();
  };
  view_b_->on_view_changed = [this] {
    view_a_->follow(*view_b_);
    log_view();
  };

  // The image list.
  auto* list_panel = new QWidget(this);
  auto* list_layout = new QVBoxLayout(list_panel);
  search_ = new QLineEdit(list_panel);
  search_->setPlaceholderText("file or class name");
  search_->setClearButtonEnabled(true);
  outcome_ = new QComboBox(list_panel);
  outcome_->addItems({"all images", "with errors (FP or FN)", "with false positives", "with missed objects",
                      "without errors", "likely label errors"});
  list_ = new ImageListModel([this](std::int64_t id) { return session_.ground_truth().category_name(id); }, this);
  proxy_ = new ImageFilterProxy(this);
  proxy_->setSourceModel(list_);
  table_ = new QTableView(list_panel);
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(ImageListModel::kIndex, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(20);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  list_layout->addWidget(search_);
  list_layout->addWidget(outcome_);
  list_layout->addWidget(table_);
  auto* list_dock = new QDockWidget("Images", this);
  list_dock->setObjectName("images");
  list_dock->setFeatures(QDockWidget::NoDockWidgetFeatures);
  list_dock->setWidget(list_panel);
  addDockWidget(Qt::LeftDockWidgetArea, list_dock);
  list_panel->setMinimumWidth(430);

  auto* panel_dock = new QDockWidget("Show", this);
  panel_dock->setObjectName("show");
  panel_dock->setFeatures(QDockWidget::NoDockWidgetFeatures);
  panel_dock->setWidget(build_panel());
  addDockWidget(Qt::RightDockWidgetArea, panel_dock);

  status_ = new QLabel(this);
  statusBar()->addWidget(status_, 1);
  build_menus();

  connect(search_, &QLineEdit::textChanged, this, [this](const QString& t) {
    ListFilter f = proxy_->filter();
    f.text = t.toStdString();
    proxy_->set_filter(f);
    refresh_metrics();
  });
  connect(outcome_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int i) { set_outcome_filter(static_cast<OutcomeFilter>(i)); });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& now, const QModelIndex&) {
            if (syncing_ || !now.isValid()) return;
            const QModelIndex source = proxy_->mapToSource(now);
            go_to(list_->rows()[static_cast<std::size_t>(source.row())].index);
          });
  connect(proxy_, &QAbstractItemModel::layoutChanged, this, [this] { refresh_metrics(); });

  // Saved detections cost nothing to read: all at once, so the list is complete from the start.
  if (session_.saved())
    for (std::size_t i = 0; i < session_.size(); ++i) session_.detections(i);
  qApp->installEventFilter(this);
  worker_ = std::make_unique<ModelWorker>(session_, locks_, [this](std::size_t k, std::size_t i) {
    QMetaObject::invokeMethod(this, [this, k, i] { on_ready(k, i); }, Qt::QueuedConnection);
  });
  remember("run config", QString::fromStdString(fs::absolute(options_.session.config).string()));
  if (options_.session.results)
    remember("results", QString::fromStdString(fs::absolute(*options_.session.results).string()));

  // --skip-bad: start at the first image that decodes.
  std::string why;
  for (std::size_t k = 0; k < session_.size() && session_.skip_bad() && !session_.readable(current_, why); ++k) {
    std::cout << "view: skipped " << why << std::endl;
    current_ = (current_ + 1) % session_.size();
  }
  resize(1400, 860);
  refresh_rows();
  sync_controls();
  redraw();
  // Where the controls are, for scripts that drive the window with a mouse (the tests do).
  if (qEnvironmentVariableIsSet("DETECTION_STUDIO_VIEW_LAYOUT")) QTimer::singleShot(300, this, [this] { log_layout(); });
}

void MainWindow::log_layout() {
  const auto put = [this](const std::string& name, QWidget* w, QRect r) {
    const QPoint p = w->mapTo(this, r.topLeft());
    std::cout << "view: widget " << name << " " << p.x() << "," << p.y() << "," << r.width() << "," << r.height()
              << std::endl;
  };
  const auto whole = [&](const std::string& name, QWidget* w) { put(name, w, w->rect()); };
  whole("table", table_);
  whole("search", search_);
  whole("outcome", outcome_);
  whole("score", score_);
  whole("iou", iou_);
  whole("truth", truth_box_);
  whole("detections", detections_box_);
  whole("crowd", crowd_box_);
  whole("model", model_a_);
  whole("compare", model_b_);
  whole("overlay", overlay_box_);
  whole("picture", view_a_->viewport());
  if (view_b_->isVisible()) whole("picture2", view_b_->viewport());
  for (int r = 0; r < classes_->count(); ++r)
    put("class:" + classes_->item(r)->text().toStdString(), classes_->viewport(), classes_->visualItemRect(classes_->item(r)));
}

MainWindow::~MainWindow() {
  qApp->removeEventFilter(this);
  worker_.reset();  // joined before the window it reports to is gone
}

QWidget* MainWindow::build_panel() {
  auto* panel = new QWidget(this);
  auto* layout = new QVBoxLayout(panel);

  auto* sources = new QGroupBox("Detections", panel);
  auto* sources_form = new QFormLayout(sources);
  model_a_ = new QComboBox(sources);
  model_b_ = new QComboBox(sources);
  model_b_->addItem("(none)");
  for (std::size_t k = 0; k < session_.source_count(); ++k) {
    model_a_->addItem(QString::fromStdString(session_.source_name(k)));
    model_b_->addItem(QString::fromStdString(session_.source_name(k)));
  }
  model_a_->setEnabled(session_.source_count() > 1);
  model_b_->setEnabled(session_.source_count() > 1);
  sources_form->addRow("model", model_a_);
  sources_form->addRow("second model", model_b_);
  overlay_box_ = new QCheckBox("overlaid, not side by side (o)", sources);
  overlay_box_->setEnabled(session_.source_count() > 1);
  sources_form->addRow(overlay_box_);
  connect(overlay_box_, &QCheckBox::toggled, this, [this](bool on) {
    if (!syncing_ && on != overlay_) act(Key::kToggleOverlay);
  });
  layout->addWidget(sources);
  connect(model_a_, qOverload<int>(&QComboBox::activated), this,
          [this](int i) { select_source(static_cast<std::size_t>(i)); });
  connect(model_b_, qOverload<int>(&QComboBox::activated), this, [this](int i) {
    set_compare(i <= 0 ? std::nullopt : std::optional<std::size_t>(static_cast<std::size_t>(i - 1)));
  });

  auto* thresholds = new QGroupBox("Matching", panel);
  auto* form = new QFormLayout(thresholds);
  score_ = new QSlider(Qt::Horizontal, thresholds);
  score_->setRange(0, 100);
  score_label_ = new QLabel(thresholds);
  auto* score_row = new QWidget(thresholds);
  auto* score_layout = new QHBoxLayout(score_row);
  score_layout->setContentsMargins(0, 0, 0, 0);
  score_layout->addWidget(score_, 1);
  score_layout->addWidget(score_label_);
  form->addRow("score >=", score_row);
  iou_ = new QDoubleSpinBox(thresholds);
  iou_->setRange(0.05, 0.95);
  iou_->setSingleStep(0.05);
  iou_->setDecimals(2);
  iou_->setKeyboardTracking(false);  // typed values apply on Enter, not at each digit
  form->addRow("IoU >=", iou_);
  layout->addWidget(thresholds);
  connect(score_, &QSlider::valueChanged, this, [this](int v) {
    if (!syncing_) set_score(v / 100.0);
  });
  connect(iou_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this](double v) {
    if (!syncing_) set_iou(v);
  });

  auto* toggles = new QGroupBox("Draw", panel);
  auto* toggles_layout = new QVBoxLayout(toggles);
  truth_box_ = new QCheckBox("ground truth (g)", toggles);
  detections_box_ = new QCheckBox("detections (d)", toggles);
  crowd_box_ = new QCheckBox("crowd regions (c)", toggles);
  masks_box_ = new QCheckBox("masks (k)", toggles);
  toggles_layout->addWidget(truth_box_);
  toggles_layout->addWidget(detections_box_);
  toggles_layout->addWidget(crowd_box_);
  toggles_layout->addWidget(masks_box_);
  layout->addWidget(toggles);
  connect(truth_box_, &QCheckBox::toggled, this, [this](bool on) {
    if (!syncing_ && on != state_.show_truth) act(Key::kToggleTruth);
  });
  connect(detections_box_, &QCheckBox::toggled, this, [this](bool on) {
    if (!syncing_ && on != state_.show_detections) act(Key::kToggleDetections);
  });
  connect(crowd_box_, &QCheckBox::toggled, this, [this](bool on) {
    if (!syncing_ && on != show_.show_crowd) act(Key::kToggleCrowd);
  });
  connect(masks_box_, &QCheckBox::toggled, this, [this](bool on) {
    if (!syncing_ && on != state_.show_masks) act(Key::kToggleMasks);
  });

  auto* classes = new QGroupBox("Classes", panel);
  auto* classes_layout = new QVBoxLayout(classes);
  classes_ = new QListWidget(classes);
  for (const Category& c : session_.dataset().categories) {
    auto* item = new QListWidgetItem(QString::fromStdString(c.name), classes_);
    item->setData(Qt::UserRole, static_cast<qlonglong>(c.id));
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Checked);
  }
  classes_layout->addWidget(classes_);
  layout->addWidget(classes, 1);
  connect(classes_, &QListWidget::itemChanged, this, [this](QListWidgetItem*) {
    if (syncing_) return;
    std::set<std::int64_t> on;
    for (int r = 0; r < classes_->count(); ++r)
      if (classes_->item(r)->checkState() == Qt::Checked) on.insert(classes_->item(r)->data(Qt::UserRole).toLongLong());
    set_classes(static_cast<int>(on.size()) == classes_->count() ? std::nullopt : std::optional(on));
  });

  auto* metrics = new QGroupBox("Metrics of the images listed", panel);
  auto* metrics_layout = new QVBoxLayout(metrics);
  metrics_label_ = new QLabel(metrics);
  metrics_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  metrics_layout->addWidget(metrics_label_);
  layout->addWidget(metrics);

  auto* info = new QGroupBox("Box (click one)", panel);
  auto* info_layout = new QVBoxLayout(info);
  info_ = new QLabel("-", info);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  info_->setWordWrap(true);
  info_layout->addWidget(info_);
  layout->addWidget(info);
  panel->setMinimumWidth(260);
  return panel;
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu("&File");
  const auto open = [this](const QString& kind, const QString& filter) {
    const QString path = QFileDialog::getOpenFileName(this, "Open " + kind, QDir::currentPath(), filter);
    if (!path.isEmpty()) open_file(kind, path);
  };
  file->addAction("Open run &config...", this, [open] { open("run config", "YAML (*.yaml *.yml)"); });
  file->addAction("Open &dataset...", this, [open] { open("dataset", "Dataset config (*.yaml *.yml)"); });
  file->addAction("Open &results...", this, [open] { open("results", "COCO results (*.json)"); });
  recent_ = file->addMenu("Rece&nt");
  rebuild_recent();
  file->addSeparator();
  file->addAction("Save picture\ts", this, [this] { act(Key::kScreenshot); });
  file->addAction("Quit\tq", this, [this] { close(); });
  QMenu* view = menuBar()->addMenu("&View");
  view->addAction("Fit\tf", this, [this] { act(Key::kFit); });
  view->addAction("1:1\t1", this, [this] { act(Key::kOneToOne); });
  view->addAction("Zoom in\t+", this, [this] { act(Key::kZoomIn); });
  view->addAction("Zoom out\t-", this, [this] { act(Key::kZoomOut); });
  view->addAction("Key help\th", this, [this] { act(Key::kHelp); });
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  // Keys go to menus and dialogs while they are open (a menu's letters are its own).
  if (event->type() != QEvent::KeyPress || !isActiveWindow() || QApplication::activePopupWidget() ||
      QApplication::activeModalWidget())
    return QMainWindow::eventFilter(watched, event);
  auto* key = static_cast<QKeyEvent*>(event);
  if (typing(QApplication::focusWidget())) {
    if (key->key() != Qt::Key_Escape) return false;
    view_a_->setFocus();  // Esc leaves a text field first
    return true;
  }
  if (key->modifiers() & (Qt::ControlModifier | Qt::AltModifier)) return false;  // the menus'
  const Key k = key_for(key->key(), key->text());
  if (k == Key::kNone) return false;
  act(k);
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  worker_.reset();  // no model runs while the window goes
  event->accept();
}

void MainWindow::act(Key key) {
  switch (key) {
    case Key::kNext: step(1); break;
    case Key::kPrevious: step(-1); break;
    case Key::kNextError: step_error(1); break;
    case Key::kPreviousError: step_error(-1); break;
    case Key::kToggleTruth: state_.show_truth = !state_.show_truth; sync_controls(); redraw(); break;
    case Key::kToggleDetections:
      state_.show_detections = !state_.show_detections;
      sync_controls();
      redraw();
      break;
    case Key::kToggleCrowd:
      show_.show_crowd = !show_.show_crowd;
      sync_controls();
      refresh_rows();
      redraw();
      break;
    case Key::kToggleMasks: state_.show_masks = !state_.show_masks; sync_controls(); redraw(); break;
    case Key::kThresholdDown: set_score(stepped(state_.score_threshold, -0.05)); break;
    case Key::kThresholdUp: set_score(stepped(state_.score_threshold, 0.05)); break;
    case Key::kNextModel:
      if (session_.source_count() < 2) {
        std::cout << "view: only one detection source (give --model several times to switch)" << std::endl;
      } else {
        const std::size_t k = (source_a_ + 1) % session_.source_count();
        std::cout << "view: switching to model " << k + 1 << "/" << session_.source_count() << std::endl;
        select_source(k);
      }
      break;
    case Key::kReloadModel:
      if (session_.saved()) {
        std::cout << "view: no model to reload (detections come from a results file)" << std::endl;
      } else {
        {
          std::lock_guard models(locks_.models);
          const PythonLock gil;
          std::lock_guard state(locks_.state);
          session_.reload_model();
        }
        model_a_->setItemText(static_cast<int>(source_a_), QString::fromStdString(session_.source_name(source_a_)));
        model_b_->setItemText(static_cast<int>(source_a_) + 1, QString::fromStdString(session_.source_name(source_a_)));
        refresh_rows();
        redraw();
      }
      break;
    case Key::kScreenshot: {
      const fs::path stem = fs::path(session_.image(current_).file_name).stem();
      const fs::path path = session_.output_dir() /
                            ("view-" + stem.string() + "-" + file_safe(session_.source_name(source_a_)) + ".png");
      try {
        vision::write_image(path, a_->canvas);
        std::cout << "view: saved " << fs::absolute(path).lexically_normal().string() << std::endl;
      } catch (const Error& e) {
        std::cerr << "error: " << e.what() << "\n";  // the viewer stays open
      }
      break;
    }
    case Key::kHelp: state_.show_help = !state_.show_help; redraw(); break;
    case Key::kQuit: close(); break;
    case Key::kToggleOverlay:
      overlay_ = !overlay_;
      view_b_->setVisible(source_b_ && !overlay_);
      sync_controls();
      redraw();
      break;
    case Key::kFit: view_a_->fit(); break;
    case Key::kOneToOne: view_a_->one_to_one(); break;
    case Key::kZoomIn: view_a_->zoom_by(1.25); break;
    case Key::kZoomOut: view_a_->zoom_by(0.8); break;
    case Key::kNone: break;
  }
}

void MainWindow::set_score(double score) {
  state_.score_threshold = score;
  show_.score_threshold = score;
  sync_controls();
  refresh_rows();
  redraw();
}

void MainWindow::set_iou(double iou) {
  show_.iou_threshold = std::round(iou * 100) / 100;
  sync_controls();
  refresh_rows();
  redraw();
}

void MainWindow::set_classes(const std::optional<std::set<std::int64_t>>& classes) {
  show_.classes = classes;
  sync_controls();
  refresh_rows();
  redraw();
}

void MainWindow::set_outcome_filter(OutcomeFilter f) {
  ListFilter filter = proxy_->filter();
  filter.outcome = f;
  proxy_->set_filter(filter);
  sync_controls();
  refresh_metrics();
  prefetch();
}

QString MainWindow::box_info() const { return info_->text(); }

void MainWindow::sync_controls() {
  syncing_ = true;
  score_->setValue(static_cast<int>(std::lround(state_.score_threshold * 100)));
  score_label_->setText(QString::number(state_.score_threshold, 'f', 2));
  iou_->setValue(show_.iou_threshold);
  truth_box_->setChecked(state_.show_truth);
  detections_box_->setChecked(state_.show_detections);
  crowd_box_->setChecked(show_.show_crowd);
  masks_box_->setChecked(state_.show_masks);
  overlay_box_->setChecked(overlay_);
  outcome_->setCurrentIndex(static_cast<int>(proxy_->filter().outcome));
  for (int r = 0; r < classes_->count(); ++r) {
    const std::int64_t id = classes_->item(r)->data(Qt::UserRole).toLongLong();
    classes_->item(r)->setCheckState(!show_.classes || show_.classes->contains(id) ? Qt::Checked : Qt::Unchecked);
  }
  model_a_->setCurrentIndex(static_cast<int>(source_a_));
  model_b_->setCurrentIndex(source_b_ ? static_cast<int>(*source_b_) + 1 : 0);
  // The list shows the current image.
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    const QModelIndex source = proxy_->mapToSource(proxy_->index(r, 0));
    if (list_->rows()[static_cast<std::size_t>(source.row())].index == current_) {
      table_->selectionModel()->setCurrentIndex(proxy_->index(r, 0),
                                                QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
      table_->scrollTo(proxy_->index(r, 0));
      break;
    }
  }
  syncing_ = false;
}

void MainWindow::go_to(std::size_t image) {
  current_ = image;
  a_->picked.reset();
  b_->picked.reset();
  info_->setText("-");
  sync_controls();
  redraw();
}

void MainWindow::step(int direction) {
  // Through the list as it is sorted and filtered.
  const std::vector<std::size_t> order = proxy_->shown();
  if (order.empty()) {
    std::cout << "view: no image is listed (change the list's filter)" << std::endl;
    return;
  }
  const auto at = std::find(order.begin(), order.end(), current_);
  std::size_t pos = at == order.end() ? (direction > 0 ? order.size() - 1 : 0) : static_cast<std::size_t>(at - order.begin());
  const std::size_t n = order.size();
  std::string why;
  for (std::size_t tries = 0; tries < n; ++tries) {
    pos = direction > 0 ? (pos + 1) % n : (pos + n - 1) % n;
    if (!session_.skip_bad() || session_.readable(order[pos], why)) break;
    std::cout << "view: skipped " << why << std::endl;
  }
  go_to(order[pos]);
}

void MainWindow::step_error(int direction) {
  const std::vector<std::size_t> order = proxy_->shown();
  const auto at = std::find(order.begin(), order.end(), current_);
  const std::size_t n = order.size();
  const std::size_t pos = at == order.end() ? 0 : static_cast<std::size_t>(at - order.begin());
  for (std::size_t k = 1; k <= n; ++k) {
    const std::size_t j = order[direction > 0 ? (pos + k) % n : (pos + n * 2 - k) % n];
    if (j == current_) continue;
    const ImageRow& row = list_->rows()[j];
    if (row.known && row.fp + row.fn > 0) {
      go_to(j);
      return;
    }
  }
  std::cout << "view: no other image has a false positive or a missed object at score >= "
            << state_.score_threshold << std::endl;
}

bool MainWindow::compute_side(Side& side, std::size_t source, bool& pending, std::string& problem) {
  ImageDetections dets;
  bool known = false;
  {
    std::lock_guard state(locks_.state);
    if (const ImageDetections* c = session_.cached(current_, source)) dets = *c, known = true;
    if (problem.empty()) problem = session_.problem(source);
    if (!known && problem.empty() && session_.usable(source)) pending = true;
  }
  side.shown = shown_boxes(session_.truth(current_), dets.detections, options_for(current_));
  side.inference_ms = dets.inference_ms;
  side.known = known;
  return known;
}

void MainWindow::draw_side(Side& side, std::size_t source, bool& pending, std::string& problem, const Side* overlay) {
  cv::Mat image;
  try {
    image = session_.pixels(current_);
  } catch (const Error& e) {
    problem = e.what();
  }
  const bool known = compute_side(side, source, pending, problem);
  const Image& im = session_.image(current_);
  if (image.empty())
    image = cv::Mat(im.height > 0 ? im.height : 480, im.width > 0 ? im.width : 640, CV_8UC3, cv::Scalar(90, 90, 90));
  vision::FrameContent content;
  content.truth = side.shown.truth;
  content.detections = side.shown.detections;
  // Not run yet: the truth in its neutral style, not as "missed" by detections not there yet.
  content.match = known ? &side.shown.match : nullptr;
  content.category_name = [this](std::int64_t id) { return session_.ground_truth().category_name(id); };
  content.skeleton = [this](std::int64_t id) { return session_.ground_truth().skeleton(id); };
  content.show_truth = state_.show_truth;
  content.show_detections = state_.show_detections && known;
  content.show_masks = state_.show_masks;
  content.show_help = state_.show_help;
  if (overlay && overlay->known) {
    content.overlay = overlay->shown.detections;
    content.overlay_match = &overlay->shown.match;
    content.overlay_label = "B";
  }
  std::vector<vision::Trail> trails;  // a video dataset's tracks
  {
    std::lock_guard state(locks_.state);
    trails = session_.trails(current_, source, state_.score_threshold);
  }
  content.trails = trails;
  side.trails = trails.size();
  const double scale = vision::display_scale(image.cols, image.rows);
  side.canvas = vision::draw_picture(image, content, scale);
  side.view->set_picture(to_qimage(side.canvas), scale);
  const auto& p = side.picked;
  if (p && (p->detection ? p->index < side.shown.detections.size() : p->index < side.shown.truth.size())) {
    const Box& b = p->detection ? side.shown.detections[p->index].bbox : side.shown.truth[p->index].bbox;
    side.view->highlight(QRectF(b.x, b.y, b.w, b.h));
  } else {
    side.view->highlight(std::nullopt);
  }
}

void MainWindow::redraw(bool log) {
  bool pending = false;
  std::string problem;
  bool pending_b = false;
  std::string problem_b;
  if (source_b_ && overlay_) {
    compute_side(*b_, *source_b_, pending_b, problem_b);
    draw_side(*a_, source_a_, pending, problem, b_.get());
  } else {
    draw_side(*a_, source_a_, pending, problem, nullptr);
    if (source_b_) {
      draw_side(*b_, *source_b_, pending_b, problem_b, nullptr);
      view_b_->follow(*view_a_);
    }
  }
  prefetch();

  const Image& im = session_.image(current_);
  const std::string source = session_.source_name(source_a_);
  setWindowTitle(QString::fromStdString(std::string(kTitle) + " - " + im.file_name + " - " + source));
  const ImageMatch& m = a_->shown.match;
  std::string status = std::to_string(current_ + 1) + "/" + std::to_string(session_.size()) + "   " + im.file_name +
                       "   " + source;
  if (a_->inference_ms) status += " (" + fixed(*a_->inference_ms, 1) + " ms)";
  status += "   score >= " + fixed(state_.score_threshold, 2) + "   " + pipeline::overlap_label(session_.overlap()) + " " +
            fixed(show_.iou_threshold, 2);
  if (!problem.empty()) {
    status += "   " + problem;
  } else if (pending) {
    status += "   running the model on this image...";
  } else {
    status += "   TP " + std::to_string(m.true_positives) + "  FP " + std::to_string(m.false_positives) + "  FN " +
              std::to_string(m.missed);
  }
  if (source_b_ && b_->known) {
    const ImageMatch& mb = b_->shown.match;
    status += "   |   " + session_.source_name(*source_b_) + (overlay_ ? " (B, overlaid)" : "") + ": TP " +
              std::to_string(mb.true_positives) + "  FP " + std::to_string(mb.false_positives) + "  FN " +
              std::to_string(mb.missed);
  }
  status_->setText(QString::fromStdString(status));

  // Logged once the frame is complete: a frame still waiting for the model is logged when it comes.
  pending_log_ = pending || pending_b;
  if (!log || pending_log_) return;
  const auto on = [](bool b) { return b ? "on" : "off"; };
  std::cout << "view: image " << current_ + 1 << "/" << session_.size() << " " << im.file_name << " model=" << source
            << " threshold=" << fixed(state_.score_threshold, 2) << " tp=" << m.true_positives
            << " fp=" << m.false_positives << " fn=" << m.missed << " truth=" << on(state_.show_truth)
            << " detections=" << on(state_.show_detections) << " masks=" << on(state_.show_masks)
            << " help=" << on(state_.show_help)
            << " infer_ms=" << (a_->inference_ms ? fixed(*a_->inference_ms, 1) : "-")
            << " status=" << (problem.empty() ? "ok" : "error") << " iou=" << fixed(show_.iou_threshold, 2)
            << " crowd=" << on(show_.show_crowd) << " listed=" << proxy_->rowCount() << "/" << session_.size()
            << " compare=" << (source_b_ ? session_.source_name(*source_b_) : "-")
            << " overlay=" << on(overlay_) << " trails=" << a_->trails << std::endl;
}

void MainWindow::refresh_rows() {
  rows_scheduled_ = false;
  std::vector<ImageRow> rows;
  rows.reserve(session_.size());
  {
    std::lock_guard state(locks_.state);
    for (std::size_t i = 0; i < session_.size(); ++i) {
      const ImageDetections* c = session_.cached(i, source_a_);
      const Shown s = shown_boxes(session_.truth(i), c ? std::span<const Detection>(c->detections)
                                                       : std::span<const Detection>(), options_for(i));
      rows.push_back(image_row(i, session_.image(i).file_name, s, c != nullptr));
      if (c) rows.back().label_errors = label_error_count(session_.truth(i), c->detections, options_for(i));
    }
  }
  syncing_ = true;  // a re-sort moves the current row: that is not the user choosing an image
  list_->set_rows(std::move(rows));
  syncing_ = false;
  proxy_->invalidate();
  // Once: measuring every row again each time the model thread reports would cost on big datasets.
  if (!columns_sized_) table_->resizeColumnsToContents();
  columns_sized_ = true;
  sync_controls();
  refresh_metrics();
}

ShowOptions MainWindow::options_for(std::size_t i) const {
  ShowOptions o = show_;
  const MatchOptions how = pipeline::frame_match(session_.image(i), o.score_threshold, session_.overlap());
  o.masks = how.masks;
  o.oks_vars = how.oks_vars;
  return o;
}

void MainWindow::refresh_metrics() {
  std::vector<const ImageRow*> shown;
  for (const std::size_t i : proxy_->shown()) shown.push_back(&list_->rows()[i]);
  metrics_ = subset_metrics(shown);
  const SubsetMetrics& m = metrics_;
  std::string text = std::to_string(m.images) + " of " + std::to_string(session_.size()) + " images";
  if (m.pending > 0) text += " (" + std::to_string(m.pending) + " not run yet)";
  text += "\nTP " + std::to_string(m.tp) + "   FP " + std::to_string(m.fp) + "   FN " + std::to_string(m.fn) +
          "\nprecision " + maybe(m.precision) + "   recall " + maybe(m.recall) + "\nF1 " + maybe(m.f1) +
          "   (IoU " + fixed(show_.iou_threshold, 2) + ", score >= " + fixed(state_.score_threshold, 2) + ")";
  metrics_label_->setText(QString::fromStdString(text));
  const std::string line = "view: metrics images=" + std::to_string(m.images) + " pending=" + std::to_string(m.pending) +
                           " tp=" + std::to_string(m.tp) + " fp=" + std::to_string(m.fp) + " fn=" + std::to_string(m.fn) +
                           " precision=" + maybe(m.precision) + " recall=" + maybe(m.recall) + " f1=" + maybe(m.f1);
  if (line != last_metrics_) std::cout << line << std::endl;
  last_metrics_ = line;
}

void MainWindow::prefetch() {
  if (!worker_ || session_.saved()) return;
  // The current image first (for both pictures), then the images after it in the list's order.
  std::vector<std::size_t> order = proxy_->shown();
  const auto at = std::find(order.begin(), order.end(), current_);
  if (at != order.end()) std::rotate(order.begin(), at, order.end());
  if (order.empty() || order.front() != current_) order.insert(order.begin(), current_);
  std::vector<std::pair<std::size_t, std::size_t>> jobs;
  for (const std::size_t i : order) {
    jobs.emplace_back(source_a_, i);
    if (source_b_) jobs.emplace_back(*source_b_, i);
  }
  worker_->want(std::move(jobs));
}

void MainWindow::on_ready(std::size_t source, std::size_t image) {
  if (image == current_ && (source == source_a_ || source == source_b_)) redraw(pending_log_);
  // Rows in batches: a model on small images finishes many per second.
  if (source == source_a_ && !rows_scheduled_) {
    rows_scheduled_ = true;
    QTimer::singleShot(200, this, [this] { refresh_rows(); });
  }
}

void MainWindow::select_source(std::size_t k) {
  if (k >= session_.source_count()) return;
  {
    // Loading a model the first time takes seconds; the worker waits (it cannot use a model
    // being loaded).
    std::lock_guard models(locks_.models);
    const PythonLock gil;
    std::lock_guard state(locks_.state);
    session_.select_model(k);
  }
  source_a_ = k;
  model_a_->setItemText(static_cast<int>(k), QString::fromStdString(session_.source_name(k)));
  refresh_rows();
  redraw();
}

void MainWindow::set_compare(std::optional<std::size_t> k) {
  if (k && *k < session_.source_count()) {
    {
      std::lock_guard models(locks_.models);
      const PythonLock gil;
      std::lock_guard state(locks_.state);
      const std::size_t keep = session_.current_model();
      session_.select_model(*k);  // loads it
      session_.select_model(keep);
    }
    source_b_ = k;
    view_b_->setVisible(!overlay_);
    auto* splitter = static_cast<QSplitter*>(centralWidget());
    const int half = splitter->width() / 2;
    splitter->setSizes({half, half});
    if (qEnvironmentVariableIsSet("DETECTION_STUDIO_VIEW_LAYOUT")) QTimer::singleShot(300, this, [this] { log_layout(); });
  } else {
    source_b_.reset();
    view_b_->hide();
  }
  sync_controls();
  redraw();
}

void MainWindow::clicked(Side& side, double x, double y) {
  side.picked = pick_box(side.shown, x, y, state_.show_truth, state_.show_detections);
  if (!side.picked) {
    info_->setText("no box here");
    side.view->highlight(std::nullopt);
    std::cout << "view: box none" << std::endl;
    return;
  }
  const std::string text =
      describe_box(side.shown, *side.picked, [this](std::int64_t id) { return session_.ground_truth().category_name(id); });
  info_->setText(QString::fromStdString(text));
  const Box& b = side.picked->detection ? side.shown.detections[side.picked->index].bbox
                                        : side.shown.truth[side.picked->index].bbox;
  side.view->highlight(QRectF(b.x, b.y, b.w, b.h));
  std::string one_line = text;
  std::replace(one_line.begin(), one_line.end(), '\n', ';');
  std::cout << "view: box " << one_line << std::endl;
}

void MainWindow::log_view() {
  const QPoint o = view_a_->origin_in_window();
  std::cout << "view: zoom=" << fixed(view_a_->zoom(), 3) << " origin=" << o.x() << "," << o.y()
            << " fit=" << (view_a_->fitted() ? "on" : "off") << std::endl;
}

void MainWindow::open_file(const QString& kind, const QString& path) {
  // A fresh process opens it: one interpreter per process, and a run config may need other models.
  QStringList args{"view"};
  const SessionOptions& o = options_.session;
  const auto as_q = [](const fs::path& p) { return QString::fromStdString(fs::absolute(p).string()); };
  if (kind == "run config") {
    args << path;
  } else {
    QString config = as_q(o.config);
    if (kind == "dataset") {
      // A run config of our own naming the dataset, the detection source staying as it is.
      const QString run = QDir::temp().filePath("detection-studio-view-" + QFileInfo(path).completeBaseName() + ".yaml");
      QFile f(run);
      if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::cerr << "error: " << run.toStdString() << ": cannot write\n";
        return;
      }
      f.write(("dataset: " + path + "\noutput: " + as_q(session_.output_dir()) + "\n").toUtf8());
      f.close();
      config = run;
    }
    args << config;
    if (kind == "results") {
      args << "--results" << path;
    } else if (o.results) {
      args << "--results" << as_q(*o.results);
    }
    if (kind != "results" && !o.results)
      for (const fs::path& m : o.models) args << "--model" << as_q(m);
    if (kind == "dataset" && !o.results && o.models.empty()) {
      std::cerr << "error: " << path.toStdString() << ": give the viewer --model or --results to open a dataset\n";
      return;
    }
  }
  args << "--score-threshold" << QString::number(state_.score_threshold, 'f', 2);
  remember(kind, path);
  std::cout << "view: opening " << kind.toStdString() << " " << path.toStdString() << std::endl;
  if (!QProcess::startDetached(QCoreApplication::applicationFilePath(), args)) {
    std::cerr << "error: cannot start " << QCoreApplication::applicationFilePath().toStdString() << "\n";
    return;
  }
  close();
}

void MainWindow::remember(const QString& kind, const QString& path) {
  QSettings settings("detection-studio", "viewer");
  QStringList recent = settings.value("recent").toStringList();
  const QString entry = kind + "\t" + path;
  recent.removeAll(entry);
  recent.prepend(entry);
  while (recent.size() > kRecentMax) recent.removeLast();
  settings.setValue("recent", recent);
  rebuild_recent();
}

void MainWindow::rebuild_recent() {
  if (!recent_) return;
  recent_->clear();
  const QStringList recent = QSettings("detection-studio", "viewer").value("recent").toStringList();
  for (const QString& entry : recent) {
    const QStringList parts = entry.split('\t');
    if (parts.size() != 2) continue;
    recent_->addAction(parts[0] + ": " + parts[1], this, [this, parts] { open_file(parts[0], parts[1]); });
  }
  recent_->setEnabled(!recent.isEmpty());
}

}  // namespace ds::viewer::qt
