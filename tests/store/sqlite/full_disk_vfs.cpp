#include "full_disk_vfs.h"

#include <sqlite3.h>

#include <stdexcept>

namespace sluice::store::testing {
namespace {

struct ShimVfs {
  sqlite3_vfs vfs;  // first: SQLite hands back a pointer to it
  sqlite3_vfs* real;
  FullDiskVfs* disk;
};

struct ShimFile {
  sqlite3_file base;  // first, as SQLite requires; the real file follows this struct
  FullDiskVfs* disk;
  sqlite3_file* real;
};

ShimVfs* shim(sqlite3_vfs* vfs) {
  return reinterpret_cast<ShimVfs*>(vfs);
}
ShimFile* shim(sqlite3_file* file) {
  return reinterpret_cast<ShimFile*>(file);
}
sqlite3_file* real(sqlite3_file* file) {
  return shim(file)->real;
}

int shim_close(sqlite3_file* f) {
  return real(f)->pMethods->xClose(real(f));
}
int shim_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return real(f)->pMethods->xRead(real(f), buffer, amount, offset);
}
// The fault: growing a file beyond the budget fails as on a full disk.
int shim_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  sqlite3_int64 size = 0;
  if (int rc = real(f)->pMethods->xFileSize(real(f), &size); rc != SQLITE_OK) return rc;
  sqlite3_int64 growth = offset + amount - size;
  if (growth > 0 && !shim(f)->disk->take(growth)) return SQLITE_FULL;
  return real(f)->pMethods->xWrite(real(f), buffer, amount, offset);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int shim_sync(sqlite3_file* f, int flags) {
  return real(f)->pMethods->xSync(real(f), flags);
}
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int shim_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}
int shim_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}
int shim_device(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int shim_shm_map(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, page_size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}
int shim_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int shim_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real(f)->pMethods->xFetch(real(f), offset, amount, out);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real(f)->pMethods->xUnfetch(real(f), offset, page);
}

const sqlite3_io_methods kShimMethods = {
    3,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_file_size,
    shim_lock,
    shim_unlock,
    shim_check_reserved,
    shim_file_control,
    shim_sector_size,
    shim_device,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    shim_fetch,
    shim_unfetch,
};

int shim_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  ShimFile* f = shim(file);
  f->base.pMethods = nullptr;  // SQLite calls no method of a file that failed to open
  f->disk = shim(vfs)->disk;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  sqlite3_vfs* under = shim(vfs)->real;
  int rc = under->xOpen(under, name, f->real, flags, out_flags);
  if (rc == SQLITE_OK && f->real->pMethods != nullptr) {
    if (f->real->pMethods->iVersion < 3) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_CANTOPEN;  // the forwarding below assumes a version-3 file
    }
    f->base.pMethods = &kShimMethods;
  }
  return rc;
}
int shim_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return shim(vfs)->real->xDelete(shim(vfs)->real, name, sync_dir);
}
int shim_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return shim(vfs)->real->xAccess(shim(vfs)->real, name, flags, out);
}
int shim_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return shim(vfs)->real->xFullPathname(shim(vfs)->real, name, size, out);
}
int shim_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return shim(vfs)->real->xRandomness(shim(vfs)->real, size, out);
}
int shim_sleep(sqlite3_vfs* vfs, int microseconds) {
  return shim(vfs)->real->xSleep(shim(vfs)->real, microseconds);
}
int shim_current_time(sqlite3_vfs* vfs, double* out) {
  return shim(vfs)->real->xCurrentTime(shim(vfs)->real, out);
}
int shim_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return shim(vfs)->real->xGetLastError(shim(vfs)->real, size, out);
}
int shim_current_time64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return shim(vfs)->real->xCurrentTimeInt64(shim(vfs)->real, out);
}

}  // namespace

FullDiskVfs::FullDiskVfs(std::string name) : name_(std::move(name)) {
  sqlite3_vfs* under = sqlite3_vfs_find(nullptr);
  if (under == nullptr || under->iVersion < 2) throw std::runtime_error("no usable default VFS");
  auto* s = new ShimVfs{};
  s->real = under;
  s->disk = this;
  sqlite3_vfs& v = s->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(ShimFile)) + under->szOsFile;
  v.mxPathname = under->mxPathname;
  v.zName = name_.c_str();
  v.xOpen = shim_open;
  v.xDelete = shim_delete;
  v.xAccess = shim_access;
  v.xFullPathname = shim_full_pathname;
  v.xRandomness = shim_randomness;
  v.xSleep = shim_sleep;
  v.xCurrentTime = shim_current_time;
  v.xGetLastError = shim_last_error;
  v.xCurrentTimeInt64 = shim_current_time64;
  vfs_ = &s->vfs;
  if (sqlite3_vfs_register(vfs_, 0) != SQLITE_OK) {
    delete s;
    throw std::runtime_error("cannot register VFS " + name_);
  }
}

FullDiskVfs::~FullDiskVfs() {
  sqlite3_vfs_unregister(vfs_);
  delete shim(vfs_);
}

bool FullDiskVfs::take(int64_t growth) {
  int64_t left = budget_.load();
  while (true) {
    if (left == kUnlimited) return true;
    if (growth > left) {
      ++refused_;
      return false;
    }
    if (budget_.compare_exchange_weak(left, left - growth)) return true;
  }
}

}  // namespace sluice::store::testing
