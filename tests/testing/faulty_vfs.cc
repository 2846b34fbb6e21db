#include "tests/testing/faulty_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <mutex>

namespace frontdoor::testing {
namespace {

std::atomic<bool> fsync_fails{false};
std::atomic<bool> disk_full{false};
std::atomic<int> failed_syncs{0};

// A file of the faulty VFS: its own methods first, the real VFS's file
// right after it.
struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_vfs* RealVfs() { return sqlite3_vfs_find(nullptr); }
sqlite3_file* Real(sqlite3_file* file) {
  return reinterpret_cast<FaultyFile*>(file)->real;
}

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return Real(f)->pMethods->xRead(Real(f), buf, amount, offset);
}
int Write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  if (disk_full.load()) return SQLITE_FULL;
  return Real(f)->pMethods->xWrite(Real(f), buf, amount, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (fsync_fails.load()) {
    failed_syncs.fetch_add(1);
    return SQLITE_IOERR_FSYNC;
  }
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xLock(Real(f), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xUnlock(Real(f), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return Real(f)->pMethods->xSectorSize(Real(f));
}
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend,
           void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
// No memory-mapped I/O: every write goes through xWrite.
int Fetch(sqlite3_file* /*f*/, sqlite3_int64 /*offset*/, int /*amount*/,
          void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file* /*f*/, sqlite3_int64 /*offset*/, void* /*p*/) {
  return SQLITE_OK;
}

const sqlite3_io_methods kMethods = {
    /*iVersion=*/3, Close,     Read,        Write,    Truncate,
    Sync,           FileSize,  Lock,        Unlock,   CheckReservedLock,
    FileControl,    SectorSize, DeviceCharacteristics, ShmMap,
    ShmLock,        ShmBarrier, ShmUnmap,   Fetch,    Unfetch};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  auto* faulty = reinterpret_cast<FaultyFile*>(file);
  faulty->real = reinterpret_cast<sqlite3_file*>(faulty + 1);
  sqlite3_vfs* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
  const int rc = real->xOpen(real, name, faulty->real, flags, out_flags);
  // Without methods SQLite never calls xClose, as the real VFS intends.
  faulty->base.pMethods =
      faulty->real->pMethods == nullptr ? nullptr : &kMethods;
  return rc;
}

#define FORWARD(name, ...)                                   \
  static_cast<sqlite3_vfs*>(vfs->pAppData)->name(            \
      static_cast<sqlite3_vfs*>(vfs->pAppData), __VA_ARGS__)

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return FORWARD(xDelete, name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return FORWARD(xAccess, name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return FORWARD(xFullPathname, name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  return FORWARD(xDlOpen, name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) { FORWARD(xDlError, n, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return FORWARD(xDlSym, handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { FORWARD(xDlClose, handle); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return FORWARD(xRandomness, n, out);
}
int Sleep(sqlite3_vfs* vfs, int micros) { return FORWARD(xSleep, micros); }
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return FORWARD(xCurrentTime, out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return FORWARD(xGetLastError, n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return FORWARD(xCurrentTimeInt64, out);
}
#undef FORWARD

}  // namespace

void RegisterFaultyVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_vfs* real = RealVfs();
    static sqlite3_vfs vfs = {};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(FaultyFile)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = kFaultyVfsName;
    vfs.pAppData = real;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  });
}

void SetFsyncFails(bool fails) { fsync_fails.store(fails); }
void SetDiskFull(bool full) { disk_full.store(full); }
int FailedSyncs() { return failed_syncs.load(); }

}  // namespace frontdoor::testing
