// FullDiskVfs: a SQLite VFS over the default one whose files can only grow by a budget of
// bytes, shared by every file opened through it (database, WAL, journal). A write past
// the budget fails with SQLITE_FULL, as on a full disk; rewriting bytes a file already
// has costs nothing, as on a real file system. The SQLite side of a fake disk, the way
// leveldb's fault-injection Env fakes one for leveldb.
//
// Use: FullDiskVfs disk("full-disk"); options.database.vfs = disk.name(); then
// disk.set_budget(0) for a disk that is already full, or any other number of bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

struct sqlite3_vfs;

namespace sluice::store::testing {

class FullDiskVfs {
 public:
  static constexpr int64_t kUnlimited = -1;

  // Registers the VFS under `name` (not as the default).
  explicit FullDiskVfs(std::string name);
  ~FullDiskVfs();  // unregisters it; connections using it must be closed first
  FullDiskVfs(const FullDiskVfs&) = delete;
  FullDiskVfs& operator=(const FullDiskVfs&) = delete;

  const std::string& name() const { return name_; }
  void set_budget(int64_t bytes) { budget_ = bytes; }
  // Writes refused since construction.
  int64_t refused_writes() const { return refused_; }

  // Takes `growth` bytes of the budget; false (and nothing taken) when they do not fit.
  bool take(int64_t growth);

 private:
  std::string name_;
  std::atomic<int64_t> budget_{kUnlimited};
  std::atomic<int64_t> refused_{0};
  sqlite3_vfs* vfs_ = nullptr;
};

}  // namespace sluice::store::testing
