/*  =========================================================================
    libcatchball - the client side of the catchball protocol

    See include/catchball/catchball.h. The protocol is in
    proto/PROTOCOL.md; this file is one client of it, and a client in
    another language does the same: a DEALER socket, one MessagePack map a
    frame, requests matched to replies by message id, resends with the
    same id, hello again on NOT_HELLO, deliveries de-duplicated by sequence.
    =========================================================================
*/
#include <czmq.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catchball/catchball.h"

#define S_DEFAULT_RETRY 1000
#define S_MAX_RETRY     8000
#define S_PING_MS       2000

struct _cb_client_t {
    zsock_t *dealer;            //  Our connection to the broker
    char *node;                 //  Node name
    char *role;                 //  Its role
    char *parent;               //  Its parent, or NULL
    bool hello;                 //  The broker knows this connection
    char mid_prefix [24];       //  Random per client: message ids stay unique
    uint64_t mid_next;          //  Counter for message ids
    zlist_t *inbox;             //  Deliveries received, not yet handed out
    zlist_t *log;               //  Log entries received, not yet handed out
    bool subscribed;            //  Following the event log
    uint64_t log_next;          //  The next log sequence to hand out
    uint64_t log_acked;         //  The last log sequence acknowledged to the broker
    cb_value_t *log_filter;     //  The subscription's filter, or NULL: the whole log
    uint64_t delivered;         //  Highest sequence handed out
    uint64_t inbox_last;        //  From hello
    uint64_t inbox_acked;       //  From hello and acks
    int retry;                  //  Resend after this many ms (then twice that...)
    int64_t next_ping;          //  When cb_client_recv pings next (monotonic ms)
    int error;                  //  Last error code
    char error_name [32];       //  Its name
    char error_message [512];   //  Its message
};

static void
s_set_error (cb_client_t *self, int code, const char *message)
{
    self->error = code;
    snprintf (self->error_name, sizeof (self->error_name), "%s", cb_err_name (code));
    snprintf (self->error_message, sizeof (self->error_message), "%s",
              message && *message ? message : cb_strerror (code));
}

//  With cert and broker_key: CURVE, set up before connecting.
static cb_client_t *
s_new (const char *endpoint, const char *node, const char *role, const char *parent,
       zcert_t *cert, const char *broker_key)
{
    assert (endpoint && node);
    cb_client_t *self = (cb_client_t *) zmalloc (sizeof (cb_client_t));
    self->dealer = zsock_new (ZMQ_DEALER);
    if (cert) {
        zcert_apply (cert, self->dealer);
        zsock_set_curve_serverkey (self->dealer, broker_key);
    }
    //  Let a last request or ack reach the broker when we are destroyed.
    zsock_set_linger (self->dealer, 1000);
    zsock_set_heartbeat_ivl (self->dealer, 2000);
    zsock_set_heartbeat_timeout (self->dealer, 6000);
    zsock_set_reconnect_ivl (self->dealer, 100);
    zsock_set_reconnect_ivl_max (self->dealer, 2000);
    if (zsock_connect (self->dealer, "%s", endpoint)) {
        zsock_destroy (&self->dealer);
        free (self);
        return NULL;
    }
    self->node = strdup (node);
    self->role = role ? strdup (role) : NULL;
    self->parent = parent ? strdup (parent) : NULL;
    self->inbox = zlist_new ();
    self->log = zlist_new ();
    self->retry = S_DEFAULT_RETRY;
    //  Message ids must never repeat for this node, across processes too:
    //  64 random bits from the kernel, then a counter.
    uint64_t r = 0;
    if (getrandom (&r, sizeof (r), 0) != (ssize_t) sizeof (r))
        r = ((uint64_t) getpid () << 40) ^ (uint64_t) zclock_usecs ();
    snprintf (self->mid_prefix, sizeof (self->mid_prefix), "%016llx",
              (unsigned long long) r);
    return self;
}

cb_client_t *
cb_client_new (const char *endpoint, const char *node, const char *role, const char *parent)
{
    return s_new (endpoint, node, role, parent, NULL, NULL);
}

cb_client_t *
cb_client_new_curve (const char *endpoint, const char *node, const char *role,
                     const char *parent, const char *cert_path, const char *broker_key,
                     char *why, size_t why_size)
{
    assert (endpoint && cert_path && broker_key);
    //  The secret file is FILE_secret next to a public FILE, or FILE itself.
    char secret [PATH_MAX];
    size_t len = strlen (cert_path);
    if (len >= 7 && streq (cert_path + len - 7, "_secret"))
        snprintf (secret, sizeof (secret), "%s", cert_path);
    else
        snprintf (secret, sizeof (secret), "%s_secret", cert_path);
    struct stat st;
    if (stat (secret, &st)) {
        snprintf (why, why_size, "cannot read the secret key %s: %s", secret, strerror (errno));
        return NULL;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (why, why_size, "the secret key %s is readable or writable by group or "
                  "others (mode %04o): chmod 600 it", secret, (unsigned) (st.st_mode & 07777));
        return NULL;
    }
    zcert_t *cert = zcert_load (secret);
    if (!cert || streq (zcert_secret_txt (cert), "0000000000000000000000000000000000000000")) {
        snprintf (why, why_size, "%s holds no secret key", secret);
        zcert_destroy (&cert);
        return NULL;
    }
    //  The broker's key: Z85 text, or its public certificate.
    char server [41];
    uint8_t decoded [32];
    if (strlen (broker_key) == 40 && access (broker_key, F_OK) != 0) {
        if (!zmq_z85_decode (decoded, broker_key)) {
            snprintf (why, why_size, "the broker's key '%s' is not Z85", broker_key);
            zcert_destroy (&cert);
            return NULL;
        }
        snprintf (server, sizeof (server), "%s", broker_key);
    }
    else {
        zcert_t *broker = zcert_load (broker_key);
        if (!broker) {
            snprintf (why, why_size, "the broker's key must be 40 characters of Z85 or a "
                      "certificate file; cannot read %s", broker_key);
            zcert_destroy (&cert);
            return NULL;
        }
        snprintf (server, sizeof (server), "%s", zcert_public_txt (broker));
        zcert_destroy (&broker);
    }
    if (!node)
        node = zcert_meta (cert, "name");
    if (!role)
        role = zcert_meta (cert, "role");
    if (!node) {
        snprintf (why, why_size, "%s names no node: give one", secret);
        zcert_destroy (&cert);
        return NULL;
    }
    cb_client_t *self = s_new (endpoint, node, role, parent, cert, server);
    if (!self)
        snprintf (why, why_size, "invalid endpoint '%s'", endpoint);
    zcert_destroy (&cert);
    return self;
}

void
cb_client_destroy (cb_client_t **self_p)
{
    assert (self_p);
    cb_client_t *self = *self_p;
    if (!self)
        return;
    zsock_destroy (&self->dealer);
    cb_value_t *item;
    while ((item = (cb_value_t *) zlist_pop (self->inbox)))
        cb_value_destroy (&item);
    zlist_destroy (&self->inbox);
    while ((item = (cb_value_t *) zlist_pop (self->log)))
        cb_value_destroy (&item);
    zlist_destroy (&self->log);
    cb_value_destroy (&self->log_filter);
    free (self->node);
    free (self->role);
    free (self->parent);
    free (self);
    *self_p = NULL;
}

int cb_client_error (cb_client_t *self) { return self->error; }
const char *cb_client_error_name (cb_client_t *self) { return self->error_name; }
const char *cb_client_error_message (cb_client_t *self) { return self->error_message; }
const char *cb_client_node (cb_client_t *self) { return self->node; }
uint64_t cb_client_inbox_last (cb_client_t *self) { return self->inbox_last; }
uint64_t cb_client_inbox_acked (cb_client_t *self) { return self->inbox_acked; }

void
cb_client_set_retry (cb_client_t *self, int retry_ms)
{
    self->retry = retry_ms > 0 ? retry_ms : S_DEFAULT_RETRY;
}

//  --------------------------------------------------------------------------
//  Receive one message and sort it: a delivery goes to the inbox queue
//  (once per sequence); a reply is returned. NULL if nothing usable came.

//  Queues a sequenced message (a delivery or a log entry) unless it was
//  handed out already (seq < next) or is queued already. Takes msg.
static void
s_queue (zlist_t *queue, uint64_t next, cb_value_t **msg_p)
{
    int64_t seq = 0;
    if (cb_value_get_int (*msg_p, "seq", &seq) && (uint64_t) seq >= next) {
        for (cb_value_t *q = (cb_value_t *) zlist_first (queue); q;
             q = (cb_value_t *) zlist_next (queue)) {
            int64_t qs = 0;
            cb_value_get_int (q, "seq", &qs);
            if (qs == seq) {
                cb_value_destroy (msg_p);
                return;
            }
        }
        zlist_append (queue, *msg_p);
        *msg_p = NULL;
        return;
    }
    cb_value_destroy (msg_p);
}

//  Takes the queued message with the lowest sequence, if any.
static cb_value_t *
s_dequeue (zlist_t *queue, uint64_t *seq_p)
{
    cb_value_t *best = NULL;
    int64_t best_seq = 0;
    for (cb_value_t *q = (cb_value_t *) zlist_first (queue); q;
         q = (cb_value_t *) zlist_next (queue)) {
        int64_t seq = 0;
        cb_value_get_int (q, "seq", &seq);
        if (!best || seq < best_seq) {
            best = q;
            best_seq = seq;
        }
    }
    if (best) {
        zlist_remove (queue, best);
        *seq_p = (uint64_t) best_seq;
    }
    return best;
}

//  Receive one message and sort it: a delivery or a log entry goes to its
//  queue (once per sequence); a reply is returned. NULL if nothing usable
//  came.
static cb_value_t *
s_recv_one (cb_client_t *self)
{
    zframe_t *frame = zframe_recv (self->dealer);
    if (!frame)
        return NULL;
    cb_value_t *msg = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
    zframe_destroy (&frame);
    const char *type = cb_value_get_str (msg, "type");
    if (type && streq (type, "deliver"))
        s_queue (self->inbox, self->delivered + 1, &msg);
    else
    if (type && streq (type, "log"))
        s_queue (self->log, self->log_next, &msg);
    return msg;
}

//  Send a request and wait for the reply with its message id; resend with
//  the same id every retry ms. Returns the whole reply, or NULL on timeout.
static cb_value_t *
s_exchange (cb_client_t *self, const char *type, const char *mid, const cb_value_t *body,
            int timeout_ms)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    cb_value_t *copy = body ? cb_value_dup (body) : cb_value_new_map ();
    cb_value_set (msg, "body", &copy);
    size_t size;
    void *data = cb_codec_encode (msg, &size);
    cb_value_destroy (&msg);

    int64_t deadline = zclock_mono () + timeout_ms;
    int64_t resend = 0;
    int interval = self->retry;
    cb_value_t *reply = NULL;
    zpoller_t *poller = zpoller_new (self->dealer, NULL);
    while (!reply) {
        int64_t now = zclock_mono ();
        if (now >= deadline)
            break;
        if (now >= resend) {
            zframe_t *frame = zframe_new (data, size);
            //  DONTWAIT: with no connection the message waits in the socket.
            if (zframe_send (&frame, self->dealer, ZFRAME_DONTWAIT))
                zframe_destroy (&frame);
            //  Back off: a slow broker is not helped by more of the same.
            resend = now + interval;
            interval = interval * 2 > S_MAX_RETRY ? S_MAX_RETRY : interval * 2;
        }
        int64_t wait = (resend < deadline ? resend : deadline) - now;
        if (!zpoller_wait (poller, (int) (wait > 0 ? wait : 0))) {
            if (zpoller_terminated (poller))
                break;
            continue;
        }
        cb_value_t *in = s_recv_one (self);
        int64_t code = 0, after = 0;
        if (!in || !streq (cb_value_get_str_or (in, "mid", ""), mid))
            cb_value_destroy (&in);     //  A late reply to an earlier request
        else
        if (streq (cb_value_get_str_or (in, "type", ""), "error")
        &&  cb_value_get_int (in, "code", &code) && code == CB_E_RATE_LIMITED) {
            //  Nothing was stored: send the same again once the broker says.
            cb_value_get_int (in, "retry_after", &after);
            resend = zclock_mono () + (after > 0 && after < S_MAX_RETRY ? after : S_MAX_RETRY);
            interval = self->retry;
            cb_value_destroy (&in);
        }
        else
            reply = in;
    }
    zpoller_destroy (&poller);
    free (data);
    return reply;
}

static void
s_next_mid (cb_client_t *self, char *mid, size_t size)
{
    snprintf (mid, size, "%s-%llu", self->mid_prefix, (unsigned long long) ++self->mid_next);
}

//  Turns a reply into its body, or NULL with the error recorded.
static cb_value_t *
s_reply_body (cb_client_t *self, cb_value_t **reply_p)
{
    cb_value_t *reply = *reply_p;
    cb_value_t *body = NULL;
    const char *type = cb_value_get_str (reply, "type");
    if (type && streq (type, "ok")) {
        body = cb_value_get (reply, "body");
        body = body && cb_value_type (body) == CB_MAP ? cb_value_dup (body) : cb_value_new_map ();
        s_set_error (self, CB_OK, NULL);
    }
    else
    if (type && streq (type, "error")) {
        int64_t code = CB_E_PROTOCOL;
        cb_value_get_int (reply, "code", &code);
        s_set_error (self, (int) code, cb_value_get_str (reply, "message"));
    }
    else
        s_set_error (self, CB_E_PROTOCOL, "reply of unknown type");
    cb_value_destroy (reply_p);
    return body;
}

static int s_subscribe (cb_client_t *self, uint64_t from, int timeout_ms);

//  One exchange on this connection as it is (no hello first): the reply's
//  body, or NULL with the error recorded. Takes the body.
static cb_value_t *
s_call (cb_client_t *self, const char *type, cb_value_t **body_p, int timeout_ms)
{
    char mid [64];
    s_next_mid (self, mid, sizeof (mid));
    cb_value_t *reply = s_exchange (self, type, mid, *body_p, timeout_ms);
    cb_value_destroy (body_p);
    if (!reply) {
        s_set_error (self, CB_E_TIMEOUT, NULL);
        return NULL;
    }
    return s_reply_body (self, &reply);
}

int
cb_client_hello (cb_client_t *self, int timeout_ms)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", self->node);
    if (self->role)
        cb_value_set_str (body, "role", self->role);
    if (self->parent)
        cb_value_set_str (body, "parent", self->parent);
    cb_value_t *ok = s_call (self, "hello", &body, timeout_ms);
    if (!ok)
        return -1;
    cb_value_t *inbox = cb_value_get_map (ok, "inbox");
    int64_t last = 0, acked = 0;
    cb_value_get_int (inbox, "last", &last);
    cb_value_get_int (inbox, "acked", &acked);
    self->inbox_last = (uint64_t) last;
    self->inbox_acked = (uint64_t) acked;
    self->hello = true;
    cb_value_destroy (&ok);
    //  A subscription lives with its connection: renew it.
    if (self->subscribed && s_subscribe (self, self->log_next, timeout_ms))
        return -1;
    return 0;
}

cb_value_t *
cb_client_request (cb_client_t *self, const char *type, cb_value_t **body_p, int timeout_ms)
{
    cb_value_t *body = body_p && *body_p ? *body_p : NULL;
    if (body_p)
        *body_p = NULL;
    int64_t deadline = zclock_mono () + timeout_ms;
    char mid [64];
    s_next_mid (self, mid, sizeof (mid));
    cb_value_t *result = NULL;
    //  At most a few hellos: the broker restarted, or this connection was
    //  replaced, while we were talking.
    for (int attempt = 0; attempt < 4; attempt++) {
        int left = (int) (deadline - zclock_mono ());
        if (left <= 0) {
            s_set_error (self, CB_E_TIMEOUT, NULL);
            break;
        }
        if (!self->hello && cb_client_hello (self, left))
            break;
        left = (int) (deadline - zclock_mono ());
        cb_value_t *reply = left > 0 ? s_exchange (self, type, mid, body, left) : NULL;
        if (!reply) {
            s_set_error (self, CB_E_TIMEOUT, NULL);
            break;
        }
        result = s_reply_body (self, &reply);
        if (result || self->error != CB_E_NOT_HELLO)
            break;
        self->hello = false;
    }
    cb_value_destroy (&body);
    return result;
}

//  Adds one page's body into the whole: arrays are appended to, maps
//  merged (a later page's entry wins), other fields kept from the first.
static void
s_merge_page (cb_value_t *whole, const cb_value_t *page)
{
    for (size_t i = 0; i < cb_value_size (page); i++) {
        const char *key = cb_value_key_at (page, i);
        cb_value_t *value = cb_value_val_at (page, i);
        cb_value_t *into = cb_value_get (whole, key);
        if (streq (key, "next"))
            continue;           //  The whole has none
        if (!into) {
            cb_value_t *copy = cb_value_dup (value);
            cb_value_set (whole, key, &copy);
        }
        else
        if (cb_value_type (into) == CB_ARRAY && cb_value_type (value) == CB_ARRAY)
            for (size_t j = 0; j < cb_value_size (value); j++) {
                cb_value_t *copy = cb_value_dup (cb_value_at (value, j));
                cb_value_push (into, &copy);
            }
        else
        if (cb_value_type (into) == CB_MAP && cb_value_type (value) == CB_MAP)
            for (size_t j = 0; j < cb_value_size (value); j++) {
                cb_value_t *copy = cb_value_dup (cb_value_val_at (value, j));
                cb_value_set (into, cb_value_key_at (value, j), &copy);
            }
    }
}

cb_value_t *
cb_client_request_pages (cb_client_t *self, const char *type, cb_value_t **body_p,
                         int timeout_ms)
{
    cb_value_t *body = body_p && *body_p ? *body_p : cb_value_new_map ();
    if (body_p)
        *body_p = NULL;
    cb_value_t *whole = NULL;
    while (true) {
        cb_value_t *request = cb_value_dup (body);
        cb_value_t *page = cb_client_request (self, type, &request, timeout_ms);
        if (!page) {
            cb_value_destroy (&whole);
            break;
        }
        const char *next = cb_value_get_str (page, "next");
        if (!whole)
            whole = cb_value_new_map ();
        s_merge_page (whole, page);
        if (!next) {
            cb_value_destroy (&page);
            break;
        }
        cb_value_set_str (body, "after", next);
        cb_value_destroy (&page);
    }
    cb_value_destroy (&body);
    return whole;
}

//  Waits up to timeout_ms (0: only what has arrived) until `queue` is not
//  empty, sorting what arrives and pinging now and then, so that a
//  restarted broker is noticed (its NOT_HELLO makes the next request say
//  hello again, after which it sends what is waiting).
static void
s_wait (cb_client_t *self, zlist_t *queue, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    if (!self->next_ping)
        self->next_ping = zclock_mono () + S_PING_MS;
    zpoller_t *poller = zpoller_new (self->dealer, NULL);
    while (zlist_size (queue) == 0) {
        int64_t now = zclock_mono ();
        if (now >= deadline && timeout_ms > 0)
            break;
        //  The ping time is kept across calls, so that short timeouts in
        //  a loop still ping; a ping never outlasts the caller's timeout
        //  (and a call that must not wait does not ping).
        if (timeout_ms > 0 && now >= self->next_ping) {
            self->next_ping = now + S_PING_MS;
            int64_t left = deadline - now;
            cb_value_t *pong = cb_client_request (self, "ping", NULL,
                                                  (int) (left < 2000 ? left : 2000));
            cb_value_destroy (&pong);
            continue;
        }
        int64_t wait = (self->next_ping < deadline ? self->next_ping : deadline) - now;
        if (timeout_ms <= 0)
            wait = 0;
        if (zpoller_wait (poller, (int) (wait > 0 ? wait : 0))) {
            cb_value_t *other = s_recv_one (self);
            cb_value_destroy (&other);
        }
        else
        if (zpoller_terminated (poller) || timeout_ms <= 0)
            break;
    }
    zpoller_destroy (&poller);
}

cb_value_t *
cb_client_recv (cb_client_t *self, int timeout_ms)
{
    s_wait (self, self->inbox, timeout_ms);
    uint64_t seq;
    cb_value_t *delivery = s_dequeue (self->inbox, &seq);
    if (delivery)
        self->delivered = seq;
    return delivery;
}

//  --------------------------------------------------------------------------
//  The event log

#define S_LOG_ACK_EVERY 256

//  log.subscribe from `from` (0: what comes next), with the filter if any.
static int
s_subscribe (cb_client_t *self, uint64_t from, int timeout_ms)
{
    cb_value_t *body = cb_value_new_map ();
    if (from)
        cb_value_set_int (body, "from", (int64_t) from);
    if (self->log_filter) {
        cb_value_t *filter = cb_value_dup (self->log_filter);
        cb_value_set (body, "filter", &filter);
    }
    cb_value_t *ok = s_call (self, "log.subscribe", &body, timeout_ms);
    if (!ok)
        return -1;
    int64_t given = (int64_t) from;
    cb_value_get_int (ok, "from", &given);
    cb_value_destroy (&ok);
    self->log_next = (uint64_t) given;
    self->log_acked = (uint64_t) given - 1;
    return 0;
}

int
cb_client_subscribe_filter (cb_client_t *self, uint64_t from, const cb_value_t *filter,
                            int timeout_ms)
{
    if (!self->hello && cb_client_hello (self, timeout_ms))
        return -1;
    cb_value_t *item;
    while ((item = (cb_value_t *) zlist_pop (self->log)))
        cb_value_destroy (&item);
    cb_value_destroy (&self->log_filter);
    self->log_filter = filter ? cb_value_dup (filter) : NULL;
    self->log_next = from ? from : 1;
    if (s_subscribe (self, from, timeout_ms))
        return -1;
    self->subscribed = true;
    return 0;
}

int
cb_client_subscribe (cb_client_t *self, uint64_t from, int timeout_ms)
{
    return cb_client_subscribe_filter (self, from ? from : 1, NULL, timeout_ms);
}

cb_value_t *
cb_client_recv_log (cb_client_t *self, int timeout_ms)
{
    s_wait (self, self->log, timeout_ms);
    uint64_t seq;
    cb_value_t *entry = s_dequeue (self->log, &seq);
    //  One sent before a new subscription's start: already handed out.
    while (entry && seq < self->log_next) {
        cb_value_destroy (&entry);
        entry = s_dequeue (self->log, &seq);
    }
    //  A filtered stream skips the entries that do not concern it: only
    //  the whole log can show a gap.
    if (entry && seq != self->log_next && !self->log_filter) {
        //  A gap (entries are sent in order on one connection, so only a
        //  reconnection makes one): ask again from where we are.
        zlist_append (self->log, entry);
        s_subscribe (self, self->log_next, 2000);
        return NULL;
    }
    if (entry) {
        self->log_next = seq + 1;
        if (seq - self->log_acked >= S_LOG_ACK_EVERY || zlist_size (self->log) == 0) {
            cb_value_t *body = cb_value_new_map ();
            cb_value_set_int (body, "upto", (int64_t) seq);
            cb_value_t *reply = cb_client_request (self, "log.ack", &body, 2000);
            if (reply)
                self->log_acked = seq;
            cb_value_destroy (&reply);
        }
    }
    return entry;
}

int
cb_client_ack (cb_client_t *self, uint64_t seq, int timeout_ms)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_int (body, "upto", (int64_t) seq);
    cb_value_t *reply = cb_client_request (self, "ack", &body, timeout_ms);
    if (!reply)
        return -1;
    int64_t acked = 0;
    cb_value_get_int (reply, "acked", &acked);
    self->inbox_acked = (uint64_t) acked;
    cb_value_destroy (&reply);
    return 0;
}
