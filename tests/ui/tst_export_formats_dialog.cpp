// File > Export's format chooser: one checkbox per registered interop format, named after it,
// with its explanation as tooltip; what is checked is what chosen() returns, in registry order.
#include <QCheckBox>
#include <QtTest>

#include "core/interop/formats.h"
#include "ui/window/export_formats_dialog.h"

using namespace qlab;

class TestExportFormatsDialog : public QObject {
  Q_OBJECT
 private slots:
  void oneCheckboxPerFormatWithItsExplanation() {
    ui::ExportFormatsDialog dlg;
    const auto formats = interop::interopFormats();
    QCOMPARE(static_cast<std::size_t>(dlg.boxes().size()), formats.size());
    for (std::size_t i = 0; i < formats.size(); ++i) {
      QCheckBox* box = dlg.boxes()[static_cast<qsizetype>(i)];
      QCOMPARE(box->objectName().toStdString(), std::string(formats[i].name));
      QCOMPARE(box->toolTip().toStdString(), std::string(formats[i].explanation));
      QVERIFY(box->text().contains(QString::fromUtf8(formats[i].fileName.data(), static_cast<qsizetype>(formats[i].fileName.size()))));
      QVERIFY(!box->isChecked());
    }
    QVERIFY(dlg.chosen().empty());
  }

  void chosenIsWhatIsCheckedInRegistryOrder() {
    ui::ExportFormatsDialog dlg;
    dlg.setChosen({"perfetto", "shiviz"});
    QCOMPARE(dlg.chosen(), (std::vector<std::string>{"shiviz", "perfetto"}));
    dlg.findChild<QCheckBox*>("porcupine")->setChecked(true);
    dlg.findChild<QCheckBox*>("shiviz")->setChecked(false);
    QCOMPARE(dlg.chosen(), (std::vector<std::string>{"porcupine", "perfetto"}));
  }
};

QTEST_MAIN(TestExportFormatsDialog)
#include "tst_export_formats_dialog.moc"
