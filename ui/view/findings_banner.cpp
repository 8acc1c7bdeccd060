#include "ui/view/findings_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

#include "ui/model/findings_model.h"
#include "ui/view/theme.h"

namespace qlab::ui {

FindingsBanner::FindingsBanner(FindingsModel* model, QWidget* parent) : QFrame(parent), m_model(model) {
  setFrameShape(QFrame::StyledPanel);
  setAutoFillBackground(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 8, 4);
  m_label = new QLabel(this);
  m_label->setWordWrap(true);
  m_label->setTextFormat(Qt::RichText);
  m_details = new QPushButton(tr("Details"), this);
  m_details->setToolTip(tr("Show every finding of the live invariant checker."));
  auto* show = new QPushButton(tr("Show in log"), this);
  show->setToolTip(tr("Scroll the log lanes to the first acknowledged write that was lost."));
  layout->addWidget(m_label, 1);
  layout->addWidget(show);
  layout->addWidget(m_details);
  connect(m_details, &QPushButton::clicked, this, &FindingsBanner::detailsRequested);
  connect(show, &QPushButton::clicked, this, &FindingsBanner::showInLogRequested);
  connect(model, &QAbstractItemModel::rowsInserted, this, &FindingsBanner::refresh);
  connect(model, &QAbstractItemModel::modelReset, this, &FindingsBanner::refresh);
  refresh();
}

QString FindingsBanner::text() const { return m_label->text(); }

void FindingsBanner::refresh() {
  const int v = m_model->violations(), e = m_model->expected();
  if (v == 0 && e == 0) {
    hide();
    return;
  }
  const Theme t = Theme::forPalette(palette());
  const QColor c = v > 0 ? t.violation : t.warning;
  QPalette p = palette();
  QColor bg = c;
  bg.setAlpha(t.dark ? 90 : 60);
  p.setColor(QPalette::Window, bg);
  setPalette(p);
  QString head = v > 0 ? tr("<b>%n safety violation(s)</b>", nullptr, v) : QString();
  if (e > 0) {
    if (!head.isEmpty()) head += QStringLiteral(" · ");
    head += tr("<b>%n expected finding(s)</b> under the unsafe configuration (lost or diverged writes)", nullptr, e);
  }
  const cluster::Finding* last = m_model->latest();
  m_label->setText(QStringLiteral("<span style=\"color:%1\">⚠</span> %2<br>%3")
                       .arg(c.name(), head, last ? QString::fromStdString(last->text).toHtmlEscaped() : QString()));
  show();
}

}  // namespace qlab::ui
