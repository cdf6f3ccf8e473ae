/*  =========================================================================
    dispatch - from one decoded message to its reply

    Checks the envelope (version, type, message id, body), the sender's
    session and role, answers a resent request with its original reply,
    and runs the request's handler in a child transaction of the batch
    (cb_dispatch) or straight in the batch transaction (cb_dispatch_direct).
    Knows nothing of sockets: the broker loop hands it a message and the
    sender's session, and sends what comes back.
    =========================================================================
*/
#ifndef CB_DISPATCH_H_INCLUDED
#define CB_DISPATCH_H_INCLUDED

#include "records.h"

//  The largest frame the broker decodes; larger gets TOO_LARGE.
#define CB_MAX_FRAME    (256 * 1024)
//  The longest message id.
#define CB_MAX_MID      64

//  What a log.* request asks of the sender's session.
typedef enum {
    CB_LOG_NONE = 0,            //  Not a log request
    CB_LOG_SUBSCRIBE = 1,       //  log.subscribe: send entries from log_seq
    CB_LOG_ACK = 2,             //  log.ack: entries up to log_seq are read
    CB_LOG_UNSUBSCRIBE = 3      //  log.unsubscribe: send no more
} cb_log_op_t;

//  The outcome of one message.
typedef struct {
    int code;                   //  0, or the error code answered
    void *reply;                //  The encoded reply to send (malloc'd)
    size_t size;                //  Its size
    char *hello_node;           //  After a successful hello: the node (malloc'd)
    char *hello_role;           //  ... and its role (malloc'd)
    uint64_t inbox_last;        //  After hello: the inbox's last sequence
    uint64_t inbox_acked;       //  After hello or ack: the acknowledged sequence
    bool acked;                 //  True after a successful ack
    int64_t deadline;           //  Earliest deadline or time box the request set, or 0
    uint64_t log_last;          //  The log entry it appended, or 0 if none:
                                //  the log's last sequence once committed
    cb_log_op_t log_op;         //  A log request's session change
    bool redo;                  //  Direct only: it failed after writing; the batch
                                //  must be abandoned and applied again nested
    uint64_t log_seq;           //  Its sequence (from, or upto)
    void *log_filter;           //  log.subscribe: its filter (a cb_logfilter_t,
                                //  for the session to take), or NULL: all
    char log [200];             //  A log line for a committed change, or ""
} cb_result_t;

//  Who the connection's authenticated key says it is (CURVE only).
typedef struct {
    const char *node;           //  The certificate's node name
    const char *role;           //  Its role
} cb_auth_t;

//  Apply one frame from a node known as node/role (both NULL before hello)
//  inside the batch transaction `txn`. With CURVE, `auth` is who the key
//  of the connection belongs to, and a hello must name that node; NULL
//  without authentication. Nodes whose inbox grew are added to `touched`,
//  each with its inbox's last sequence as the value (a uint64_t held in
//  the pointer, never 0): after the commit, that is the session's `last`,
//  with no read transaction needed. The caller frees the result with
//  cb_result_clean.
void cb_dispatch (cb_txn_t *txn, const void *frame, size_t size, const char *node,
                  const char *role, const cb_auth_t *auth, int64_t now, zhashx_t *touched,
                  cb_result_t *result);
//  The same, writing straight into `txn`, without a child transaction.
//  When result->redo is set, `txn` holds part of a failed request: the
//  caller must abort it and apply the batch again with cb_dispatch. A
//  request that fails before writing anything (as handlers that validate
//  first do) leaves `txn` clean and needs no redo.
void cb_dispatch_direct (cb_txn_t *txn, const void *frame, size_t size, const char *node,
                         const char *role, const cb_auth_t *auth, int64_t now,
                         zhashx_t *touched, cb_result_t *result);
void cb_result_clean (cb_result_t *result);

//  The inbox sequence that `touched` holds for a node, 0 if none. Not
//  while iterating over `touched` (a lookup moves zhashx's cursor, and the
//  loop goes wrong): there, the item itself is the sequence,
//  (uint64_t) (uintptr_t) item.
uint64_t cb_dispatch_touched_seq (zhashx_t *touched, const char *node);

//  What the clock did in one batch (cb_dispatch_expire).
typedef struct {
    int count;                  //  Rounds closed, votes revealed, event phases ended
    uint64_t log_last;          //  The last log entry it appended, or 0
    int64_t next_deadline;      //  After it: the earliest deadline left, or 0
} cb_expiry_t;

//  Closes the rounds whose deadline is at or before `now`, reveals the
//  confidence votes whose deadline has passed, and advances the
//  events whose time box has run out by then, as "catchballd", in a child
//  transaction of the batch transaction `txn`; nodes whose inbox grew are
//  added to `touched` as cb_dispatch does. Returns 0 and fills `expiry`,
//  or -1 if something due could not be closed: nothing it did is kept,
//  and unless `txn` saw a store failure (then the batch fails) the error
//  is logged, for the caller to try again a little later.
int cb_dispatch_expire (cb_txn_t *txn, int64_t now, zhashx_t *touched, cb_expiry_t *expiry);
//  The earliest round or vote deadline or event time box (ms), 0 if none.
int64_t cb_dispatch_next_deadline (cb_txn_t *txn);
//  The type of route `index` of the route table, and the roles that may
//  send it (R_* bits: leadership 1, team 2, facilitator 4, observer 8; 0
//  for hello, before any role); NULL past the last. For tests that hold a
//  list of the protocol's types against the broker's.
const char *cb_dispatch_route (size_t index, unsigned *roles);

//  An encoded error reply, for when no transaction could be had.
void *cb_dispatch_error (const void *frame, size_t size, int code, size_t *size_p);
//  The same with a message (NULL: the code's default) and, if not negative,
//  a "retry_after" in milliseconds.
void *cb_dispatch_refusal (const void *frame, size_t size, int code, const char *message,
                           int64_t retry_after, size_t *size_p);

#endif
