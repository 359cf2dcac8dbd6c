#pragma once
// The image list: a table model over the rows browse.hpp computes, and the proxy that sorts and
// filters it (the filter itself is viewer::passes, tested without Qt).
#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <functional>
#include <string>
#include <vector>

#include "viewer/browse.hpp"

namespace ds::viewer::qt {

class ImageListModel final : public QAbstractTableModel {
 public:
  enum Column { kIndex, kFile, kTp, kFp, kFn, kErrors, kF1, kClasses, kColumns };
  using Names = std::function<std::string(std::int64_t)>;

  ImageListModel(Names names, QObject* parent);
  // Replaces every row (same count, same order as the session's images).
  void set_rows(std::vector<ImageRow> rows);
  const std::vector<ImageRow>& rows() const { return rows_; }
  std::vector<std::string> class_names(const ImageRow& row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  Names names_;
  std::vector<ImageRow> rows_;
};

class ImageFilterProxy final : public QSortFilterProxyModel {
 public:
  explicit ImageFilterProxy(QObject* parent);
  void set_filter(ListFilter filter);
  const ListFilter& filter() const { return filter_; }
  // Session image indices in the order shown.
  std::vector<std::size_t> shown() const;

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  ListFilter filter_;
};

}  // namespace ds::viewer::qt
