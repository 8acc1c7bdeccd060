// bench_leveldb --writers K --record-bytes B --seconds S [--dir D] [--json]
//
// The LevelDB side of scripts/bench-peers: K threads each Put a B-byte value under its own
// next key with WriteOptions::sync = true, so every Put returns only after LevelDB's log
// (its write-ahead log) was written and fdatasync'd. LevelDB's writers queue behind one
// leader that writes the whole queue as one batch with one sync: its own group commit.
// Default options otherwise (4 MiB memtable, no compression changes, one DB). The fdatasync
// count comes from an Env wrapper that counts WritableFile::Sync calls (log, tables, manifest).
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include "peer_driver.h"

namespace {

class CountingFile final : public leveldb::WritableFile {
 public:
  CountingFile(leveldb::WritableFile* f, std::atomic<std::uint64_t>& syncs) : m_f(f), m_syncs(syncs) {}
  leveldb::Status Append(const leveldb::Slice& data) override { return m_f->Append(data); }
  leveldb::Status Close() override { return m_f->Close(); }
  leveldb::Status Flush() override { return m_f->Flush(); }
  leveldb::Status Sync() override {
    m_syncs.fetch_add(1, std::memory_order_relaxed);
    return m_f->Sync();
  }

 private:
  std::unique_ptr<leveldb::WritableFile> m_f;
  std::atomic<std::uint64_t>& m_syncs;
};

class CountingEnv final : public leveldb::EnvWrapper {
 public:
  CountingEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    return wrap(target()->NewWritableFile(name, out), out);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
    return wrap(target()->NewAppendableFile(name, out), out);
  }
  std::atomic<std::uint64_t> syncs{0};

 private:
  leveldb::Status wrap(leveldb::Status s, leveldb::WritableFile** out) {
    if (s.ok()) *out = new CountingFile(*out, syncs);  // LevelDB owns and deletes *out
    return s;
  }
};

class LevelDbStore final : public qlab::peers::Store {
 public:
  bool open(const std::string& path, std::string* error) {
    leveldb::Options opt;
    opt.create_if_missing = true;
    opt.error_if_exists = true;
    opt.env = &m_env;
    leveldb::DB* db = nullptr;
    const leveldb::Status s = leveldb::DB::Open(opt, path, &db);
    if (!s.ok()) {
      *error = s.ToString();
      return false;
    }
    m_db.reset(db);
    m_write.sync = true;
    return true;
  }
  bool put(const std::string& key, const std::string& value, std::string* error) override {
    const leveldb::Status s = m_db->Put(m_write, key, value);
    if (!s.ok()) *error = s.ToString();
    return s.ok();
  }
  std::uint64_t syncs() const override { return m_env.syncs.load(); }

 private:
  CountingEnv m_env;  // declared first: outlives the DB
  std::unique_ptr<leveldb::DB> m_db;
  leveldb::WriteOptions m_write;
};

}  // namespace

int main(int argc, char** argv) {
  return qlab::peers::runDriver("bench_leveldb", "leveldb", argc, argv,
                                [](const std::string& path, std::string* error) -> std::unique_ptr<qlab::peers::Store> {
                                  auto store = std::make_unique<LevelDbStore>();
                                  if (!store->open(path, error)) return nullptr;
                                  return store;
                                });
}
