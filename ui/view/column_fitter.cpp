#include "ui/view/column_fitter.h"

#include <QAbstractItemModel>
#include <QEvent>
#include <QHeaderView>
#include <QTableView>
#include <QTimer>

#include "ui/source/frame_stats.h"

namespace qlab::ui {

ColumnFitter::ColumnFitter(QTableView* table, int intervalMs) : QObject(table), m_table(table), m_timer(new QTimer(this)) {
  m_timer->setSingleShot(true);
  m_timer->setInterval(intervalMs);
  connect(m_timer, &QTimer::timeout, this, &ColumnFitter::fitIfShown);
  // Shown: the visible rows only (the default reads up to 1000 rows per column).
  table->horizontalHeader()->setResizeContentsPrecision(0);
  table->installEventFilter(this);
  if (QAbstractItemModel* model = table->model()) {
    connect(model, &QAbstractItemModel::modelReset, this, &ColumnFitter::later);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ColumnFitter::later);
    connect(model, &QAbstractItemModel::dataChanged, this, &ColumnFitter::later);
  }
}

void ColumnFitter::later() {
  m_pending = true;
  if (!m_timer->isActive()) m_timer->start();
}

void ColumnFitter::fitIfShown() {
  if (!m_table->isVisible()) {
    m_pending = true;  // measured when shown
    return;
  }
  SectionTimer timer("timer.columnfitter");
  m_pending = false;
  ++m_fits;
  m_table->resizeColumnsToContents();
}

bool ColumnFitter::eventFilter(QObject* watched, QEvent* e) {
  if (watched == m_table && e->type() == QEvent::Show && m_pending && !m_timer->isActive())
    m_timer->start(0);  // after the show has laid the table out
  return QObject::eventFilter(watched, e);
}

}  // namespace qlab::ui
