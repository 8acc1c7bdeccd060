// The .deb that `cpack -G DEB` makes from the build tree: it holds the binary, the desktop
// entry, the AppStream metadata, the icon and the shipped scenarios and lessons under /usr;
// its Depends names a package for every library the binary links (and the Qt platform
// plugins); the desktop entry starts a binary the package installs.
#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

namespace {
QString run(const QString& program, const QStringList& args, int* code = nullptr, int timeoutMs = 240000) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
  }
  if (code) *code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  return QString::fromUtf8(p.readAll());
}
}  // namespace

class TestPackage : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_out;
  QString m_deb;
  QString m_contents;
  QString m_info;

 private slots:
  void initTestCase() {
    QVERIFY(m_out.isValid());
    int code = 0;
    const QString log = run(QStringLiteral(QLAB_CPACK),
                            {QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), m_out.path(),
                             QStringLiteral("--config"), QStringLiteral(QLAB_BINARY_DIR "/CPackConfig.cmake")},
                            &code);
    QVERIFY2(code == 0, qPrintable(log));
    const QStringList debs = QDir(m_out.path()).entryList({QStringLiteral("*.deb")}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    m_deb = m_out.filePath(debs.first());
    QVERIFY2(debs.first().startsWith(QStringLiteral("quorumlab_" QLAB_VERSION "_")), qPrintable(debs.first()));
    m_contents = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb}, &code);
    QCOMPARE(code, 0);
    m_info = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-I"), m_deb}, &code);
    QCOMPARE(code, 0);
  }

  void holdsTheBinaryAndTheDesktopIntegration_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("binary") << "./usr/bin/quorumlab";
    QTest::newRow("desktop entry") << "./usr/share/applications/org.quorumlab.QuorumLab.desktop";
    QTest::newRow("metainfo") << "./usr/share/metainfo/org.quorumlab.QuorumLab.metainfo.xml";
    QTest::newRow("icon") << "./usr/share/icons/hicolor/scalable/apps/quorumlab.svg";
    QTest::newRow("a scenario") << "./usr/share/quorumlab/scenarios/kill-leader-under-load.json";
    QTest::newRow("a lesson") << "./usr/share/quorumlab/lessons/01-write-ahead-log.json";
  }
  void holdsTheBinaryAndTheDesktopIntegration() {
    QFETCH(QString, path);
    QVERIFY2(m_contents.contains(QRegularExpression(QStringLiteral("\\s") + QRegularExpression::escape(path) + "$",
                                                    QRegularExpression::MultilineOption)),
             qPrintable(path + " not in:\n" + m_contents));
  }

  void nothingOutsideUsr() {
    for (const QString& line : m_contents.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
      const QString path = line.section(QLatin1Char(' '), -1);
      QVERIFY2(path == QLatin1String("./") || path.startsWith(QLatin1String("./usr/")), qPrintable(line));
    }
  }

  void controlFieldsAreRight() {
    QVERIFY2(m_info.contains(QRegularExpression(QStringLiteral("^ Package: quorumlab$"), QRegularExpression::MultilineOption)),
             qPrintable(m_info));
    QVERIFY(m_info.contains(QStringLiteral(" Version: " QLAB_VERSION)));
    QVERIFY(m_info.contains(QStringLiteral(" Architecture: amd64")));
    QVERIFY(m_info.contains(QStringLiteral(" Description: Learn log replication")));
  }

  // Every library the packaged binary links must come from a package the .deb depends on.
  void dependsCoversEveryLinkedLibrary() {
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("^ Depends: (.*)$"), QRegularExpression::MultilineOption).match(m_info);
    QVERIFY2(m.hasMatch(), qPrintable(m_info));
    QStringList depends;
    for (const QString& d : m.captured(1).split(QLatin1Char(',')))
      depends << d.trimmed().section(QLatin1Char(' '), 0, 0);
    for (const char* must : {"qt6-qpa-plugins", "libqt6widgets6", "libqt6network6", "libqt6charts6", "libqt6svg6", "libspdlog1.10"})
      QVERIFY2(depends.contains(QLatin1String(must)), must);
    QTemporaryDir x;
    int code = 0;
    run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), m_deb, x.path()}, &code);
    QCOMPARE(code, 0);
    const QString objdump = run(QStringLiteral("objdump"), {QStringLiteral("-p"), x.filePath(QStringLiteral("usr/bin/quorumlab"))}, &code);
    QCOMPARE(code, 0);
    const auto needed = QRegularExpression(QStringLiteral("NEEDED\\s+(\\S+)")).globalMatch(objdump);
    int checked = 0;
    for (auto it = needed; it.hasNext();) {
      const QString so = it.next().captured(1);
      if (so.startsWith(QLatin1String("ld-linux")) || so == QLatin1String("libm.so.6")) continue;  // libc6
      const QString owners = run(QStringLiteral("dpkg"), {QStringLiteral("-S"), QStringLiteral("*/") + so});
      QStringList packages;
      for (const QString& line : owners.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (line.endsWith(QLatin1Char('/') + so)) packages << line.section(QLatin1Char(':'), 0, 0);
      QVERIFY2(!packages.isEmpty(), qPrintable(so + ": no owning package: " + owners));
      bool covered = false;
      for (const QString& p : packages) covered = covered || depends.contains(p);
      QVERIFY2(covered, qPrintable(so + " comes from " + packages.join(QLatin1Char('/')) + ", not in Depends: " +
                                   depends.join(QStringLiteral(", "))));
      ++checked;
    }
    QVERIFY2(checked >= 8, qPrintable(objdump));
    // The desktop entry starts the binary the package installs.
    QFile desktop(x.filePath(QStringLiteral("usr/share/applications/org.quorumlab.QuorumLab.desktop")));
    QVERIFY(desktop.open(QIODevice::ReadOnly));
    const QString entry = QString::fromUtf8(desktop.readAll());
    QVERIFY(entry.contains(QStringLiteral("\nExec=quorumlab gui\n")));
    QVERIFY(entry.contains(QStringLiteral("\nIcon=quorumlab\n")));
    if (!QStandardPaths::findExecutable(QStringLiteral("appstreamcli")).isEmpty()) {
      const QString v = run(QStringLiteral("appstreamcli"),
                            {QStringLiteral("validate"), QStringLiteral("--no-net"),
                             x.filePath(QStringLiteral("usr/share/metainfo/org.quorumlab.QuorumLab.metainfo.xml"))},
                            &code);
      QVERIFY2(code == 0, qPrintable(v));
    }
  }
};

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
