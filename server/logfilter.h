/*  =========================================================================
    logfilter - a log subscription's filter: which entries of the global
    event log concern a subscriber that follows some drafts, some nodes,
    one cycle, or some kinds of change

    A node that follows one cycle should not read the whole organisation's
    log. log.subscribe takes an optional filter {drafts?, nodes?, cycle?,
    kinds?}; the broker then sends only the entries that concern it, with
    their global sequence numbers (so a filtered stream skips numbers).
    Each field given must match (a list matches if any of its names
    does). See PROTOCOL.md, section 12.
    =========================================================================
*/
#ifndef CB_LOGFILTER_H_INCLUDED
#define CB_LOGFILTER_H_INCLUDED

#include "records.h"

typedef struct _cb_logfilter_t cb_logfilter_t;

//  True if `kind` can be the kind of a log entry.
typedef bool (cb_logfilter_kind_fn) (const char *kind);

//  A filter from the body's `filter` value, checked against the store in
//  req->txn: malformed or naming nothing is BAD_FIELD; a draft or cycle
//  that does not exist NOT_FOUND; a node that never said hello
//  UNKNOWN_NODE; a kind kind_ok refuses BAD_FIELD. NULL with the request
//  failed.
cb_logfilter_t *cb_logfilter_new (cb_req_t *req, const cb_value_t *filter,
                                  cb_logfilter_kind_fn *kind_ok);

void cb_logfilter_destroy (cb_logfilter_t **self_p);

//  True if the entry (the encoded log message, as stored) concerns the
//  filter. Entries must be given in sequence order: a cycle filter learns
//  the cycle's new drafts from them.
bool cb_logfilter_match (cb_logfilter_t *self, const void *data, size_t size);

#endif
