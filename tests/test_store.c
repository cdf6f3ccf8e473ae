/*  =========================================================================
    test_store - the LMDB store layer, the records helpers and the inbox

    Tests, each in a fresh temporary directory (under $CB_TEST_TMP, else
    /tmp) that is removed at the end:

    - cb_store / cb_txn: get, put (with and without no_overwrite), del,
      commit and abort, child transactions committed and aborted, data that
      survives closing and reopening the store, ordered prefix scans over
      big-endian u32 and u64 keys (start key, early stop, count), a map
      that fills up (CB_STORE_FULL from a put or a commit, also seen from a
      child by its parent) and a map that grows (cb_store_grow doubles it
      up to the maximum, after which the same batch commits).
    - records: named id counters (cb_rec_next_id) and cb_value records
      (cb_rec_put / cb_rec_get).
    - inbox: per-node sequences, state, ordered reads with a limit, node
      names that are prefixes of others, cumulative acks with clamping,
      and all of it after commit and reopen.

    - format: a newer store refused; a format 1 or 2 store (written here
      with mdb_*, as older brokers did) upgraded in place, every record
      sealed with its checksum, the map grown for it.
    - damage: a record changed behind the store's back fails get and scan
      (counted by cb_txn_damage, not a store failure), and cb_store_check
      and the verified open refuse the store.

    Only the format and damage tests call mdb_* (to write a store as an
    older broker did, or to damage one); nothing sleeps.
    =========================================================================
*/
#define _GNU_SOURCE
#include <czmq.h>
#include <ftw.h>

#include "catchball/cb_codec.h"
#include "catchball/cb_value.h"
#include "inbox.h"

#include <lmdb.h>
#include "records.h"
#include "store.h"
#include "testutil.h"

#define MIB ((size_t) 1 << 20)

//  --------------------------------------------------------------------------
//  Temporary directories

static char *
s_tmpdir_new (const char *name)
{
    const char *base = getenv ("CB_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    REQUIRE (zsys_dir_create ("%s", base) == 0);
    char *path = zsys_sprintf ("%s/test_store-%s-XXXXXX", base, name);
    REQUIRE (path);
    REQUIRE (mkdtemp (path) != NULL);
    return path;
}

static int
s_rm_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove (path);
}

static void
s_tmpdir_destroy (char **path_p)
{
    char *path = *path_p;
    if (!path)
        return;
    CHECK (nftw (path, s_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
    CHECK (!zsys_file_exists (path));
    zstr_free (path_p);
}

//  --------------------------------------------------------------------------
//  Small helpers over the store API

//  Put a string value under a string key; the put's return code.
static int
s_put (cb_txn_t *txn, cb_table_t table, const char *key, const char *val, bool no_overwrite)
{
    return cb_txn_put (txn, table, key, strlen (key), val, strlen (val), no_overwrite);
}

//  Get a string value into buf; the get's return code (buf "" unless 0).
static int
s_get (cb_txn_t *txn, cb_table_t table, const char *key, char *buf, size_t bufsize)
{
    const void *data = NULL;
    size_t size = 0;
    buf [0] = 0;
    int rc = cb_txn_get (txn, table, key, strlen (key), &data, &size);
    if (rc == 0) {
        REQUIRE (size < bufsize);
        memcpy (buf, data, size);
        buf [size] = 0;
    }
    return rc;
}

//  Is key present with exactly this value?
static bool
s_has (cb_txn_t *txn, cb_table_t table, const char *key, const char *val)
{
    char buf [256];
    return s_get (txn, table, key, buf, sizeof (buf)) == 0 && streq (buf, val);
}

//  Is key absent?
static bool
s_missing (cb_txn_t *txn, cb_table_t table, const char *key)
{
    char buf [256];
    return s_get (txn, table, key, buf, sizeof (buf)) == 1;
}

//  --------------------------------------------------------------------------
//  1. Put, get, del, commit, read back; missing keys; no_overwrite

static void
test_basic (void)
{
    char *dir = s_tmpdir_new ("basic");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    CHECK_STR (cb_store_path (store), dir);
    CHECK_INT (cb_store_mapsize (store), 64 * MIB);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    CHECK_INT (s_put (txn, CB_T_NODES, "alice", "A1", false), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "bob", "B1", false), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "carol", "C1", false), 0);
    //  Same key, another table: independent
    CHECK_INT (s_put (txn, CB_T_META, "alice", "meta-alice", false), 0);
    CHECK (s_has (txn, CB_T_NODES, "alice", "A1"));
    CHECK (s_has (txn, CB_T_META, "alice", "meta-alice"));
    //  Overwrite without no_overwrite replaces
    CHECK_INT (s_put (txn, CB_T_NODES, "bob", "B2", false), 0);
    CHECK (s_has (txn, CB_T_NODES, "bob", "B2"));
    //  Delete, and delete of a missing key
    CHECK_INT (cb_txn_del (txn, CB_T_NODES, "carol", 5), 0);
    CHECK (s_missing (txn, CB_T_NODES, "carol"));
    CHECK_INT (cb_txn_del (txn, CB_T_NODES, "carol", 5), 1);
    CHECK_INT (cb_txn_del (txn, CB_T_NODES, "nobody", 6), 1);
    //  A NULL val / vlen is allowed for an existence test
    CHECK_INT (cb_txn_get (txn, CB_T_NODES, "alice", 5, NULL, NULL), 0);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    CHECK (txn == NULL);

    //  Read back in a read transaction
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    CHECK (s_has (txn, CB_T_NODES, "alice", "A1"));
    CHECK (s_has (txn, CB_T_NODES, "bob", "B2"));
    CHECK (s_has (txn, CB_T_META, "alice", "meta-alice"));
    CHECK (s_missing (txn, CB_T_NODES, "carol"));
    CHECK (s_missing (txn, CB_T_NODES, "dave"));
    CHECK (s_missing (txn, CB_T_DRAFTS, "alice"));
    //  Prefix of an existing key is a different, missing key
    CHECK (s_missing (txn, CB_T_NODES, "alic"));
    const void *data = (void *) 0x1;
    size_t size = 12345;
    CHECK_INT (cb_txn_get (txn, CB_T_NODES, "zed", 3, &data, &size), 1);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    //  A read transaction commits fine too
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    //  no_overwrite on an existing key: 1, old value kept
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "alice", "A2", true), 1);
    CHECK (s_has (txn, CB_T_NODES, "alice", "A1"));
    //  ... and on a new key: 0
    CHECK_INT (s_put (txn, CB_T_NODES, "dave", "D1", true), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "dave", "D2", true), 1);
    //  A refused put is not a store error
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    CHECK (s_has (txn, CB_T_NODES, "alice", "A1"));
    CHECK (s_has (txn, CB_T_NODES, "dave", "D1"));
    cb_txn_abort (&txn);
    CHECK (txn == NULL);
    //  Abort of NULL is harmless
    cb_txn_abort (&txn);

    //  Empty values and binary keys with NUL bytes
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    const uint8_t bkey1 [] = { 'k', 0, 1 }, bkey2 [] = { 'k', 0, 2 };
    CHECK_INT (cb_txn_put (txn, CB_T_INBOX, bkey1, 3, "", 0, false), 0);
    CHECK_INT (cb_txn_put (txn, CB_T_INBOX, bkey2, 3, "two", 3, false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    size = 99;
    CHECK_INT (cb_txn_get (txn, CB_T_INBOX, bkey1, 3, &data, &size), 0);
    CHECK_INT (size, 0);
    CHECK_INT (cb_txn_get (txn, CB_T_INBOX, bkey2, 3, &data, &size), 0);
    CHECK (size == 3 && memcmp (data, "two", 3) == 0);
    CHECK_INT (cb_txn_get (txn, CB_T_INBOX, "k", 1, &data, &size), 1);
    cb_txn_abort (&txn);

    cb_store_destroy (&store);
    CHECK (store == NULL);
    cb_store_destroy (&store);      //  Harmless on NULL
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  2. An aborted write transaction leaves nothing behind

static void
test_abort (void)
{
    char *dir = s_tmpdir_new ("abort");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "keep", "v1", false), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "gone", "v1", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "keep", "v2", false), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "new", "v2", false), 0);
    CHECK_INT (cb_txn_del (txn, CB_T_NODES, "gone", 4), 0);
    CHECK (s_has (txn, CB_T_NODES, "keep", "v2"));
    CHECK (s_has (txn, CB_T_NODES, "new", "v2"));
    CHECK (s_missing (txn, CB_T_NODES, "gone"));
    cb_txn_abort (&txn);
    CHECK (txn == NULL);

    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    CHECK (s_has (txn, CB_T_NODES, "keep", "v1"));
    CHECK (s_has (txn, CB_T_NODES, "gone", "v1"));
    CHECK (s_missing (txn, CB_T_NODES, "new"));
    cb_txn_abort (&txn);

    //  A read transaction sees the snapshot it began with
    cb_txn_t *reader = cb_store_begin (store, false);
    REQUIRE (reader);
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "later", "x", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    CHECK (s_missing (reader, CB_T_NODES, "later"));
    cb_txn_abort (&reader);
    reader = cb_store_begin (store, false);
    REQUIRE (reader);
    CHECK (s_has (reader, CB_T_NODES, "later", "x"));
    cb_txn_abort (&reader);

    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  3. Child transactions

static void
test_children (void)
{
    char *dir = s_tmpdir_new ("children");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "base", "b0", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    cb_txn_t *parent = cb_store_begin (store, true);
    REQUIRE (parent);
    CHECK_INT (s_put (parent, CB_T_NODES, "parent", "p1", false), 0);

    //  Child 1 commits: its changes are the parent's
    cb_txn_t *child = cb_txn_child (parent);
    REQUIRE (child);
    //  The child sees the parent's uncommitted changes
    CHECK (s_has (child, CB_T_NODES, "parent", "p1"));
    CHECK_INT (s_put (child, CB_T_NODES, "child1", "c1", false), 0);
    CHECK_INT (s_put (child, CB_T_NODES, "base", "b1", false), 0);
    CHECK_INT (cb_txn_commit (&child), CB_STORE_OK);
    CHECK (child == NULL);
    CHECK (s_has (parent, CB_T_NODES, "child1", "c1"));
    CHECK (s_has (parent, CB_T_NODES, "base", "b1"));
    CHECK (s_has (parent, CB_T_NODES, "parent", "p1"));

    //  Child 2 aborts: its changes are gone, the parent's stay
    child = cb_txn_child (parent);
    REQUIRE (child);
    CHECK (s_has (child, CB_T_NODES, "child1", "c1"));
    CHECK_INT (s_put (child, CB_T_NODES, "child2", "c2", false), 0);
    CHECK_INT (s_put (child, CB_T_NODES, "parent", "p-from-child2", false), 0);
    CHECK_INT (cb_txn_del (child, CB_T_NODES, "child1", 6), 0);
    CHECK_INT (cb_txn_del (child, CB_T_NODES, "base", 4), 0);
    CHECK (s_missing (child, CB_T_NODES, "child1"));
    cb_txn_abort (&child);
    CHECK (child == NULL);
    CHECK (s_missing (parent, CB_T_NODES, "child2"));
    CHECK (s_has (parent, CB_T_NODES, "parent", "p1"));
    CHECK (s_has (parent, CB_T_NODES, "child1", "c1"));
    CHECK (s_has (parent, CB_T_NODES, "base", "b1"));
    CHECK_INT (cb_txn_status (parent), CB_STORE_OK);

    //  A grandchild committed into an aborted child is gone as well
    child = cb_txn_child (parent);
    REQUIRE (child);
    cb_txn_t *grandchild = cb_txn_child (child);
    REQUIRE (grandchild);
    CHECK_INT (s_put (grandchild, CB_T_NODES, "grandchild", "g", false), 0);
    CHECK_INT (cb_txn_commit (&grandchild), CB_STORE_OK);
    CHECK (s_has (child, CB_T_NODES, "grandchild", "g"));
    cb_txn_abort (&child);
    CHECK (s_missing (parent, CB_T_NODES, "grandchild"));

    //  The parent can still write after its children
    CHECK_INT (s_put (parent, CB_T_NODES, "parent2", "p2", false), 0);

    //  Nothing of the open parent is visible outside it
    cb_txn_t *reader = cb_store_begin (store, false);
    REQUIRE (reader);
    CHECK (s_missing (reader, CB_T_NODES, "child1"));
    CHECK (s_has (reader, CB_T_NODES, "base", "b0"));
    cb_txn_abort (&reader);

    CHECK_INT (cb_txn_commit (&parent), CB_STORE_OK);
    reader = cb_store_begin (store, false);
    REQUIRE (reader);
    CHECK (s_has (reader, CB_T_NODES, "parent", "p1"));
    CHECK (s_has (reader, CB_T_NODES, "parent2", "p2"));
    CHECK (s_has (reader, CB_T_NODES, "child1", "c1"));
    CHECK (s_has (reader, CB_T_NODES, "base", "b1"));
    CHECK (s_missing (reader, CB_T_NODES, "child2"));
    CHECK (s_missing (reader, CB_T_NODES, "grandchild"));
    cb_txn_abort (&reader);

    //  A committed child of an aborted parent is not stored
    parent = cb_store_begin (store, true);
    REQUIRE (parent);
    child = cb_txn_child (parent);
    REQUIRE (child);
    CHECK_INT (s_put (child, CB_T_NODES, "orphan", "o", false), 0);
    CHECK_INT (cb_txn_commit (&child), CB_STORE_OK);
    cb_txn_abort (&parent);
    reader = cb_store_begin (store, false);
    REQUIRE (reader);
    CHECK (s_missing (reader, CB_T_NODES, "orphan"));
    cb_txn_abort (&reader);

    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  4. Data survives closing and reopening the store

static void
test_persistence (void)
{
    char *dir = s_tmpdir_new ("persist");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "alice", "A", false), 0);
    CHECK_INT (s_put (txn, CB_T_ROUNDS, "r1", "round one", false), 0);
    CHECK_INT (s_put (txn, CB_T_REQUESTS, "doomed", "x", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    //  An aborted transaction right before closing leaves nothing
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "aborted", "x", false), 0);
    cb_txn_abort (&txn);
    cb_store_destroy (&store);

    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    CHECK (s_has (txn, CB_T_NODES, "alice", "A"));
    CHECK (s_has (txn, CB_T_ROUNDS, "r1", "round one"));
    CHECK (s_has (txn, CB_T_REQUESTS, "doomed", "x"));
    CHECK (s_missing (txn, CB_T_NODES, "aborted"));
    cb_txn_abort (&txn);

    //  A delete persists too
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_txn_del (txn, CB_T_REQUESTS, "doomed", 6), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    //  cb_store_reopen keeps the data as well
    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    CHECK_INT (cb_store_reopen (store), 0);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    CHECK (s_has (txn, CB_T_NODES, "alice", "A"));
    CHECK (s_missing (txn, CB_T_REQUESTS, "doomed"));
    cb_txn_abort (&txn);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  5. Ordered scans over big-endian keys

typedef struct {
    uint64_t keys [32];         //  Numbers seen, in order
    size_t klens [32];          //  Key lengths seen
    int count;                  //  Callbacks made
    int stop_after;             //  Stop after this many (0: never)
    bool bad_value;             //  A value did not match its key
} s_scan_t;

//  Keys: 'D', u32 number; values: the number as 4 big-endian bytes.
static int
s_scan_u32 (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_scan_t *s = (s_scan_t *) arg;
    REQUIRE (s->count < 32);
    const uint8_t *k = (const uint8_t *) key;
    uint32_t n = klen == 5 ? cb_get_u32 (k + 1) : 0;
    s->keys [s->count] = n;
    s->klens [s->count] = klen;
    if (vlen != 4 || cb_get_u32 ((const uint8_t *) val) != n)
        s->bad_value = true;
    s->count++;
    return s->stop_after && s->count >= s->stop_after;
}

//  Keys: u64 number, u32 tag; values empty.
static int
s_scan_u64 (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_scan_t *s = (s_scan_t *) arg;
    REQUIRE (s->count < 32);
    s->keys [s->count] = klen == 12 ? cb_get_u64 ((const uint8_t *) key) : 0;
    s->klens [s->count] = klen;
    if (vlen != 0)
        s->bad_value = true;
    s->count++;
    return s->stop_after && s->count >= s->stop_after;
}

static void
s_put_u32_key (cb_txn_t *txn, uint8_t prefix, uint32_t n)
{
    uint8_t key [5], val [4];
    key [0] = prefix;
    cb_put_u32 (key + 1, n);
    cb_put_u32 (val, n);
    CHECK_INT (cb_txn_put (txn, CB_T_DRAFTS, key, 5, val, 4, true), 0);
}

static void
test_scan (void)
{
    //  The key helpers themselves
    uint8_t b [8];
    cb_put_u32 (b, 0x01020304);
    CHECK (b [0] == 1 && b [1] == 2 && b [2] == 3 && b [3] == 4);
    CHECK_INT (cb_get_u32 (b), 0x01020304);
    cb_put_u64 (b, 0x0102030405060708ULL);
    CHECK (b [0] == 1 && b [3] == 4 && b [4] == 5 && b [7] == 8);
    CHECK (cb_get_u64 (b) == 0x0102030405060708ULL);
    cb_put_u64 (b, UINT64_MAX);
    CHECK (cb_get_u64 (b) == UINT64_MAX);
    cb_put_u32 (b, UINT32_MAX);
    CHECK (cb_get_u32 (b) == UINT32_MAX);

    char *dir = s_tmpdir_new ("scan");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);

    //  Empty table: nothing visited
    cb_txn_t *txn = cb_store_begin (store, false);
    REQUIRE (txn);
    s_scan_t s;
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, NULL, 0, NULL, 0, s_scan_u32, &s), 0);
    CHECK_INT (s.count, 0);
    cb_txn_abort (&txn);

    //  Numbers chosen so that little-endian or text order would differ
    const uint32_t inserted [] = { 256, 1, 65536, 0xFFFFFFFFu, 2, 10, 255, 0x01000000, 300 };
    const uint32_t sorted [] = { 1, 2, 10, 255, 256, 300, 65536, 0x01000000, 0xFFFFFFFFu };
    const int n_keys = 9;
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    for (int i = 0; i < n_keys; i++)
        s_put_u32_key (txn, 'D', inserted [i]);
    //  Neighbours that the prefix must exclude, on both sides
    s_put_u32_key (txn, 'C', 5);
    s_put_u32_key (txn, 'C', 0xFFFFFFFFu);
    s_put_u32_key (txn, 'E', 0);
    s_put_u32_key (txn, 'E', 3);
    CHECK_INT (cb_txn_put (txn, CB_T_DRAFTS, "E", 1, "", 0, false), 0);

    //  u64 keys, with a u32 suffix, in another table
    const uint64_t inserted64 [] = {
        0x100000000ULL, 1, 0xFFFFFFFFULL, 256, 0x0100000000000000ULL, 255, UINT64_MAX
    };
    const uint64_t sorted64 [] = {
        1, 255, 256, 0xFFFFFFFFULL, 0x100000000ULL, 0x0100000000000000ULL, UINT64_MAX
    };
    const int n_keys64 = 7;
    for (int i = 0; i < n_keys64; i++) {
        uint8_t key [12];
        cb_put_u64 (key, inserted64 [i]);
        cb_put_u32 (key + 8, (uint32_t) i);
        CHECK_INT (cb_txn_put (txn, CB_T_DEADLINES, key, 12, "", 0, true), 0);
    }
    //  Scans see the write transaction's own uncommitted keys
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, NULL, 0, s_scan_u32, &s), n_keys);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    txn = cb_store_begin (store, false);
    REQUIRE (txn);

    //  Whole prefix, in numeric order, nothing else
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, NULL, 0, s_scan_u32, &s), n_keys);
    CHECK_INT (s.count, n_keys);
    CHECK (!s.bad_value);
    for (int i = 0; i < n_keys && i < s.count; i++) {
        CHECK_INT (s.keys [i], sorted [i]);
        CHECK_INT (s.klens [i], 5);
    }

    //  Other prefixes
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "C", 1, NULL, 0, s_scan_u32, &s), 2);
    CHECK (s.count == 2 && s.keys [0] == 5 && s.keys [1] == 0xFFFFFFFFu);
    //  "E" alone is a key with the prefix "E" too, and sorts first
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "E", 1, NULL, 0, s_scan_u32, &s), 3);
    CHECK (s.count == 3 && s.klens [0] == 1 && s.keys [1] == 0 && s.keys [2] == 3);
    //  A prefix that nothing has, between and after existing keys
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "Da", 2, NULL, 0, s_scan_u32, &s), 0);
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "Z", 1, NULL, 0, s_scan_u32, &s), 0);
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "A", 1, NULL, 0, s_scan_u32, &s), 0);
    CHECK_INT (s.count, 0);
    //  A longer prefix: 'D' and the top byte 0
    const uint8_t p2 [] = { 'D', 0 };
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, p2, 2, NULL, 0, s_scan_u32, &s), 7);
    CHECK (s.count == 7 && s.keys [0] == 1 && s.keys [6] == 65536);
    //  No prefix: the whole table
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, NULL, 0, NULL, 0, s_scan_u32, &s), n_keys + 5);

    //  From an existing key: it and what follows
    uint8_t from [5] = { 'D' };
    cb_put_u32 (from + 1, 10);
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, from, 5, s_scan_u32, &s), 7);
    CHECK (s.count == 7 && s.keys [0] == 10 && s.keys [1] == 255 && s.keys [6] == 0xFFFFFFFFu);
    //  From a missing key: starts at the next one
    cb_put_u32 (from + 1, 11);
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, from, 5, s_scan_u32, &s), 6);
    CHECK (s.count == 6 && s.keys [0] == 255);
    //  From the last key, and from past it
    cb_put_u32 (from + 1, 0xFFFFFFFFu);
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, from, 5, s_scan_u32, &s), 1);
    CHECK (s.count == 1 && s.keys [0] == 0xFFFFFFFFu);
    const uint8_t past [6] = { 'D', 0xFF, 0xFF, 0xFF, 0xFF, 0 };
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, past, 6, s_scan_u32, &s), 0);
    CHECK_INT (s.count, 0);
    //  From below every key of the prefix: all of them
    cb_put_u32 (from + 1, 0);
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, from, 5, s_scan_u32, &s), n_keys);

    //  The callback stops early: the count includes the entry it stopped on
    memset (&s, 0, sizeof (s));
    s.stop_after = 3;
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, NULL, 0, s_scan_u32, &s), 3);
    CHECK (s.count == 3 && s.keys [0] == 1 && s.keys [1] == 2 && s.keys [2] == 10);
    memset (&s, 0, sizeof (s));
    s.stop_after = 1;
    cb_put_u32 (from + 1, 256);
    CHECK_INT (cb_txn_scan (txn, CB_T_DRAFTS, "D", 1, from, 5, s_scan_u32, &s), 1);
    CHECK (s.count == 1 && s.keys [0] == 256);

    //  u64 keys in numeric order
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DEADLINES, NULL, 0, NULL, 0, s_scan_u64, &s), n_keys64);
    CHECK_INT (s.count, n_keys64);
    CHECK (!s.bad_value);
    for (int i = 0; i < n_keys64 && i < s.count; i++) {
        CHECK (s.keys [i] == sorted64 [i]);
        CHECK_INT (s.klens [i], 12);
    }
    //  u64 from: at 2^32 - 1
    uint8_t from64 [8];
    cb_put_u64 (from64, 0xFFFFFFFFULL);
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DEADLINES, NULL, 0, from64, 8, s_scan_u64, &s), 4);
    CHECK (s.count == 4 && s.keys [0] == 0xFFFFFFFFULL && s.keys [1] == 0x100000000ULL);
    //  u64 prefix: the top four bytes 0
    const uint8_t zero4 [4] = { 0 };
    memset (&s, 0, sizeof (s));
    CHECK_INT (cb_txn_scan (txn, CB_T_DEADLINES, zero4, 4, NULL, 0, s_scan_u64, &s), 4);
    CHECK (s.count == 4 && s.keys [3] == 0xFFFFFFFFULL);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    cb_txn_abort (&txn);

    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  6. Named id counters

static void
test_next_id (void)
{
    char *dir = s_tmpdir_new ("ids");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 1);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 2);
    CHECK_INT (cb_rec_next_id (txn, "round"), 1);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 3);
    CHECK_INT (cb_rec_next_id (txn, "round"), 2);
    //  A name that is a prefix of another is its own counter
    CHECK_INT (cb_rec_next_id (txn, "d"), 1);
    CHECK_INT (cb_rec_next_id (txn, "drafts"), 1);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    //  An aborted transaction gives ids out but does not consume them
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 4);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 5);
    CHECK_INT (cb_rec_next_id (txn, "fresh"), 1);
    cb_txn_abort (&txn);

    //  Nor does an aborted child; a committed child does
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    cb_txn_t *child = cb_txn_child (txn);
    REQUIRE (child);
    CHECK_INT (cb_rec_next_id (child, "draft"), 4);
    cb_txn_abort (&child);
    child = cb_txn_child (txn);
    REQUIRE (child);
    CHECK_INT (cb_rec_next_id (child, "draft"), 4);
    CHECK_INT (cb_txn_commit (&child), CB_STORE_OK);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 5);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    //  Counters survive reopening
    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_rec_next_id (txn, "draft"), 6);
    CHECK_INT (cb_rec_next_id (txn, "round"), 3);
    CHECK_INT (cb_rec_next_id (txn, "d"), 2);
    CHECK_INT (cb_rec_next_id (txn, "drafts"), 2);
    CHECK_INT (cb_rec_next_id (txn, "fresh"), 1);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    //  The counter is stored as 4 big-endian bytes under its name in meta
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    const void *data;
    size_t size;
    CHECK_INT (cb_txn_get (txn, CB_T_META, "draft", 5, &data, &size), 0);
    CHECK (size == 4 && cb_get_u32 ((const uint8_t *) data) == 6);
    cb_txn_abort (&txn);

    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  7. cb_value records

static cb_value_t *
s_sample_record (void)
{
    cb_value_t *rec = cb_value_new_map ();
    cb_value_set_str (rec, "title", "Caf\xc3\xa9 plan");
    cb_value_set_int (rec, "rev", 3);
    cb_value_set_int (rec, "big", INT64_MAX);
    cb_value_set_int (rec, "neg", -42);
    cb_value_set_bool (rec, "open", true);
    cb_value_set_nil (rec, "parent");
    cb_value_t *f = cb_value_new_float (2.5);
    cb_value_set (rec, "score", &f);
    cb_value_t *tags = cb_value_new_array ();
    cb_value_t *item = cb_value_new_str ("a");
    cb_value_push (tags, &item);
    item = cb_value_new_int (7);
    cb_value_push (tags, &item);
    cb_value_set (rec, "tags", &tags);
    cb_value_t *inner = cb_value_new_map ();
    cb_value_set_str (inner, "who", "alice");
    cb_value_set (rec, "by", &inner);
    return rec;
}

static void
test_records (void)
{
    char *dir = s_tmpdir_new ("records");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);

    cb_value_t *rec = s_sample_record ();
    uint8_t key [4];
    cb_key_u32 (key, 12);
    uint8_t rkey [8];
    cb_key_rev (rkey, 12, 3);
    CHECK (cb_get_u32 (rkey) == 12 && cb_get_u32 (rkey + 4) == 3);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_rec_put (txn, CB_T_DRAFTS, key, 4, rec), 0);
    cb_value_t *empty = cb_value_new_map ();
    CHECK_INT (cb_rec_put (txn, CB_T_REVISIONS, rkey, 8, empty), 0);
    //  Read back within the writing transaction
    cb_value_t *got = cb_rec_get (txn, CB_T_DRAFTS, key, 4);
    CHECK (got && cb_value_equal (got, rec));
    cb_value_destroy (&got);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    got = cb_rec_get (txn, CB_T_DRAFTS, key, 4);
    REQUIRE (got);
    CHECK (cb_value_equal (got, rec));
    CHECK_INT (cb_value_type (got), CB_MAP);
    CHECK_STR (cb_value_get_str (got, "title"), "Caf\xc3\xa9 plan");
    int64_t n = 0;
    CHECK (cb_value_get_int (got, "rev", &n) && n == 3);
    CHECK (cb_value_get_int (got, "big", &n) && n == INT64_MAX);
    CHECK (cb_value_get_int (got, "neg", &n) && n == -42);
    cb_value_t *by = cb_value_get_map (got, "by");
    CHECK (by && streq (cb_value_get_str (by, "who"), "alice"));
    cb_value_t *tags = cb_value_get_array (got, "tags");
    CHECK (tags && cb_value_size (tags) == 2);
    cb_value_destroy (&got);
    //  The result is a new tree, the record untouched
    got = cb_rec_get (txn, CB_T_DRAFTS, key, 4);
    CHECK (got && cb_value_equal (got, rec));
    cb_value_destroy (&got);
    got = cb_rec_get (txn, CB_T_REVISIONS, rkey, 8);
    CHECK (got && cb_value_type (got) == CB_MAP && cb_value_size (got) == 0);
    cb_value_destroy (&got);
    //  Missing record: NULL, and no store error
    cb_key_u32 (key, 13);
    CHECK (cb_rec_get (txn, CB_T_DRAFTS, key, 4) == NULL);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    cb_txn_abort (&txn);

    //  Overwrite replaces the whole record
    cb_key_u32 (key, 12);
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    cb_value_t *rec2 = cb_value_new_map ();
    cb_value_set_str (rec2, "title", "second");
    CHECK_INT (cb_rec_put (txn, CB_T_DRAFTS, key, 4, rec2), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    //  ... and persists
    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    got = cb_rec_get (txn, CB_T_DRAFTS, key, 4);
    CHECK (got && cb_value_equal (got, rec2));
    CHECK (got && cb_value_get (got, "rev") == NULL);
    cb_value_destroy (&got);
    cb_txn_abort (&txn);

    //  Node records
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (cb_rec_put (txn, CB_T_NODES, "alice", 5, rec), 0);
    got = cb_node_get (txn, "alice");
    CHECK (got && cb_value_equal (got, rec));
    cb_value_destroy (&got);
    CHECK (cb_node_get (txn, "alic") == NULL);
    CHECK (cb_node_get (txn, "bob") == NULL);
    cb_txn_abort (&txn);

    cb_value_destroy (&rec);
    cb_value_destroy (&rec2);
    cb_value_destroy (&empty);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  8. Map full, and growing the map

#define S_BIG_SIZE 3000         //  One overflow page each with 4 KiB pages
#define S_BATCH 300             //  ~1.2 MB: more than 1 MiB, less than 2 MiB

//  Put `count` values of S_BIG_SIZE bytes under keys 'B', u32 from `first`.
//  Returns how many were put before a failure.
static int
s_put_big (cb_txn_t *txn, uint32_t first, int count)
{
    static uint8_t value [S_BIG_SIZE];
    memset (value, 0xA5, sizeof (value));
    for (int i = 0; i < count; i++) {
        uint8_t key [5] = { 'B' };
        cb_put_u32 (key + 1, first + (uint32_t) i);
        cb_put_u32 (value, first + (uint32_t) i);
        if (cb_txn_put (txn, CB_T_RESPONSES, key, 5, value, sizeof (value), false) != 0)
            return i;
    }
    return count;
}

static int
s_count_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    int *bad = (int *) arg;
    if (vlen != S_BIG_SIZE || memcmp (val, (const uint8_t *) key + 1, 4) != 0)
        (*bad)++;
    return 0;
}

static void
test_map_full (void)
{
    //  A 1 MiB map that may not grow
    char *dir = s_tmpdir_new ("full");
    cb_store_t *store = cb_store_new (dir, MIB, MIB);
    REQUIRE (store);
    CHECK_INT (cb_store_mapsize (store), MIB);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "before", "x", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    int put = s_put_big (txn, 0, 1000);
    //  4 KiB pages: the map holds fewer than 256 such values
    CHECK (put < 256);
    CHECK (put > 100);
    CHECK_INT (cb_txn_status (txn), CB_STORE_FULL);
    //  Later operations of a failed transaction fail, the status stays
    CHECK (s_put (txn, CB_T_NODES, "after", "x", false) != 0);
    CHECK_INT (cb_txn_status (txn), CB_STORE_FULL);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_FULL);
    CHECK (txn == NULL);
    //  At the maximum: no growth
    CHECK_INT (cb_store_grow (store), -1);
    CHECK_INT (cb_store_mapsize (store), MIB);

    //  Nothing of the failed batch is stored; the store still works
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    int bad = 0;
    CHECK_INT (cb_txn_scan (txn, CB_T_RESPONSES, "B", 1, NULL, 0, s_count_one, &bad), 0);
    CHECK (s_has (txn, CB_T_NODES, "before", "x"));
    CHECK (s_missing (txn, CB_T_NODES, "after"));
    cb_txn_abort (&txn);
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "small", "ok", false), 0);
    CHECK_INT (s_put_big (txn, 0, 50), 50);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    //  A child that fills the map fails its parent too
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    cb_txn_t *child = cb_txn_child (txn);
    REQUIRE (child);
    CHECK (s_put_big (child, 1000, 1000) < 1000);
    CHECK_INT (cb_txn_status (child), CB_STORE_FULL);
    CHECK_INT (cb_txn_status (txn), CB_STORE_FULL);
    cb_txn_abort (&child);
    CHECK_INT (cb_txn_status (txn), CB_STORE_FULL);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_FULL);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    bad = 0;
    CHECK_INT (cb_txn_scan (txn, CB_T_RESPONSES, "B", 1, NULL, 0, s_count_one, &bad), 50);
    CHECK_INT (bad, 0);
    cb_txn_abort (&txn);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);

    //  One small commit after another until the map is full, whether the
    //  put or the commit finds it: every commit before it is kept
    dir = s_tmpdir_new ("fill");
    store = cb_store_new (dir, MIB, MIB);
    REQUIRE (store);
    int committed = 0;
    cb_store_status_t status = CB_STORE_OK;
    while (committed < 1000 && status == CB_STORE_OK) {
        txn = cb_store_begin (store, true);
        REQUIRE (txn);
        if (s_put_big (txn, (uint32_t) committed, 1) == 1)
            CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
        else
            CHECK_INT (cb_txn_status (txn), CB_STORE_FULL);
        status = cb_txn_commit (&txn);
        if (status == CB_STORE_OK)
            committed++;
    }
    CHECK_INT (status, CB_STORE_FULL);
    CHECK (committed > 100 && committed < 256);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    bad = 0;
    CHECK_INT (cb_txn_scan (txn, CB_T_RESPONSES, "B", 1, NULL, 0, s_count_one, &bad),
               committed);
    CHECK_INT (bad, 0);
    cb_txn_abort (&txn);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);

    //  A 1 MiB map that may grow to 4 MiB
    dir = s_tmpdir_new ("grow");
    store = cb_store_new (dir, MIB, 4 * MIB);
    REQUIRE (store);
    CHECK_INT (cb_store_mapsize (store), MIB);

    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "first", "1", false), 0);
    put = s_put_big (txn, 0, S_BATCH);
    CHECK (put < S_BATCH);
    CHECK_INT (cb_txn_status (txn), CB_STORE_FULL);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_FULL);

    CHECK_INT (cb_store_grow (store), 0);
    CHECK_INT (cb_store_mapsize (store), 2 * MIB);

    //  The same batch, redone in a new transaction, now commits
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put (txn, CB_T_NODES, "first", "1", false), 0);
    CHECK_INT (s_put_big (txn, 0, S_BATCH), S_BATCH);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    bad = 0;
    CHECK_INT (cb_txn_scan (txn, CB_T_RESPONSES, "B", 1, NULL, 0, s_count_one, &bad), S_BATCH);
    CHECK_INT (bad, 0);
    CHECK (s_has (txn, CB_T_NODES, "first", "1"));
    cb_txn_abort (&txn);

    //  Up to the maximum, then no more
    CHECK_INT (cb_store_grow (store), 0);
    CHECK_INT (cb_store_mapsize (store), 4 * MIB);
    CHECK_INT (cb_store_grow (store), -1);
    CHECK_INT (cb_store_mapsize (store), 4 * MIB);

    //  The grown map is usable
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    CHECK_INT (s_put_big (txn, S_BATCH, S_BATCH), S_BATCH);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    //  Reopened with a smaller initial size: the data is there, and the
    //  map is at least large enough to hold it
    store = cb_store_new (dir, MIB, 8 * MIB);
    REQUIRE (store);
    //  ... and at the size it had grown to: a restart does not fail its
    //  first batch on a full map again.
    CHECK_INT (cb_store_mapsize (store), 4 * MIB);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    bad = 0;
    CHECK_INT (cb_txn_scan (txn, CB_T_RESPONSES, "B", 1, NULL, 0, s_count_one, &bad),
               2 * S_BATCH);
    CHECK_INT (bad, 0);
    cb_txn_abort (&txn);
    cb_store_destroy (&store);

    //  A maximum below the initial size is raised to it
    store = cb_store_new (dir, 4 * MIB, MIB);
    REQUIRE (store);
    CHECK_INT (cb_store_grow (store), -1);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------
//  9. The durable inbox

typedef struct {
    uint64_t seqs [16];         //  Sequences seen, in order
    cb_value_t *msgs [16];      //  Decoded messages
    int count;
    int stop_after;             //  Stop after this many (0: never)
    bool undecodable;           //  An item's data did not decode
} s_inbox_t;

static int
s_inbox_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_inbox_t *r = (s_inbox_t *) arg;
    REQUIRE (r->count < 16);
    char error [128];
    cb_value_t *msg = cb_codec_decode (data, size, error, sizeof (error));
    if (!msg)
        r->undecodable = true;
    r->seqs [r->count] = seq;
    r->msgs [r->count] = msg;
    r->count++;
    return r->stop_after && r->count >= r->stop_after;
}

static void
s_inbox_reset (s_inbox_t *r)
{
    for (int i = 0; i < r->count; i++)
        cb_value_destroy (&r->msgs [i]);
    memset (r, 0, sizeof (*r));
}

//  Check one delivered message against what was pushed.
static void
s_check_delivery (const cb_value_t *msg, uint64_t seq, const char *kind,
                  const cb_value_t *body, int64_t now)
{
    REQUIRE (msg);
    CHECK_INT (cb_value_type (msg), CB_MAP);
    CHECK_STR (cb_value_get_str (msg, "type"), "deliver");
    CHECK_STR (cb_value_get_str (msg, "kind"), kind);
    int64_t n = -1;
    CHECK (cb_value_get_int (msg, "seq", &n));
    CHECK_INT (n, seq);
    n = -1;
    CHECK (cb_value_get_int (msg, "cb", &n));
    CHECK_INT (n, 1);
    n = -1;
    CHECK (cb_value_get_int (msg, "time", &n));
    CHECK_INT (n, now);
    cb_value_t *got = cb_value_get_map (msg, "body");
    CHECK (got && cb_value_equal (got, body));
}

static cb_value_t *
s_body (int i)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_int (body, "n", i);
    char text [32];
    snprintf (text, sizeof (text), "item %d", i);
    cb_value_set_str (body, "text", text);
    return body;
}

//  Push a copy of `body`; the sequence given.
static uint64_t
s_push (cb_req_t *req, const char *node, const char *kind, const cb_value_t *body)
{
    cb_value_t *copy = cb_value_dup (body);
    uint64_t seq = cb_inbox_push (req, node, kind, &copy);
    CHECK (copy == NULL);
    return seq;
}

static void
s_check_state (cb_txn_t *txn, const char *node, uint64_t last, uint64_t acked)
{
    uint64_t l = 99, a = 99;
    CHECK_INT (cb_inbox_state (txn, node, &l, &a), 0);
    CHECK_INT (l, last);
    CHECK_INT (a, acked);
}

static void
test_inbox (void)
{
    const int64_t now = 1700000000123LL;
    const char *kinds [3] = { "round", "response", "summary" };
    cb_value_t *bodies [5];
    for (int i = 0; i < 5; i++)
        bodies [i] = s_body (i);

    char *dir = s_tmpdir_new ("inbox");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);

    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    cb_req_t req;
    cb_req_init (&req, txn, "lead", "leadership", now);
    CHECK (req.txn == txn);
    CHECK_STR (req.node, "lead");
    CHECK_STR (req.role, "leadership");
    CHECK (req.now == now);
    CHECK_INT (req.code, 0);
    CHECK (req.reply && cb_value_type (req.reply) == CB_MAP);
    CHECK (req.touched && zhashx_size (req.touched) == 0);

    //  A node never pushed to: empty state, nothing to read
    s_check_state (txn, "team-a", 0, 0);
    s_inbox_t r;
    memset (&r, 0, sizeof (r));
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 0);
    CHECK_INT (cb_inbox_ack (txn, "team-a", 5), 0);
    s_check_state (txn, "team-a", 0, 0);

    //  Sequences per node
    CHECK_INT (s_push (&req, "team-a", kinds [0], bodies [0]), 1);
    CHECK_INT (s_push (&req, "team-a", kinds [1], bodies [1]), 2);
    CHECK_INT (s_push (&req, "team-b", kinds [2], bodies [3]), 1);
    CHECK_INT (s_push (&req, "team-a", kinds [2], bodies [2]), 3);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    CHECK_INT (cb_req_check_store (&req), 0);
    CHECK_INT (req.code, 0);
    s_check_state (txn, "team-a", 3, 0);
    s_check_state (txn, "team-b", 1, 0);
    s_check_state (txn, "team", 0, 0);

    //  Touched: exactly the nodes pushed to
    CHECK_INT (zhashx_size (req.touched), 2);
    CHECK (zhashx_lookup (req.touched, "team-a") != NULL);
    CHECK (zhashx_lookup (req.touched, "team-b") != NULL);
    CHECK (zhashx_lookup (req.touched, "team") == NULL);

    //  Read everything from 1, in order
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 3);
    CHECK (!r.undecodable);
    for (int i = 0; i < 3 && i < r.count; i++) {
        CHECK_INT (r.seqs [i], i + 1);
        s_check_delivery (r.msgs [i], (uint64_t) i + 1, kinds [i], bodies [i], now);
    }
    //  From 0 is the same as from 1
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 0, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 3 && r.seqs [0] == 1 && r.seqs [2] == 3);
    //  max limits the count
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 2, s_inbox_one, &r) >= 0);
    CHECK (r.count == 2 && r.seqs [0] == 1 && r.seqs [1] == 2);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 2, 1, s_inbox_one, &r) >= 0);
    CHECK (r.count == 1 && r.seqs [0] == 2);
    s_inbox_reset (&r);
    CHECK_INT (cb_inbox_read (txn, "team-a", 1, 0, s_inbox_one, &r), 0);
    CHECK_INT (r.count, 0);
    //  The callback can stop the read
    s_inbox_reset (&r);
    r.stop_after = 1;
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 1 && r.seqs [0] == 1);
    //  From the middle, and past the end
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 3, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 1 && r.seqs [0] == 3);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 4, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 0);

    //  team-b's own item, and only it
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-b", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 1);
    if (r.count == 1)
        s_check_delivery (r.msgs [0], 1, kinds [2], bodies [3], now);
    //  "team" is a prefix of "team-a" and "team-b" but has nothing yet
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 0);
    CHECK_INT (cb_inbox_ack (txn, "team", 10), 0);

    //  Now give "team" and "team-a-x" items; team-a still sees only its own
    CHECK_INT (s_push (&req, "team", kinds [0], bodies [4]), 1);
    CHECK_INT (s_push (&req, "team-a-x", kinds [0], bodies [4]), 1);
    CHECK_INT (s_push (&req, "team-a-x", kinds [0], bodies [4]), 2);
    CHECK_INT (zhashx_size (req.touched), 4);
    CHECK (zhashx_lookup (req.touched, "team") != NULL);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 3 && r.seqs [0] == 1 && r.seqs [2] == 3);
    for (int i = 0; i < r.count; i++)
        CHECK_STR (cb_value_get_str (r.msgs [i], "kind"), kinds [i]);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 1);
    if (r.count == 1)
        s_check_delivery (r.msgs [0], 1, kinds [0], bodies [4], now);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a-x", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 2);

    //  Ack up to 2: items 1 and 2 gone
    CHECK_INT (cb_inbox_ack (txn, "team-a", 2), 2);
    s_check_state (txn, "team-a", 3, 2);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 1);
    if (r.count == 1) {
        CHECK_INT (r.seqs [0], 3);
        s_check_delivery (r.msgs [0], 3, kinds [2], bodies [2], now);
    }
    //  An ack below or at the current one changes nothing
    CHECK_INT (cb_inbox_ack (txn, "team-a", 1), 2);
    CHECK_INT (cb_inbox_ack (txn, "team-a", 2), 2);
    CHECK_INT (cb_inbox_ack (txn, "team-a", 0), 2);
    s_check_state (txn, "team-a", 3, 2);
    //  Other nodes are untouched by team-a's ack
    s_check_state (txn, "team-b", 1, 0);
    s_check_state (txn, "team", 1, 0);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-b", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 1);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 1);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    cb_req_clean (&req);
    CHECK (req.reply == NULL && req.touched == NULL);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    //  After reopening: state, items and sequences continue
    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    s_check_state (txn, "team-a", 3, 2);
    s_check_state (txn, "team-b", 1, 0);
    s_check_state (txn, "team", 1, 0);
    s_check_state (txn, "team-a-x", 2, 0);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 1 && r.seqs [0] == 3);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-b", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 1);
    if (r.count == 1)
        s_check_delivery (r.msgs [0], 1, kinds [2], bodies [3], now);

    cb_req_init (&req, txn, "lead", "leadership", now + 1);
    CHECK_INT (zhashx_size (req.touched), 0);
    //  The next push after an ack continues the sequence, keeping acked
    CHECK_INT (s_push (&req, "team-a", kinds [1], bodies [4]), 4);
    s_check_state (txn, "team-a", 4, 2);
    CHECK_INT (zhashx_size (req.touched), 1);
    CHECK (zhashx_lookup (req.touched, "team-a") != NULL);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 2 && r.seqs [0] == 3 && r.seqs [1] == 4);
    if (r.count == 2)
        s_check_delivery (r.msgs [1], 4, kinds [1], bodies [4], now + 1);

    //  An ack beyond the last is clamped to the last; all items gone
    CHECK_INT (cb_inbox_ack (txn, "team-a", 1000), 4);
    s_check_state (txn, "team-a", 4, 4);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 0, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 0);
    //  team-b clamps too
    CHECK_INT (cb_inbox_ack (txn, "team-b", UINT64_MAX), 1);
    s_check_state (txn, "team-b", 1, 1);
    cb_req_clean (&req);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    //  A push in an aborted child leaves no item, no sequence used
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    cb_txn_t *child = cb_txn_child (txn);
    REQUIRE (child);
    cb_req_init (&req, child, "lead", "leadership", now + 2);
    CHECK_INT (s_push (&req, "team-a", kinds [0], bodies [0]), 5);
    cb_req_clean (&req);
    cb_txn_abort (&child);
    s_check_state (txn, "team-a", 4, 4);
    cb_req_init (&req, txn, "lead", "leadership", now + 2);
    CHECK_INT (s_push (&req, "team-a", kinds [0], bodies [0]), 5);
    cb_req_clean (&req);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, false);
    REQUIRE (txn);
    s_check_state (txn, "team-a", 5, 4);
    s_check_state (txn, "team-b", 1, 1);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-a", 1, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 1 && r.seqs [0] == 5);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team-b", 1, 10, s_inbox_one, &r) >= 0);
    CHECK_INT (r.count, 0);
    s_inbox_reset (&r);
    CHECK (cb_inbox_read (txn, "team", 1, 10, s_inbox_one, &r) >= 0);
    CHECK (r.count == 1 && r.seqs [0] == 1);
    s_inbox_reset (&r);
    cb_txn_abort (&txn);

    for (int i = 0; i < 5; i++)
        cb_value_destroy (&bodies [i]);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  10. Shared payloads: one body to many inboxes (cb_inbox_push_all)

//  The raw bytes of the one item read, for byte-for-byte comparison.
typedef struct {
    uint64_t seq;
    zchunk_t *bytes;
    int count;
} s_raw_t;

static int
s_raw_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_raw_t *r = (s_raw_t *) arg;
    r->seq = seq;
    zchunk_destroy (&r->bytes);
    r->bytes = zchunk_new (data, size);
    r->count++;
    return 0;
}

static zchunk_t *
s_read_item (cb_txn_t *txn, const char *node, uint64_t seq)
{
    s_raw_t r = { 0, NULL, 0 };
    CHECK_INT (cb_inbox_read (txn, node, seq, 1, s_raw_one, &r), 1);
    CHECK (r.seq == seq);
    return r.bytes;
}

static int
s_tally_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (*(int *) arg)++;
    return 0;
}

static int
s_payloads (cb_txn_t *txn)
{
    int count = 0;
    CHECK (cb_txn_scan (txn, CB_T_PAYLOADS, NULL, 0, NULL, 0, s_tally_one, &count) >= 0);
    return count;
}

static void
test_inbox_shared (void)
{
    const int64_t now = 1700000000999LL;
    char *dir = s_tmpdir_new ("shared");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, true);
    REQUIRE (txn);
    cb_req_t req;
    cb_req_init (&req, txn, "lead", "leadership", now);

    //  team-b had an item already: its shared one is its second.
    cb_value_t *first = s_body (7);
    CHECK_INT (s_push (&req, "team-b", "round", first), 1);
    cb_value_t *body = s_body (42);
    cb_value_t *nodes = cb_value_new_array ();
    const char *names [3] = { "team-a", "team-b", "team-c" };
    for (int i = 0; i < 3; i++) {
        cb_value_t *name = cb_value_new_str (names [i]);
        cb_value_push (nodes, &name);
    }
    cb_value_t *copy = cb_value_dup (body);
    CHECK_INT (cb_inbox_push_all (&req, nodes, "round.thrown", &copy), 0);
    CHECK (copy == NULL);
    CHECK_INT (s_payloads (txn), 1);
    CHECK_INT (zhashx_size (req.touched), 3);
    s_check_state (txn, "team-a", 1, 0);
    s_check_state (txn, "team-b", 2, 0);
    s_check_state (txn, "team-c", 1, 0);
    //  The same delivery stored whole, for team-d, at the same sequence
    //  and time: the shared one must read back byte for byte the same.
    CHECK_INT (s_push (&req, "team-d", "round.thrown", body), 1);
    zchunk_t *whole = s_read_item (txn, "team-d", 1);
    zchunk_t *shared = s_read_item (txn, "team-a", 1);
    CHECK (whole && shared && zchunk_size (whole) == zchunk_size (shared)
           && memcmp (zchunk_data (whole), zchunk_data (shared), zchunk_size (whole)) == 0);
    zchunk_destroy (&shared);
    zchunk_destroy (&whole);
    //  And it decodes to the delivery pushed, at each node's sequence.
    s_inbox_t r;
    memset (&r, 0, sizeof (r));
    CHECK_INT (cb_inbox_read (txn, "team-b", 1, 10, s_inbox_one, &r), 2);
    CHECK (!r.undecodable && r.count == 2);
    s_check_delivery (r.msgs [0], 1, "round", first, now);
    s_check_delivery (r.msgs [1], 2, "round.thrown", body, now);
    s_inbox_reset (&r);
    //  One node's push alone stores it whole, no payload.
    cb_value_t *one = cb_value_new_array ();
    cb_value_t *name = cb_value_new_str ("team-e");
    cb_value_push (one, &name);
    copy = cb_value_dup (body);
    CHECK_INT (cb_inbox_push_all (&req, one, "round.thrown", &copy), 0);
    CHECK_INT (s_payloads (txn), 1);
    cb_value_destroy (&one);
    cb_req_clean (&req);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);

    //  After a restart: acks release the payload only when the last
    //  reference goes; the others still read it meanwhile.
    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, true);
    REQUIRE (txn);
    s_check_state (txn, "team-b", 2, 0);
    CHECK_INT (cb_inbox_ack (txn, "team-a", 1), 1);
    CHECK_INT (cb_inbox_ack (txn, "team-b", 2), 2);
    CHECK_INT (s_payloads (txn), 1);
    memset (&r, 0, sizeof (r));
    CHECK_INT (cb_inbox_read (txn, "team-c", 1, 10, s_inbox_one, &r), 1);
    CHECK (r.count == 1 && !r.undecodable);
    if (r.count == 1)
        s_check_delivery (r.msgs [0], 1, "round.thrown", body, now);
    s_inbox_reset (&r);
    CHECK_INT (cb_inbox_ack (txn, "team-c", 1), 1);
    CHECK_INT (s_payloads (txn), 0);
    //  Emptied inboxes keep their sequence: the next item is the next one.
    s_check_state (txn, "team-b", 2, 2);
    cb_req_init (&req, txn, "lead", "leadership", now);
    CHECK_INT (s_push (&req, "team-b", "round", first), 3);
    cb_req_clean (&req);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);

    cb_value_destroy (&nodes);
    cb_value_destroy (&body);
    cb_value_destroy (&first);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  11. The store's format: written on open (4 raw bytes, which older
//  brokers read and refuse), a newer one refused

//  The format record as stored (4 raw bytes), or 0; with `set`, written.
static uint32_t
s_raw_format (const char *dir, uint32_t set)
{
    MDB_env *env;
    MDB_txn *raw;
    MDB_dbi meta;
    REQUIRE (mdb_env_create (&env) == 0 && mdb_env_set_maxdbs (env, 32) == 0
             && mdb_env_open (env, dir, 0, 0600) == 0
             && mdb_txn_begin (env, NULL, 0, &raw) == 0
             && mdb_dbi_open (raw, "meta", 0, &meta) == 0);
    uint8_t value [4];
    MDB_val k = { 6, (void *) "format" }, v = { 4, value };
    uint32_t format = 0;
    if (set) {
        cb_put_u32 (value, set);
        REQUIRE (mdb_put (raw, meta, &k, &v, 0) == 0);
        format = set;
    }
    else
    if (mdb_get (raw, meta, &k, &v) == 0 && v.mv_size == 4)
        format = cb_get_u32 ((const uint8_t *) v.mv_data);
    REQUIRE (mdb_txn_commit (raw) == 0);
    mdb_env_close (env);
    return format;
}

static void
test_format (void)
{
    char *dir = s_tmpdir_new ("format");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    cb_store_destroy (&store);
    CHECK_INT (s_raw_format (dir, 0), CB_STORE_FORMAT);
    //  As if a newer broker had written it.
    s_raw_format (dir, CB_STORE_FORMAT + 1);
    CHECK (cb_store_new (dir, 0, 0) == NULL);
    s_tmpdir_destroy (&dir);
}

//  12. A store of format 2 (records without checksums), written with
//  mdb_* as the broker before this one wrote it, nearly filling its map:
//  upgraded in place when opened (growing the map), every record intact
//  and sealed, the format now 3. And one of format 1 (no format key).

static void
s_raw_store (const char *dir, int format, int *records)
{
    MDB_env *env;
    MDB_txn *raw;
    MDB_dbi dbi [CB_T_COUNT];
    REQUIRE (mdb_env_create (&env) == 0 && mdb_env_set_maxdbs (env, 32) == 0
             && mdb_env_set_mapsize (env, MIB) == 0
             && mdb_env_open (env, dir, MDB_NOSYNC, 0600) == 0);
    REQUIRE (mdb_txn_begin (env, NULL, 0, &raw) == 0);
    for (int t = 0; t < CB_T_COUNT; t++)
        REQUIRE (mdb_dbi_open (raw, cb_store_table_name ((cb_table_t) t), MDB_CREATE,
                               &dbi [t]) == 0);
    if (format > 1) {
        uint8_t value [4];
        cb_put_u32 (value, (uint32_t) format);
        MDB_val k = { 6, (void *) "format" }, v = { 4, value };
        REQUIRE (mdb_put (raw, dbi [CB_T_META], &k, &v, 0) == 0);
    }
    REQUIRE (mdb_txn_commit (raw) == 0);
    //  Drafts until the map is full, one transaction each.
    *records = 0;
    for (int i = 1; ; i++) {
        uint8_t key [4];
        cb_put_u32 (key, (uint32_t) i);
        char text [200];
        snprintf (text, sizeof (text), "draft %d of an old store, with some words to fill "
                  "the page: objectives and key results", i);
        cb_value_t *record = cb_value_new_map ();
        cb_value_set_str (record, "id", text);
        size_t size;
        void *bytes = cb_codec_encode (record, &size);
        cb_value_destroy (&record);
        MDB_val k = { 4, key }, v = { size, bytes };
        REQUIRE (mdb_txn_begin (env, NULL, 0, &raw) == 0);
        int rc = mdb_put (raw, dbi [CB_T_DRAFTS], &k, &v, 0);
        if (rc == 0)
            rc = mdb_txn_commit (raw);
        else
            mdb_txn_abort (raw);
        free (bytes);
        if (rc == MDB_MAP_FULL)
            break;
        REQUIRE (rc == 0);
        (*records)++;
    }
    mdb_env_close (env);
}

static void
test_upgrade (void)
{
    for (int format = 1; format <= 2; format++) {
        char *dir = s_tmpdir_new ("upgrade");
        int records;
        s_raw_store (dir, format, &records);
        REQUIRE (records > 100);
        cb_store_t *store = cb_store_new (dir, MIB, 16 * MIB);
        REQUIRE (store);
        CHECK (cb_store_mapsize (store) > MIB);     //  It had to grow
        cb_txn_t *txn = cb_store_begin (store, false);
        int good = 0;
        for (int i = 1; i <= records; i++) {
            uint8_t key [4];
            cb_put_u32 (key, (uint32_t) i);
            cb_value_t *record = cb_rec_get (txn, CB_T_DRAFTS, key, 4);
            char text [200];
            snprintf (text, sizeof (text), "draft %d of an old store, with some words to "
                      "fill the page: objectives and key results", i);
            good += record && streq (cb_value_get_str (record, "id"), text);
            cb_value_destroy (&record);
        }
        CHECK_INT (good, records);
        CHECK_INT (cb_txn_damage (txn), 0);
        cb_txn_abort (&txn);
        cb_store_destroy (&store);
        CHECK_INT (s_raw_format (dir, 0), CB_STORE_FORMAT);
        //  Sealed: the whole store verifies, and opens again as the format of now.
        CHECK_INT (cb_store_check (dir, true), 0);
        store = cb_store_new (dir, MIB, 16 * MIB);
        CHECK (store);
        cb_store_destroy (&store);
        //  A format record damaged into an old one's (4 raw bytes saying
        //  2): refused, not sealed a second time.
        s_raw_format (dir, 2);
        CHECK (cb_store_new (dir, MIB, 16 * MIB) == NULL);
        s_tmpdir_destroy (&dir);
    }
}

//  12b. A store of format 3 (sealed, from before the tables of votes,
//  check-ins, cycles and their timers): opened, it gains them empty and
//  says format 4; its records are as they were, and the new tables take
//  writes. (A broker of format 3 refuses the format 4 store: test_format.)

static void
test_upgrade_sealed (void)
{
    static const char *const added [] = { "votes", "vote_deadlines", "checkins", "cycles", "dues" };
    char *dir = s_tmpdir_new ("upgrade3");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, true);
    CHECK_INT (s_put (txn, CB_T_NODES, "alice", "leadership", false), 0);
    CHECK_INT (s_put (txn, CB_T_DRAFTS, "d1", "a draft of format 3", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);
    //  Back to what a format 3 broker left: no such tables, format 3.
    MDB_env *env;
    MDB_txn *raw;
    REQUIRE (mdb_env_create (&env) == 0 && mdb_env_set_maxdbs (env, 32) == 0
             && mdb_env_open (env, dir, 0, 0600) == 0 && mdb_txn_begin (env, NULL, 0, &raw) == 0);
    for (size_t i = 0; i < sizeof (added) / sizeof (added [0]); i++) {
        MDB_dbi dbi;
        REQUIRE (mdb_dbi_open (raw, added [i], 0, &dbi) == 0);
        REQUIRE (mdb_drop (raw, dbi, 1) == 0);
    }
    REQUIRE (mdb_txn_commit (raw) == 0);
    mdb_env_close (env);
    s_raw_format (dir, 3);
    CHECK_INT (cb_store_check (dir, false), 0);

    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, true);
    char buf [64];
    CHECK_INT (s_get (txn, CB_T_DRAFTS, "d1", buf, sizeof (buf)), 0);
    CHECK_STR (buf, "a draft of format 3");
    CHECK_INT (s_put (txn, CB_T_CYCLES, "2027-Q1", "a cycle", false), 0);
    CHECK_INT (s_put (txn, CB_T_CHECKINS, "c1", "a check-in", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);
    CHECK_INT (s_raw_format (dir, 0), 4);
    CHECK_INT (cb_store_check (dir, false), 0);
    //  And once more: nothing to upgrade, the cycle still there.
    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, false);
    CHECK_INT (s_get (txn, CB_T_CYCLES, "2027-Q1", buf, sizeof (buf)), 0);
    CHECK_STR (buf, "a cycle");
    cb_txn_abort (&txn);
    cb_store_destroy (&store);
    s_tmpdir_destroy (&dir);
}

//  13. Damage seen by reads: a record changed behind the store's back
//  (its checksum no longer matches) fails the get, the scan and the
//  walk, counted as damage and not as a store failure; the others read.

static int
s_visit_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (*(int *) arg)++;
    return 0;
}

static void
test_damaged_record (void)
{
    char *dir = s_tmpdir_new ("damaged");
    cb_store_t *store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    cb_txn_t *txn = cb_store_begin (store, true);
    CHECK_INT (s_put (txn, CB_T_NODES, "alice", "leadership", false), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "bob", "team", false), 0);
    CHECK_INT (s_put (txn, CB_T_NODES, "carol", "team", false), 0);
    CHECK_INT (cb_txn_commit (&txn), CB_STORE_OK);
    cb_store_destroy (&store);
    CHECK_INT (cb_store_check (dir, false), 0);
    //  One byte of bob's value changed, its checksum left as it was.
    MDB_env *env;
    MDB_txn *raw;
    MDB_dbi nodes;
    REQUIRE (mdb_env_create (&env) == 0 && mdb_env_set_maxdbs (env, 32) == 0
             && mdb_env_open (env, dir, 0, 0600) == 0 && mdb_txn_begin (env, NULL, 0, &raw) == 0
             && mdb_dbi_open (raw, "nodes", 0, &nodes) == 0);
    MDB_val k = { 3, (void *) "bob" }, v;
    REQUIRE (mdb_get (raw, nodes, &k, &v) == 0 && v.mv_size == 4 + CB_STORE_SUM_SIZE);
    uint8_t changed [4 + CB_STORE_SUM_SIZE];
    memcpy (changed, v.mv_data, sizeof (changed));
    changed [1] ^= 0x20;        //  "tEam"
    v.mv_data = changed;
    REQUIRE (mdb_put (raw, nodes, &k, &v, 0) == 0 && mdb_txn_commit (raw) == 0);
    mdb_env_close (env);

    store = cb_store_new (dir, 0, 0);
    REQUIRE (store);
    txn = cb_store_begin (store, false);
    char buf [64];
    CHECK_INT (s_get (txn, CB_T_NODES, "bob", buf, sizeof (buf)), -1);
    CHECK_STR (buf, "");
    CHECK_INT (cb_txn_damage (txn), 1);
    CHECK_INT (cb_txn_status (txn), CB_STORE_OK);
    CHECK (s_has (txn, CB_T_NODES, "alice", "leadership"));
    CHECK (s_has (txn, CB_T_NODES, "carol", "team"));
    //  A walk over it stops there, and says so.
    int visited = 0;
    CHECK_INT (cb_txn_scan (txn, CB_T_NODES, NULL, 0, NULL, 0, s_visit_one, &visited), -1);
    CHECK_INT (visited, 1);     //  alice only: never bob's damaged value
    CHECK_INT (cb_txn_damage (txn), 2);
    cb_txn_abort (&txn);
    cb_store_destroy (&store);
    CHECK_INT (cb_store_check (dir, false), 1);
    CHECK_INT (cb_store_check (dir, true), 1);
    //  The broker's open (verified) refuses it.
    CHECK (cb_store_open (dir, 0, 0, CB_STORE_CREATE | CB_STORE_VERIFY) == NULL);
    s_tmpdir_destroy (&dir);
}

//  --------------------------------------------------------------------------

int
main (void)
{
    zsys_init ();
    test_basic ();
    test_abort ();
    test_children ();
    test_persistence ();
    test_scan ();
    test_next_id ();
    test_records ();
    test_map_full ();
    test_inbox ();
    test_inbox_shared ();
    test_format ();
    test_upgrade ();
    test_upgrade_sealed ();
    test_damaged_record ();
    return TEST_DONE ();
}
