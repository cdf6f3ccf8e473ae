/*  =========================================================================
    cb_store - catchball's LMDB environment, and the only code that calls mdb_*

    See store.h for the contract. Safety first: the environment is opened
    with MDB_NOTLS and nothing else, so every commit is synced to disk
    before the broker acknowledges anything (see ../shared/ENGINEERING.md
    for what the unsafe flags lost in power-cut tests).
    =========================================================================
*/
#include <czmq.h>
#include <errno.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "store.h"

#define S_DEFAULT_MAPSIZE ((size_t) 64 << 20)
#define S_DEFAULT_MAPMAX ((size_t) 64 << 30)
//  Less free space than this after a failed write: the disk is full.
#define S_DISK_FULL_SLACK ((unsigned long long) 1 << 20)
//  The meta key holding the store's format (CB_STORE_FORMAT).
#define S_FORMAT_KEY "format"

static const char *s_table_names [CB_T_COUNT] = {
    "meta", "nodes", "drafts", "revisions", "rounds", "responses",
    "inbox", "inbox_state", "requests", "deadlines", "log", "events", "asks", "timeboxes",
    "history", "payloads"
};

struct _cb_store_t {
    char *path;                 //  Directory of the environment
    MDB_env *env;               //  The environment
    MDB_dbi dbi [CB_T_COUNT];   //  Every table, opened once
    size_t mapsize;             //  Current map size in bytes
    size_t mapmax;              //  The map never grows beyond this
};

struct _cb_txn_t {
    cb_store_t *store;          //  Owning store
    MDB_txn *txn;               //  LMDB transaction
    cb_txn_t *parent;           //  Parent, for a child transaction
    cb_store_status_t status;   //  First failure seen
    uint64_t writes;            //  Puts and deletes that changed something
};

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

//  Keeps the current map size in the meta table (best effort: a failure
//  only means the next run grows again).
static void
s_mapsize_save (cb_store_t *self)
{
    MDB_txn *txn;
    uint8_t value [8];
    cb_put_u64 (value, self->mapsize);
    MDB_val k = { strlen (S_MAPSIZE_KEY), (void *) S_MAPSIZE_KEY }, v = { 8, value };
    if (mdb_txn_begin (self->env, NULL, 0, &txn) == 0) {
        if (mdb_put (txn, self->dbi [CB_T_META], &k, &v, 0) == 0)
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
    MDB_val k = { strlen (S_MAPSIZE_KEY), (void *) S_MAPSIZE_KEY }, v;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) == 0) {
        if (mdb_get (txn, self->dbi [CB_T_META], &k, &v) == 0 && v.mv_size == 8)
            size = (size_t) cb_get_u64 ((const uint8_t *) v.mv_data);
        mdb_txn_abort (txn);
    }
    return size;
}

static int
s_open_env (cb_store_t *self)
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
        if (self->env)
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
    //  hold records this one would misread), mark an older one as ours.
    uint32_t format = 1;            //  A store from before formats were kept
    if (rc == 0) {
        MDB_val k = { strlen (S_FORMAT_KEY), (void *) S_FORMAT_KEY }, v;
        int grc = mdb_get (txn, self->dbi [CB_T_META], &k, &v);
        if (grc == 0 && v.mv_size == 4)
            format = cb_get_u32 ((const uint8_t *) v.mv_data);
        else
        if (grc != MDB_NOTFOUND && grc != 0)
            rc = grc;
        if (rc == 0 && format > CB_STORE_FORMAT) {
            zsys_error ("store: %s was written by a newer catchballd (format %u; this one "
                        "reads up to %u): not opened", self->path, format, CB_STORE_FORMAT);
            mdb_txn_abort (txn);
            mdb_env_close (self->env);
            self->env = NULL;
            return -1;
        }
        if (rc == 0 && format != CB_STORE_FORMAT) {
            uint8_t value [4];
            cb_put_u32 (value, CB_STORE_FORMAT);
            v.mv_size = 4;
            v.mv_data = value;
            rc = mdb_put (txn, self->dbi [CB_T_META], &k, &v, 0);
        }
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
//  Constructor

cb_store_t *
cb_store_new (const char *dir, size_t mapsize, size_t mapmax)
{
    assert (dir);
    if (zsys_dir_create ("%s", dir) != 0) {
        zsys_error ("store: cannot create directory %s: %s", dir, strerror (errno));
        return NULL;
    }
    cb_store_t *self = (cb_store_t *) zmalloc (sizeof (cb_store_t));
    self->path = strdup (dir);
    self->mapsize = mapsize ? mapsize : S_DEFAULT_MAPSIZE;
    self->mapmax = mapmax ? mapmax : S_DEFAULT_MAPMAX;
    if (self->mapmax < self->mapsize)
        self->mapmax = self->mapsize;
    if (s_open_env (self)) {
        free (self->path);
        free (self);
        return NULL;
    }
    return self;
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
//  copy is consistent while the broker goes on committing.

int
cb_store_backup (cb_store_t *self, const char *dir)
{
    if (!self->env)
        return -1;
    if (zsys_dir_create ("%s", dir) != 0) {
        zsys_error ("backup: cannot create %s: %s", dir, strerror (errno));
        return -1;
    }
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/data.mdb", dir);
    if (zsys_file_exists (path)) {
        zsys_error ("backup: %s holds a store already; give an empty directory", dir);
        return -1;
    }
    int rc = mdb_env_copy2 (self->env, dir, MDB_CP_COMPACT);
    if (rc) {
        zsys_error ("backup: cannot copy to %s: %s", dir, mdb_strerror (rc));
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
    return s_open_env (self);
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
        s_fail (self, rc, "get");
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
    MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
    int rc = mdb_put (self->txn, self->store->dbi [table], &k, &v,
                      no_overwrite ? MDB_NOOVERWRITE : 0);
    if (rc == MDB_KEYEXIST)
        return 1;
    self->writes++;             //  A failed put may have changed pages too
    if (rc) {
        s_fail (self, rc, "put");
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
        s_fail (self, rc, "del");
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
    if (k.mv_size)
        rc = mdb_cursor_get (cursor, &k, &v, MDB_SET_RANGE);
    else
        rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST);
    while (rc == 0 && s_has_prefix (&k, prefix, plen)) {
        count++;
        if (fn (k.mv_data, k.mv_size, v.mv_data, v.mv_size, arg))
            break;
        rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    if (rc && rc != MDB_NOTFOUND) {
        s_fail (self, rc, "scan");
        return -1;
    }
    return count;
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
        *key_p = k.mv_data;
        *klen_p = k.mv_size;
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND) {
        s_fail (self, rc, "last");
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
