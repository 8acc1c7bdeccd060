#pragma once
// Private to core/wal: listing a log directory's segment files, read-only views of a segment
// file through one reusable block buffer, and the record scans built on them. Shared by recovery (log_recovery.cpp)
// and the read-only verifier (log_verifier.cpp) so that both apply docs/wal-format.md's
// recovery rules to exactly the same bytes in exactly the same way.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/status.h"
#include "core/wal/file_system.h"
#include "core/wal/record_codec.h"

namespace qlab::wal {

struct NamedSegment {
  Index first = 0;   // the number in the file name
  std::string name;  // "00000000000000000001.wal"
};

// The segment files of `dir` sorted by first index. A name ending in .wal that is not a
// segment name adds a note to `notes` (recovery ignores those files).
Result<std::vector<NamedSegment>> listSegmentFiles(const FileSystem& fs, const std::string& dir,
                                                   std::vector<std::string>* notes);

// Views of the bytes [0, size) of a file, read in blocks of at least 1 MiB. `size` is fixed
// when the reader is made: a file that grows meanwhile (a live log) is read as it was then.
class BlockReader {
 public:
  BlockReader(const File& f, std::uint64_t size) : m_file(f), m_size(size) {}
  std::uint64_t size() const { return m_size; }
  // Bytes [offset, offset + n), clipped at the end of the file. The view stays valid until
  // the next call.
  Result<std::string_view> get(std::uint64_t offset, std::size_t n);

 private:
  const File& m_file;
  std::uint64_t m_size;
  std::string m_buf;
  std::uint64_t m_start = 0;
};

// The record at `offset`: reads the header, then the whole record if its length is sane.
Result<RecordView> recordAt(BlockReader& br, std::uint64_t offset);

struct FoundRecord {
  std::uint64_t offset = 0;
  Index index = 0;
};

// The first valid record with a plausible header and an index above `lastGood` at an
// aligned offset >= from, if any (the torn-tail and half-created-segment rules).
Result<std::optional<FoundRecord>> findValidRecord(BlockReader& br, std::uint64_t from, Index lastGood);

// What is wrong with a record viewRecord refused, for a person: its detail, plus both CRCs
// for a checksum mismatch.
std::string recordProblem(const RecordView& v);

}  // namespace qlab::wal
