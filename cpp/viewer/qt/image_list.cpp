#include "viewer/qt/image_list.hpp"

namespace ds::viewer::qt {

ImageListModel::ImageListModel(Names names, QObject* parent) : QAbstractTableModel(parent), names_(std::move(names)) {}

void ImageListModel::set_rows(std::vector<ImageRow> rows) {
  if (rows.size() != rows_.size()) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
    return;
  }
  // Same rows, new numbers: dataChanged keeps the selection and the scroll position.
  rows_ = std::move(rows);
  if (!rows_.empty()) Q_EMIT dataChanged(index(0, 0), index(static_cast<int>(rows_.size()) - 1, kColumns - 1));
}

std::vector<std::string> ImageListModel::class_names(const ImageRow& row) const {
  std::vector<std::string> out;
  for (const std::int64_t c : row.classes) out.push_back(names_(c));
  return out;
}

int ImageListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ImageListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumns; }

QVariant ImageListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const ImageRow& r = rows_[static_cast<std::size_t>(index.row())];
  if (role == Qt::TextAlignmentRole)
    return index.column() == kFile || index.column() == kClasses ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                 : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  // The sort key: numbers as numbers; unknown counts (model not run yet) sort last.
  if (role == Qt::UserRole) {
    switch (index.column()) {
      case kIndex: return static_cast<qulonglong>(r.index);
      case kFile: return QString::fromStdString(r.file_name);
      case kTp: return r.known ? static_cast<qlonglong>(r.tp) : -1;
      case kFp: return r.known ? static_cast<qlonglong>(r.fp) : -1;
      case kFn: return r.known ? static_cast<qlonglong>(r.fn) : -1;
      case kErrors: return r.known ? static_cast<qlonglong>(r.fp + r.fn) : -1;
      case kF1: return r.known && r.f1 ? *r.f1 : 2.0;  // no errors and nothing found: after perfect
      default: break;
    }
  }
  if (role != Qt::DisplayRole && role != Qt::UserRole) return {};
  const auto count = [&](std::size_t n) { return r.known ? QVariant(static_cast<qulonglong>(n)) : QVariant("…"); };
  switch (index.column()) {
    case kIndex: return static_cast<qulonglong>(r.index + 1);
    case kFile: return QString::fromStdString(r.file_name);
    case kTp: return count(r.tp);
    case kFp: return count(r.fp);
    case kFn: return count(r.fn);
    case kErrors: return count(r.fp + r.fn);
    case kF1: return !r.known ? QVariant("…") : r.f1 ? QVariant(QString::number(*r.f1, 'f', 2)) : QVariant("-");
    case kClasses: {
      QStringList names;
      for (const std::string& n : class_names(r)) names << QString::fromStdString(n);
      return names.join(", ");
    }
    default: return {};
  }
}

QVariant ImageListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kNames[] = {"#", "file", "TP", "FP", "FN", "errors", "F1", "classes"};
  return section >= 0 && section < kColumns ? QVariant(kNames[section]) : QVariant();
}

ImageFilterProxy::ImageFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(Qt::UserRole);
  setDynamicSortFilter(true);
}

void ImageFilterProxy::set_filter(ListFilter filter) {
  filter_ = std::move(filter);
  invalidateFilter();
}

std::vector<std::size_t> ImageFilterProxy::shown() const {
  const auto* model = static_cast<const ImageListModel*>(sourceModel());
  std::vector<std::size_t> out;
  for (int r = 0; r < rowCount(); ++r)
    out.push_back(model->rows()[static_cast<std::size_t>(mapToSource(index(r, 0)).row())].index);
  return out;
}

bool ImageFilterProxy::filterAcceptsRow(int source_row, const QModelIndex&) const {
  const auto* model = static_cast<const ImageListModel*>(sourceModel());
  const ImageRow& row = model->rows()[static_cast<std::size_t>(source_row)];
  return passes(row, filter_, filter_.text.empty() ? std::vector<std::string>{} : model->class_names(row));
}

bool ImageFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const QVariant a = left.data(Qt::UserRole), b = right.data(Qt::UserRole);
  if (left.column() == ImageListModel::kFile || left.column() == ImageListModel::kClasses)
    return QString::compare(left.data(Qt::DisplayRole).toString(), right.data(Qt::DisplayRole).toString()) < 0;
  return a.toDouble() < b.toDouble();
}

}  // namespace ds::viewer::qt
