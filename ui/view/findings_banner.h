#pragma once
// FindingsBanner: the live invariant checker's verdict, where nobody can miss it: red for a
// violation (a safety property the configuration promised was broken), amber for expected
// losses (acknowledged writes lost under an unsafe configuration). Hidden while all is well.
#include <QFrame>

class QLabel;
class QPushButton;

namespace qlab::ui {

class FindingsModel;

class FindingsBanner : public QFrame {
  Q_OBJECT
 public:
  explicit FindingsBanner(FindingsModel* model, QWidget* parent = nullptr);
  void refresh();
  QString text() const;

 signals:
  void detailsRequested();
  void showInLogRequested();

 private:
  FindingsModel* m_model;
  QLabel* m_label;
  QPushButton* m_details;
};

}  // namespace qlab::ui
