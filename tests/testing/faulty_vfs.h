#pragma once

// An SQLite VFS for tests that wraps the default one and fails on demand:
// xSync returns SQLITE_IOERR_FSYNC (as an fsync reporting EIO would), or
// xWrite returns SQLITE_FULL (as SQLite's own VFS does on ENOSPC).
// Test code only: production binaries never link it. Open a store on it
// with SqliteOptions::vfs = kFaultyVfsName.

namespace frontdoor::testing {

inline constexpr char kFaultyVfsName[] = "frontdoor-faulty";

// Registers the VFS (not as the default) once per process; idempotent.
void RegisterFaultyVfs();

// From the next call on, every xSync of any file opened through the VFS
// fails (false: succeeds again).
void SetFsyncFails(bool fails);
// From the next call on, every xWrite fails with SQLITE_FULL (false: the
// disk has room again).
void SetDiskFull(bool full);
// How many xSync calls have failed so far.
int FailedSyncs();

}  // namespace frontdoor::testing
