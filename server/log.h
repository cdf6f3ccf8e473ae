/*  =========================================================================
    log - the global event log: every committed change to a draft, round,
    event or ask, in one sequence, for consoles and anyone who follows

    An entry is appended in the transaction of the change it records, with
    the new value of each object the change touched (req->changed), drafts
    with their head content. Entries are kept for good, stored as the wire
    message ready to send, so a subscriber that joins late or reconnects
    reads them straight from the store. See PROTOCOL.md, section 12.
    =========================================================================
*/
#ifndef CB_LOG_H_INCLUDED
#define CB_LOG_H_INCLUDED

#include "records.h"

//  Appends an entry of `kind` for what req->changed holds, if anything.
//  Returns its sequence, 0 if there was nothing to log, -1 on failure
//  (the request failed).
int64_t cb_log_append (cb_req_t *req, const char *kind);

//  The last sequence written (0 if none).
uint64_t cb_log_last (cb_txn_t *txn);

//  Calls fn for each entry with a sequence >= from, in order, at most max
//  of them, until fn returns non-zero. Returns how many fn was given, or -1.
int cb_log_read (cb_txn_t *txn, uint64_t from, size_t max, cb_seq_fn *fn, void *arg);

//  A draft record with its head revision's content added (a new value),
//  as the log and event.snapshot show drafts. NULL on failure.
cb_value_t *cb_log_draft_object (cb_req_t *req, const cb_value_t *draft);

#endif
