#pragma once
// ChartsPanel (Qt Charts): commits per second and commit latency (p50, p99) from the
// recorder's client operations, and the leader's HWM with every node's durable end over time:
// the gap between the two lines is what a kill would lose. Keeps the last kWindowS seconds;
// redraws each chart twice a second, whatever the frame rate, one chart per frame.
#include <array>
#include <deque>
#include <vector>

#include <QWidget>

#include "ui/source/cluster_frame.h"

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace qlab::ui {

class ChartsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ChartsPanel(QWidget* parent = nullptr);
  void updateFrame(const ClusterFrame& frame);
  void clear();

  static constexpr int kWindowS = 120;
  // Per completed second: ok writes and latency percentiles (for tests).
  struct Second {
    std::int64_t second = 0;
    int commits = 0;
    std::vector<double> latenciesMs;
    // The latency percentiles of the first `summarized` latencies: a completed second is
    // summarized once (again only if a late operation joins it), not on every redraw.
    double p50 = 0, p99 = 0;
    std::size_t summarized = 0;
  };
  const std::deque<Second>& seconds() const { return m_seconds; }
  QLineSeries* commitSeries() const { return m_commits; }
  QLineSeries* hwmSeries() const { return m_hwm; }
  QLineSeries* p50Series() const { return m_p50; }
  QLineSeries* p99Series() const { return m_p99; }
  enum Chart { kCommitsChart, kLatencyChart, kPositionsChart, kCharts };
  int redraws(Chart chart) const { return m_redraws[static_cast<std::size_t>(chart)]; }

 private:
  QChartView* makeChart(const QString& title, QValueAxis*& x, QValueAxis*& y);
  void redraw();            // every chart
  void redraw(int chart);   // one of Chart
  void rebuildNodeSeries(int nodes);

  std::deque<Second> m_seconds;
  struct Sample {
    double t;
    Index hwm;
    std::vector<Index> durable;
  };
  std::deque<Sample> m_samples;
  std::int64_t m_lastSampleMs = -1000;
  std::array<std::int64_t, kCharts> m_lastRedrawMs{-1000, -1000, -1000};
  int m_nextChart = 0;
  std::int64_t m_nowMs = 0;
  int m_nodes = 0;
  std::array<int, kCharts> m_redraws{};
  QLineSeries* m_commits;
  QLineSeries* m_p50;
  QLineSeries* m_p99;
  QLineSeries* m_hwm;
  std::vector<QLineSeries*> m_durable;
  QChart* m_positions = nullptr;
  QValueAxis *m_x1, *m_y1, *m_x2, *m_y2, *m_x3, *m_y3;
};

}  // namespace qlab::ui
