#pragma once
// An in-memory LogStorage for protocol unit tests: a vector of entries and a snapshot blob.
#include <string>
#include <vector>

#include "core/replication/storage.h"

namespace qlab::replication {

class MemStorage final : public LogStorage {
 public:
  Index firstIndex() const override { return m_first; }
  Index lastIndex() const override { return m_first + m_entries.size() - 1; }
  std::optional<Generation> generationAt(Index index) const override {
    if (index < m_first || index > lastIndex()) return std::nullopt;
    return m_entries[index - m_first].generation;
  }
  Status entries(Index from, Index to, std::size_t maxBytes, std::vector<Entry>* out) const override {
    if (from < m_first || to > lastIndex() || from > to) return Status::notFound("range");
    std::size_t bytes = 0;
    for (Index i = from; i <= to; ++i) {
      out->push_back(m_entries[i - m_first]);
      bytes += out->back().payload.size();
      if (bytes >= maxBytes) break;
    }
    return Status::ok();
  }
  Result<std::string> snapshotChunk(const SnapshotMeta& meta, std::uint64_t offset,
                                    std::size_t maxBytes) const override {
    if (!(meta == m_snapshotMeta)) return Status::notFound("snapshot replaced");
    if (offset > m_snapshotData.size()) return Status::invalidArgument("offset");
    return m_snapshotData.substr(offset, maxBytes);
  }

  // Mutations the test driver performs while carrying out a Ready.
  void append(const Entry& e) { m_entries.push_back(e); }
  void truncateAfter(Index index) { m_entries.resize(index + 1 - m_first); }
  void resetTo(Index next) {
    m_entries.clear();
    m_first = next;
  }
  void compactTo(Index firstKept) {  // drop entries below firstKept
    m_entries.erase(m_entries.begin(), m_entries.begin() + static_cast<std::ptrdiff_t>(firstKept - m_first));
    m_first = firstKept;
  }
  void setSnapshot(const SnapshotMeta& meta, std::string data) {
    m_snapshotMeta = meta;
    m_snapshotData = std::move(data);
  }
  const std::vector<Entry>& all() const { return m_entries; }

 private:
  Index m_first = 1;
  std::vector<Entry> m_entries;
  SnapshotMeta m_snapshotMeta;
  std::string m_snapshotData;
};

}  // namespace qlab::replication
