#include "ui/source/frame_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <numeric>

namespace qlab::ui {

namespace {
FrameStats* g_active = nullptr;
}

FrameStats* FrameStats::active() { return g_active; }
void FrameStats::setActive(FrameStats* stats) { g_active = stats; }

double FrameStats::threadCpuMs() {
  timespec t{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return 0;
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

void FrameStats::beginPoll() {
  m_inPoll = true;
  m_pollParts.clear();
}

void FrameStats::addUpdate(double ms) {
  if (m_open >= 0) {
    m_frames.push_back(m_open);
    m_frameParts.insert(m_frameParts.end(), m_openParts.begin(), m_openParts.end());
    m_partsEnd.push_back(static_cast<std::uint32_t>(m_frameParts.size()));
  }
  m_openParts.swap(m_pollParts);
  m_pollParts.clear();
  m_inPoll = false;
  m_open = ms;
  m_updates.push_back(ms);
}

void FrameStats::addPaint(double ms) {
  m_paints.push_back(ms);
  if (m_open >= 0) m_open += ms;
}

std::uint16_t FrameStats::sectionId(const char* name) {
  for (std::size_t i = 0; i < m_sectionNames.size(); ++i)
    if (m_sectionNames[i] == name || std::strcmp(m_sectionNames[i], name) == 0) return static_cast<std::uint16_t>(i);
  m_sectionNames.push_back(name);
  return static_cast<std::uint16_t>(m_sectionNames.size() - 1);
}

void FrameStats::addSection(const char* name, double wallMs, double cpuMs) {
  const Part part{sectionId(name), static_cast<float>(wallMs), static_cast<float>(cpuMs)};
  if (m_inPoll) m_pollParts.push_back(part);
  else if (m_open >= 0) m_openParts.push_back(part);  // parts before the first poll belong to no frame

}

void FrameStats::clear() {
  m_frames.clear();
  m_updates.clear();
  m_paints.clear();
  m_openParts.clear();
  m_pollParts.clear();
  m_frameParts.clear();
  m_partsEnd.clear();
  m_inPoll = false;
  m_open = -1;
}

namespace {
// Growing with resize() writes every new element, so its pages are resident; shrinking back
// keeps the capacity.
template <class T>
void touchCapacity(std::vector<T>& v, std::size_t n) {
  const std::size_t had = v.size();
  if (had >= n) return;
  v.resize(n);
  v.resize(had);
}
constexpr std::size_t kPaintsPerFrame = 8;   // generous: a frame paints a handful of views
constexpr std::size_t kPartsPerFrame = 32;   // the sections a frame is made of, with margin
}  // namespace

void FrameStats::preallocate(std::size_t frames) {
  touchCapacity(m_frames, frames);
  touchCapacity(m_updates, frames);
  touchCapacity(m_paints, frames * kPaintsPerFrame);
  touchCapacity(m_partsEnd, frames);
  touchCapacity(m_frameParts, frames * kPartsPerFrame);
  touchCapacity(m_openParts, kPartsPerFrame * 4);
  touchCapacity(m_pollParts, kPartsPerFrame * 4);
}

std::vector<FrameStats::SectionProfile> FrameStats::sectionProfile(double slowShare, std::size_t* slowFrames,
                                                                   double* slowThresholdMs) const {
  const std::size_t n = m_frames.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m_frames[a] > m_frames[b]; });
  const std::size_t slow = n == 0 ? 0 : std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(n) * slowShare));
  std::vector<bool> isSlow(n, false);
  for (std::size_t i = 0; i < slow; ++i) isSlow[order[i]] = true;
  if (slowFrames) *slowFrames = slow;
  if (slowThresholdMs) *slowThresholdMs = slow > 0 ? m_frames[order[slow - 1]] : 0;
  const std::size_t k = m_sectionNames.size();
  std::vector<SectionProfile> out(k);
  std::vector<std::vector<double>> perFrame(k, std::vector<double>(n, 0.0));
  for (std::size_t f = 0; f < n; ++f) {
    std::vector<bool> seen(k, false);
    const std::size_t from = f == 0 ? 0 : m_partsEnd[f - 1];
    for (std::size_t i = from; i < m_partsEnd[f]; ++i) {
      const Part& p = m_frameParts[i];
      SectionProfile& s = out[p.section];
      const double wall = p.wallMs, cpu = p.cpuMs;
      s.meanWallMs += wall;
      s.meanCpuMs += cpu;
      perFrame[p.section][f] += wall;
      if (isSlow[f]) {
        s.slowMeanWallMs += wall;
        s.slowMeanCpuMs += cpu;
        if (!seen[p.section]) ++s.slowFramesWith;
        seen[p.section] = true;
      }
    }
  }
  for (std::size_t i = 0; i < k; ++i) {
    SectionProfile& s = out[i];
    s.name = m_sectionNames[i];
    if (n > 0) {
      s.meanWallMs /= static_cast<double>(n);
      s.meanCpuMs /= static_cast<double>(n);
      s.p99WallMs = percentiles(std::move(perFrame[i])).p99;
    }
    if (slow > 0) {
      s.slowMeanWallMs /= static_cast<double>(slow);
      s.slowMeanCpuMs /= static_cast<double>(slow);
    }
  }
  return out;
}

Percentiles FrameStats::percentiles(std::vector<double> samples) {
  Percentiles p;
  p.count = samples.size();
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size()))) ;
    return samples[std::min(samples.size() - 1, i == 0 ? 0 : i - 1)];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = samples.back();
  return p;
}

}  // namespace qlab::ui
