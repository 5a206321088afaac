/*
 * noetl-wal: an SQLite VFS shim that writes each commit's WAL frames with one system call.
 *
 * SQLite appends a frame to the write-ahead log as two writes: its 24-byte header, then the page.
 * A commit of a workflow step appends 4-5 frames: 8-10 `pwrite` calls, each a system call that
 * costs microseconds on a virtual machine. This shim, registered as the default VFS over the
 * platform's own, keeps the writes that extend a WAL file in a buffer and writes the buffer at
 * once when the frame that ends a transaction (its header carries the database size: SQLite's
 * commit mark) is complete. Everything else goes straight to the real file.
 *
 * What keeps this safe:
 * - Readers learn of new frames only from the wal-index header, which SQLite writes after the
 *   frames of the commit: by then the commit frame is complete and the buffer written (the write
 *   of its page returns the error of the whole buffer, which fails the commit as a failed write of
 *   that page would). A transaction's other frames (a cache spill) wait in the buffer until the
 *   commit frame, or until any other operation on the file (read, size, sync, truncate, close,
 *   file control, a write elsewhere) writes the buffer first, so the file always reads as SQLite
 *   wrote it.
 * - Only appends are held: writes at or beyond the furthest offset this handle has written since
 *   the log's 32-byte header (SQLite rewrites frames in place only below it). When another
 *   connection has moved the log, the writes go straight through: slower, never wrong.
 * - The wal-index barrier (xShmBarrier on the database file, called before the header is
 *   published) writes anything still held as a last resort and counts it (`late`): the tests
 *   check that it stays 0.
 *
 * `noetl_wal_stats()` (an SQL function of the connection that loads the extension) answers
 * `held writes|buffer writes|late writes|write errors`, counted over the process.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAL_HEADER_SIZE 32
#define FRAME_HEADER_SIZE 24
/* the unix VFS writes at most 0x1ffff bytes in one call (seekAndWriteFd) */
#define MAX_HELD 0x1ffff

typedef struct CoFile CoFile;
struct CoFile {
  sqlite3_file base;
  sqlite3_file *real;
  int is_wal;
  /* WAL handles: the held writes, buf[0] at file offset held_at */
  unsigned char *buf;
  int held;
  int cap;
  sqlite3_int64 held_at;
  /* the furthest offset written since the log header */
  sqlite3_int64 frontier;
  /* the last held write is a frame header with SQLite's commit mark */
  int commit_header;
  /* database handles: this connection's WAL handle, when open */
  CoFile *wal;
  /* WAL handles: the database handle that links to this one */
  CoFile *db;
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs co_vfs;
static sqlite3_io_methods co_methods;

static volatile sqlite3_int64 st_held, st_flushes, st_late, st_errors;

static void count(volatile sqlite3_int64 *c) { __atomic_fetch_add(c, 1, __ATOMIC_RELAXED); }

/* Writes the held bytes (one system call; the real VFS loops over short writes). */
static int co_flush(CoFile *p) {
  int rc;
  if (p->held == 0) return SQLITE_OK;
  rc = p->real->pMethods->xWrite(p->real, p->buf, p->held, p->held_at);
  p->held = 0;
  p->commit_header = 0;
  count(&st_flushes);
  if (rc != SQLITE_OK) count(&st_errors);
  return rc;
}

static int co_hold(CoFile *p, const void *z, int n, sqlite3_int64 at) {
  if (p->held == 0) p->held_at = at;
  if (p->held + n > p->cap) {
    int cap = p->cap ? p->cap : 64 * 1024;
    unsigned char *b;
    while (cap < p->held + n) cap *= 2;
    b = realloc(p->buf, (size_t)cap);
    if (b == 0) return SQLITE_NOMEM;
    p->buf = b;
    p->cap = cap;
  }
  memcpy(p->buf + p->held, z, (size_t)n);
  p->held += n;
  count(&st_held);
  return SQLITE_OK;
}

static int co_close(sqlite3_file *f) {
  CoFile *p = (CoFile *)f;
  int rc = co_flush(p);
  int rc2 = p->real->pMethods->xClose(p->real);
  if (p->db != 0 && p->db->wal == p) p->db->wal = 0;
  if (p->wal != 0 && p->wal->db == p) p->wal->db = 0;
  free(p->buf);
  p->buf = 0;
  return rc != SQLITE_OK ? rc : rc2;
}

static int co_read(sqlite3_file *f, void *z, int n, sqlite3_int64 at) {
  CoFile *p = (CoFile *)f;
  int rc = co_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xRead(p->real, z, n, at);
}

static int co_write(sqlite3_file *f, const void *z, int n, sqlite3_int64 at) {
  CoFile *p = (CoFile *)f;
  int rc;
  int extends;
  int ends_commit;
  if (!p->is_wal) return p->real->pMethods->xWrite(p->real, z, n, at);
  extends = p->held > 0 && at == p->held_at + p->held;
  /* the page of the frame that carries the commit mark: the transaction's last write */
  ends_commit = extends && p->commit_header;
  if (at == 0 && n == WAL_HEADER_SIZE) p->frontier = 0; /* a new log starts */
  if (!extends || p->held + n > MAX_HELD) {
    if (p->held > 0) {
      rc = co_flush(p);
      if (rc != SQLITE_OK) return rc;
    }
    if (at < p->frontier || n > MAX_HELD) return p->real->pMethods->xWrite(p->real, z, n, at);
  }
  if (at + n > p->frontier) p->frontier = at + n;
  rc = co_hold(p, z, n, at);
  if (rc != SQLITE_OK) return rc;
  if (ends_commit) return co_flush(p);
  /* bytes 4..7 of a frame header: the database size in pages after a commit, 0 otherwise */
  p->commit_header = 0;
  if (n == FRAME_HEADER_SIZE) {
    const unsigned char *h = (const unsigned char *)z;
    p->commit_header = (h[4] | h[5] | h[6] | h[7]) != 0;
  }
  return SQLITE_OK;
}

static int co_truncate(sqlite3_file *f, sqlite3_int64 size) {
  CoFile *p = (CoFile *)f;
  int rc = co_flush(p);
  if (rc != SQLITE_OK) return rc;
  if (p->frontier > size) p->frontier = size;
  return p->real->pMethods->xTruncate(p->real, size);
}

static int co_sync(sqlite3_file *f, int flags) {
  CoFile *p = (CoFile *)f;
  int rc = co_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xSync(p->real, flags);
}

static int co_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  CoFile *p = (CoFile *)f;
  int rc = co_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xFileSize(p->real, size);
}

static int co_lock(sqlite3_file *f, int lock) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xLock(p->real, lock);
}

static int co_unlock(sqlite3_file *f, int lock) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xUnlock(p->real, lock);
}

static int co_check_reserved_lock(sqlite3_file *f, int *out) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int co_file_control(sqlite3_file *f, int op, void *arg) {
  CoFile *p = (CoFile *)f;
  int rc = co_flush(p);
  if (rc != SQLITE_OK) return rc;
  if (op == SQLITE_FCNTL_VFSNAME && arg != 0) {
    char *inner = 0;
    rc = p->real->pMethods->xFileControl(p->real, op, &inner);
    *(char **)arg = sqlite3_mprintf("noetl-wal/%s", rc == SQLITE_OK && inner ? inner : real_vfs->zName);
    sqlite3_free(inner);
    return SQLITE_OK;
  }
  return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int co_sector_size(sqlite3_file *f) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xSectorSize(p->real);
}

static int co_device_characteristics(sqlite3_file *f) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xDeviceCharacteristics(p->real);
}

static int co_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xShmMap(p->real, page, size, extend, out);
}

static int co_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void co_shm_barrier(sqlite3_file *f) {
  CoFile *p = (CoFile *)f;
  if (p->wal != 0 && p->wal->held) {
    count(&st_late);
    co_flush(p->wal);
  }
  p->real->pMethods->xShmBarrier(p->real);
}

static int co_shm_unmap(sqlite3_file *f, int del) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xShmUnmap(p->real, del);
}

static int co_fetch(sqlite3_file *f, sqlite3_int64 at, int n, void **out) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xFetch(p->real, at, n, out);
}

static int co_unfetch(sqlite3_file *f, sqlite3_int64 at, void *page) {
  CoFile *p = (CoFile *)f;
  return p->real->pMethods->xUnfetch(p->real, at, page);
}

static int co_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags) {
  CoFile *p = (CoFile *)f;
  int rc;
  (void)vfs;
  memset(p, 0, sizeof(*p));
  p->real = (sqlite3_file *)&p[1];
  rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
  if (p->real->pMethods == 0) {
    p->base.pMethods = 0;
    return rc;
  }
  /* the shim needs version 3 methods (shared memory, memory map) from the file it wraps */
  if (p->real->pMethods->iVersion < 3) {
    p->real->pMethods->xClose(p->real);
    p->base.pMethods = 0;
    return SQLITE_CANTOPEN;
  }
  p->base.pMethods = &co_methods;
  if ((flags & SQLITE_OPEN_WAL) != 0 && name != 0) {
    sqlite3_file *db = sqlite3_database_file_object(name);
    p->is_wal = 1;
    if (db != 0 && db->pMethods == &co_methods) {
      p->db = (CoFile *)db;
      p->db->wal = p;
    }
  }
  return rc;
}

static int co_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int co_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int co_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *co_dl_open(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return real_vfs->xDlOpen(real_vfs, name);
}

static void co_dl_error(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  real_vfs->xDlError(real_vfs, n, out);
}

static void (*co_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void) {
  (void)vfs;
  return real_vfs->xDlSym(real_vfs, h, sym);
}

static void co_dl_close(sqlite3_vfs *vfs, void *h) {
  (void)vfs;
  real_vfs->xDlClose(real_vfs, h);
}

static int co_randomness(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return real_vfs->xRandomness(real_vfs, n, out);
}

static int co_sleep(sqlite3_vfs *vfs, int us) {
  (void)vfs;
  return real_vfs->xSleep(real_vfs, us);
}

static int co_current_time(sqlite3_vfs *vfs, double *out) {
  (void)vfs;
  return real_vfs->xCurrentTime(real_vfs, out);
}

static int co_get_last_error(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int co_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
  (void)vfs;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void stats(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  char out[128];
  (void)argc;
  (void)argv;
  snprintf(out, sizeof(out), "%lld|%lld|%lld|%lld", (long long)st_held, (long long)st_flushes,
           (long long)st_late, (long long)st_errors);
  sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_walcoalesce_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  int rc = SQLITE_OK;
  SQLITE_EXTENSION_INIT2(api);
  (void)err;
  if (sqlite3_vfs_find("noetl-wal") == 0) {
    real_vfs = sqlite3_vfs_find(0);
    if (real_vfs == 0 || real_vfs->iVersion < 2) return SQLITE_ERROR;
    co_methods.iVersion = 3;
    co_methods.xClose = co_close;
    co_methods.xRead = co_read;
    co_methods.xWrite = co_write;
    co_methods.xTruncate = co_truncate;
    co_methods.xSync = co_sync;
    co_methods.xFileSize = co_file_size;
    co_methods.xLock = co_lock;
    co_methods.xUnlock = co_unlock;
    co_methods.xCheckReservedLock = co_check_reserved_lock;
    co_methods.xFileControl = co_file_control;
    co_methods.xSectorSize = co_sector_size;
    co_methods.xDeviceCharacteristics = co_device_characteristics;
    co_methods.xShmMap = co_shm_map;
    co_methods.xShmLock = co_shm_lock;
    co_methods.xShmBarrier = co_shm_barrier;
    co_methods.xShmUnmap = co_shm_unmap;
    co_methods.xFetch = co_fetch;
    co_methods.xUnfetch = co_unfetch;
    co_vfs.iVersion = 2;
    co_vfs.szOsFile = (int)sizeof(CoFile) + real_vfs->szOsFile;
    co_vfs.mxPathname = real_vfs->mxPathname;
    co_vfs.zName = "noetl-wal";
    co_vfs.xOpen = co_open;
    co_vfs.xDelete = co_delete;
    co_vfs.xAccess = co_access;
    co_vfs.xFullPathname = co_full_pathname;
    co_vfs.xDlOpen = co_dl_open;
    co_vfs.xDlError = co_dl_error;
    co_vfs.xDlSym = co_dl_sym;
    co_vfs.xDlClose = co_dl_close;
    co_vfs.xRandomness = co_randomness;
    co_vfs.xSleep = co_sleep;
    co_vfs.xCurrentTime = co_current_time;
    co_vfs.xGetLastError = co_get_last_error;
    co_vfs.xCurrentTimeInt64 = co_current_time_int64;
    rc = sqlite3_vfs_register(&co_vfs, 1);
    if (rc != SQLITE_OK) return rc;
  }
  rc = sqlite3_create_function(db, "noetl_wal_stats", 0, SQLITE_UTF8, 0, stats, 0, 0);
  /* keep the library loaded after this connection closes: the VFS lives as long as the process */
  return rc == SQLITE_OK ? SQLITE_OK_LOAD_PERMANENTLY : rc;
}
