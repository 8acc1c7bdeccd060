#include "ui/window/export_formats_dialog.h"

#include <algorithm>

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>

#include "core/interop/formats.h"

namespace qlab::ui {

ExportFormatsDialog::ExportFormatsDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Export formats"));
  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(tr("The export always holds cluster.json, the node logs, history.jsonl, events.jsonl "
                              "and the segment files. Add files for other tools:"),
                           this);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  for (const auto& f : interop::interopFormats()) {
    const QString name = QString::fromUtf8(f.name.data(), static_cast<qsizetype>(f.name.size()));
    const QString file = QString::fromUtf8(f.fileName.data(), static_cast<qsizetype>(f.fileName.size()));
    const QString why = QString::fromUtf8(f.explanation.data(), static_cast<qsizetype>(f.explanation.size()));
    auto* box = new QCheckBox(QStringLiteral("%1 (%2): %3").arg(name, file, why), this);
    box->setObjectName(name);
    box->setToolTip(why);
    layout->addWidget(box);
    m_boxes << box;
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
}

std::vector<std::string> ExportFormatsDialog::chosen() const {
  std::vector<std::string> names;
  for (QCheckBox* box : m_boxes)
    if (box->isChecked()) names.push_back(box->objectName().toStdString());
  return names;
}

void ExportFormatsDialog::setChosen(const std::vector<std::string>& names) {
  for (QCheckBox* box : m_boxes)
    box->setChecked(std::find(names.begin(), names.end(), box->objectName().toStdString()) != names.end());
}

std::optional<std::vector<std::string>> ExportFormatsDialog::choose(QWidget* parent) {
  static std::vector<std::string> last;  // the GUI thread's choice, for the next export
  ExportFormatsDialog dlg(parent);
  dlg.setChosen(last);
  if (dlg.exec() != QDialog::Accepted) return std::nullopt;
  last = dlg.chosen();
  return last;
}

}  // namespace qlab::ui
