/*  =========================================================================
    store_check - an offline walk of a whole catchball store

    LMDB 0.9 keeps no checksums of its pages, so damage to them can be
    seen only by reading everything. The walk opens the store read-only
    in a child process, because a page damaged in just the wrong place
    makes LMDB itself crash (SIGSEGV, SIGBUS): the parent reports that as
    damage instead of dying with it.

    Quick (the broker at start): the data file against its meta pages,
    every table in key order, every record's checksum, and LMDB's own
    accounting (pages in use plus free pages must make up the file).
    Full (catchballd check): also decode every record and check that
    every reference resolves: a revision's draft, a draft's head revision,
    a history entry's revision, a round's draft, a response's round and
    draft, a deadline's round, a time box's event, an ask's event, an inbox
    item's payload.
    =========================================================================
*/
#include <czmq.h>
#include <errno.h>
#include <lmdb.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catchball/cb_codec.h"
#include "records.h"
#include "store.h"
#include "store_int.h"

//  Problems reported one by one, per table, before only counting them.
#define S_REPORT_MAX 10
//  An inbox item that refers to a payload starts with this byte (inbox.c).
#define S_REF 0x01

typedef struct {
    MDB_txn *txn;               //  The read transaction of the walk
    MDB_dbi dbi [CB_T_COUNT];   //  Every table (0 if absent)
    bool present [CB_T_COUNT];  //  Which tables the store has
    bool sealed;                //  Records carry checksums (format 3)
    bool full;                  //  Decode and follow references too
    uint64_t records;           //  Records walked
    uint64_t problems;          //  Damage found
    int reported [CB_T_COUNT];  //  Problems logged per table
} s_check_t;

static void
s_hex (char *out, const void *data, size_t size)
{
    size_t n = size < 32 ? size : 32;
    for (size_t i = 0; i < n; i++)
        sprintf (out + 2 * i, "%02x", ((const uint8_t *) data) [i]);
    strcpy (out + 2 * n, size > n ? "..." : "");
}

static void
s_problem (s_check_t *self, cb_table_t table, const MDB_val *k, const char *format, ...)
{
    self->problems++;
    if (self->reported [table]++ >= S_REPORT_MAX)
        return;
    char what [256], hex [72];
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof (what), format, args);
    va_end (args);
    if (k)
        s_hex (hex, k->mv_data, k->mv_size);
    zsys_error ("check: table %s, key %s: %s", cb_store_table_name (table),
                k ? (k->mv_size ? hex : "(empty)") : "-", what);
}

//  The record of `key` in `table` exists and verifies.
static bool
s_resolves (s_check_t *self, cb_table_t table, const void *key, size_t klen)
{
    if (!self->present [table])
        return false;
    MDB_val k = { klen, (void *) key }, v;
    if (mdb_get (self->txn, self->dbi [table], &k, &v))
        return false;
    return !self->sealed || cb_store_unseal (&k, &v) == 0;
}

//  A reference held in a record's field as a short id ("d12").
static void
s_ref_id (s_check_t *self, cb_table_t table, const MDB_val *k, const cb_value_t *record,
          const char *field, char letter, cb_table_t target)
{
    const char *id = cb_value_get_str (record, field);
    if (!id)
        return;
    uint32_t number = cb_id_parse (id, letter);
    uint8_t key [4];
    cb_put_u32 (key, number);
    if (!number || !s_resolves (self, target, key, 4))
        s_problem (self, table, k, "'%s' is %s, which is not in table %s", field, id,
                   cb_store_table_name (target));
}

//  One record: its form for its table, and its references.
static void
s_record (s_check_t *self, cb_table_t table, const MDB_val *k, const MDB_val *v)
{
    const uint8_t *key = (const uint8_t *) k->mv_data, *data = (const uint8_t *) v->mv_data;
    size_t size = v->mv_size;
    const void *msgpack = NULL;
    size_t msize = 0;
    switch (table) {
        case CB_T_META:
            if (size != 4 && size != 8)
                s_problem (self, table, k, "a counter of %zu bytes", size);
            return;
        case CB_T_INBOX_STATE:
            if (size != 16)
                s_problem (self, table, k, "an inbox state of %zu bytes", size);
            return;
        case CB_T_DEADLINES:
        case CB_T_VOTE_DEADLINES:
        case CB_T_TIMEBOXES: {
            if (k->mv_size != 12 || size != 0) {
                s_problem (self, table, k, "a key of %zu bytes and a value of %zu", k->mv_size,
                           size);
                return;
            }
            cb_table_t target = table == CB_T_DEADLINES ? CB_T_ROUNDS
                              : table == CB_T_VOTE_DEADLINES ? CB_T_VOTES : CB_T_EVENTS;
            if (!s_resolves (self, target, key + 8, 4))
                s_problem (self, table, k, "refers to %c%u, which is not in table %s",
                           table == CB_T_DEADLINES ? 'r'
                           : table == CB_T_VOTE_DEADLINES ? 'v' : 'e', cb_get_u32 (key + 8),
                           cb_store_table_name (target));
            return;
        }
        case CB_T_INBOX:
            if (size >= 17 && data [0] == S_REF) {
                if (!s_resolves (self, CB_T_PAYLOADS, data + 1, 8))
                    s_problem (self, table, k, "refers to payload %llu, which is not in "
                               "table payloads", (unsigned long long) cb_get_u64 (data + 1));
                return;
            }
            msgpack = data, msize = size;
            break;
        case CB_T_PAYLOADS:
            if (size < 4) {
                s_problem (self, table, k, "a payload of %zu bytes", size);
                return;
            }
            msgpack = data + 4, msize = size - 4;
            break;
        default:
            msgpack = data, msize = size;
            break;
    }
    char error [128];
    cb_value_t *record = cb_codec_decode (msgpack, msize, error, sizeof (error));
    if (!record) {
        s_problem (self, table, k, "does not decode: %s", error);
        return;
    }
    if ((table == CB_T_REVISIONS || table == CB_T_HISTORY) && k->mv_size != 8)
        s_problem (self, table, k, "a key of %zu bytes", k->mv_size);
    else
    if (table == CB_T_REVISIONS && !s_resolves (self, CB_T_DRAFTS, key, 4))
        s_problem (self, table, k, "a revision of d%u, which is not in table drafts",
                   cb_get_u32 (key));
    else
    if (table == CB_T_HISTORY && !s_resolves (self, CB_T_REVISIONS, key, 8))
        s_problem (self, table, k, "the history of d%u rev %u, which is not in table "
                   "revisions", cb_get_u32 (key), cb_get_u32 (key + 4));
    else
    if (table == CB_T_DRAFTS && k->mv_size == 4) {
        int64_t head = cb_int (record, "head");
        uint8_t rkey [8];
        cb_key_rev (rkey, cb_get_u32 (key), (uint32_t) head);
        if (head > 0 && !s_resolves (self, CB_T_REVISIONS, rkey, 8))
            s_problem (self, table, k, "head revision %lld is not in table revisions",
                       (long long) head);
    }
    else
    if (table == CB_T_ROUNDS)
        s_ref_id (self, table, k, record, "draft", 'd', CB_T_DRAFTS);
    else
    if (table == CB_T_RESPONSES) {
        s_ref_id (self, table, k, record, "round", 'r', CB_T_ROUNDS);
        s_ref_id (self, table, k, record, "draft", 'd', CB_T_DRAFTS);
    }
    else
    if (table == CB_T_VOTES)
        s_ref_id (self, table, k, record, "draft", 'd', CB_T_DRAFTS);
    else
    if (table == CB_T_ASKS)
        s_ref_id (self, table, k, record, "event", 'e', CB_T_EVENTS);
    else
    if (table == CB_T_CHECKINS)
        s_ref_id (self, table, k, record, "draft", 'd', CB_T_DRAFTS);
    cb_value_destroy (&record);
}

//  One table: in order, every checksum, and (full) every record.
static int
s_table (s_check_t *self, cb_table_t table)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (self->txn, self->dbi [table], &cursor);
    if (rc)
        return rc;
    MDB_val k, v, prev = { 0, NULL };
    uint8_t prevkey [CB_MAX_KEY];
    uint64_t records = 0;
    rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST);
    while (rc == 0) {
        records++;
        //  Keys out of order: a damaged key, and lookups that miss
        //  records which are there.
        if (prev.mv_data && mdb_cmp (self->txn, self->dbi [table], &prev, &k) >= 0)
            s_problem (self, table, &k, "out of order (a damaged key or page)");
        if (k.mv_size > CB_MAX_KEY)
            s_problem (self, table, &k, "a key of %zu bytes", k.mv_size);
        else {
            memcpy (prevkey, k.mv_data, k.mv_size);
            prev.mv_data = prevkey;
            prev.mv_size = k.mv_size;
        }
        //  The format record alone is raw (store.c says why).
        if (table == CB_T_META && k.mv_size == 6 && memcmp (k.mv_data, "format", 6) == 0) {
            if (v.mv_size != 4)
                s_problem (self, table, &k, "a format of %zu bytes", v.mv_size);
        }
        else
        if (self->sealed && cb_store_unseal (&k, &v))
            s_problem (self, table, &k, "checksum mismatch (a damaged record)");
        else
        if (self->full)
            s_record (self, table, &k, &v);
        rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    self->records += records;
    if (self->full)
        zsys_info ("check: table %s: %llu records", cb_store_table_name (table),
                   (unsigned long long) records);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

//  LMDB's accounting: the pages of every tree (the free list's, the main
//  one's and every table's) and the free pages must make up the file, as
//  of the walk's snapshot (`info`, read with it).
static int
s_pages (s_check_t *self, const MDB_envinfo *info_p)
{
    MDB_envinfo info = *info_p;
    uint64_t used = 0, free_pages = 0;
    for (MDB_dbi dbi = 0; dbi < 2; dbi++) {
        MDB_stat st;
        int rc = mdb_stat (self->txn, dbi, &st);
        if (rc)
            return rc;
        used += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    }
    for (int t = 0; t < CB_T_COUNT; t++) {
        MDB_stat st;
        if (!self->present [t])
            continue;
        int rc = mdb_stat (self->txn, self->dbi [t], &st);
        if (rc)
            return rc;
        used += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    }
    //  The free list: txnid -> a count, then that many page numbers.
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (self->txn, 0, &cursor);
    if (rc)
        return rc;
    MDB_val k, v;
    while ((rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT)) == 0) {
        const size_t *ids = (const size_t *) v.mv_data;
        if (v.mv_size < sizeof (size_t) || v.mv_size != (ids [0] + 1) * sizeof (size_t)) {
            self->problems++;
            zsys_error ("check: LMDB's free list has a damaged entry");
            continue;
        }
        for (size_t i = 1; i <= ids [0]; i++)
            if (ids [i] < 2 || ids [i] > info.me_last_pgno) {
                self->problems++;
                zsys_error ("check: LMDB's free list names page %zu, outside the file",
                            ids [i]);
                break;
            }
        free_pages += ids [0];
    }
    mdb_cursor_close (cursor);
    if (rc != MDB_NOTFOUND)
        return rc;
    if (used + free_pages + 2 != (uint64_t) info.me_last_pgno + 1) {
        self->problems++;
        zsys_error ("check: LMDB's pages do not add up: %llu in use and %llu free, with the "
                    "2 meta pages, but the file has %zu (damaged page headers or counts)",
                    (unsigned long long) used, (unsigned long long) free_pages,
                    info.me_last_pgno + 1);
    }
    return 0;
}

//  The walk itself, in the child: 0 sound, 1 damaged, 2 could not check.
static int
s_check (const char *dir, bool full)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/data.mdb", dir);
    struct stat st;
    if (stat (path, &st) != 0 || st.st_size == 0) {
        //  Where a store was (its lock file is there), the data file gone
        //  or emptied is damage; where none ever was, there is nothing to
        //  check.
        char lock [PATH_MAX];
        snprintf (lock, sizeof (lock), "%s/lock.mdb", dir);
        bool was = access (lock, F_OK) == 0;
        zsys_error ("check: %s %s (data.mdb %s)", dir,
                    was ? "is DAMAGED: its store's data file is gone" : "holds no store",
                    access (path, F_OK) == 0 ? "is empty" : "is missing");
        return was ? 1 : 2;
    }
    if (st.st_size < 2 * sysconf (_SC_PAGESIZE)) {
        zsys_error ("check: %s is %lld bytes, shorter than LMDB's two meta pages (truncated)",
                    path, (long long) st.st_size);
        return 1;
    }
    MDB_env *env;
    int rc = mdb_env_create (&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (env, CB_T_COUNT);
    if (rc == 0)
        rc = mdb_env_open (env, dir, MDB_RDONLY | MDB_NOTLS, 0600);
    if (rc) {
        zsys_error ("check: cannot open %s: %s", dir, mdb_strerror (rc));
        mdb_env_close (env);
        return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_VERSION_MISMATCH ? 1 : 2;
    }
    if (cb_store_size_check (env, dir, false)) {
        mdb_env_close (env);
        return 1;
    }
    int64_t start = zclock_mono ();
    s_check_t self = { .full = full };
    //  The snapshot and LMDB's figures for it (the last page) must be of
    //  the same transaction: a broker may be committing meanwhile.
    MDB_envinfo info;
    bool same = false;
    for (int tries = 0; tries < 100 && !same; tries++) {
        if (self.txn)
            mdb_txn_abort (self.txn);
        self.txn = NULL;
        rc = mdb_txn_begin (env, NULL, MDB_RDONLY, &self.txn);
        if (rc)
            break;
        mdb_env_info (env, &info);
        same = info.me_last_txnid == mdb_txn_id (self.txn);
    }
    for (int t = 0; rc == 0 && t < CB_T_COUNT; t++) {
        int orc = mdb_dbi_open (self.txn, cb_store_table_name ((cb_table_t) t), 0,
                                &self.dbi [t]);
        if (orc == 0)
            self.present [t] = true;
        else
        if (orc != MDB_NOTFOUND)
            rc = orc;
    }
    uint32_t format = 1;
    if (rc == 0 && self.present [CB_T_META]) {
        MDB_val k = { 6, (void *) "format" }, v;
        int grc = mdb_get (self.txn, self.dbi [CB_T_META], &k, &v);
        if (grc == 0 && v.mv_size == 4)
            format = cb_get_u32 ((const uint8_t *) v.mv_data);
        else
        if (grc != MDB_NOTFOUND) {
            self.problems++;
            zsys_error ("check: the store's format record is damaged");
        }
        self.sealed = format >= CB_STORE_FORMAT_SEALED;
    }
    if (rc == 0 && !self.sealed)
        zsys_warning ("check: %s is of format %u: its records carry no checksums yet (the "
                      "broker adds them when it next opens the store); checked without",
                      dir, format);
    for (int t = 0; rc == 0 && t < CB_T_COUNT; t++)
        if (self.present [t])
            rc = s_table (&self, (cb_table_t) t);
    if (rc == 0 && same)
        rc = s_pages (&self, &info);
    else
    if (rc == 0)
        zsys_warning ("check: the store changed under every try: LMDB's page count not "
                      "checked");
    if (self.txn)
        mdb_txn_abort (self.txn);
    mdb_env_close (env);
    if (rc) {
        zsys_error ("check: cannot walk %s: %s", dir, mdb_strerror (rc));
        //  LMDB's own words for a damaged page are damage, not a failure
        //  to check.
        return rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ? 1 : 2;
    }
    if (self.problems)
        zsys_error ("check: %s is DAMAGED: %llu problem(s) in %llu records", dir,
                    (unsigned long long) self.problems, (unsigned long long) self.records);
    else
        zsys_info ("check: %s is sound: %llu records, %s%s (%lld ms)", dir,
                   (unsigned long long) self.records,
                   self.sealed ? "every checksum verified" : "no checksums (an older format)",
                   full ? ", every record decoded and every reference resolved" : "",
                   (long long) (zclock_mono () - start));
    return self.problems ? 1 : 0;
}

int
cb_store_check (const char *dir, bool full)
{
    fflush (NULL);              //  Nothing buffered gets written twice
    pid_t pid = fork ();
    if (pid < 0) {
        zsys_error ("check: cannot fork: %s", strerror (errno));
        return -1;
    }
    if (pid == 0) {
        //  A crash on a damaged page is expected here: no core file.
        struct rlimit none = { 0, 0 };
        setrlimit (RLIMIT_CORE, &none);
        int rc = s_check (dir, full);
        fflush (NULL);
        _exit (rc);
    }
    int status;
    while (waitpid (pid, &status, 0) < 0)
        if (errno != EINTR) {
            zsys_error ("check: cannot wait for the check: %s", strerror (errno));
            return -1;
        }
    if (WIFSIGNALED (status)) {
        zsys_error ("check: %s is DAMAGED: reading it crashed LMDB (%s): a page is damaged "
                    "beyond what LMDB can read", dir, strsignal (WTERMSIG (status)));
        return 1;
    }
    int rc = WIFEXITED (status) ? WEXITSTATUS (status) : 2;
    return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}
