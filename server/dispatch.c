/*  =========================================================================
    dispatch - from one decoded message to its reply

    The route table below is the broker's list of request types: who may
    send each (by role; relations such as owner or recipient are checked by
    the handler), and whether it changes the store. A change is kept with
    its reply under (node, message id) in the same transaction, so a
    resent request gets the original reply and changes nothing twice.
    =========================================================================
*/
#include "dispatch.h"
#include "handlers.h"
#include "inbox.h"
#include "log.h"
#include "validate.h"

#define R_LEADERSHIP    1
#define R_TEAM          2
#define R_FACILITATOR   4
#define R_OBSERVER      8
#define R_ANY           15
#define R_AUTHORS       (R_LEADERSHIP | R_TEAM)

typedef struct {
    const char *type;           //  Message type
    cb_handler_fn *handler;     //  What applies it
    bool writes;                //  Changes the store: kept for resends
    unsigned roles;             //  Roles that may send it
} s_route_t;

static const s_route_t s_routes [] = {
    { "draft.new",      cb_handle_draft_new,       true,  R_AUTHORS },
    { "draft.revise",   cb_handle_draft_revise,    true,  R_AUTHORS },
    { "draft.show",     cb_handle_draft_show,      false, R_ANY },
    { "draft.list",     cb_handle_draft_list,      false, R_ANY },
    { "draft.history",  cb_handle_draft_history,   false, R_ANY },
    { "draft.diff",     cb_handle_draft_diff,      false, R_ANY },
    { "draft.vote",     cb_handle_draft_vote,      true,  R_AUTHORS },
    { "draft.finalize", cb_handle_draft_finalize,  true,  R_AUTHORS },
    { "proposal.adopt", cb_handle_proposal_adopt,  true,  R_AUTHORS },
    { "round.throw",    cb_handle_round_throw,     true,  R_AUTHORS },
    { "round.feedback", cb_handle_round_feedback,  true,  R_AUTHORS },
    { "round.counter",  cb_handle_round_counter,   true,  R_AUTHORS },
    { "round.endorse",  cb_handle_round_endorse,   true,  R_AUTHORS },
    { "round.show",     cb_handle_round_show,      false, R_ANY },
    { "round.close",    cb_handle_round_close,     true,  R_AUTHORS },
    { "event.new",      cb_handle_event_new,       true,  R_FACILITATOR },
    { "event.advance",  cb_handle_event_advance,   true,  R_FACILITATOR },
    { "event.extend",   cb_handle_event_extend,    true,  R_FACILITATOR },
    { "event.nudge",    cb_handle_event_nudge,     true,  R_FACILITATOR },
    { "event.share",    cb_handle_event_share,     true,  R_AUTHORS },
    { "event.show",     cb_handle_event_show,      false, R_ANY },
    { "event.list",     cb_handle_event_list,      false, R_ANY },
    { "event.snapshot", cb_handle_event_snapshot,  false, R_ANY },
    { "event.report",   cb_handle_event_report,    false, R_ANY },
    { "cycle.graph",    cb_handle_cycle_graph,     false, R_ANY },
    { "ask.new",        cb_handle_ask_new,         true,  R_AUTHORS },
    { "offer.new",      cb_handle_offer_new,       true,  R_AUTHORS },
    { "ask.accept",     cb_handle_ask_accept,      true,  R_AUTHORS },
    { "ask.decline",    cb_handle_ask_decline,     true,  R_AUTHORS },
    { "ask.counter",    cb_handle_ask_counter,     true,  R_AUTHORS },
    { "ask.take",       cb_handle_ask_take,        true,  R_AUTHORS },
    { "ask.refuse",     cb_handle_ask_refuse,      true,  R_AUTHORS },
    { NULL, NULL, false, 0 }
};

static const char *s_roles [] = { "leadership", "team", "facilitator", "observer", NULL };

static unsigned
s_role_bit (const char *role)
{
    for (int i = 0; s_roles [i]; i++)
        if (role && streq (role, s_roles [i]))
            return 1u << i;
    return 0;
}

//  --------------------------------------------------------------------------
//  Replies

static void *
s_encode_ok (const char *mid, cb_value_t **body_p, size_t *size)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "ok");
    cb_value_set_str (msg, "mid", mid);
    cb_value_set (msg, "body", body_p);
    void *data = cb_codec_encode (msg, size);
    cb_value_destroy (&msg);
    return data;
}

static void
s_error_after (cb_result_t *result, const char *mid, int code, const char *message,
               int64_t retry_after)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "error");
    if (mid)
        cb_value_set_str (msg, "mid", mid);
    else
        cb_value_set_nil (msg, "mid");
    cb_value_set_int (msg, "code", code);
    cb_value_set_str (msg, "name", cb_err_name (code));
    cb_value_set_str (msg, "message", message && *message ? message : cb_strerror (code));
    if (retry_after >= 0)
        cb_value_set_int (msg, "retry_after", retry_after);
    free (result->reply);
    result->reply = cb_codec_encode (msg, &result->size);
    result->code = code;
    cb_value_destroy (&msg);
}

static void
s_error (cb_result_t *result, const char *mid, int code, const char *message)
{
    s_error_after (result, mid, code, message, -1);
}

void
cb_result_clean (cb_result_t *result)
{
    free (result->reply);
    free (result->hello_node);
    free (result->hello_role);
    memset (result, 0, sizeof (*result));
}

//  A mid found in a frame that failed later checks, so the error can be
//  matched; NULL when the frame has none we can trust.
static const char *
s_mid_of (const cb_value_t *msg)
{
    const char *mid = cb_value_get_str (msg, "mid");
    if (mid && *mid && strlen (mid) <= CB_MAX_MID)
        return mid;
    return NULL;
}

void *
cb_dispatch_error (const void *frame, size_t size, int code, size_t *size_p)
{
    return cb_dispatch_refusal (frame, size, code, NULL, -1, size_p);
}

void *
cb_dispatch_refusal (const void *frame, size_t size, int code, const char *message,
                     int64_t retry_after, size_t *size_p)
{
    cb_result_t result = { 0 };
    cb_value_t *msg = frame && size <= CB_MAX_FRAME ? cb_codec_decode (frame, size, NULL, 0)
                                                    : NULL;
    s_error_after (&result, s_mid_of (msg), code, message, retry_after);
    cb_value_destroy (&msg);
    *size_p = result.size;
    return result.reply;
}

//  --------------------------------------------------------------------------
//  hello {node, role?, parent?} -> {node, role, parent, inbox: {last, acked}}
//  The first hello of a name registers the node with its role; a later
//  hello may leave the role out, and must not name another.

static int
s_hello (cb_req_t *req, const cb_value_t *body, const cb_auth_t *auth, cb_result_t *result)
{
    static const char *const fields [] = { "node", "role", "parent", NULL };
    if (cb_check_fields (req, body, "hello", fields))
        return -1;
    const char *node = cb_field_str (req, body, "node", 1, CB_MAX_NODE, true);
    const char *role = req->code ? NULL : cb_field_str (req, body, "role", 1, 16, false);
    const char *parent = req->code ? NULL : cb_field_str (req, body, "parent", 1, CB_MAX_NODE, false);
    if (req->code)
        return -1;
    if (!cb_node_name_valid (node))
        return cb_req_fail (req, CB_E_BAD_FIELD,
                            "'node' must be 1 to 64 letters, digits, '.', '_' or '-'");
    if (role && !s_role_bit (role))
        return cb_req_fail (req, CB_E_BAD_FIELD,
                            "'role' must be leadership, team, facilitator or observer");
    if (parent && !cb_node_name_valid (parent))
        return cb_req_fail (req, CB_E_BAD_FIELD, "'parent' must be a node name");
    //  With CURVE, the key decides who this is; the body may only agree.
    if (auth && !streq (node, auth->node))
        return cb_req_fail (req, CB_E_KEY_MISMATCH,
                            "this connection's key belongs to %s: it cannot say hello as %s",
                            auth->node, node);
    if (auth && role && !streq (role, auth->role))
        return cb_req_fail (req, CB_E_ROLE_MISMATCH,
                            "%s's certificate gives the role %s, not %s", node, auth->role, role);
    if (auth)
        role = auth->role;
    cb_value_t *record = cb_node_get (req->txn, node);
    if (cb_req_check_store (req))
        return -1;
    if (!record && !role)
        return cb_req_fail (req, CB_E_BAD_FIELD,
                            "%s is a new node: 'role' is required on its first hello", node);
    if (record && !role)
        role = cb_value_get_str (record, "role");
    if (record && !streq (cb_value_get_str (record, "role"), role)) {
        cb_req_fail (req, CB_E_ROLE_MISMATCH, "%s is known as %s, not %s", node,
                     cb_value_get_str (record, "role"), role);
        cb_value_destroy (&record);
        return -1;
    }
    bool changed = !record;
    if (!record) {
        record = cb_value_new_map ();
        cb_value_set_str (record, "name", node);
        cb_value_set_str (record, "role", role);
        cb_value_set_int (record, "created", req->now);
        cb_value_set_nil (record, "parent");
    }
    if (parent && !streq (parent, cb_value_get_str (record, "parent") ? cb_value_get_str (record, "parent") : "")) {
        cb_value_set_str (record, "parent", parent);
        changed = true;
    }
    if (changed && cb_rec_put (req->txn, CB_T_NODES, node, strlen (node), record)) {
        cb_value_destroy (&record);
        return cb_req_check_store (req);
    }
    uint64_t last, acked;
    if (cb_inbox_state (req->txn, node, &last, &acked)) {
        cb_value_destroy (&record);
        return cb_req_check_store (req);
    }
    cb_value_set_str (req->reply, "node", node);
    cb_value_set_str (req->reply, "role", role);
    cb_value_t *copy = cb_value_dup (cb_value_get (record, "parent"));
    cb_value_set (req->reply, "parent", &copy);
    cb_value_t *inbox = cb_value_new_map ();
    cb_value_set_int (inbox, "last", (int64_t) last);
    cb_value_set_int (inbox, "acked", (int64_t) acked);
    cb_value_set (req->reply, "inbox", &inbox);
    result->hello_node = strdup (node);
    result->hello_role = strdup (role);
    result->inbox_last = last;
    result->inbox_acked = acked;
    if (changed)
        snprintf (result->log, sizeof (result->log), "node %s registered as %s", node, role);
    cb_value_destroy (&record);
    return 0;
}

//  ack {upto} -> {acked}

static int
s_ack (cb_req_t *req, const cb_value_t *body, cb_result_t *result)
{
    static const char *const fields [] = { "upto", NULL };
    int64_t upto = 0;
    if (cb_check_fields (req, body, "ack", fields)
    ||  cb_field_int (req, body, "upto", 0, INT64_MAX, true, &upto) < 0)
        return -1;
    int64_t acked = cb_inbox_ack (req->txn, req->node, (uint64_t) upto);
    if (acked < 0)
        return cb_req_check_store (req);
    cb_value_set_int (req->reply, "acked", acked);
    result->acked = true;
    result->inbox_acked = (uint64_t) acked;
    return 0;
}

//  log.subscribe {from} -> {from, last}; log.ack {upto} -> {acked};
//  log.unsubscribe {} -> {}. The broker applies them to the session after
//  the commit (they store nothing).
static int
s_log_request (cb_req_t *req, const char *type, const cb_value_t *body, cb_result_t *result)
{
    static const char *const sub_fields [] = { "from", NULL };
    static const char *const ack_fields [] = { "upto", NULL };
    static const char *const none [] = { NULL };
    uint64_t last = cb_log_last (req->txn);
    int64_t n = 0;
    if (streq (type, "log.subscribe")) {
        if (cb_check_fields (req, body, type, sub_fields)
        ||  cb_field_int (req, body, "from", 1, (int64_t) last + 1, true, &n) < 0)
            return -1;
        result->log_op = 1;
        result->log_seq = (uint64_t) n;
        cb_value_set_int (req->reply, "from", n);
        cb_value_set_int (req->reply, "last", (int64_t) last);
        return 0;
    }
    if (streq (type, "log.ack")) {
        if (cb_check_fields (req, body, type, ack_fields)
        ||  cb_field_int (req, body, "upto", 0, INT64_MAX, true, &n) < 0)
            return -1;
        result->log_op = 2;
        result->log_seq = (uint64_t) n;
        cb_value_set_int (req->reply, "acked", n);
        return 0;
    }
    if (streq (type, "log.unsubscribe")) {
        if (cb_check_fields (req, body, type, none))
            return -1;
        result->log_op = 3;
        return 0;
    }
    return cb_req_fail (req, CB_E_UNKNOWN_TYPE, "unknown message type '%s'", type);
}

//  A log line for a committed change, from what the reply names.
static void
s_log_change (cb_result_t *result, const char *node, const char *type, const cb_value_t *reply)
{
    char what [120] = "";
    const char *keys [] = { "id", "event", "ask", "round", "draft", "phase", "state", NULL };
    size_t len = 0;
    for (int i = 0; keys [i]; i++) {
        const char *v = cb_value_get_str (reply, keys [i]);
        if (v)
            len += snprintf (what + len, sizeof (what) - len, " %s", v);
        if (len >= sizeof (what))
            break;
    }
    int64_t rev;
    if (len < sizeof (what) && cb_value_get_int (reply, "rev", &rev))
        snprintf (what + len, sizeof (what) - len, " rev %lld", (long long) rev);
    snprintf (result->log, sizeof (result->log), "%s %s:%s", node, type, what);
}

//  --------------------------------------------------------------------------
//  Apply one frame

static void
s_dispatch_in_arena (cb_txn_t *txn, bool nested, const void *frame, size_t size,
                     const char *node, const char *role, const cb_auth_t *auth, int64_t now,
                     zhashx_t *touched, cb_result_t *result)
{
    memset (result, 0, sizeof (*result));
    char why [128];
    cb_value_t *msg = cb_codec_decode (frame, size, why, sizeof (why));
    if (size > CB_MAX_FRAME) {
        //  Decoded only to answer with its mid (ZMQ_MAXMSGSIZE bounds it).
        char text [80];
        snprintf (text, sizeof (text), "the message is %zu bytes; at most %d", size,
                  CB_MAX_FRAME);
        s_error (result, s_mid_of (msg), CB_E_TOO_LARGE, text);
        cb_value_destroy (&msg);
        return;
    }
    if (!msg) {
        s_error (result, NULL, CB_E_BAD_MESSAGE, why);
        return;
    }
    const char *mid = s_mid_of (msg);
    const char *type = cb_value_get_str (msg, "type");
    cb_value_t *body = cb_value_get (msg, "body");
    int64_t version = 0;
    if (cb_value_type (msg) != CB_MAP)
        s_error (result, NULL, CB_E_BAD_MESSAGE, "a message is a map");
    else
    if (!cb_value_get_int (msg, "cb", &version) || version != 1)
        s_error (result, mid, CB_E_BAD_VERSION, "'cb' must be 1, the protocol version");
    else
    if (!mid)
        s_error (result, NULL, CB_E_BAD_FIELD, "'mid' must be a string of 1 to 64 bytes");
    else
    if (!type)
        s_error (result, mid, CB_E_BAD_FIELD, "'type' must be a string");
    else
    if (body && cb_value_type (body) != CB_MAP && cb_value_type (body) != CB_NIL)
        s_error (result, mid, CB_E_BAD_FIELD, "'body' must be a map");
    if (result->code) {
        cb_value_destroy (&msg);
        return;
    }
    cb_value_t *empty = cb_value_new_map ();
    if (!body || cb_value_type (body) == CB_NIL)
        body = empty;

    const s_route_t *route = NULL;
    for (const s_route_t *r = s_routes; r->type; r++)
        if (streq (r->type, type))
            route = r;
    bool session_type = streq (type, "hello") || streq (type, "ping") || streq (type, "ack")
                     || streq (type, "log.subscribe") || streq (type, "log.ack")
                     || streq (type, "log.unsubscribe");
    if (!route && !session_type) {
        char text [120];
        snprintf (text, sizeof (text), "unknown message type '%.64s'", type);
        s_error (result, mid, CB_E_UNKNOWN_TYPE, text);
    }
    else
    if (!node && !streq (type, "hello"))
        s_error (result, mid, CB_E_NOT_HELLO, "this connection has not said hello: say hello");
    else
    if (route && !(route->roles & s_role_bit (role))) {
        char text [120];
        snprintf (text, sizeof (text), "a %s node may not send %s", role, type);
        s_error (result, mid, CB_E_FORBIDDEN, text);
    }
    //  A resent change: answer with the reply it had.
    uint8_t rkey [CB_MAX_NODE + 1 + CB_MAX_MID];
    size_t rklen = 0;
    if (!result->code && route && route->writes) {
        size_t nlen = strlen (node), mlen = strlen (mid);
        memcpy (rkey, node, nlen);
        rkey [nlen] = 0;
        memcpy (rkey + nlen + 1, mid, mlen);
        rklen = nlen + 1 + mlen;
        const void *stored;
        size_t stored_size;
        uint64_t damage = cb_txn_damage (txn);
        int rc = cb_txn_get (txn, CB_T_REQUESTS, rkey, rklen, &stored, &stored_size);
        if (rc == 0) {
            result->reply = malloc (stored_size);
            memcpy (result->reply, stored, stored_size);
            result->size = stored_size;
            cb_value_destroy (&empty);
            cb_value_destroy (&msg);
            return;
        }
        if (rc < 0)
            s_error (result, mid, cb_txn_damage (txn) != damage ? CB_E_STORE_DAMAGED
                                                                 : CB_E_STORAGE, NULL);
    }
    if (result->code) {
        cb_value_destroy (&empty);
        cb_value_destroy (&msg);
        return;
    }

    //  Nested: the request runs in a child of the batch transaction, so a
    //  failure anywhere is undone alone. Direct: it writes into the batch
    //  transaction itself, which is cheaper (no page copied into a child
    //  and merged back); a request that fails after writing anything then
    //  asks for the batch to be redone nested (result->redo).
    uint64_t writes_before = cb_txn_writes (txn);
    cb_txn_t *child = nested ? cb_txn_child (txn) : txn;
    if (!child) {
        s_error (result, mid, CB_E_STORAGE, NULL);
        cb_value_destroy (&empty);
        cb_value_destroy (&msg);
        return;
    }
    cb_req_t req;
    cb_req_init (&req, child, node, role, now);
    int rc;
    if (streq (type, "hello"))
        rc = s_hello (&req, body, auth, result);
    else
    if (streq (type, "ping")) {
        static const char *const none [] = { NULL };
        rc = cb_check_fields (&req, body, "ping", none);
        cb_value_set_int (req.reply, "time", now);
    }
    else
    if (streq (type, "ack"))
        rc = s_ack (&req, body, result);
    else
    if (strncmp (type, "log.", 4) == 0)
        rc = s_log_request (&req, type, body, result);
    else
        rc = route->handler (&req, body);
    //  Every change to a draft, round, event or ask goes into the event log,
    //  in the same transaction.
    if (rc == 0 && route && route->writes && cb_log_append (&req, type) < 0)
        rc = -1;
    result->logged = rc == 0 && route && route->writes;
    //  A store failure anywhere fails the request, whatever the handler said.
    if (rc == 0 && cb_req_check_store (&req))
        rc = -1;
    //  So does a damaged record, whatever the handler made of it.
    if (cb_txn_damage (child) != req.damage && cb_req_check_store (&req))
        rc = -1;
    if (rc == 0 && route && route->writes)
        s_log_change (result, node, type, req.reply);
    if (rc == 0) {
        void *reply = s_encode_ok (mid, &req.reply, &result->size);
        if (route && route->writes
        &&  cb_txn_put (child, CB_T_REQUESTS, rkey, rklen, reply, result->size, true) < 0) {
            cb_req_check_store (&req);
            free (reply);
            rc = -1;
        }
        else
            result->reply = reply;
    }
    if (rc == 0 && nested && cb_txn_commit (&child) != CB_STORE_OK) {
        cb_req_fail (&req, CB_E_STORAGE, "%s", cb_strerror (CB_E_STORAGE));
        free (result->reply);
        result->reply = NULL;
        rc = -1;
    }
    if (rc == 0) {
        for (void *item = zhashx_first (req.touched); item; item = zhashx_next (req.touched))
            zhashx_update (touched, (const char *) zhashx_cursor (req.touched), (void *) 1);
        result->deadline = req.deadline;
    }
    else {
        if (nested)
            cb_txn_abort (&child);
        else
        //  (A store failure fails the whole batch anyway: no redo for it.)
        //  LMDB marks a transaction that met a damaged page unusable: the
        //  batch is redone nested, where only the child is lost.
        if ((cb_txn_writes (txn) != writes_before || cb_txn_damage (txn) != req.damage)
        &&  cb_txn_status (txn) == CB_STORE_OK)
            result->redo = true;
        free (result->hello_node);
        free (result->hello_role);
        result->hello_node = result->hello_role = NULL;
        result->acked = false;
        result->logged = false;
        result->log_op = 0;
        result->log [0] = 0;
        s_error (result, mid, req.code ? req.code : CB_E_INTERNAL, req.message);
    }
    cb_req_clean (&req);
    cb_value_destroy (&empty);
    cb_value_destroy (&msg);
}

//  Every value tree a request makes comes from the value arena and goes
//  back at once when it is done: a request makes about a hundred, and
//  malloc and free were a third of the broker's time. Nothing made here
//  outlives the request: the result holds encoded bytes and strdup'd
//  strings only.
static void
s_dispatch (cb_txn_t *txn, bool nested, const void *frame, size_t size, const char *node,
            const char *role, const cb_auth_t *auth, int64_t now, zhashx_t *touched,
            cb_result_t *result)
{
    cb_value_arena_begin ();
    s_dispatch_in_arena (txn, nested, frame, size, node, role, auth, now, touched, result);
    cb_value_arena_end ();
}

void
cb_dispatch (cb_txn_t *txn, const void *frame, size_t size, const char *node,
             const char *role, const cb_auth_t *auth, int64_t now, zhashx_t *touched,
             cb_result_t *result)
{
    s_dispatch (txn, true, frame, size, node, role, auth, now, touched, result);
}

void
cb_dispatch_direct (cb_txn_t *txn, const void *frame, size_t size, const char *node,
                    const char *role, const cb_auth_t *auth, int64_t now, zhashx_t *touched,
                    cb_result_t *result)
{
    s_dispatch (txn, false, frame, size, node, role, auth, now, touched, result);
}
