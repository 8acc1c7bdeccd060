#pragma once
// ExportFormatsDialog: File > Export's format chooser. The standard export is always
// written; these checkboxes add the interop formats of core/interop (ShiViz, Jepsen,
// Porcupine, Perfetto), one per format of its registry, each with its one-line explanation
// as text and tooltip.
#include <optional>
#include <string>
#include <vector>

#include <QDialog>

class QCheckBox;

namespace qlab::ui {

class ExportFormatsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ExportFormatsDialog(QWidget* parent = nullptr);

  // The names checked, in registry order.
  std::vector<std::string> chosen() const;
  void setChosen(const std::vector<std::string>& names);
  QList<QCheckBox*> boxes() const { return m_boxes; }

  // Shows the dialog: the formats chosen (possibly none), or nullopt when cancelled. The
  // choice is remembered for the next export of this session.
  static std::optional<std::vector<std::string>> choose(QWidget* parent);

 private:
  QList<QCheckBox*> m_boxes;
};

}  // namespace qlab::ui
