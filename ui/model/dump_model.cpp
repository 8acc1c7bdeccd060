#include "ui/model/dump_model.h"

namespace qlab::ui {

DumpModel::DumpModel(QObject* parent)
    : ColumnModel({"Index", "Gen", "Type", "Client/seq", "Key", "Value", "Bytes"}, parent) {}

void DumpModel::setRows(std::vector<node::EntryView> rows) {
  beginResetModel();
  m_rows = std::move(rows);
  endResetModel();
}

const node::EntryView* DumpModel::rowAt(int row) const {
  return row >= 0 && static_cast<std::size_t>(row) < m_rows.size() ? &m_rows[static_cast<std::size_t>(row)] : nullptr;
}

int DumpModel::rowCount(const QModelIndex& parent) const { return flatRows(m_rows.size(), parent); }

QVariant DumpModel::data(const QModelIndex& idx, int role) const {
  if (!validRow(idx, m_rows.size()) || (role != Qt::DisplayRole && role != Qt::ToolTipRole)) return {};
  const node::EntryView& r = m_rows[static_cast<std::size_t>(idx.row())];
  switch (idx.column()) {
    case kIndex: return QVariant::fromValue<qulonglong>(r.index);
    case kGeneration: return QVariant::fromValue<qulonglong>(r.generation);
    case kType: return QString::fromLatin1(entryTypeName(r.type));
    case kClient: return r.client ? QStringLiteral("%1/%2").arg(r.client).arg(r.seq) : QString();
    case kKey: return QString::fromStdString(r.key);
    case kValue: return QString::fromStdString(r.value);
    case kBytes: return r.payloadBytes;
  }
  return {};
}

}  // namespace qlab::ui
