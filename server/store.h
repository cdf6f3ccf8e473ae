/*  =========================================================================
    cb_store - catchball's LMDB environment, and the only code that calls mdb_*

    One environment per process, opened once, with safe flags only (LMDB's
    defaults plus MDB_NOTLS: every commit is synced; never NOSYNC,
    NOMETASYNC, MAPASYNC or WRITEMAP). Every table is opened once at start-up
    in one committed transaction. The rest of the broker sees tables by an
    enum and keys and values as bytes.

    A write transaction may have child transactions (LMDB nested txns), so
    that one request of a batch can fail without undoing the others. A
    store error (map full, I/O, panic) marks the whole top-level transaction
    failed: the caller aborts the batch, maybe grows the map or reopens the
    environment, and redoes it.

    Every record carries a checksum (xxHash XXH3-64 of its key and value,
    the value's last 8 bytes), made on every put and verified on every
    read (all but the store's format record, kept raw so that older
    brokers can read it and refuse the store: see store.c). A record that fails it is damaged: the read fails, a log line
    names the table and key, and the transaction counts it
    (cb_txn_damage); unlike a store error, damage fails only the request
    that met it, never the batch. LMDB's own errors about its pages
    (MDB_CORRUPTED, MDB_PAGE_NOTFOUND) count as damage too.

    Opening refuses a damaged store rather than serve it: a data file
    shorter than the pages its meta pages name, a store that existed (its
    marker or lock.mdb is there) whose data file is missing or empty, and,
    with CB_STORE_VERIFY, any record or page that fails cb_store_check.
    =========================================================================
*/
#ifndef CB_STORE_H_INCLUDED
#define CB_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The format of the records this broker writes. 2: inbox items may refer
//  to a body in the payloads table, and a push does not write inbox_state.
//  3: every record ends with its checksum. 4: the tables of the cycle
//  after the table (votes, vote_deadlines, checkins, cycles, dues); a
//  broker of format 3 would ignore them (and take no check-in, reveal no
//  vote), so it must refuse such a store. A store of a higher format is
//  not opened; a lower one is upgraded in place when opened.
#define CB_STORE_FORMAT 4
//  The first format whose records carry their checksum: older stores
//  are sealed when upgraded, newer ones only get their new format.
#define CB_STORE_FORMAT_SEALED 3
//  Bytes of checksum at the end of every stored value.
#define CB_STORE_SUM_SIZE 8

typedef enum {
    CB_T_META = 0,      //  schema version and id counters
    CB_T_NODES,         //  node name -> node record
    CB_T_DRAFTS,        //  u32 draft -> draft record
    CB_T_REVISIONS,     //  u32 draft, u32 rev -> revision record
    CB_T_ROUNDS,        //  u32 round -> round record
    CB_T_RESPONSES,     //  kind byte, u32 id -> response record
    CB_T_INBOX,         //  node name, NUL, u64 seq -> delivery
    CB_T_INBOX_STATE,   //  node name -> { last, acked }
    CB_T_REQUESTS,      //  node name, NUL, message id -> the original reply
    CB_T_DEADLINES,     //  u64 deadline ms, u32 round -> empty
    CB_T_LOG,           //  u64 seq -> the log entry, as sent
    CB_T_EVENTS,        //  u32 event -> event record
    CB_T_ASKS,          //  u32 ask -> ask record
    CB_T_TIMEBOXES,     //  u64 end ms, u32 event -> empty
    CB_T_HISTORY,       //  u32 draft, u32 rev -> the revision as draft.history shows it
    CB_T_PAYLOADS,      //  u64 id -> u32 references, then a delivery body shared by inboxes
    CB_T_VOTES,         //  u32 vote -> sealed confidence vote record
    CB_T_VOTE_DEADLINES,//  u64 deadline ms, u32 vote -> empty
    CB_T_CHECKINS,      //  u32 check-in -> check-in record (append-only)
    CB_T_CYCLES,        //  cycle name -> cycle record
    CB_T_DUES,          //  u64 time ms, u32 draft -> empty: a check-in cadence's next tick
    CB_T_COUNT
} cb_table_t;

//  What went wrong in the store, as the batch loop needs to know it.
typedef enum {
    CB_STORE_OK = 0,
    CB_STORE_FULL,      //  the map is full (MDB_MAP_FULL): grow and redo
    CB_STORE_NOSPACE,   //  the disk is full (ENOSPC, or EIO from a short write
                        //  with the disk full): growing will not help
    CB_STORE_IO,        //  an I/O or other error: abort, report, retry later
    CB_STORE_PANIC      //  MDB_PANIC: the environment must be reopened
} cb_store_status_t;

typedef struct _cb_store_t cb_store_t;
typedef struct _cb_txn_t cb_txn_t;

//  How cb_store_open opens a store (flags, or'ed).
#define CB_STORE_CREATE 1   //  Make a new store where none was (no data file,
                            //  no marker, no lock.mdb)
#define CB_STORE_NEW    2   //  Make a new, empty store even where one was,
                            //  if its data file is missing or empty
#define CB_STORE_LOCK   4   //  Hold the store's lock while open: a second
                            //  open with this flag is refused (the broker)
#define CB_STORE_VERIFY 8   //  Run cb_store_check (quick) first; refuse a
                            //  damaged store

//  Open the store in directory `dir` with an initial map size in bytes (0
//  for the default, 64 MiB) and a maximum to which the map may grow (0 for
//  the default, 64 GiB). Directories it creates are 0700, files 0600; a
//  store open to other users gets a warning. A store of an older format
//  is upgraded. NULL on failure, with a reason logged through zsys_error.
cb_store_t *cb_store_open (const char *dir, size_t mapsize, size_t mapmax, int flags);
//  cb_store_open with CB_STORE_CREATE.
cb_store_t *cb_store_new (const char *dir, size_t mapsize, size_t mapmax);
void cb_store_destroy (cb_store_t **self_p);

//  Verify the store in `dir` offline, in a child process (a page damaged
//  so that LMDB crashes crashes only the child): the file against its meta
//  pages, every table's records in order, every checksum, and LMDB's page
//  count. With `full`, also decode every record and check that every
//  reference resolves (store_check.c). Findings are logged through zsys_*.
//  0 sound, 1 damaged, -1 could not check (no store there, or an error).
int cb_store_check (const char *dir, bool full);
//  The name of a table, as LMDB knows it.
const char *cb_store_table_name (cb_table_t table);

//  Double the map size, up to the maximum. 0 if grown, -1 if at the maximum
//  or on error. No transaction may be open.
int cb_store_grow (cb_store_t *self);
//  Write a compact, consistent copy of the store into directory `dir`
//  (created if missing; it must not hold a store already), while others may
//  go on writing. 0 or -1 (logged).
int cb_store_backup (cb_store_t *self, const char *dir);
//  Close and reopen the environment (after MDB_PANIC). 0 or -1.
int cb_store_reopen (cb_store_t *self);
size_t cb_store_mapsize (cb_store_t *self);
const char *cb_store_path (cb_store_t *self);

//  Begin a top-level transaction. NULL on failure.
cb_txn_t *cb_store_begin (cb_store_t *self, bool write);
//  Begin a child of a write transaction. NULL on failure.
cb_txn_t *cb_txn_child (cb_txn_t *parent);
//  Commit: CB_STORE_OK or the failure. The txn is gone either way.
cb_store_status_t cb_txn_commit (cb_txn_t **self_p);
void cb_txn_abort (cb_txn_t **self_p);
//  The first store failure seen in this transaction (or its children).
cb_store_status_t cb_txn_status (cb_txn_t *self);
//  How many damaged records (or LMDB pages) reads in this transaction
//  met, counting those of its children: a caller compares two readings.
uint64_t cb_txn_damage (cb_txn_t *self);
//  Count a record its caller found damaged (it could not decode it) and
//  log a line naming the table and key.
void cb_txn_damaged (cb_txn_t *self, cb_table_t table, const void *key, size_t klen,
                     const char *why);
//  How many puts and deletes reached LMDB in this transaction, counting
//  those of its committed children: a caller that writes straight into a batch transaction
//  compares two readings to know whether a failed request left anything.
uint64_t cb_txn_writes (cb_txn_t *self);

//  Get: 0 found (value lent until the transaction ends, without its
//  checksum), 1 not found, -1 store error (recorded in the transaction's
//  status) or a damaged record (counted in cb_txn_damage).
int cb_txn_get (cb_txn_t *self, cb_table_t table, const void *key, size_t klen,
                const void **val, size_t *vlen);
//  Put: 0, 1 if `no_overwrite` and the key exists, -1 store error.
int cb_txn_put (cb_txn_t *self, cb_table_t table, const void *key, size_t klen,
                const void *val, size_t vlen, bool no_overwrite);
//  Delete: 0, 1 if not found, -1 store error.
int cb_txn_del (cb_txn_t *self, cb_table_t table, const void *key, size_t klen);

//  Walk the keys that start with `prefix` in order, from `from` (or the
//  first key with the prefix when from is NULL). The callback returns 0 to
//  go on, anything else to stop. Returns the number of entries visited, or
//  -1 on store error or at the first damaged record (never passed on).
typedef int (cb_scan_fn) (const void *key, size_t klen, const void *val, size_t vlen,
                          void *arg);
//  LMDB's longest key (its default MDB_MAXKEYSIZE).
#define CB_MAX_KEY 511
//  The greatest key that starts with `prefix` (plen at most CB_MAX_KEY):
//  0 found (key lent until the transaction ends), 1 none, -1 store error
//  or damage (its checksum is verified too).
int cb_txn_last (cb_txn_t *self, cb_table_t table, const void *prefix, size_t plen,
                 const void **key_p, size_t *klen_p);
int cb_txn_scan (cb_txn_t *self, cb_table_t table, const void *prefix, size_t plen,
                 const void *from, size_t flen, cb_scan_fn *fn, void *arg);
//  Big-endian helpers for keys: byte order is numeric order.
void cb_put_u32 (uint8_t *p, uint32_t v);
void cb_put_u64 (uint8_t *p, uint64_t v);
uint32_t cb_get_u32 (const uint8_t *p);
uint64_t cb_get_u64 (const uint8_t *p);

#endif
