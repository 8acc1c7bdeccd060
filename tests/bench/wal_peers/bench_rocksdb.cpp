// bench_rocksdb --writers K --record-bytes B --seconds S [--dir D] [--json]
//
// The RocksDB side of scripts/bench-peers: K threads each Put a B-byte value under its own
// next key with WriteOptions::sync = true and the WAL on (disableWAL = false), so every Put
// returns only after RocksDB's WAL was written and synced. RocksDB groups concurrent writers
// behind a leader (one WAL write and one sync per group), like LevelDB. Default options
// otherwise (64 MiB memtable, 2 background jobs, no pipelined or unordered writes). The sync
// count comes from a FileSystem wrapper that counts Sync/Fsync/RangeSync on written files.
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>

#include "peer_driver.h"

namespace {

class CountingFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  CountingFile(std::unique_ptr<rocksdb::FSWritableFile>&& f, std::atomic<std::uint64_t>& syncs)
      : rocksdb::FSWritableFileOwnerWrapper(std::move(f)), m_syncs(syncs) {}
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    m_syncs.fetch_add(1, std::memory_order_relaxed);
    return target()->Sync(o, d);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    m_syncs.fetch_add(1, std::memory_order_relaxed);
    return target()->Fsync(o, d);
  }
  rocksdb::IOStatus RangeSync(std::uint64_t off, std::uint64_t n, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* d) override {
    m_syncs.fetch_add(1, std::memory_order_relaxed);
    return target()->RangeSync(off, n, o, d);
  }

 private:
  std::atomic<std::uint64_t>& m_syncs;
};

class CountingFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit CountingFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base) : rocksdb::FileSystemWrapper(base) {}
  const char* Name() const override { return "QlabCountingFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* d) override {
    return wrap(target()->NewWritableFile(f, o, r, d), r);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* d) override {
    return wrap(target()->ReopenWritableFile(f, o, r, d), r);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* d) override {
    return wrap(target()->ReuseWritableFile(f, old, o, r, d), r);
  }
  std::atomic<std::uint64_t> syncs{0};

 private:
  rocksdb::IOStatus wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (s.ok()) *r = std::make_unique<CountingFile>(std::move(*r), syncs);
    return s;
  }
};

class RocksDbStore final : public qlab::peers::Store {
 public:
  bool open(const std::string& path, std::string* error) {
    m_fs = std::make_shared<CountingFileSystem>(rocksdb::FileSystem::Default());
    m_env = rocksdb::NewCompositeEnv(m_fs);
    rocksdb::Options opt;
    opt.create_if_missing = true;
    opt.error_if_exists = true;
    opt.env = m_env.get();
    rocksdb::DB* db = nullptr;
    const rocksdb::Status s = rocksdb::DB::Open(opt, path, &db);
    if (!s.ok()) {
      *error = s.ToString();
      return false;
    }
    m_db.reset(db);
    m_write.sync = true;
    m_write.disableWAL = false;
    return true;
  }
  bool put(const std::string& key, const std::string& value, std::string* error) override {
    const rocksdb::Status s = m_db->Put(m_write, key, value);
    if (!s.ok()) *error = s.ToString();
    return s.ok();
  }
  std::uint64_t syncs() const override { return m_fs->syncs.load(); }

 private:
  std::shared_ptr<CountingFileSystem> m_fs;  // declared first: outlive the DB
  std::unique_ptr<rocksdb::Env> m_env;
  std::unique_ptr<rocksdb::DB> m_db;
  rocksdb::WriteOptions m_write;
};

}  // namespace

int main(int argc, char** argv) {
  return qlab::peers::runDriver("bench_rocksdb", "rocksdb", argc, argv,
                                [](const std::string& path, std::string* error) -> std::unique_ptr<qlab::peers::Store> {
                                  auto store = std::make_unique<RocksDbStore>();
                                  if (!store->open(path, error)) return nullptr;
                                  return store;
                                });
}
