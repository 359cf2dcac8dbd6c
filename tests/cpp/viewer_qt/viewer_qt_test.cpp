// The desktop viewer's widgets (Qt Test, offscreen): keys, list filter and sort, the metrics of
// the listed images, IoU and class panels, zoom and 1:1, and clicking a box. The scene is the
// one tests/test_viewer.py builds: three flat images; image 0 has a hit (IoU 0.80), a false
// alarm, a weak false alarm (0.3) and a miss; image 1 a hit; image 2 a miss and a detection
// inside a crowd region.
#include <QHeaderView>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QWheelEvent>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "viewer/qt/image_list.hpp"
#include "viewer/qt/main_window.hpp"
#include "viewer/qt/picture_view.hpp"

namespace fs = std::filesystem;
using namespace ds::viewer;
using namespace ds::viewer::qt;

class ViewerQtTest : public QObject {
  Q_OBJECT

 private:
  fs::path root_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<MainWindow> window_;

  void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

 private Q_SLOTS:
  void initTestCase() {
    root_ = fs::temp_directory_path() / ("ds_viewer_qt_test_" + std::to_string(QCoreApplication::applicationPid()));
    fs::create_directories(root_ / "images");
    for (int i = 0; i < 3; ++i)
      cv::imwrite((root_ / "images" / ("00" + std::to_string(i) + ".png")).string(),
                  cv::Mat(240, 320, CV_8UC3, cv::Scalar(30, 30, 30)));
    write(root_ / "gt.json", R"({"images": [
      {"id": 1, "file_name": "000.png", "width": 320, "height": 240},
      {"id": 2, "file_name": "001.png", "width": 320, "height": 240},
      {"id": 3, "file_name": "002.png", "width": 320, "height": 240}],
     "annotations": [
      {"id": 1, "image_id": 1, "category_id": 1, "bbox": [20, 20, 80, 60], "area": 4800, "iscrowd": 0},
      {"id": 2, "image_id": 1, "category_id": 2, "bbox": [200, 120, 60, 80], "area": 4800, "iscrowd": 0},
      {"id": 3, "image_id": 2, "category_id": 1, "bbox": [100, 50, 100, 100], "area": 10000, "iscrowd": 0},
      {"id": 4, "image_id": 3, "category_id": 2, "bbox": [50, 50, 50, 50], "area": 2500, "iscrowd": 0},
      {"id": 5, "image_id": 3, "category_id": 1, "bbox": [180, 100, 100, 100], "area": 10000, "iscrowd": 1}],
     "categories": [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"}]})");
    write(root_ / "detections.json", R"([
      {"image_id": 1, "category_id": 1, "bbox": [24, 24, 80, 60], "score": 0.9},
      {"image_id": 1, "category_id": 1, "bbox": [150, 30, 50, 40], "score": 0.8},
      {"image_id": 1, "category_id": 2, "bbox": [230, 20, 40, 40], "score": 0.3},
      {"image_id": 2, "category_id": 1, "bbox": [102, 48, 100, 100], "score": 0.95},
      {"image_id": 3, "category_id": 1, "bbox": [200, 120, 30, 30], "score": 0.7}])");
    write(root_ / "run.yaml", "dataset:\n  format: coco\n  annotations: gt.json\n  images: images\noutput: out\n");
    // Settings (recent files) in a test location, never the user's.
    QStandardPaths::setTestModeEnabled(true);
    QSettings("detection-studio", "viewer").clear();
    SessionOptions o;
    o.config = root_ / "run.yaml";
    o.results = root_ / "detections.json";
    session_ = std::make_unique<Session>(o);
    window_ = std::make_unique<MainWindow>(*session_, QtViewerOptions{.session = o, .state = {}});
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  }

  void cleanupTestCase() {
    window_.reset();
    session_.reset();
    fs::remove_all(root_);
  }

  void init() {
    // Every test starts from the defaults, on image 1.
    window_->set_score(0.5);
    window_->set_iou(0.5);
    window_->set_classes(std::nullopt);
    window_->set_outcome_filter(OutcomeFilter::kAll);
    window_->table()->sortByColumn(ImageListModel::kIndex, Qt::AscendingOrder);
    while (window_->current_image() != 0) window_->act(Key::kNext);
  }

  void keys_of_the_highgui_window() {
    QTest::keyClick(window_.get(), Qt::Key_N);
    QCOMPARE(window_->current_image(), std::size_t{1});
    QTest::keyClick(window_.get(), Qt::Key_Right);
    QCOMPARE(window_->current_image(), std::size_t{2});
    QTest::keyClick(window_.get(), Qt::Key_Space);
    QCOMPARE(window_->current_image(), std::size_t{0});  // wraps
    QTest::keyClick(window_.get(), Qt::Key_Left);
    QCOMPARE(window_->current_image(), std::size_t{2});
    QTest::keyClick(window_.get(), Qt::Key_P);
    QCOMPARE(window_->current_image(), std::size_t{1});
    // e: the next image with errors (image 1 has none).
    QTest::keyClick(window_.get(), Qt::Key_E);
    QCOMPARE(window_->current_image(), std::size_t{2});
    QTest::keyClick(window_.get(), Qt::Key_E, Qt::ShiftModifier);
    QCOMPARE(window_->current_image(), std::size_t{0});
    QTest::keyClick(window_.get(), Qt::Key_G);
    QVERIFY(!window_->view_state().show_truth);
    QTest::keyClick(window_.get(), Qt::Key_G);
    QTest::keyClick(window_.get(), Qt::Key_D);
    QVERIFY(!window_->view_state().show_detections);
    QTest::keyClick(window_.get(), Qt::Key_D);
    QTest::keyClick(window_.get(), Qt::Key_BracketLeft);
    QCOMPARE(window_->view_state().score_threshold, 0.45);
    QTest::keyClick(window_.get(), Qt::Key_BracketRight);
    QTest::keyClick(window_.get(), Qt::Key_BracketRight);
    QCOMPARE(window_->view_state().score_threshold, 0.55);
  }

  void list_filter_sort_and_metrics_of_what_is_listed() {
    // Everything listed: TP 2, FP 1, FN 2 at 0.5.
    SubsetMetrics m = window_->metrics();
    QCOMPARE(m.images, std::size_t{3});
    QCOMPARE(m.tp, std::size_t{2});
    QCOMPARE(m.fp, std::size_t{1});
    QCOMPARE(m.fn, std::size_t{2});
    window_->set_outcome_filter(OutcomeFilter::kErrors);
    QCOMPARE(window_->table()->model()->rowCount(), 2);
    m = window_->metrics();
    QCOMPARE(m.images, std::size_t{2});
    QCOMPARE(m.tp, std::size_t{1});  // image 1's hit is not listed
    // Browsing stays inside the list.
    window_->act(Key::kNext);
    QCOMPARE(window_->current_image(), std::size_t{2});
    window_->act(Key::kNext);
    QCOMPARE(window_->current_image(), std::size_t{0});
    window_->set_outcome_filter(OutcomeFilter::kNoErrors);
    QCOMPARE(window_->table()->model()->rowCount(), 1);
    // Likely label errors: 000.png's confident circle where nothing is annotated (002.png's
    // circle lies in a crowd region: not one).
    window_->set_outcome_filter(OutcomeFilter::kLabelErrors);
    QCOMPARE(window_->table()->model()->rowCount(), 1);
    QCOMPARE(window_->table()->model()->data(window_->table()->model()->index(0, ImageListModel::kFile)).toString(),
             QString("000.png"));
    window_->set_outcome_filter(OutcomeFilter::kAll);

    // Sorted by errors, most first: image 0 (FP 1 + FN 1) heads the list.
    window_->table()->sortByColumn(ImageListModel::kErrors, Qt::DescendingOrder);
    QAbstractItemModel* shown = window_->table()->model();
    QCOMPARE(shown->data(shown->index(0, ImageListModel::kFile)).toString(), QString("000.png"));
    QCOMPARE(shown->data(shown->index(2, ImageListModel::kFile)).toString(), QString("001.png"));
    QCOMPARE(shown->data(shown->index(0, ImageListModel::kF1)).toString(), QString("0.50"));
  }

  void iou_and_class_panels_recompute_matching() {
    window_->set_iou(0.85);  // the hit on image 0 has IoU 0.80
    SubsetMetrics m = window_->metrics();
    QCOMPARE(m.tp, std::size_t{1});
    QCOMPARE(m.fp, std::size_t{2});
    QCOMPARE(m.fn, std::size_t{3});
    window_->set_iou(0.5);
    window_->set_classes(std::set<std::int64_t>{2});  // squares only: two misses, nothing found
    m = window_->metrics();
    QCOMPARE(m.tp, std::size_t{0});
    QCOMPARE(m.fp, std::size_t{0});
    QCOMPARE(m.fn, std::size_t{2});
    window_->set_score(0.25);  // the weak square
    QCOMPARE(window_->metrics().fp, std::size_t{1});
  }

  void zoom_fit_one_to_one_and_wheel() {
    PictureView* view = window_->picture();
    window_->act(Key::kOneToOne);
    QCOMPARE(view->zoom(), 1.0);
    QVERIFY(!view->fitted());
    const QPoint centre = view->viewport()->rect().center();
    QWheelEvent wheel(centre, view->viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view->viewport(), &wheel);
    QCOMPARE(view->zoom(), 1.25);
    window_->act(Key::kFit);
    QVERIFY(view->fitted());
    // Fitted, the 320 x 240 image fills the view's width or its height (fitInView keeps a
    // margin of a few pixels).
    const double z = view->zoom();
    QVERIFY2(std::abs(320 * z - view->viewport()->width()) < 6 || std::abs(240 * z - view->viewport()->height()) < 6,
             qPrintable(QString("zoom %1, viewport %2 x %3").arg(z).arg(view->viewport()->width()).arg(view->viewport()->height())));
  }

  void clicking_a_box_describes_it() {
    PictureView* view = window_->picture();
    window_->act(Key::kOneToOne);
    // The false alarm at (150, 30, 50, 40): click its middle, in image pixels.
    const QPoint origin = view->mapFromScene(QPointF(0, 0));
    const QPoint at = origin + QPoint(175, 50);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    const QString info = window_->box_info();
    QVERIFY2(info.contains("detection: circle"), qPrintable(info));
    QVERIFY2(info.contains("false positive"), qPrintable(info));
    QVERIFY2(info.contains("score 0.800"), qPrintable(info));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, origin + QPoint(230, 190));
    QVERIFY2(window_->box_info().contains("ground truth: square"), qPrintable(window_->box_info()));
    QVERIFY2(window_->box_info().contains("id 2"), qPrintable(window_->box_info()));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, origin + QPoint(300, 230));
    QCOMPARE(window_->box_info(), QString("no box here"));
  }

  void recent_files_are_remembered() {
    // What was opened is at the top of the File menu's Recent list, newest first.
    const QStringList recent = QSettings("detection-studio", "viewer").value("recent").toStringList();
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent[0], "results\t" + QString::fromStdString(fs::absolute(root_ / "detections.json").string()));
    QCOMPARE(recent[1], "run config\t" + QString::fromStdString(fs::absolute(root_ / "run.yaml").string()));
  }

  void key_map() {
    QCOMPARE(key_for(Qt::Key_Escape, ""), Key::kQuit);
    QCOMPARE(key_for(Qt::Key_Q, "q"), Key::kQuit);
    QCOMPARE(key_for(Qt::Key_E, "E"), Key::kPreviousError);
    QCOMPARE(key_for(Qt::Key_M, "m"), Key::kNextModel);
    QCOMPARE(key_for(Qt::Key_R, "r"), Key::kReloadModel);
    QCOMPARE(key_for(Qt::Key_S, "s"), Key::kScreenshot);
    QCOMPARE(key_for(Qt::Key_H, "h"), Key::kHelp);
    QCOMPARE(key_for(Qt::Key_K, "k"), Key::kToggleMasks);
    QCOMPARE(key_for(Qt::Key_X, "x"), Key::kNone);
  }
};

QTEST_MAIN(ViewerQtTest)
#include "viewer_qt_test.moc"
