/*  =========================================================================
    records - the broker's records: cb_value trees kept in store tables,
    the request context every handler works in, and short typable ids.

    A record is a cb_value map encoded with the codec; nothing here calls
    msgpack_* or mdb_*. A request runs in its own child transaction: its
    handler reads and writes records, fills a reply, pushes deliveries to
    inboxes, or fails with a code and a message, in which case the child is
    aborted and nothing it did is stored.
    =========================================================================
*/
#ifndef CB_RECORDS_H_INCLUDED
#define CB_RECORDS_H_INCLUDED

#include <czmq.h>

#include "catchball/cb_codec.h"
#include "catchball/cb_error.h"
#include "catchball/cb_value.h"
#include "cb_value_int.h"
#include "store.h"

//  One request being applied.
typedef struct {
    cb_txn_t *txn;              //  The request's own (child) transaction
    const char *node;           //  Who sent it (after hello), or "catchballd"
    const char *role;           //  Its role
    int64_t now;                //  Wall clock, ms since the epoch
    int code;                   //  Error code once failed, else 0
    char message [256];         //  Error message once failed
    cb_value_t *reply;          //  Body of the OK reply, a map
    zhashx_t *touched;          //  Nodes whose inbox grew: name -> its last
                                //  sequence, a uint64_t in the pointer
    int64_t deadline;           //  Earliest round deadline or time box set, or 0
    cb_value_t *changed;        //  Objects changed, for the event log: key -> record
    uint64_t damage;            //  cb_txn_damage of txn when the request began
} cb_req_t;

//  Initialise and clean a request context.
void cb_req_init (cb_req_t *req, cb_txn_t *txn, const char *node, const char *role,
                  int64_t now);
void cb_req_clean (cb_req_t *req);
//  Fail the request: record the code and a printf-style message; returns -1.
int cb_req_fail (cb_req_t *req, int code, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));
//  Fail with CB_E_STORAGE(_FULL) if the transaction saw a store error, or
//  with CB_E_STORE_DAMAGED if the request met a damaged record; -1 or 0.
int cb_req_check_store (cb_req_t *req);
//  Note that the object `kind`/`id` ("draft", "d1") now has this record,
//  for the event log (a copy is kept; the last one wins).
void cb_req_changed (cb_req_t *req, const char *kind, const char *id,
                     const cb_value_t *record);

//  Read a record: a new tree, or NULL if not found (or on store error,
//  which the transaction's status records).
cb_value_t *cb_rec_get (cb_txn_t *txn, cb_table_t table, const void *key, size_t klen);
//  Write a record. 0 or -1 (store error).
int cb_rec_put (cb_txn_t *txn, cb_table_t table, const void *key, size_t klen,
                const cb_value_t *value);
//  Objects kept by number (drafts, rounds, events, asks): `letter` is the
//  kind's ('d', 'r', 'e', 'a'), which names it in errors and in the event
//  log. Load: NULL with NOT_FOUND ("no round r3") or a store error. Save:
//  0, or -1 with the request failed; also notes the change for the log.
cb_value_t *cb_obj_load (cb_req_t *req, cb_table_t table, char letter, uint32_t id);
int cb_obj_save (cb_req_t *req, cb_table_t table, char letter, uint32_t id,
                 const cb_value_t *record);

//  Next value of a named counter in the meta table, from 1. 0 on store
//  error, or when the counter is exhausted (ids are never reused).
uint32_t cb_rec_next_id (cb_txn_t *txn, const char *counter);
//  The same, failing the request on 0.
uint32_t cb_req_next_id (cb_req_t *req, const char *counter);

//  Sequenced tables (the inbox, the event log): keys are a prefix, then the
//  sequence as 8 big-endian bytes. Calls fn for each entry under the prefix
//  with a sequence >= from, in order, at most max of them, until fn returns
//  non-zero. Returns how many fn was given, or -1 on store error.
typedef int (cb_seq_fn) (uint64_t seq, const void *data, size_t size, void *arg);
int cb_seq_read (cb_txn_t *txn, cb_table_t table, const void *prefix, size_t plen,
                 uint64_t from, size_t max, cb_seq_fn *fn, void *arg);

//  Short typable ids: a letter and a number, "d12", "r3", "f5".
//  Parse: the number, or 0 if `id` is not `letter` followed by 1..4294967295.
uint32_t cb_id_parse (const char *id, char letter);
//  Format into buf (at least 16 bytes); returns buf.
char *cb_id_format (char *buf, char letter, uint32_t number);

//  Keys of the tables keyed by numbers.
void cb_key_u32 (uint8_t key [4], uint32_t id);
void cb_key_rev (uint8_t key [8], uint32_t draft, uint32_t rev);

//  An integer field of a record we wrote ourselves, or 0 if absent.
int64_t cb_int (const cb_value_t *map, const char *key);

//  The longest node name.
#define CB_MAX_NODE 64

//  Node records: the node's record or NULL.
cb_value_t *cb_node_get (cb_txn_t *txn, const char *name);
//  True if `name` is a valid node name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}
//  (CB_MAX_NODE characters at most).
bool cb_node_name_valid (const char *name);
//  The nodes `list` names, checked for a round's recipients or a vote's
//  voters: each a valid node name, named once, not the sender, a team or
//  leadership node that has said hello. `field` names the list in errors,
//  `self` is the error when the sender names itself, `task` what the nodes
//  are asked to do ("answer a round"). Returns a new array of the names,
//  or NULL with the request failed; checks nothing once it has failed.
cb_value_t *cb_node_list_check (cb_req_t *req, const cb_value_t *list, const char *field,
                                const char *self, const char *task);

#endif
