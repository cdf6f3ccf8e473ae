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
#include "logfilter.h"
#include "validate.h"

#define R_LEADERSHIP    1
#define R_TEAM          2
#define R_FACILITATOR   4
#define R_OBSERVER      8
#define R_ANY           15
#define R_AUTHORS       (R_LEADERSHIP | R_TEAM)
#define R_BEFORE_HELLO  0           //  Anyone, even a connection not yet known

//  A session operation: it works on the sender's connection (who it is,
//  its inbox window, its log subscription) and may fill the result for
//  the broker to apply after the commit.
typedef int (s_session_fn) (cb_req_t *req, const char *type, const cb_value_t *body,
                            const cb_auth_t *auth, cb_result_t *result);

static s_session_fn s_hello, s_ping, s_ack, s_log_subscribe, s_log_ack, s_log_unsubscribe;

typedef struct {
    const char *type;           //  Message type
    cb_handler_fn *handler;     //  What applies a request, or NULL
    s_session_fn *session;      //  What applies a session operation, or NULL;
                                //  these check no role: any node that said
                                //  hello may send them
    bool writes;                //  Changes the store: kept for resends, logged
    unsigned roles;             //  Roles that may send it
} s_route_t;

static const s_route_t s_routes [];

const char *
cb_dispatch_route (size_t index, unsigned *roles)
{
    for (size_t i = 0; s_routes [i].type; i++)
        if (i == index) {
            if (roles)
                *roles = s_routes [i].roles;
            return s_routes [i].type;
        }
    return NULL;
}

static const s_route_t s_routes [] = {
    { "hello",            NULL,                      s_hello,            false, R_BEFORE_HELLO },
    { "ping",             NULL,                      s_ping,             false, R_ANY },
    { "ack",              NULL,                      s_ack,              false, R_ANY },
    { "log.subscribe",    NULL,                      s_log_subscribe,    false, R_ANY },
    { "log.ack",          NULL,                      s_log_ack,          false, R_ANY },
    { "log.unsubscribe",  NULL,                      s_log_unsubscribe,  false, R_ANY },
    { "draft.new",        cb_handle_draft_new,       NULL,               true,  R_AUTHORS },
    { "draft.revise",     cb_handle_draft_revise,    NULL,               true,  R_AUTHORS },
    { "draft.import",     cb_handle_draft_import,    NULL,               true,  R_AUTHORS },
    { "draft.show",       cb_handle_draft_show,      NULL,               false, R_ANY },
    { "draft.list",       cb_handle_draft_list,      NULL,               false, R_ANY },
    { "draft.history",    cb_handle_draft_history,   NULL,               false, R_ANY },
    { "draft.diff",       cb_handle_draft_diff,      NULL,               false, R_ANY },
    { "draft.vote",       cb_handle_draft_vote,      NULL,               true,  R_AUTHORS },
    { "draft.finalize",   cb_handle_draft_finalize,  NULL,               true,  R_AUTHORS },
    { "vote.open",        cb_handle_vote_open,       NULL,               true,  R_AUTHORS },
    { "vote.show",        cb_handle_vote_show,       NULL,               false, R_ANY },
    { "proposal.adopt",   cb_handle_proposal_adopt,  NULL,               true,  R_AUTHORS },
    { "round.throw",      cb_handle_round_throw,     NULL,               true,  R_AUTHORS },
    { "round.feedback",   cb_handle_round_feedback,  NULL,               true,  R_AUTHORS },
    { "round.counter",    cb_handle_round_counter,   NULL,               true,  R_AUTHORS },
    { "round.endorse",    cb_handle_round_endorse,   NULL,               true,  R_AUTHORS },
    { "round.show",       cb_handle_round_show,      NULL,               false, R_ANY },
    { "round.close",      cb_handle_round_close,     NULL,               true,  R_AUTHORS },
    { "event.new",        cb_handle_event_new,       NULL,               true,  R_FACILITATOR },
    { "event.advance",    cb_handle_event_advance,   NULL,               true,  R_FACILITATOR },
    { "event.extend",     cb_handle_event_extend,    NULL,               true,  R_FACILITATOR },
    { "event.nudge",      cb_handle_event_nudge,     NULL,               true,  R_FACILITATOR },
    { "event.share",      cb_handle_event_share,     NULL,               true,  R_AUTHORS },
    { "event.show",       cb_handle_event_show,      NULL,               false, R_ANY },
    { "event.list",       cb_handle_event_list,      NULL,               false, R_ANY },
    { "event.snapshot",   cb_handle_event_snapshot,  NULL,               false, R_ANY },
    { "event.report",     cb_handle_event_report,    NULL,               false, R_ANY },
    { "cycle.graph",      cb_handle_cycle_graph,     NULL,               false, R_ANY },
    { "ask.new",          cb_handle_ask_new,         NULL,               true,  R_AUTHORS },
    { "offer.new",        cb_handle_offer_new,       NULL,               true,  R_AUTHORS },
    { "ask.accept",       cb_handle_ask_accept,      NULL,               true,  R_AUTHORS },
    { "ask.decline",      cb_handle_ask_decline,     NULL,               true,  R_AUTHORS },
    { "ask.counter",      cb_handle_ask_counter,     NULL,               true,  R_AUTHORS },
    { "ask.take",         cb_handle_ask_take,        NULL,               true,  R_AUTHORS },
    { "ask.refuse",       cb_handle_ask_refuse,      NULL,               true,  R_AUTHORS },
    { "ask.list",         cb_handle_ask_list,        NULL,               false, R_ANY },
    { "draft.raise",      cb_handle_draft_raise,     NULL,               true,  R_AUTHORS },
    { "draft.retro",      cb_handle_draft_retro,     NULL,               true,  R_AUTHORS },
    { "draft.carry",      cb_handle_draft_carry,     NULL,               true,  R_AUTHORS },
    { "checkin.new",      cb_handle_checkin_new,     NULL,               true,  R_AUTHORS },
    { "checkin.list",     cb_handle_checkin_list,    NULL,               false, R_ANY },
    { "cycle.new",        cb_handle_cycle_new,       NULL,               true,  R_LEADERSHIP },
    { "cycle.close",      cb_handle_cycle_close,     NULL,               true,  R_LEADERSHIP },
    { "cycle.show",       cb_handle_cycle_show,      NULL,               false, R_ANY },
    { "cycle.list",       cb_handle_cycle_list,      NULL,               false, R_ANY },
    { NULL, NULL, NULL, false, 0 }
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
    cb_logfilter_t *filter = (cb_logfilter_t *) result->log_filter;
    cb_logfilter_destroy (&filter);
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
s_hello (cb_req_t *req, const char *type, const cb_value_t *body, const cb_auth_t *auth,
         cb_result_t *result)
{
    (void) type;
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

//  ping {} -> {time}

static int
s_ping (cb_req_t *req, const char *type, const cb_value_t *body, const cb_auth_t *auth,
        cb_result_t *result)
{
    (void) auth, (void) result;
    static const char *const none [] = { NULL };
    int rc = cb_check_fields (req, body, type, none);
    cb_value_set_int (req->reply, "time", req->now);
    return rc;
}

//  ack {upto} -> {acked}

static int
s_ack (cb_req_t *req, const char *type, const cb_value_t *body, const cb_auth_t *auth,
       cb_result_t *result)
{
    (void) auth;
    static const char *const fields [] = { "upto", NULL };
    int64_t upto = 0;
    if (cb_check_fields (req, body, type, fields)
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

//  log.subscribe {from?, filter?} -> {from, last}; log.ack {upto} ->
//  {acked}; log.unsubscribe {} -> {}. The broker applies them to the
//  session after the commit (they store nothing).

//  A kind a log entry can have: a request type that changes something, or
//  one of the broker's timers.
static bool
s_log_kind (const char *kind)
{
    if (streq (kind, "deadline") || streq (kind, "timebox"))
        return true;
    for (const s_route_t *r = s_routes; r->type; r++)
        if (r->writes && streq (r->type, kind))
            return true;
    return false;
}

static int
s_log_subscribe (cb_req_t *req, const char *type, const cb_value_t *body,
                 const cb_auth_t *auth, cb_result_t *result)
{
    (void) auth;
    static const char *const fields [] = { "from", "filter", NULL };
    uint64_t last = cb_log_last (req->txn);
    //  Without `from`: what comes next.
    int64_t from = (int64_t) last + 1;
    if (cb_check_fields (req, body, type, fields)
    ||  cb_field_int (req, body, "from", 1, (int64_t) last + 1, false, &from) < 0)
        return -1;
    cb_value_t *filter = cb_value_get (body, "filter");
    if (filter && !(result->log_filter = cb_logfilter_new (req, filter, s_log_kind)))
        return -1;
    result->log_op = CB_LOG_SUBSCRIBE;
    result->log_seq = (uint64_t) from;
    cb_value_set_int (req->reply, "from", from);
    cb_value_set_int (req->reply, "last", (int64_t) last);
    return 0;
}

static int
s_log_ack (cb_req_t *req, const char *type, const cb_value_t *body, const cb_auth_t *auth,
           cb_result_t *result)
{
    (void) auth;
    static const char *const fields [] = { "upto", NULL };
    int64_t upto = 0;
    if (cb_check_fields (req, body, type, fields)
    ||  cb_field_int (req, body, "upto", 0, INT64_MAX, true, &upto) < 0)
        return -1;
    result->log_op = CB_LOG_ACK;
    result->log_seq = (uint64_t) upto;
    cb_value_set_int (req->reply, "acked", upto);
    return 0;
}

static int
s_log_unsubscribe (cb_req_t *req, const char *type, const cb_value_t *body,
                   const cb_auth_t *auth, cb_result_t *result)
{
    (void) auth;
    static const char *const none [] = { NULL };
    if (cb_check_fields (req, body, type, none))
        return -1;
    result->log_op = CB_LOG_UNSUBSCRIBE;
    return 0;
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
//  Apply one frame, in five steps: the envelope, the route, the replay of a
//  resent change, the run of its handler, and the finish. Each step either
//  goes on or leaves an error in the result; s_dispatch_in_arena then
//  cleans up in one place.

//  One frame on its way through the steps.
typedef struct {
    cb_txn_t *txn;              //  The batch transaction
    bool nested;                //  Run in a child transaction of txn
    const char *node;           //  The sender, or NULL before hello
    const char *role;           //  Its role
    const cb_auth_t *auth;      //  Who the connection's key says it is, or NULL
    int64_t now;                //  Wall clock, ms
    zhashx_t *touched;          //  The batch's nodes whose inbox grew
    cb_result_t *result;        //  What the caller gets
    cb_value_t *msg;            //  The decoded frame (owned)
    cb_value_t *empty;          //  The body when the frame has none (owned)
    const char *mid;            //  Its message id
    const char *type;           //  Its type
    const cb_value_t *body;     //  Its body, a map
    const s_route_t *route;     //  Its route
    uint8_t rkey [CB_MAX_NODE + 1 + CB_MAX_MID];  //  Where its reply is kept
    size_t rklen;               //  ... that key's length (0 if not kept)
} s_call_t;

//  Envelope: a map {cb: 1, mid, type, body?} within the size limit.
static int
s_envelope (s_call_t *call, const void *frame, size_t size)
{
    cb_result_t *result = call->result;
    char why [128];
    call->msg = cb_codec_decode (frame, size, why, sizeof (why));
    if (size > CB_MAX_FRAME) {
        //  Decoded only to answer with its mid (ZMQ_MAXMSGSIZE bounds it).
        char text [80];
        snprintf (text, sizeof (text), "the message is %zu bytes; at most %d", size,
                  CB_MAX_FRAME);
        s_error (result, s_mid_of (call->msg), CB_E_TOO_LARGE, text);
        return -1;
    }
    if (!call->msg) {
        s_error (result, NULL, CB_E_BAD_MESSAGE, why);
        return -1;
    }
    const cb_value_t *msg = call->msg;
    const char *mid = call->mid = s_mid_of (msg);
    call->type = cb_value_get_str (msg, "type");
    const cb_value_t *body = cb_value_get (msg, "body");
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
    if (!call->type)
        s_error (result, mid, CB_E_BAD_FIELD, "'type' must be a string");
    else
    if (body && cb_value_type (body) != CB_MAP && cb_value_type (body) != CB_NIL)
        s_error (result, mid, CB_E_BAD_FIELD, "'body' must be a map");
    if (result->code)
        return -1;
    if (!body || cb_value_type (body) == CB_NIL)
        body = call->empty = cb_value_new_map ();
    call->body = body;
    return 0;
}

//  Route: a known type, from a node that said hello, in a role that may
//  send it.
static int
s_route (s_call_t *call)
{
    for (const s_route_t *r = s_routes; r->type && !call->route; r++)
        if (streq (r->type, call->type))
            call->route = r;
    const s_route_t *route = call->route;
    char text [120];
    if (!route) {
        snprintf (text, sizeof (text), "unknown message type '%.64s'", call->type);
        s_error (call->result, call->mid, CB_E_UNKNOWN_TYPE, text);
    }
    else
    if (!call->node && route->roles != R_BEFORE_HELLO)
        s_error (call->result, call->mid, CB_E_NOT_HELLO,
                 "this connection has not said hello: say hello");
    else
    if (!route->session && !(route->roles & s_role_bit (call->role))) {
        snprintf (text, sizeof (text), "a %s node may not send %s", call->role, call->type);
        s_error (call->result, call->mid, CB_E_FORBIDDEN, text);
    }
    return call->result->code ? -1 : 0;
}

//  Replay: a change sent again gets the reply it had, and changes nothing.
//  1 if replayed, 0 to go on, -1 on error.
static int
s_replay (s_call_t *call)
{
    if (!call->route->writes)
        return 0;
    size_t nlen = strlen (call->node), mlen = strlen (call->mid);
    memcpy (call->rkey, call->node, nlen);
    call->rkey [nlen] = 0;
    memcpy (call->rkey + nlen + 1, call->mid, mlen);
    call->rklen = nlen + 1 + mlen;
    const void *stored;
    size_t stored_size;
    uint64_t damage = cb_txn_damage (call->txn);
    int rc = cb_txn_get (call->txn, CB_T_REQUESTS, call->rkey, call->rklen, &stored,
                         &stored_size);
    if (rc == 0) {
        call->result->reply = malloc (stored_size);
        memcpy (call->result->reply, stored, stored_size);
        call->result->size = stored_size;
        return 1;
    }
    if (rc < 0) {
        s_error (call->result, call->mid, cb_txn_damage (call->txn) != damage
                                          ? CB_E_STORE_DAMAGED : CB_E_STORAGE, NULL);
        return -1;
    }
    return 0;
}

//  The handler, then what every change gets in the same transaction: its
//  entry in the event log and its reply kept for resends. 0 or -1.
static int
s_handle (s_call_t *call, cb_req_t *req, cb_txn_t *child)
{
    const s_route_t *route = call->route;
    cb_result_t *result = call->result;
    int rc = route->session
           ? route->session (req, call->type, call->body, call->auth, result)
           : route->handler (req, call->body);
    if (rc == 0 && route->writes) {
        //  Every change to a draft, round, event or ask goes into the
        //  event log, in the same transaction.
        int64_t seq = cb_log_append (req, call->type);
        if (seq < 0)
            rc = -1;
        else
            result->log_last = (uint64_t) seq;
    }
    //  A store failure anywhere fails the request, whatever the handler said.
    if (rc == 0 && cb_req_check_store (req))
        rc = -1;
    //  So does a damaged record, whatever the handler made of it.
    if (cb_txn_damage (child) != req->damage && cb_req_check_store (req))
        rc = -1;
    if (rc == 0 && route->writes)
        s_log_change (result, call->node, call->type, req->reply);
    if (rc == 0) {
        void *reply = s_encode_ok (call->mid, &req->reply, &result->size);
        if (route->writes
        &&  cb_txn_put (child, CB_T_REQUESTS, call->rkey, call->rklen, reply, result->size,
                        true) < 0) {
            cb_req_check_store (req);
            free (reply);
            rc = -1;
        }
        else
            result->reply = reply;
    }
    return rc;
}

//  Finish: a success hands its touched inboxes and deadline to the batch;
//  a failure is undone (nested), or asks for a redo (direct, if it wrote),
//  and answers with its error and nothing else.
static void
s_finish (s_call_t *call, cb_req_t *req, int rc, uint64_t writes_before)
{
    cb_result_t *result = call->result;
    if (rc == 0) {
        for (void *seq = zhashx_first (req->touched); seq; seq = zhashx_next (req->touched))
            zhashx_update (call->touched, (const char *) zhashx_cursor (req->touched), seq);
        result->deadline = req->deadline;
        return;
    }
    //  (A store failure fails the whole batch anyway: no redo for it.)
    //  LMDB marks a transaction that met a damaged page unusable: the
    //  batch is redone nested, where only the child is lost.
    if (!call->nested
    &&  (cb_txn_writes (call->txn) != writes_before || cb_txn_damage (call->txn) != req->damage)
    &&  cb_txn_status (call->txn) == CB_STORE_OK)
        result->redo = true;
    free (result->reply);
    free (result->hello_node);
    free (result->hello_role);
    result->reply = NULL;
    result->hello_node = result->hello_role = NULL;
    result->acked = false;
    result->log_op = CB_LOG_NONE;
    result->log_last = 0;
    result->log [0] = 0;
    s_error (result, call->mid, req->code ? req->code : CB_E_INTERNAL, req->message);
}

//  Run: the request in its transaction. Nested, it runs in a child of the
//  batch transaction, so a failure anywhere is undone alone. Direct, it
//  writes into the batch transaction itself, which is cheaper (no page
//  copied into a child and merged back); a request that fails after
//  writing anything then asks for the batch to be redone nested
//  (result->redo).
static void
s_run (s_call_t *call)
{
    uint64_t writes_before = cb_txn_writes (call->txn);
    cb_txn_t *child = call->nested ? cb_txn_child (call->txn) : call->txn;
    if (!child) {
        s_error (call->result, call->mid, CB_E_STORAGE, NULL);
        return;
    }
    cb_req_t req;
    cb_req_init (&req, child, call->node, call->role, call->now);
    int rc = s_handle (call, &req, child);
    if (call->nested) {
        if (rc == 0 && cb_txn_commit (&child) != CB_STORE_OK)
            rc = cb_req_fail (&req, CB_E_STORAGE, "%s", cb_strerror (CB_E_STORAGE));
        if (rc)
            cb_txn_abort (&child);
    }
    s_finish (call, &req, rc, writes_before);
    cb_req_clean (&req);
}

static void
s_dispatch_in_arena (cb_txn_t *txn, bool nested, const void *frame, size_t size,
                     const char *node, const char *role, const cb_auth_t *auth, int64_t now,
                     zhashx_t *touched, cb_result_t *result)
{
    memset (result, 0, sizeof (*result));
    s_call_t call = {
        .txn = txn, .nested = nested, .node = node, .role = role, .auth = auth,
        .now = now, .touched = touched, .result = result
    };
    if (s_envelope (&call, frame, size) == 0
    &&  s_route (&call) == 0
    &&  s_replay (&call) == 0)
        s_run (&call);
    cb_value_destroy (&call.empty);
    cb_value_destroy (&call.msg);
}

//  --------------------------------------------------------------------------
//  The clock: deadlines and time boxes that have passed

//  The touched table carries sequences in its pointers.
_Static_assert (sizeof (void *) >= sizeof (uint64_t), "touched holds a uint64_t per node");

uint64_t
cb_dispatch_touched_seq (zhashx_t *touched, const char *node)
{
    return (uint64_t) (uintptr_t) zhashx_lookup (touched, node);
}

int64_t
cb_dispatch_next_deadline (cb_txn_t *txn)
{
    int64_t next = 0;
    int64_t due [] = {
        cb_rounds_next_deadline (txn), cb_votes_next_deadline (txn), cb_events_next_timebox (txn),
        cb_checkins_next_due (txn)
    };
    for (size_t i = 0; i < sizeof (due) / sizeof (due [0]); i++)
        if (due [i] && (!next || due [i] < next))
            next = due [i];
    return next;
}

int
cb_dispatch_expire (cb_txn_t *txn, int64_t now, zhashx_t *touched, cb_expiry_t *expiry)
{
    memset (expiry, 0, sizeof (*expiry));
    cb_txn_t *child = cb_txn_child (txn);
    if (!child)
        return -1;
    cb_req_t req;
    cb_req_init (&req, child, "catchballd", "system", now);
    int closed = cb_rounds_expire (&req);
    int revealed = closed < 0 ? -1 : cb_votes_expire (&req);
    int64_t closed_seq = revealed < 0 ? -1 : cb_log_append (&req, "deadline");
    int advanced = closed_seq < 0 ? -1 : cb_events_expire (&req);
    int64_t advanced_seq = advanced < 0 ? -1 : cb_log_append (&req, "timebox");
    //  Check-ins due change no object: deliveries only, no log entry.
    int dues = advanced_seq < 0 ? -1 : cb_checkins_expire (&req);
    int rc = dues >= 0 && cb_txn_commit (&child) == CB_STORE_OK ? 0 : -1;
    if (rc == 0) {
        for (void *seq = zhashx_first (req.touched); seq; seq = zhashx_next (req.touched))
            zhashx_update (touched, (const char *) zhashx_cursor (req.touched), seq);
        expiry->count = closed + revealed + advanced;
        expiry->log_last = (uint64_t) (advanced_seq ? advanced_seq : closed_seq);
        expiry->next_deadline = cb_dispatch_next_deadline (txn);
    }
    else {
        //  Not a store failure (that fails the batch): a round that cannot
        //  be closed. Say so; the caller tries again in a while.
        if (cb_txn_status (txn) == CB_STORE_OK)
            zsys_error ("deadlines: cannot close a round: %s", req.message);
        cb_txn_abort (&child);
    }
    cb_req_clean (&req);
    return rc;
}

//  --------------------------------------------------------------------------
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
