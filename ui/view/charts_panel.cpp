#include "ui/view/charts_panel.h"

#include <algorithm>
#include <cmath>

#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QLineSeries>
#include <QValueAxis>

#include "ui/source/frame_stats.h"
#include "ui/view/theme.h"

namespace qlab::ui {

ChartsPanel::ChartsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  const Theme t = Theme::forPalette(palette());
  QChartView* v1 = makeChart(tr("Commits per second"), m_x1, m_y1);
  m_commits = new QLineSeries;
  m_commits->setName(tr("ok writes/s"));
  m_commits->setColor(t.leader);
  v1->chart()->addSeries(m_commits);
  m_commits->attachAxis(m_x1);
  m_commits->attachAxis(m_y1);
  QChartView* v2 = makeChart(tr("Commit latency (ms)"), m_x2, m_y2);
  m_p50 = new QLineSeries;
  m_p50->setName(tr("p50"));
  m_p50->setColor(t.follower);
  m_p99 = new QLineSeries;
  m_p99->setName(tr("p99"));
  m_p99->setColor(t.warning);
  for (QLineSeries* s : {m_p50, m_p99}) {
    v2->chart()->addSeries(s);
    s->attachAxis(m_x2);
    s->attachAxis(m_y2);
  }
  QChartView* v3 = makeChart(tr("HWM and durable ends"), m_x3, m_y3);
  m_positions = v3->chart();
  m_hwm = new QLineSeries;
  m_hwm->setName(tr("HWM"));
  QPen pen(t.hwm, 3);
  m_hwm->setPen(pen);
  m_positions->addSeries(m_hwm);
  m_hwm->attachAxis(m_x3);
  m_hwm->attachAxis(m_y3);
  for (QChartView* v : {v1, v2, v3}) layout->addWidget(v, 1);
  v1->setToolTip(tr("Client writes answered ok per second (the load generator's view)."));
  v2->setToolTip(tr("From a client's request to its ok answer: the write had to be durable on W nodes."));
  v3->setToolTip(tr("The leader's HWM and each node's durable end. A node's durable end below the HWM "
                    "is catching up; above it, waiting for the quorum."));
}

QChartView* ChartsPanel::makeChart(const QString& title, QValueAxis*& x, QValueAxis*& y) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(2, 2, 2, 2));
  chart->setBackgroundRoundness(0);
  const Theme t = Theme::forPalette(palette());
  chart->setBackgroundBrush(t.background);
  chart->setTitleBrush(t.text);
  chart->legend()->setLabelColor(t.text);
  x = new QValueAxis;
  y = new QValueAxis;
  x->setLabelFormat(QStringLiteral("%.0f s"));
  x->setTickCount(4);
  y->setLabelFormat(QStringLiteral("%.0f"));
  y->setTickCount(4);
  for (QValueAxis* a : {x, y}) {
    a->setLabelsColor(t.mutedText);
    a->setGridLineColor(t.grid);
    a->setTitleBrush(t.mutedText);
  }
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  auto* view = new QChartView(chart, this);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumSize(220, 160);
  return view;
}

void ChartsPanel::clear() {
  m_seconds.clear();
  m_samples.clear();
  m_lastSampleMs = -1000;
  m_lastRedrawMs.fill(-1000);
  redraw();
}

void ChartsPanel::rebuildNodeSeries(int nodes) {
  for (QLineSeries* s : m_durable) {
    m_positions->removeSeries(s);
    delete s;
  }
  m_durable.clear();
  const Theme t = Theme::forPalette(palette());
  for (int i = 1; i <= nodes; ++i) {
    auto* s = new QLineSeries;
    s->setName(tr("n%1").arg(i));
    QColor c = QColor::fromHsv((200 + i * 47) % 360, 160, t.dark ? 230 : 190);
    s->setPen(QPen(c, 1.5, Qt::DashLine));
    m_positions->addSeries(s);
    s->attachAxis(m_x3);
    s->attachAxis(m_y3);
    m_durable.push_back(s);
  }
  m_nodes = nodes;
}

void ChartsPanel::updateFrame(const ClusterFrame& f) {
  if (f.sourceChanged) clear();
  if (f.size != m_nodes) rebuildNodeSeries(f.size);
  m_nowMs = f.nowMs;
  for (const auto& op : f.operations) {
    if (op.kind != cluster::OpKind::kWrite || op.result != cluster::OpResult::kOk) continue;
    const std::int64_t sec = op.completeUs / 1000000;
    // Operations arrive nearly in order: the right second is at or near the back.
    auto it = std::lower_bound(m_seconds.begin(), m_seconds.end(), sec,
                               [](const Second& x, std::int64_t v) { return x.second < v; });
    if (it == m_seconds.end() || it->second != sec) it = m_seconds.insert(it, Second{sec, 0, {}, 0, 0, 0});
    ++it->commits;
    it->latenciesMs.push_back(static_cast<double>(op.completeUs - op.invokeUs) / 1000.0);
  }
  while (!m_seconds.empty() && m_seconds.front().second < f.nowMs / 1000 - kWindowS) m_seconds.pop_front();
  if (f.nowMs - m_lastSampleMs >= 250) {
    m_lastSampleMs = f.nowMs;
    Sample s{static_cast<double>(f.nowMs) / 1000.0, f.hwm, {}};
    for (const auto& v : f.views) s.durable.push_back(v->durableEnd);
    m_samples.push_back(std::move(s));
    while (!m_samples.empty() && m_samples.front().t < static_cast<double>(f.nowMs) / 1000.0 - kWindowS) m_samples.pop_front();
  }
  // Each chart is redrawn twice a second, the three on different frames: all three at once,
  // with their repaints, made one frame in fifteen several ms slower than the rest.
  if (!isVisible()) return;
  for (int k = 0; k < kCharts; ++k) {
    const int chart = (m_nextChart + k) % kCharts;
    std::int64_t& last = m_lastRedrawMs[static_cast<std::size_t>(chart)];
    if (f.nowMs - last < 500) continue;
    last = f.nowMs;
    redraw(chart);
    m_nextChart = (chart + 1) % kCharts;
    break;
  }
}

void ChartsPanel::redraw() {
  for (int chart = 0; chart < kCharts; ++chart) redraw(chart);
}

void ChartsPanel::redraw(int chart) {
  PaintTimer timer("update.charts.redraw");
  ++m_redraws[static_cast<std::size_t>(chart)];
  const double now = static_cast<double>(m_nowMs) / 1000.0;
  const double from = std::max(0.0, now - kWindowS);
  const double to = std::max(now, from + 10);
  if (chart == kCommitsChart || chart == kLatencyChart) {
    QList<QPointF> points, p50, p99;
    double maxY = 1;
    for (auto& s : m_seconds) {
      if (s.second >= m_nowMs / 1000) continue;  // the current second is not complete yet
      const double x = static_cast<double>(s.second) + 0.5;
      if (chart == kCommitsChart) {
        points << QPointF(x, s.commits);
        maxY = std::max(maxY, static_cast<double>(s.commits));
        continue;
      }
      // Copying and sorting every second's latencies again on each redraw (120 s of a few
      // thousand each at full load) made every 15th frame the slowest.
      if (s.summarized != s.latenciesMs.size()) {
        const Percentiles p = FrameStats::percentiles(s.latenciesMs);
        s.p50 = p.p50;
        s.p99 = p.p99;
        s.summarized = s.latenciesMs.size();
      }
      p50 << QPointF(x, s.p50);
      p99 << QPointF(x, s.p99);
      maxY = std::max(maxY, s.p99);
    }
    if (chart == kCommitsChart) {
      m_commits->replace(points);
      m_x1->setRange(from, to);
      m_y1->setRange(0, std::ceil(maxY * 1.15));
    } else {
      m_p50->replace(p50);
      m_p99->replace(p99);
      m_x2->setRange(from, to);
      m_y2->setRange(0, std::ceil(maxY * 1.15));
    }
    return;
  }
  QList<QPointF> hwm;
  std::vector<QList<QPointF>> durable(m_durable.size());
  Index lo = UINT64_MAX, hi = 0;
  for (const auto& s : m_samples) {
    hwm << QPointF(s.t, static_cast<double>(s.hwm));
    lo = std::min(lo, s.hwm);
    hi = std::max(hi, s.hwm);
    for (std::size_t i = 0; i < s.durable.size() && i < durable.size(); ++i) {
      durable[i] << QPointF(s.t, static_cast<double>(s.durable[i]));
      lo = std::min(lo, s.durable[i]);
      hi = std::max(hi, s.durable[i]);
    }
  }
  m_hwm->replace(hwm);
  for (std::size_t i = 0; i < durable.size(); ++i) m_durable[i]->replace(durable[i]);
  m_x3->setRange(from, to);
  if (lo == UINT64_MAX) lo = 0;
  m_y3->setRange(static_cast<double>(lo), static_cast<double>(std::max(hi, lo + 10)) * 1.02);
}

}  // namespace qlab::ui
