/*  =========================================================================
    libcatchball - the client side of the catchball protocol

    See include/catchball/catchball.h. The protocol is in
    proto/PROTOCOL.md; this file is one client of it, and a client in
    another language does the same: a DEALER socket, one MessagePack map a
    frame, requests matched to replies by message id, resends with the
    same id, hello again on NOT_HELLO, deliveries de-duplicated by sequence.

    Two ways to ask. cb_client_request, here, waits for its reply (the
    command line). cb_client_send does not: the request joins the requests
    in flight (cb_client_flight.c), which cb_client_pump, run in the
    caller's own loop (the console's, between keys and redraws), sends,
    resends, times out and finishes. The client's own housekeeping (hello,
    ping, log.subscribe after a gap, log.ack) goes the same way, so that
    nothing but cb_client_request ever waits for the broker.

    The link: a ZeroMQ socket monitor (zmq_socket_monitor on an inproc
    PAIR: no thread, read whenever the client polls) tells the client when
    its connection is up, down, or refused at the handshake. What libzmq
    4.3.4 reports, seen here: an unknown client key gives
    HANDSHAKE_FAILED_AUTH (ZAP status 400) and libzmq gives up on the
    connection (cb_client_pump opens a new one every 3 s, so that a
    certificate added to the broker's directory lets a running client in);
    a wrong broker key gives HANDSHAKE_FAILED_NO_DETAIL again
    and again as libzmq retries; no key against a CURVE broker gives
    HANDSHAKE_FAILED_NO_DETAIL then HANDSHAKE_FAILED_PROTOCOL (mechanism
    mismatch). A request then fails at once with REFUSED instead of
    waiting for a reply that cannot come.
    =========================================================================
*/
#include <czmq.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_client_int.h"

#define S_DEFAULT_RETRY 1000
#define S_REOPEN_MS     3000    //  A refused key tries a new socket this often

bool
cb_client_frame_ok (const void *data, size_t size, char *why, size_t why_size)
{
    char error [256] = "";
    cb_value_t *decoded = cb_codec_decode (data, size, error, sizeof (error));
    bool ok = decoded != NULL;
    cb_value_destroy (&decoded);
    if (!ok)
        snprintf (why, why_size, "not sent: the broker would refuse it (%s)", error);
    return ok;
}

void
cb_client_set_error (cb_client_t *self, int code, const char *message)
{
    self->error = code;
    snprintf (self->error_name, sizeof (self->error_name), "%s", cb_err_name (code));
    snprintf (self->error_message, sizeof (self->error_message), "%s",
              message && *message ? message : cb_strerror (code));
}

//  Closes the socket and its monitor.
static void
s_socket_close (cb_client_t *self)
{
    zpoller_destroy (&self->poller);
    if (self->dealer)
        zmq_socket_monitor (zsock_resolve (self->dealer), NULL, 0);
    zsock_destroy (&self->monitor);
    zsock_destroy (&self->dealer);
}

//  Opens the DEALER socket (CURVE if we have a certificate) with its
//  monitor, and connects. 0, or -1 if the endpoint is invalid.
static int
s_socket_open (cb_client_t *self)
{
    self->dealer = zsock_new (ZMQ_DEALER);
    assert (self->dealer);
    if (self->cert) {
        zcert_apply (self->cert, self->dealer);
        zsock_set_curve_serverkey (self->dealer, self->server_key);
    }
    //  The monitor before connecting, so that no event is missed.
    //  A name of its own: a destroyed socket's may still be bound a while.
    static uint64_t s_monitors = 0;
    char address [64];
    snprintf (address, sizeof (address), "inproc://cb-client-monitor-%llu",
              (unsigned long long) __atomic_add_fetch (&s_monitors, 1, __ATOMIC_RELAXED));
    int rc = zmq_socket_monitor (zsock_resolve (self->dealer), address,
                                 ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED
                               | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                               | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                               | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                               | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    assert (rc == 0);
    self->monitor = zsock_new_pair (address);
    assert (self->monitor);
    self->poller = zpoller_new (self->dealer, self->monitor, NULL);
    //  Let a last request or ack reach the broker when we are destroyed.
    zsock_set_linger (self->dealer, 1000);
    zsock_set_heartbeat_ivl (self->dealer, 2000);
    zsock_set_heartbeat_timeout (self->dealer, 6000);
    zsock_set_reconnect_ivl (self->dealer, 100);
    zsock_set_reconnect_ivl_max (self->dealer, 2000);
    if (zsock_connect (self->dealer, "%s", self->endpoint)) {
        s_socket_close (self);
        return -1;
    }
    return 0;
}

//  With cert and broker_key: CURVE, set up before connecting.
static cb_client_t *
s_new (const char *endpoint, const char *node, const char *role, const char *parent,
       zcert_t *cert, const char *broker_key)
{
    assert (endpoint && node);
    cb_client_t *self = (cb_client_t *) zmalloc (sizeof (cb_client_t));
    if (cert) {
        self->cert = zcert_dup (cert);
        snprintf (self->server_key, sizeof (self->server_key), "%s", broker_key);
        snprintf (self->key, sizeof (self->key), "%s", zcert_public_txt (cert));
    }
    snprintf (self->endpoint, sizeof (self->endpoint), "%s", endpoint);
    if (s_socket_open (self)) {
        zcert_destroy (&self->cert);
        free (self);
        return NULL;
    }
    self->link = CB_LINK_CONNECTING;
    self->link_since = zclock_time ();
    self->flights = zlist_new ();
    self->done = zlist_new ();
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
    s_socket_close (self);
    zcert_destroy (&self->cert);
    cb_flight_destroy_all (self);
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

//  --------------------------------------------------------------------------
//  The link, from the socket monitor's events

static void
s_link_set (cb_client_t *self, cb_link_t link)
{
    if (self->link != link) {
        self->link = link;
        self->link_since = zclock_time ();
    }
}

//  A refusal: the link is refused until a handshake succeeds, and every
//  request in flight fails at once (the next pump finishes them).
static void
s_refused (cb_client_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (self->link_why, sizeof (self->link_why), format, args);
    va_end (args);
    s_link_set (self, CB_LINK_REFUSED);
}

//  Handles one monitor event.
static void
s_link_event (cb_client_t *self, uint16_t event, uint32_t value)
{
    switch (event) {
        case ZMQ_EVENT_CONNECTED:
            //  TCP is up; the link is once the handshake is through. A
            //  link that was up stays down until then: a stopped broker's
            //  kernel still accepts connections.
            if (self->link != CB_LINK_REFUSED && !self->was_up)
                s_link_set (self, CB_LINK_CONNECTING);
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            self->handshake_failures = 0;
            self->refused_auth = false;
            self->link_why [0] = 0;
            //  A new connection is a new session for the broker (its
            //  routing id is new): say hello again before anything else.
            if (self->was_up)
                self->hello = false;
            self->was_up = true;
            s_link_set (self, CB_LINK_UP);
            for (cb_flight_t *f = (cb_flight_t *) zlist_first (self->flights); f;
                 f = (cb_flight_t *) zlist_next (self->flights)) {
                f->resend = 0;
                f->interval = self->retry;
            }
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (self->link != CB_LINK_REFUSED)
                s_link_set (self, self->was_up ? CB_LINK_DOWN : CB_LINK_CONNECTING);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            //  The broker's ZAP handler said no (value: its status code).
            //  libzmq gives up on this connection: see s_reopen.
            self->refused_auth = true;
            self->reopen_at = zclock_mono () + S_REOPEN_MS;
            s_refused (self, "the broker refused our key (%.8s..., status %u): it is not in "
                       "the broker's certificate directory, or was revoked",
                       self->key, (unsigned) value);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            if (*self->key)
                s_refused (self, "the broker at %s does not speak CURVE (handshake failed: "
                           "protocol error 0x%x)", self->endpoint, (unsigned) value);
            else
                s_refused (self, "the broker at %s wants a CURVE key: give --key and "
                           "--broker-key (handshake failed: protocol error 0x%x)",
                           self->endpoint, (unsigned) value);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            //  The broker hung up during the handshake. Once may be a
            //  broker stopping; twice in a row, with no success between,
            //  is a refusal (libzmq retries every reconnect interval).
            if (++self->handshake_failures < 2)
                break;
            if (*self->key)
                s_refused (self, "the broker's key does not match: the broker at %s hung up "
                           "on our handshake (check --broker-key)", self->endpoint);
            else
                s_refused (self, "the broker at %s hung up on our handshake: it wants a "
                           "CURVE key (--key and --broker-key)", self->endpoint);
            break;
        default:
            break;
    }
}

//  Handles the monitor events that have arrived, without waiting.
void
cb_client_link_events (cb_client_t *self)
{
    while (zsock_events (self->monitor) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (self->monitor);
        if (!msg)
            break;
        zframe_t *frame = zmsg_first (msg);
        if (frame && zframe_size (frame) >= 6) {
            uint16_t event;
            uint32_t value;
            memcpy (&event, zframe_data (frame), 2);
            memcpy (&value, zframe_data (frame) + 2, 4);
            s_link_event (self, event, value);
        }
        zmsg_destroy (&msg);
    }
}

cb_link_t
cb_client_link (cb_client_t *self, int64_t *since_p)
{
    cb_client_link_events (self);
    if (since_p)
        *since_p = self->link_since;
    return self->link;
}

const char *
cb_client_link_why (cb_client_t *self)
{
    return self->link_why;
}

int64_t
cb_client_heard (cb_client_t *self)
{
    return self->heard;
}

const char *
cb_link_name (cb_link_t link)
{
    switch (link) {
        case CB_LINK_CONNECTING: return "connecting";
        case CB_LINK_UP:         return "up";
        case CB_LINK_DOWN:       return "down";
        case CB_LINK_REFUSED:    return "refused";
    }
    return "?";
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
//  queue (once per sequence), a reply to a request in flight to that
//  request; any other reply is returned. NULL if nothing usable came.
cb_value_t *
cb_client_recv_one (cb_client_t *self)
{
    zframe_t *frame = zframe_recv (self->dealer);
    if (!frame)
        return NULL;
    self->heard = zclock_time ();
    //  Any traffic shows the broker alive: no ping needed for a while.
    self->next_ping = zclock_mono () + CB_CLIENT_PING_MS;
    cb_value_t *msg = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
    zframe_destroy (&frame);
    const char *type = cb_value_get_str (msg, "type");
    if (type && streq (type, "deliver"))
        s_queue (self->inbox, self->delivered + 1, &msg);
    else
    if (type && streq (type, "log"))
        s_queue (self->log, self->log_next, &msg);
    else
    if (msg && cb_flight_reply (self, &msg))
        msg = NULL;
    return msg;
}

//  The error for a request that cannot be answered: REFUSED while the
//  link is refused, TIMEOUT otherwise.
static void
s_set_no_reply (cb_client_t *self)
{
    if (self->link == CB_LINK_REFUSED)
        cb_client_set_error (self, CB_E_REFUSED, self->link_why);
    else
        cb_client_set_error (self, CB_E_TIMEOUT, NULL);
}

//  Send a request and wait for the reply with its message id; resend with
//  the same id every retry ms. Returns the whole reply, or NULL with the
//  error set: TIMEOUT, or REFUSED at once when the handshake is refused.
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
    char why [320];
    if (!cb_client_frame_ok (data, size, why, sizeof (why))) {
        free (data);
        cb_client_set_error (self, CB_E_BAD_MESSAGE, why);
        return NULL;
    }

    int64_t deadline = zclock_mono () + timeout_ms;
    int64_t resend = 0;
    int interval = self->retry;
    cb_value_t *reply = NULL;
    while (!reply) {
        cb_client_link_events (self);
        if (self->link == CB_LINK_REFUSED)
            break;
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
            interval = interval * 2 > CB_CLIENT_MAX_RETRY ? CB_CLIENT_MAX_RETRY : interval * 2;
        }
        int64_t wait = (resend < deadline ? resend : deadline) - now;
        void *which = zpoller_wait (self->poller, (int) (wait > 0 ? wait : 0));
        if (!which) {
            if (zpoller_terminated (self->poller))
                break;
            continue;
        }
        if (which != self->dealer)
            continue;                   //  A link event: read at the loop's top
        cb_value_t *in = cb_client_recv_one (self);
        int64_t code = 0, after = 0;
        if (!in || !streq (cb_value_get_str_or (in, "mid", ""), mid))
            cb_value_destroy (&in);     //  A late reply to an earlier request
        else
        if (streq (cb_value_get_str_or (in, "type", ""), "error")
        &&  cb_value_get_int (in, "code", &code) && code == CB_E_RATE_LIMITED) {
            //  Nothing was stored: send the same again once the broker says.
            cb_value_get_int (in, "retry_after", &after);
            if (after <= 0 || after >= CB_CLIENT_MAX_RETRY)
                after = CB_CLIENT_MAX_RETRY;
            resend = zclock_mono () + after;
            interval = self->retry;
            cb_value_destroy (&in);
        }
        else
            reply = in;
    }
    free (data);
    if (!reply)
        s_set_no_reply (self);
    return reply;
}

void
cb_client_next_mid (cb_client_t *self, char *mid, size_t size)
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
        cb_client_set_error (self, CB_OK, NULL);
    }
    else
    if (type && streq (type, "error")) {
        int64_t code = CB_E_PROTOCOL;
        cb_value_get_int (reply, "code", &code);
        cb_client_set_error (self, (int) code, cb_value_get_str (reply, "message"));
    }
    else
        cb_client_set_error (self, CB_E_PROTOCOL, "reply of unknown type");
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
    cb_client_next_mid (self, mid, sizeof (mid));
    cb_value_t *reply = s_exchange (self, type, mid, *body_p, timeout_ms);
    cb_value_destroy (body_p);
    if (!reply)
        return NULL;            //  The error is set
    return s_reply_body (self, &reply);
}

//  A hello's body: who we are.
cb_value_t *
cb_client_hello_body (cb_client_t *self)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", self->node);
    if (self->role)
        cb_value_set_str (body, "role", self->role);
    if (self->parent)
        cb_value_set_str (body, "parent", self->parent);
    return body;
}

int
cb_client_hello (cb_client_t *self, int timeout_ms)
{
    cb_value_t *body = cb_client_hello_body (self);
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
    cb_client_next_mid (self, mid, sizeof (mid));
    cb_value_t *result = NULL;
    //  At most a few hellos: the broker restarted, or this connection was
    //  replaced, while we were talking.
    for (int attempt = 0; attempt < 4; attempt++) {
        int left = (int) (deadline - zclock_mono ());
        if (left <= 0) {
            cb_client_set_error (self, CB_E_TIMEOUT, NULL);
            break;
        }
        if (!self->hello && cb_client_hello (self, left))
            break;
        left = (int) (deadline - zclock_mono ());
        if (left <= 0) {
            cb_client_set_error (self, CB_E_TIMEOUT, NULL);
            break;
        }
        cb_value_t *reply = s_exchange (self, type, mid, body, left);
        if (!reply)
            break;              //  The error is set
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


//  libzmq gives up on a connection whose key the broker's ZAP handler
//  refused, and a certificate added to the broker's directory later lets
//  in only a new socket. A client that keeps running (it pumps) tries a
//  new socket now and then; the link stays refused until a handshake
//  succeeds.
static void
s_reopen (cb_client_t *self)
{
    if (self->link != CB_LINK_REFUSED || !self->refused_auth
    ||  zclock_mono () < self->reopen_at)
        return;
    s_socket_close (self);
    int rc = s_socket_open (self);
    assert (rc == 0);           //  The endpoint was valid the first time
    self->reopen_at = zclock_mono () + S_REOPEN_MS;
    self->hello = false;        //  A new connection is a new session
}

void
cb_client_pump (cb_client_t *self, int timeout_ms)
{
    s_reopen (self);
    cb_flight_pump (self, timeout_ms, true);
}

//  Waits up to timeout_ms (0: only what has arrived) until `queue` is not
//  empty, sorting what arrives. While it waits it pings now and then,
//  without waiting for the answer, so that a restarted broker is noticed
//  (its NOT_HELLO makes the client say hello again, after which it sends
//  what is waiting); a call that must not wait does not ping.
static void
s_wait (cb_client_t *self, zlist_t *queue, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (zlist_size (queue) == 0) {
        int64_t left = deadline - zclock_mono ();
        cb_flight_pump (self, timeout_ms > 0 && left > 0 ? (int) left : 0, timeout_ms > 0);
        if (timeout_ms <= 0 || zclock_mono () >= deadline || zsys_interrupted)
            break;
    }
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
        if (!cb_flight_flying (self, CB_FOR_SUBSCRIBE)) {
            cb_value_t *body = cb_value_new_map ();
            cb_value_set_int (body, "from", (int64_t) self->log_next);
            cb_flight_new (self, CB_FOR_SUBSCRIBE, "log.subscribe", &body, CB_CLIENT_HOUSEKEEPING,
                          (int64_t) self->log_next);
            cb_flight_due (self, false);
        }
        return NULL;
    }
    if (entry) {
        self->log_next = seq + 1;
        //  Acknowledged without waiting: a lost ack only means the
        //  broker keeps a few entries longer.
        if ((seq - self->log_acked >= S_LOG_ACK_EVERY || zlist_size (self->log) == 0)
        &&  !cb_flight_flying (self, CB_FOR_ACK)) {
            cb_value_t *body = cb_value_new_map ();
            cb_value_set_int (body, "upto", (int64_t) seq);
            cb_flight_new (self, CB_FOR_ACK, "log.ack", &body, CB_CLIENT_HOUSEKEEPING,
                           (int64_t) seq);
            cb_flight_due (self, false);
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
