/*  =========================================================================
    cb_store - catchball's LMDB environment, and the only code that calls mdb_*

    See store.h for the contract. Safety first: the environment is opened
    with MDB_NOTLS and nothing else, so every commit is synced to disk
    before the broker acknowledges anything (in power-cut tests, skipping
    the sync of the meta page lost the last transaction, and skipping
    syncs altogether left stores that would not open; see
    tests/chaos/README.md).

    Every value is stored sealed: the record, then its checksum (8 bytes,
    big-endian XXH3-64, see cb_store_sum). Reads unseal it and hand the
    caller the record alone; a value that does not verify never leaves
    this file. The store's own store.mapsize is sealed the same way. The
    format record alone stays as it was, 4 raw bytes: a broker from
    before format 3 (or 4) reads it, sees a newer format and refuses the store,
    where a sealed one would look to it like no format at all (format 1),
    which it would overwrite with 2 and then misread every record. A
    format damaged into 1 or 2 is caught by the upgrade: it finds records
    already sealed and refuses the store.

    The file is longer than most (about 1,000 lines) on purpose, in
    sections: it is the one place that calls mdb_*, and what it keeps
    together (the environment, its files and their modes, the checksums,
    the upgrade, transactions, reads and walks) shares LMDB's handles and
    its error handling. `catchballd check` (store_check.c) is apart.
    =========================================================================
*/
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <xxhash.h>

#include "store.h"
#include "store_int.h"

#define S_DEFAULT_MAPSIZE ((size_t) 64 << 20)
#define S_DEFAULT_MAPMAX ((size_t) 64 << 30)
//  Less free space than this after a failed write: the disk is full.
#define S_DISK_FULL_SLACK ((unsigned long long) 1 << 20)
//  The meta key holding the store's format (CB_STORE_FORMAT), 4 raw
//  bytes, never sealed (see above).
#define S_FORMAT_KEY "format"
//  Written into a store's directory when the store is made: with LMDB's
//  lock.mdb, it tells a store whose data file went missing from a place
//  where no store ever was.
#define S_MARKER "catchball.store"
//  Values up to this size are sealed in a buffer on the stack.
#define S_SEAL_STACK 2048

static const char *s_table_names [CB_T_COUNT] = {
    "meta", "nodes", "drafts", "revisions", "rounds", "responses",
    "inbox", "inbox_state", "requests", "deadlines", "log", "events", "asks", "timeboxes",
    "history", "payloads", "votes", "vote_deadlines", "checkins", "cycles", "dues"
};

struct _cb_store_t {
    char *path;                 //  Directory of the environment
    MDB_env *env;               //  The environment
    MDB_dbi dbi [CB_T_COUNT];   //  Every table, opened once
    size_t mapsize;             //  Current map size in bytes
    size_t mapmax;              //  The map never grows beyond this
    int lockfd;                 //  The directory, flock'ed while open (or -1)
};

struct _cb_txn_t {
    cb_store_t *store;          //  Owning store
    MDB_txn *txn;               //  LMDB transaction
    cb_txn_t *parent;           //  Parent, for a child transaction
    cb_store_status_t status;   //  First failure seen
    uint64_t writes;            //  Puts and deletes that changed something
    uint64_t damage;            //  Damaged records met, children's included
};

const char *
cb_store_table_name (cb_table_t table)
{
    return table < CB_T_COUNT ? s_table_names [table] : "?";
}

//  --------------------------------------------------------------------------
//  Checksums

uint64_t
cb_store_sum (const void *key, size_t klen, const void *val, size_t vlen)
{
    return XXH3_64bits_withSeed (val, vlen, XXH3_64bits (key, klen));
}

//  The stored form of a value: the value, then its checksum, in `buf`
//  (vlen + CB_STORE_SUM_SIZE bytes).
static void
s_seal (uint8_t *buf, const MDB_val *k, const void *val, size_t vlen)
{
    if (vlen)
        memcpy (buf, val, vlen);
    cb_put_u64 (buf + vlen, cb_store_sum (k->mv_data, k->mv_size, val, vlen));
}

int
cb_store_unseal (const MDB_val *k, MDB_val *v)
{
    if (v->mv_size < CB_STORE_SUM_SIZE)
        return -1;
    size_t size = v->mv_size - CB_STORE_SUM_SIZE;
    const uint8_t *data = (const uint8_t *) v->mv_data;
    if (cb_get_u64 (data + size) != cb_store_sum (k->mv_data, k->mv_size, data, size))
        return -1;
    v->mv_size = size;
    return 0;
}

//  LMDB's own words for a page that is not what it should be.
static bool
s_is_damage (int rc)
{
    return rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND;
}

//  A damaged record met by a read: counted in this transaction and its
//  parents, and logged with its table and key (in hex, at most 48 bytes).
void
cb_txn_damaged (cb_txn_t *self, cb_table_t table, const void *key, size_t klen,
                const char *why)
{
    char hex [2 * 48 + 4];
    size_t n = klen < 48 ? klen : 48;
    for (size_t i = 0; i < n; i++)
        snprintf (hex + 2 * i, 3, "%02x", ((const uint8_t *) key) [i]);
    snprintf (hex + 2 * n, 4, "%s", klen > n ? "..." : "");
    //  The same record met again and again (a push retried after every
    //  batch) is logged once a minute, not once a read.
    static uint64_t last_key = 0;
    static int64_t last_time = 0;
    uint64_t this_key = XXH3_64bits_withSeed (key, klen, (uint64_t) table);
    int64_t now = zclock_mono ();
    bool quiet = this_key == last_key && now - last_time < 60000;
    if (!quiet) {
        last_key = this_key;
        last_time = now;
    }
    for (cb_txn_t *t = self; t; t = t->parent)
        t->damage++;
    if (quiet)
        return;
    zsys_error ("store: damaged record in table %s, key %s: %s; not served. Run 'catchballd "
                "check' and restore %s from a backup (README, Reliability)",
                cb_store_table_name (table), n ? hex : "(empty)", why, self->store->path);
}

void
cb_store_restore_hint (const char *dir)
{
    zsys_error ("store: to restore from a backup: stop catchballd, move %s aside, make an "
                "empty directory in its place, copy the backup's data.mdb into it, run "
                "'catchballd --store DIR check' on it, then start catchballd (README, "
                "Reliability)", dir);
}

//  --------------------------------------------------------------------------
//  Map an LMDB return code to what the batch loop must do

//  Is the filesystem of the store (nearly) full? LMDB reports a write that
//  the disk could take only in part (a short write, as a full tmpfs or
//  ext4 gives for a multi-page writev) as EIO, not ENOSPC: "short write,
//  filesystem full?" in mdb_page_flush. Right after such a write the disk
//  has next to nothing left, which a real I/O error does not imply.
static bool
s_disk_full (cb_store_t *store)
{
    struct statvfs fs;
    if (!store || statvfs (store->path, &fs) != 0)
        return false;
    //  Root may use the blocks reserved for it; others may not.
    unsigned long long blocks = geteuid () == 0 ? fs.f_bfree : fs.f_bavail;
    return blocks * fs.f_frsize < S_DISK_FULL_SLACK;
}

static cb_store_status_t
s_status_of (cb_store_t *store, int rc)
{
    if (rc == MDB_MAP_FULL)
        return CB_STORE_FULL;
    if (rc == MDB_PANIC)
        return CB_STORE_PANIC;
    if (rc == ENOSPC || rc == EDQUOT)
        return CB_STORE_NOSPACE;
    if (rc == EIO && s_disk_full (store))
        return CB_STORE_NOSPACE;
    return CB_STORE_IO;
}

static void
s_fail (cb_txn_t *self, int rc, const char *what)
{
    cb_store_status_t status = s_status_of (self->store, rc);
    if (self->status == CB_STORE_OK)
        zsys_warning ("store: %s failed: %s%s", what, mdb_strerror (rc),
                      status == CB_STORE_NOSPACE && rc == EIO
                      ? " (a short write: the disk is full)" : "");
    for (cb_txn_t *t = self; t; t = t->parent)
        if (t->status == CB_STORE_OK)
            t->status = status;
}

#define S_MAPSIZE_KEY "store.mapsize"

//  A sealed put and a verified get, for the store's own meta keys.
static int
s_meta_put (cb_store_t *self, MDB_txn *txn, const char *key, const void *val, size_t vlen)
{
    uint8_t buf [16 + CB_STORE_SUM_SIZE];
    assert (vlen <= 16);
    MDB_val k = { strlen (key), (void *) key }, v = { vlen + CB_STORE_SUM_SIZE, buf };
    s_seal (buf, &k, val, vlen);
    return mdb_put (txn, self->dbi [CB_T_META], &k, &v, 0);
}

static int
s_meta_get (cb_store_t *self, MDB_txn *txn, const char *key, MDB_val *v)
{
    MDB_val k = { strlen (key), (void *) key };
    int rc = mdb_get (txn, self->dbi [CB_T_META], &k, v);
    if (rc == 0 && cb_store_unseal (&k, v))
        rc = MDB_CORRUPTED;
    return rc;
}

//  Keeps the current map size in the meta table (best effort: a failure
//  only means the next run grows again).
static void
s_mapsize_save (cb_store_t *self)
{
    MDB_txn *txn;
    uint8_t value [8];
    cb_put_u64 (value, self->mapsize);
    if (mdb_txn_begin (self->env, NULL, 0, &txn) == 0) {
        if (s_meta_put (self, txn, S_MAPSIZE_KEY, value, 8) == 0)
            mdb_txn_commit (txn);
        else
            mdb_txn_abort (txn);
    }
}

//  A map size remembered from an earlier run, or 0.
static size_t
s_mapsize_load (cb_store_t *self)
{
    MDB_txn *txn;
    size_t size = 0;
    MDB_val v;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) == 0) {
        if (s_meta_get (self, txn, S_MAPSIZE_KEY, &v) == 0 && v.mv_size == 8)
            size = (size_t) cb_get_u64 ((const uint8_t *) v.mv_data);
        mdb_txn_abort (txn);
    }
    return size;
}

//  --------------------------------------------------------------------------
//  The data file against its meta pages. LMDB 0.9 keeps no page checksums
//  and reads data pages through the map: a page past the end of a
//  truncated file is SIGBUS at the first read, so the length is checked
//  before any.

int
cb_store_size_check (MDB_env *env, const char *dir, bool hint)
{
    MDB_envinfo info;
    MDB_stat mst;
    struct stat st;
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/data.mdb", dir);
    if (mdb_env_info (env, &info) || mdb_env_stat (env, &mst) || stat (path, &st)) {
        zsys_error ("store: cannot read the size of %s", path);
        return -1;
    }
    unsigned long long need = ((unsigned long long) info.me_last_pgno + 1) * mst.ms_psize;
    if ((unsigned long long) st.st_size < need) {
        zsys_error ("store: %s is damaged: it is %lld bytes, but its meta pages name page %zu, "
                    "which needs %llu bytes (the file was truncated): not opened",
                    path, (long long) st.st_size, info.me_last_pgno, need);
        if (hint)
            cb_store_restore_hint (dir);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Upgrading a store of an older format: before format 3, every record is
//  sealed with its checksum, in one transaction (all or nothing), then the
//  format is set; from 3, the format alone.

static int
s_upgrade_once (cb_store_t *self, uint64_t *records)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    uint8_t *buf = NULL, *kbuf = NULL;
    size_t bufsize = 0;
    *records = 0;
    for (int t = 0; rc == 0 && t < CB_T_COUNT; t++) {
        MDB_cursor *cursor;
        rc = mdb_cursor_open (txn, self->dbi [t], &cursor);
        if (rc)
            break;
        MDB_val k, v;
        int crc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST);
        while (crc == 0) {
            if (t == CB_T_META && k.mv_size == strlen (S_FORMAT_KEY)
            &&  memcmp (k.mv_data, S_FORMAT_KEY, k.mv_size) == 0) {
                crc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
                continue;               //  Written last, raw
            }
            //  A record that verifies already was sealed (a chance of
            //  2^-64 otherwise): the format record is what is damaged, and
            //  sealing again would bury every record under a second sum.
            MDB_val probe = v;
            if (cb_store_unseal (&k, &probe) == 0) {
                crc = MDB_CORRUPTED;
                break;
            }
            //  Copies: the put may move the page under the cursor.
            if (k.mv_size + v.mv_size + CB_STORE_SUM_SIZE > bufsize) {
                bufsize = (k.mv_size + v.mv_size + CB_STORE_SUM_SIZE) * 2;
                buf = (uint8_t *) realloc (buf, bufsize);
                kbuf = (uint8_t *) realloc (kbuf, bufsize);
                assert (buf && kbuf);
            }
            memcpy (kbuf, k.mv_data, k.mv_size);
            MDB_val key = { k.mv_size, kbuf }, sealed = { v.mv_size + CB_STORE_SUM_SIZE, buf };
            s_seal (buf, &key, v.mv_data, v.mv_size);
            crc = mdb_put (txn, self->dbi [t], &key, &sealed, 0);
            //  Back to where we were, and on: a repositioning that does
            //  not depend on how LMDB moved its cursors after the put.
            MDB_val dummy;
            if (crc == 0)
                crc = mdb_cursor_get (cursor, &key, &dummy, MDB_SET);
            if (crc == 0) {
                (*records)++;
                crc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
            }
        }
        mdb_cursor_close (cursor);
        if (crc != MDB_NOTFOUND)
            rc = crc;
    }
    free (buf);
    free (kbuf);
    uint8_t value [4];
    cb_put_u32 (value, CB_STORE_FORMAT);
    MDB_val fk = { strlen (S_FORMAT_KEY), (void *) S_FORMAT_KEY }, fv = { 4, value };
    if (rc == 0)
        rc = mdb_put (txn, self->dbi [CB_T_META], &fk, &fv, 0);
    if (rc == 0)
        rc = mdb_txn_commit (txn);
    else
    if (txn)
        mdb_txn_abort (txn);
    return rc;
}

//  A store already sealed (format 3 on): its new tables were made empty
//  when it was opened (mdb_dbi_open with MDB_CREATE); the new format is
//  all that is written, in a transaction of its own.
static int
s_format_write (cb_store_t *self)
{
    MDB_txn *txn;
    uint8_t value [4];
    cb_put_u32 (value, CB_STORE_FORMAT);
    MDB_val fk = { strlen (S_FORMAT_KEY), (void *) S_FORMAT_KEY }, fv = { 4, value };
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc == 0 && (rc = mdb_put (txn, self->dbi [CB_T_META], &fk, &fv, 0)) != 0)
        mdb_txn_abort (txn);
    else
    if (rc == 0)
        rc = mdb_txn_commit (txn);
    return rc;
}

static int
s_upgrade (cb_store_t *self, uint32_t format)
{
    uint64_t records = 0;
    int64_t start = zclock_mono ();
    if (format >= CB_STORE_FORMAT_SEALED) {
        int rc = s_format_write (self);
        if (rc)
            zsys_error ("store: cannot upgrade %s from format %u to %u: %s; the store is "
                        "unchanged", self->path, format, CB_STORE_FORMAT, mdb_strerror (rc));
        else
            zsys_info ("store: %s upgraded from format %u to %u: the tables of votes, "
                       "check-ins, cycles and their timers added", self->path, format,
                       CB_STORE_FORMAT);
        return rc ? -1 : 0;
    }
    int rc = s_upgrade_once (self, &records);
    while (rc == MDB_MAP_FULL && self->mapsize < self->mapmax) {
        size_t size = self->mapsize * 2 < self->mapmax ? self->mapsize * 2 : self->mapmax;
        if (mdb_env_set_mapsize (self->env, size))
            break;
        self->mapsize = size;
        zsys_info ("store: map grown to %zu MiB for the upgrade", size >> 20);
        rc = s_upgrade_once (self, &records);
    }
    if (rc == MDB_CORRUPTED) {
        zsys_error ("store: %s is damaged: its format record says %u, but its records carry "
                    "checksums (format %u): not opened", self->path, format, CB_STORE_FORMAT);
        cb_store_restore_hint (self->path);
        return -1;
    }
    if (rc) {
        zsys_error ("store: cannot upgrade %s from format %u to %u: %s; the store is "
                    "unchanged", self->path, format, CB_STORE_FORMAT, mdb_strerror (rc));
        return -1;
    }
    zsys_info ("store: %s upgraded from format %u to %u: %llu records sealed with their "
               "checksums in %lld ms", self->path, format, CB_STORE_FORMAT,
               (unsigned long long) records, (long long) (zclock_mono () - start));
    return 0;
}

//  `fresh`: the store is being made, not an old one to upgrade.
static int
s_open_env (cb_store_t *self, bool fresh)
{
    int rc = mdb_env_create (&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (self->env, CB_T_COUNT);
    if (rc == 0)
        rc = mdb_env_set_mapsize (self->env, self->mapsize);
    //  MDB_NOTLS: read transactions are not tied to threads. No other flag:
    //  the safe defaults sync every commit.
    if (rc == 0)
        rc = mdb_env_open (self->env, self->path, MDB_NOTLS, 0600);
    if (rc) {
        zsys_error ("store: cannot open %s: %s", self->path, mdb_strerror (rc));
        if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED)
            cb_store_restore_hint (self->path);
        if (self->env)
            mdb_env_close (self->env);
        self->env = NULL;
        return -1;
    }
    if (cb_store_size_check (self->env, self->path, true)) {
        mdb_env_close (self->env);
        self->env = NULL;
        return -1;
    }
    //  A process killed while reading leaves a stale reader slot.
    int dead = 0;
    mdb_reader_check (self->env, &dead);
    if (dead)
        zsys_info ("store: cleared %d stale reader slot(s)", dead);

    //  LMDB may have raised the size to what the data file needs.
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    self->mapsize = info.me_mapsize;

    MDB_txn *txn;
    rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    for (int t = 0; rc == 0 && t < CB_T_COUNT; t++)
        rc = mdb_dbi_open (txn, s_table_names [t], MDB_CREATE, &self->dbi [t]);
    //  The store's format: refuse one written by a newer broker (it may
    //  hold records this one would misread), upgrade an older one.
    uint32_t format = 1;            //  A store from before formats were kept
    bool damaged = false;
    if (rc == 0) {
        MDB_val k = { strlen (S_FORMAT_KEY), (void *) S_FORMAT_KEY }, v;
        int grc = mdb_get (txn, self->dbi [CB_T_META], &k, &v);
        if (grc == 0 && v.mv_size == 4)
            format = cb_get_u32 ((const uint8_t *) v.mv_data);
        else
        if (grc == 0 || s_is_damage (grc))
            damaged = true;
        else
        if (grc != MDB_NOTFOUND)
            rc = grc;
    }
    if (rc == 0 && (damaged || format == 0 || format > CB_STORE_FORMAT)) {
        if (damaged || format == 0) {
            zsys_error ("store: %s is damaged: its format record is not 4 bytes of a "
                        "format: not opened", self->path);
            cb_store_restore_hint (self->path);
        }
        else
            zsys_error ("store: %s was written by a newer catchballd (format %u; this one "
                        "reads up to %u): not opened", self->path, format, CB_STORE_FORMAT);
        mdb_txn_abort (txn);
        mdb_env_close (self->env);
        self->env = NULL;
        return -1;
    }
    if (rc == 0)
        rc = mdb_txn_commit (txn);
    else
        mdb_txn_abort (txn);
    if (rc) {
        zsys_error ("store: cannot open tables in %s: %s", self->path, mdb_strerror (rc));
        mdb_env_close (self->env);
        self->env = NULL;
        return -1;
    }
    //  A new store has nothing to seal: s_upgrade only writes its format.
    if (format < CB_STORE_FORMAT && (fresh ? s_upgrade_once (self, &(uint64_t) { 0 })
                                           : s_upgrade (self, format))) {
        if (fresh)
            zsys_error ("store: cannot write the format of the new store %s", self->path);
        mdb_env_close (self->env);
        self->env = NULL;
        return -1;
    }
    //  An earlier run may have grown the map: start at that size.
    size_t remembered = s_mapsize_load (self);
    if (remembered > self->mapsize) {
        if (remembered > self->mapmax)
            remembered = self->mapmax;
        if (mdb_env_set_mapsize (self->env, remembered) == 0)
            self->mapsize = remembered;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Directories and files: made for their owner alone (0700, 0600). A
//  store holds every draft of every team: it is nobody else's to read.

//  Like mkdir -p, each directory it makes 0700 (whatever the umask adds).
static int
s_dir_create (const char *dir)
{
    char path [PATH_MAX];
    if (snprintf (path, sizeof (path), "%s", dir) >= (int) sizeof (path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir (path, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat (dir, &st) != 0)
        return -1;
    if (!S_ISDIR (st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

//  A warning for a store that others may read or change.
static void
s_mode_warn (const char *path, const char *what)
{
    struct stat st;
    if (stat (path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
        zsys_warning ("store: %s %s is open to other users (mode %04o): it holds every "
                      "team's drafts; chmod %s it", what, path, (unsigned) (st.st_mode & 07777),
                      S_ISDIR (st.st_mode) ? "700" : "600");
}

static bool
s_exists (const char *dir, const char *name)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/%s", dir, name);
    return access (path, F_OK) == 0;
}

//  Marks the directory as a store's (best effort, logged).
static void
s_marker_write (const char *dir)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/%s", dir, S_MARKER);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno != EEXIST)
            zsys_warning ("store: cannot write %s: %s", path, strerror (errno));
        return;
    }
    const char *text = "A catchball store (catchballd). If data.mdb goes missing here, "
                       "catchballd refuses to start: restore it from a backup.\n";
    if (write (fd, text, strlen (text)) < 0)
        zsys_warning ("store: cannot write %s: %s", path, strerror (errno));
    close (fd);
}

//  --------------------------------------------------------------------------
//  Constructor

cb_store_t *
cb_store_open (const char *dir, size_t mapsize, size_t mapmax, int flags)
{
    assert (dir);
    if (!(flags & (CB_STORE_CREATE | CB_STORE_NEW)) && !s_exists (dir, ".")) {
        zsys_error ("store: no store in %s: %s", dir, strerror (errno));
        return NULL;
    }
    if ((flags & (CB_STORE_CREATE | CB_STORE_NEW)) && s_dir_create (dir) != 0) {
        zsys_error ("store: cannot create directory %s: %s", dir, strerror (errno));
        return NULL;
    }
    s_mode_warn (dir, "directory");
    int lockfd = -1;
    //  The broker's lock, for its lifetime: LMDB would let a second
    //  broker share the store, and both would hand out the same ids.
    if (flags & CB_STORE_LOCK) {
        lockfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lockfd < 0 || flock (lockfd, LOCK_EX | LOCK_NB) != 0) {
            if (lockfd >= 0 && errno == EWOULDBLOCK)
                zsys_error ("store: %s is in use by another catchballd (it holds the store's "
                            "lock): not opened. Stop that one first, or give this one "
                            "another --store", dir);
            else
                zsys_error ("store: cannot lock %s: %s", dir, strerror (errno));
            if (lockfd >= 0)
                close (lockfd);
            return NULL;
        }
    }
    char data [PATH_MAX];
    snprintf (data, sizeof (data), "%s/data.mdb", dir);
    struct stat st;
    bool empty = stat (data, &st) != 0 || st.st_size == 0;
    bool marker = s_exists (dir, S_MARKER), lock = s_exists (dir, "lock.mdb");
    const char *refused = NULL;
    if (empty && (marker || lock) && !(flags & CB_STORE_NEW)) {
        zsys_error ("store: %s held a store (it has %s) but its data file %s is %s: not "
                    "opened, so as not to start again from nothing", dir,
                    marker ? S_MARKER : "lock.mdb", data,
                    access (data, F_OK) == 0 ? "empty" : "missing");
        cb_store_restore_hint (dir);
        refused = "or start catchballd with --new-store to make a new, empty store there";
    }
    else
    if (empty && !(flags & (CB_STORE_CREATE | CB_STORE_NEW)))
        refused = "no store there";
    else
    if (!empty && st.st_size < 2 * sysconf (_SC_PAGESIZE)) {
        zsys_error ("store: %s is damaged: %lld bytes, shorter than LMDB's two meta pages "
                    "(the file was truncated): not opened", data, (long long) st.st_size);
        cb_store_restore_hint (dir);
        refused = "";
    }
    if (refused) {
        if (*refused)
            zsys_error ("store: %s: %s", dir, refused);
        if (lockfd >= 0)
            close (lockfd);
        return NULL;
    }
    if (empty && (marker || lock))
        zsys_warning ("store: --new-store: making a new, empty store in %s", dir);
    if (!empty)
        s_mode_warn (data, "data file");
    //  Damage that LMDB cannot see at open (it keeps no page checksums)
    //  is looked for by a walk of the whole store, in a child process.
    if ((flags & CB_STORE_VERIFY) && !empty && cb_store_check (dir, false) != 0) {
        zsys_error ("store: %s failed its check at start: not opened", dir);
        cb_store_restore_hint (dir);
        if (lockfd >= 0)
            close (lockfd);
        return NULL;
    }
    cb_store_t *self = (cb_store_t *) zmalloc (sizeof (cb_store_t));
    self->path = strdup (dir);
    self->lockfd = lockfd;
    self->mapsize = mapsize ? mapsize : S_DEFAULT_MAPSIZE;
    self->mapmax = mapmax ? mapmax : S_DEFAULT_MAPMAX;
    if (self->mapmax < self->mapsize)
        self->mapmax = self->mapsize;
    if (s_open_env (self, empty)) {
        if (lockfd >= 0)
            close (lockfd);
        free (self->path);
        free (self);
        return NULL;
    }
    s_marker_write (dir);
    return self;
}

cb_store_t *
cb_store_new (const char *dir, size_t mapsize, size_t mapmax)
{
    return cb_store_open (dir, mapsize, mapmax, CB_STORE_CREATE);
}

//  --------------------------------------------------------------------------
//  Destructor

void
cb_store_destroy (cb_store_t **self_p)
{
    assert (self_p);
    cb_store_t *self = *self_p;
    if (!self)
        return;
    if (self->env)
        mdb_env_close (self->env);
    if (self->lockfd >= 0)
        close (self->lockfd);   //  Releases the lock
    free (self->path);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Grow the map, doubling it; no transaction may be open

int
cb_store_grow (cb_store_t *self)
{
    if (!self->env || self->mapsize >= self->mapmax)
        return -1;
    size_t size = self->mapsize * 2;
    if (size > self->mapmax)
        size = self->mapmax;
    int rc = mdb_env_set_mapsize (self->env, size);
    if (rc) {
        zsys_error ("store: cannot grow the map to %zu bytes: %s", size, mdb_strerror (rc));
        return -1;
    }
    zsys_info ("store: map grown to %zu MiB", size >> 20);
    self->mapsize = size;
    //  LMDB forgets a grown size on reopen: remember it ourselves, so a
    //  restarted broker does not fail its first batch all over again.
    s_mapsize_save (self);
    return 0;
}

//  --------------------------------------------------------------------------
//  A hot, compact backup: LMDB copies from one read transaction, so the
//  copy is consistent while the broker goes on committing. Written into a
//  file we open ourselves, 0600: mdb_env_copy2 would make it 0644.

int
cb_store_backup (cb_store_t *self, const char *dir)
{
    if (!self->env)
        return -1;
    if (s_dir_create (dir) != 0) {
        zsys_error ("backup: cannot create %s: %s", dir, strerror (errno));
        return -1;
    }
    s_mode_warn (dir, "backup directory");
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/data.mdb", dir);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            zsys_error ("backup: %s holds a store already; give an empty directory", dir);
        else
            zsys_error ("backup: cannot create %s: %s", path, strerror (errno));
        return -1;
    }
    int rc = mdb_env_copyfd2 (self->env, fd, MDB_CP_COMPACT);
    if (rc == 0 && fsync (fd) != 0)
        rc = errno;
    close (fd);
    if (rc) {
        zsys_error ("backup: cannot copy to %s: %s", dir, mdb_strerror (rc));
        unlink (path);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Close and reopen the environment, as needed after MDB_PANIC

int
cb_store_reopen (cb_store_t *self)
{
    if (self->env)
        mdb_env_close (self->env);
    self->env = NULL;
    zsys_warning ("store: reopening %s", self->path);
    return s_open_env (self, false);
}

size_t
cb_store_mapsize (cb_store_t *self)
{
    return self->mapsize;
}

const char *
cb_store_path (cb_store_t *self)
{
    return self->path;
}

//  --------------------------------------------------------------------------
//  Transactions

static cb_txn_t *
s_txn_begin (cb_store_t *store, cb_txn_t *parent, unsigned flags)
{
    if (!store->env)
        return NULL;
    MDB_txn *txn;
    int rc = mdb_txn_begin (store->env, parent ? parent->txn : NULL, flags, &txn);
    if (rc) {
        zsys_error ("store: cannot begin a transaction: %s", mdb_strerror (rc));
        if (parent)
            s_fail (parent, rc, "begin");
        return NULL;
    }
    cb_txn_t *self = (cb_txn_t *) zmalloc (sizeof (cb_txn_t));
    self->store = store;
    self->txn = txn;
    self->parent = parent;
    return self;
}

cb_txn_t *
cb_store_begin (cb_store_t *self, bool write)
{
    return s_txn_begin (self, NULL, write ? 0 : MDB_RDONLY);
}

cb_txn_t *
cb_txn_child (cb_txn_t *parent)
{
    assert (parent);
    return s_txn_begin (parent->store, parent, 0);
}

cb_store_status_t
cb_txn_commit (cb_txn_t **self_p)
{
    assert (self_p && *self_p);
    cb_txn_t *self = *self_p;
    cb_store_status_t status = self->status;
    if (status != CB_STORE_OK)
        mdb_txn_abort (self->txn);
    else {
        int rc = mdb_txn_commit (self->txn);
        if (rc) {
            //  MAP_FULL and ENOSPC come from commit as well as from put.
            s_fail (self, rc, "commit");
            status = self->status;
        }
        else
        if (self->parent)
            self->parent->writes += self->writes;   //  Merged into it now
    }
    free (self);
    *self_p = NULL;
    return status;
}

void
cb_txn_abort (cb_txn_t **self_p)
{
    assert (self_p);
    cb_txn_t *self = *self_p;
    if (!self)
        return;
    mdb_txn_abort (self->txn);
    free (self);
    *self_p = NULL;
}

cb_store_status_t
cb_txn_status (cb_txn_t *self)
{
    return self->status;
}

uint64_t
cb_txn_damage (cb_txn_t *self)
{
    return self->damage;
}

//  A failed LMDB call: damage to its pages, or a store failure.
static void
s_error (cb_txn_t *self, int rc, const char *what, cb_table_t table, const void *key,
         size_t klen)
{
    if (s_is_damage (rc))
        cb_txn_damaged (self, table, key, klen, mdb_strerror (rc));
    else
        s_fail (self, rc, what);
}

uint64_t
cb_txn_writes (cb_txn_t *self)
{
    return self->writes;
}

//  --------------------------------------------------------------------------
//  Get, put, delete

int
cb_txn_get (cb_txn_t *self, cb_table_t table, const void *key, size_t klen,
            const void **val, size_t *vlen)
{
    MDB_val k = { klen, (void *) key }, v;
    int rc = mdb_get (self->txn, self->store->dbi [table], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 1;
    if (rc) {
        s_error (self, rc, "get", table, key, klen);
        return -1;
    }
    if (cb_store_unseal (&k, &v)) {
        cb_txn_damaged (self, table, key, klen, "checksum mismatch");
        return -1;
    }
    if (val)
        *val = v.mv_data;
    if (vlen)
        *vlen = v.mv_size;
    return 0;
}

int
cb_txn_put (cb_txn_t *self, cb_table_t table, const void *key, size_t klen,
            const void *val, size_t vlen, bool no_overwrite)
{
    //  Sealed into a buffer of our own: MDB_RESERVE would save the copy,
    //  but `val` may point into a page of this transaction that the put
    //  moves.
    uint8_t stack [S_SEAL_STACK];
    uint8_t *buf = vlen + CB_STORE_SUM_SIZE <= sizeof (stack)
                 ? stack : (uint8_t *) malloc (vlen + CB_STORE_SUM_SIZE);
    assert (buf);
    MDB_val k = { klen, (void *) key }, v = { vlen + CB_STORE_SUM_SIZE, buf };
    s_seal (buf, &k, val, vlen);
    int rc = mdb_put (self->txn, self->store->dbi [table], &k, &v,
                      no_overwrite ? MDB_NOOVERWRITE : 0);
    if (buf != stack)
        free (buf);
    if (rc == MDB_KEYEXIST)
        return 1;
    self->writes++;             //  A failed put may have changed pages too
    if (rc) {
        s_error (self, rc, "put", table, key, klen);
        return -1;
    }
    return 0;
}

int
cb_txn_del (cb_txn_t *self, cb_table_t table, const void *key, size_t klen)
{
    MDB_val k = { klen, (void *) key };
    int rc = mdb_del (self->txn, self->store->dbi [table], &k, NULL);
    if (rc == MDB_NOTFOUND)
        return 1;
    self->writes++;
    if (rc) {
        s_error (self, rc, "del", table, key, klen);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Ordered walks

static bool
s_has_prefix (const MDB_val *k, const void *prefix, size_t plen)
{
    return plen == 0 || (k->mv_size >= plen && memcmp (k->mv_data, prefix, plen) == 0);
}

int
cb_txn_scan (cb_txn_t *self, cb_table_t table, const void *prefix, size_t plen,
             const void *from, size_t flen, cb_scan_fn *fn, void *arg)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (self->txn, self->store->dbi [table], &cursor);
    if (rc) {
        s_fail (self, rc, "cursor");
        return -1;
    }
    MDB_val k, v;
    if (from) {
        k.mv_data = (void *) from;
        k.mv_size = flen;
    }
    else {
        k.mv_data = (void *) prefix;
        k.mv_size = plen;
    }
    int count = 0;
    bool damaged = false;
    if (k.mv_size)
        rc = mdb_cursor_get (cursor, &k, &v, MDB_SET_RANGE);
    else
        rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST);
    while (rc == 0 && s_has_prefix (&k, prefix, plen)) {
        //  A damaged record ends the walk: a list with a hole in it
        //  would be wrong data too.
        if (cb_store_unseal (&k, &v)) {
            cb_txn_damaged (self, table, k.mv_data, k.mv_size, "checksum mismatch");
            damaged = true;
            break;
        }
        count++;
        if (fn (k.mv_data, k.mv_size, v.mv_data, v.mv_size, arg))
            break;
        rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    if (rc && rc != MDB_NOTFOUND) {
        s_error (self, rc, "scan", table, prefix, plen);
        return -1;
    }
    return damaged ? -1 : count;
}

int
cb_txn_last (cb_txn_t *self, cb_table_t table, const void *prefix, size_t plen,
             const void **key_p, size_t *klen_p)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (self->txn, self->store->dbi [table], &cursor);
    if (rc) {
        s_fail (self, rc, "cursor");
        return -1;
    }
    //  Just past the prefix's keys: the prefix plus one, carried; past
    //  the end of the table if the prefix is all 0xff.
    uint8_t upper [CB_MAX_KEY];
    size_t ulen = plen < sizeof (upper) ? plen : sizeof (upper);
    if (ulen)
        memcpy (upper, prefix, ulen);
    while (ulen && upper [ulen - 1] == 0xff)
        ulen--;
    MDB_val k = { ulen, upper }, v;
    if (ulen) {
        upper [ulen - 1]++;
        rc = mdb_cursor_get (cursor, &k, &v, MDB_SET_RANGE);
        rc = rc == 0 ? mdb_cursor_get (cursor, &k, &v, MDB_PREV)
           : rc == MDB_NOTFOUND ? mdb_cursor_get (cursor, &k, &v, MDB_LAST) : rc;
    }
    else
        rc = mdb_cursor_get (cursor, &k, &v, MDB_LAST);
    mdb_cursor_close (cursor);
    if (rc == 0 && s_has_prefix (&k, prefix, plen)) {
        if (cb_store_unseal (&k, &v)) {
            cb_txn_damaged (self, table, k.mv_data, k.mv_size, "checksum mismatch");
            return -1;
        }
        *key_p = k.mv_data;
        *klen_p = k.mv_size;
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND) {
        s_error (self, rc, "last", table, prefix, plen);
        return -1;
    }
    return 1;
}

//  --------------------------------------------------------------------------
//  Big-endian key helpers

void
cb_put_u32 (uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p [i] = (uint8_t) v;
}

void
cb_put_u64 (uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p [i] = (uint8_t) v;
}

uint32_t
cb_get_u32 (const uint8_t *p)
{
    return ((uint32_t) p [0] << 24) | ((uint32_t) p [1] << 16)
         | ((uint32_t) p [2] << 8) | p [3];
}

uint64_t
cb_get_u64 (const uint8_t *p)
{
    return ((uint64_t) cb_get_u32 (p) << 32) | cb_get_u32 (p + 4);
}
