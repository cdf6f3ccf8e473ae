/*  =========================================================================
    inbox - each node's durable, sequenced inbox

    Every delivery to a node (a round thrown to it, a response to its draft,
    a round's summary) is appended to the node's inbox in the same write
    transaction as the change that caused it, with the next sequence number
    of that node (1, 2, 3...). The stored value is the whole wire message,
    ready to send, or a reference to a body shared by several inboxes. The broker pushes items past the node's acknowledged
    sequence whenever the node is connected; the node acknowledges
    cumulatively and acknowledged items are deleted. Nothing is kept in a
    socket that is not also in the store.
    =========================================================================
*/
#ifndef CB_INBOX_H_INCLUDED
#define CB_INBOX_H_INCLUDED

#include "records.h"

//  Append a delivery of `kind` with `body` (taken) to `node`'s inbox.
//  Returns its sequence number, or 0 on store error.
uint64_t cb_inbox_push (cb_req_t *req, const char *node, const char *kind,
                        cb_value_t **body_p);

//  Append the same delivery to each node of `nodes` (an array of names):
//  the body (taken) is stored once and each inbox item refers to it.
//  0, or -1 on store error.
int cb_inbox_push_all (cb_req_t *req, const cb_value_t *nodes, const char *kind,
                       cb_value_t **body_p);

//  The highest sequence given out and the highest acknowledged. 0 or -1.
int cb_inbox_state (cb_txn_t *txn, const char *node, uint64_t *last, uint64_t *acked);

//  Acknowledge everything up to `upto` (clamped to the last sequence):
//  deletes those items. Returns the new acknowledged sequence, or -1.
int64_t cb_inbox_ack (cb_txn_t *txn, const char *node, uint64_t upto);

//  Calls fn for each stored item with a sequence >= from, in order, at
//  most max of them, until fn returns non-zero. The data is the encoded
//  message, lent for the call. Returns how many items fn was given, or -1.
int cb_inbox_read (cb_txn_t *txn, const char *node, uint64_t from, size_t max,
                   cb_seq_fn *fn, void *arg);

#endif
