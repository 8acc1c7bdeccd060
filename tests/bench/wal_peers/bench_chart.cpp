// bench_chart SPEC.json OUT.png
//
// Renders a grouped bar chart with Qt Charts, offscreen (no display needed: the platform
// defaults to "offscreen"), for the benchmark reports in docs/BENCHMARKS.md. SPEC:
//   {"title": "...", "y_label": "records/s", "categories": ["round 1", ..., "median"],
//    "series": [{"name": "ours (always)", "values": [..]}, ...],
//    "width": 900, "height": 520, "reference": {"name": "target", "value": 1.0}}
// Every series has one value per category (null: no bar). "reference" (optional) draws a
// horizontal dashed line across the chart, e.g. a target ratio. Exit 1 with a message on a
// bad spec or an unwritable PNG.
#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QFile>
#include <QGraphicsScene>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineSeries>
#include <QPainter>
#include <QValueAxis>
#include <cmath>
#include <cstdio>

namespace {

int fail(const QString& why) {
  std::fprintf(stderr, "bench_chart: %s\n", qPrintable(why));
  return 1;
}

// A round upper bound for the value axis: 1, 2 or 5 times a power of ten above `max`.
double niceCeiling(double max) {
  if (max <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(max)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= max * 1.08) return m * p;
  }
  return 10 * p;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  if (argc != 3) return fail("usage: bench_chart SPEC.json OUT.png");
  QFile in(QString::fromLocal8Bit(argv[1]));
  if (!in.open(QIODevice::ReadOnly)) return fail(in.fileName() + ": cannot read it");
  QJsonParseError err;
  const QJsonDocument doc = QJsonDocument::fromJson(in.readAll(), &err);
  if (!doc.isObject()) return fail(in.fileName() + ": not a JSON object (" + err.errorString() + ")");
  const QJsonObject spec = doc.object();
  const QJsonArray categories = spec["categories"].toArray();
  const QJsonArray seriesSpec = spec["series"].toArray();
  if (categories.isEmpty() || seriesSpec.isEmpty()) return fail(in.fileName() + ": needs 'categories' and 'series'");

  auto* chart = new QChart;  // owned by the scene below
  chart->setTitle(spec["title"].toString());
  QFont titleFont = chart->titleFont();
  titleFont.setPointSize(13);
  titleFont.setBold(true);
  chart->setTitleFont(titleFont);
  chart->setAnimationOptions(QChart::NoAnimation);
  auto* bars = new QBarSeries;
  double max = 0;
  for (const QJsonValue& sv : seriesSpec) {
    const QJsonObject s = sv.toObject();
    const QJsonArray values = s["values"].toArray();
    if (values.size() != categories.size()) {
      return fail(in.fileName() + ": series '" + s["name"].toString() + "' needs one value per category");
    }
    auto* set = new QBarSet(s["name"].toString());
    for (const QJsonValue& v : values) {
      set->append(v.isDouble() ? v.toDouble() : 0.0);
      max = std::max(max, v.toDouble());
    }
    bars->append(set);
  }
  bars->setLabelsVisible(spec["labels"].toBool(false));
  bars->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
  bars->setLabelsFormat("@value");
  chart->addSeries(bars);

  QStringList names;
  for (const QJsonValue& c : categories) names << c.toString();
  auto* x = new QBarCategoryAxis;
  x->append(names);
  chart->addAxis(x, Qt::AlignBottom);
  bars->attachAxis(x);
  auto* y = new QValueAxis;
  y->setTitleText(spec["y_label"].toString());
  y->setLabelFormat(spec["y_format"].toString("%.0f"));
  chart->addAxis(y, Qt::AlignLeft);
  bars->attachAxis(y);

  const QJsonObject ref = spec["reference"].toObject();
  if (!ref.isEmpty()) {
    // A line over the category axis spans the bar groups: x from -0.5 to count - 0.5.
    auto* line = new QLineSeries;
    line->setName(ref["name"].toString());
    const double v = ref["value"].toDouble();
    line->append(-0.5, v);
    line->append(static_cast<double>(names.size()) - 0.5, v);
    QPen pen(Qt::black);
    pen.setStyle(Qt::DashLine);
    pen.setWidthF(2);
    line->setPen(pen);
    chart->addSeries(line);
    auto* lx = new QValueAxis;
    lx->setRange(-0.5, static_cast<double>(names.size()) - 0.5);
    lx->setVisible(false);
    chart->addAxis(lx, Qt::AlignTop);
    line->attachAxis(lx);
    line->attachAxis(y);
    max = std::max(max, v);
  }
  y->setRange(0, niceCeiling(max));
  y->applyNiceNumbers();
  chart->legend()->setAlignment(Qt::AlignBottom);
  QFont legendFont = chart->legend()->font();
  legendFont.setPointSize(10);
  chart->legend()->setFont(legendFont);

  const int width = spec["width"].toInt(900);
  const int height = spec["height"].toInt(520);
  // The chart laid out in a scene of its own: no view, no window, nothing to show.
  QGraphicsScene scene;
  scene.addItem(chart);  // the scene owns the chart
  chart->setGeometry(0, 0, width, height);
  QCoreApplication::processEvents();  // lets the chart lay out its axes and legend
  QImage image(width, height, QImage::Format_ARGB32);
  image.fill(Qt::white);
  {
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    scene.render(&painter, QRectF(0, 0, width, height), QRectF(0, 0, width, height));
  }
  if (!image.save(QString::fromLocal8Bit(argv[2]), "PNG")) return fail(QString::fromLocal8Bit(argv[2]) + ": cannot write the PNG");
  return 0;
}
