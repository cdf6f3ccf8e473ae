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
    =========================================================================
*/
#ifndef CB_STORE_H_INCLUDED
#define CB_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The format of the records this broker writes. 2: inbox items may refer
//  to a body in the payloads table, and a push does not write inbox_state.
//  A store of a higher format is not opened; a lower one is upgraded.
#define CB_STORE_FORMAT 2

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

//  Open (creating if needed) the store in directory `dir` with an initial
//  map size in bytes (0 for the default, 64 MiB) and a maximum to which the
//  map may grow (0 for the default, 64 GiB). NULL on failure, with a reason
//  logged through zsys_error.
cb_store_t *cb_store_new (const char *dir, size_t mapsize, size_t mapmax);
void cb_store_destroy (cb_store_t **self_p);

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
//  How many puts and deletes reached LMDB in this transaction, counting
//  those of its committed children: a caller that writes straight into a batch transaction
//  compares two readings to know whether a failed request left anything.
uint64_t cb_txn_writes (cb_txn_t *self);

//  Get: 0 found (value lent until the transaction ends), 1 not found,
//  -1 store error (recorded in the transaction's status).
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
//  -1 on store error.
typedef int (cb_scan_fn) (const void *key, size_t klen, const void *val, size_t vlen,
                          void *arg);
//  LMDB's longest key (its default MDB_MAXKEYSIZE).
#define CB_MAX_KEY 511
//  The greatest key that starts with `prefix` (plen at most CB_MAX_KEY):
//  0 found (key lent until the transaction ends), 1 none, -1 store error.
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
