/*  =========================================================================
    cb_broker - catchballd's loop

    One ROUTER socket for every node. The loop waits for traffic (never
    longer than the next round deadline or a short tick), then drains what
    has arrived, up to a batch, and applies it all in one write transaction
    (group commit: one sync for the batch, each request in its own child
    transaction so one failure does not undo the others). Only after the
    commit does it send the replies and push inbox deliveries.

    Sessions are keyed by node name; the routing id only finds the session
    of a connection. A second hello of the same node from another
    connection replaces the first. Deliveries are pushed from the store,
    at most `window` unacknowledged per node, with ROUTER_MANDATORY and
    DONTWAIT: a gone peer or a full pipe stops the push, and the items wait
    in the store, never in a socket.

    With CURVE (--key and --certs), the ZAP handler (zap.c) checks every
    handshake against the certificate directory's *.cert files, and the broker's own key table (keys.c)
    says which node each authenticated key is. A hello must name the node
    of its connection's key; every later message must come with the same
    key, on the same socket, as the hello, else the session is dropped (a
    routing id taken over by another connection speaks for nobody). A
    socket monitor ends the sessions of closed connections, so nothing is
    pushed to a routing id once its connection is gone. Its events are
    read in order, and before the messages drained with them are applied:
    a socket number reused by a new connection is told apart from the
    closed one by the count of connections accepted. Removing a certificate
    revokes it: the ZAP handler refuses new handshakes at once, and within a tick
    the broker drops the live sessions of that key and answers their
    requests KEY_UNKNOWN (ZeroMQ gives a ROUTER no way to close one peer's
    connection, so it stays open but speaks for nobody).

    Each connection and each node has a token bucket of `rate` requests
    per second: a flood is answered RATE_LIMITED with a retry_after,
    stores nothing, and costs the others nothing.

    A connection guard (conns.c), fed by the monitor and by what is read
    and sent, bounds what one peer costs: over TCP at most --peer-bytes
    held for it each way (what it sent and we have not read, a multipart
    message growing in libzmq included; what is queued or built for it
    and it has not received), a hello within --hello-timeout, and at most
    --max-connections open, under the descriptor limit (raised to the hard
    limit at start). Past a bound the connection is shut down; the client
    says hello again and resends. A message is read a frame at a time and
    only its first frame is kept.

    Session changes (a hello binding a connection to a node, an ack moving
    a delivery window) take effect only after the commit. If the commit
    fails: a full map is grown and the batch redone; after MDB_PANIC or an
    I/O error the environment is reopened and the batch redone once (and a
    later batch reopens it again if that failed); any other failure answers
    every request of the batch with STORAGE or STORAGE_FULL, and nothing of
    it is stored.
    =========================================================================
*/
#include <sys/resource.h>

#include "broker.h"
#include "conns.h"
#include "dispatch.h"
#include "handlers.h"
#include "inbox.h"
#include "log.h"
#include "keys.h"
#include "zap.h"
#include "store.h"

#define S_DEFAULT_WINDOW    128
#define S_DEFAULT_RATE      10000
#define S_DEFAULT_BATCH     1024
#define S_TICK_MS           1000
#define S_RETRY_MS          50
#define S_BATCH_BYTES       (8 << 20)
#define S_LOG_WINDOW        1024
#define S_PEER_BYTES        (16 << 20)
#define S_HELLO_TIMEOUT     10
#define S_FD_RESERVE        64      //  Descriptors kept for the store, ZAP, libzmq
#define S_BACKLOG           4096

typedef struct {
    char *node;                 //  Node name
    char *role;                 //  Its role
    char *route;                //  Hex of the routing id of its connection
    zframe_t *routing_id;       //  The routing id itself
    char *key;                  //  CURVE: the public key its hello came with
    int fd;                     //  The socket its hello came on (-1: unknown)
    uint64_t gen;               //  ... as the gen-th connection accepted
    char conn [48];             //  "fd/gen": its key in the broker's conns
    uint64_t last;              //  Last sequence in its inbox
    uint64_t acked;             //  Last sequence it acknowledged
    uint64_t sent;              //  Last sequence pushed on this connection
    bool push;                  //  Has items to push
    bool subscribed;            //  Follows the event log
    uint64_t log_sent;          //  Last log entry sent
    uint64_t log_acked;         //  Last log entry it acknowledged
} s_session_t;

struct _cb_broker_t {
    cb_broker_config_t config;  //  How we were started
    char *endpoint;             //  Endpoint bound
    cb_store_t *store;          //  The store
    zsock_t *router;            //  The one socket
    void *handle;               //  Its libzmq handle
    zhashx_t *sessions;         //  node name -> s_session_t
    zhashx_t *routes;           //  routing id hex -> s_session_t (lent)
    zhashx_t *conns;            //  "fd/gen" of its connection -> s_session_t (lent)
    int64_t next_deadline;      //  Earliest round deadline or time box, 0 if none
    uint64_t log_last;          //  Last entry of the event log
    uint64_t requests;          //  Requests answered, for the log
    uint64_t batches;           //  Transactions committed
    uint64_t redone;            //  Batches applied a second time, nested
    uint64_t applied;           //  Batches applied (a redone one counts again)
    zactor_t *auth;             //  CURVE: the ZAP handler (zap.c), checking handshakes
    zsock_t *monitor;           //  ROUTER events: connections accepted and closed
    cb_conns_t *guard;          //  Connection cap, hello timeout, bytes per peer
    uint64_t *fd_gen;           //  Per socket number: which accepted connection
    uint64_t *fd_closed;        //  Per socket number: connections closed on it
    size_t fd_cap;              //  Entries in fd_gen
    uint64_t accepted;          //  Connections accepted so far
    cb_keys_t *keys;            //  CURVE: public key -> node and role
    zhashx_t *buckets;          //  Rate limits: node (or "@" route) -> s_bucket_t
    int64_t next_tick;          //  When the tick's chores run next
};

//  A token bucket: up to `rate` requests, refilled at `rate` a second.
typedef struct {
    double tokens;              //  Requests it may send now
    int64_t last;               //  When it was last refilled (ms)
} s_bucket_t;

//  --------------------------------------------------------------------------
//  Sessions

static void
s_session_destroy (s_session_t **self_p)
{
    s_session_t *self = *self_p;
    if (!self)
        return;
    free (self->node);
    free (self->role);
    free (self->route);
    free (self->key);
    zframe_destroy (&self->routing_id);
    free (self);
    *self_p = NULL;
}

static void
s_session_free (void **item_p)
{
    s_session_destroy ((s_session_t **) item_p);
}

//  Forget a node's connection (it stays known: its inbox waits in the store).
static void
s_session_drop (cb_broker_t *self, s_session_t *session)
{
    if (zhashx_lookup (self->conns, session->conn) == session)
        zhashx_delete (self->conns, session->conn);
    zhashx_delete (self->routes, session->route);
    zhashx_delete (self->sessions, session->node);
}

//  Bind a node to the connection its hello came from.
static void
s_session_bind (cb_broker_t *self, zframe_t *routing_id, const char *route,
                const char *key, int fd, uint64_t gen, cb_result_t *result)
{
    s_session_t *old = (s_session_t *) zhashx_lookup (self->routes, route);
    if (old && !streq (old->node, result->hello_node))
        s_session_drop (self, old);     //  The connection now speaks for another node
    old = (s_session_t *) zhashx_lookup (self->sessions, result->hello_node);
    if (old) {
        if (self->config.verbose && !streq (old->route, route))
            zsys_info ("%s: new connection replaces the old one", old->node);
        s_session_drop (self, old);
    }
    s_session_t *session = (s_session_t *) zmalloc (sizeof (s_session_t));
    session->node = strdup (result->hello_node);
    session->role = strdup (result->hello_role);
    session->route = strdup (route);
    session->routing_id = zframe_dup (routing_id);
    session->key = key ? strdup (key) : NULL;
    session->fd = fd;
    session->gen = gen;
    session->last = result->inbox_last;
    session->acked = result->inbox_acked;
    //  Everything not acknowledged is sent again on a new hello.
    session->sent = session->acked;
    session->push = session->last > session->acked;
    zhashx_insert (self->sessions, session->node, session);
    zhashx_insert (self->routes, session->route, session);
    snprintf (session->conn, sizeof (session->conn), "%d/%llu", fd, (unsigned long long) gen);
    if (fd >= 0)
        zhashx_update (self->conns, session->conn, session);
    cb_conns_hello (self->guard, fd, gen);
}

//  --------------------------------------------------------------------------
//  Sending: never blocks, never queues what the store does not also hold

//  Sends to the connection (fd, gen) with that routing id: a reply, or a
//  delivery or log entry. 0 sent, -1 would block (EAGAIN) or held back (half
//  of --peer-bytes queued for it), -2 peer gone (EHOSTUNREACH) or closed
//  (a reply with --peer-bytes queued: it does not read).
static int
s_send (cb_broker_t *self, zframe_t *routing_id, int fd, uint64_t gen, const void *data,
        size_t size, bool reply)
{
    int room = cb_conns_may_send (self->guard, fd, gen, size, reply);
    if (room)
        return room;
    if (zmq_send (self->handle, zframe_data (routing_id), zframe_size (routing_id),
                  ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return errno == EHOSTUNREACH ? -2 : -1;
    //  Once the first frame is accepted, the message is whole in the pipe.
    if (zmq_send (self->handle, data, size, ZMQ_DONTWAIT) < 0)
        return errno == EHOSTUNREACH ? -2 : -1;
    cb_conns_sent (self->guard, fd, gen, size);
    return 0;
}

static void
s_free_reply (void *data, void *hint)
{
    (void) hint;
    free (data);
}

//  Sends a reply, taking it. A large one (a long history) is handed to
//  ZeroMQ as it is instead of copied.
static void
s_send_reply (cb_broker_t *self, zframe_t *routing_id, int fd, uint64_t gen, void **data_p,
              size_t size)
{
    if (size < 65536) {
        s_send (self, routing_id, fd, gen, *data_p, size, true);
        return;
    }
    if (cb_conns_may_send (self->guard, fd, gen, size, true))
        return;
    if (zmq_send (self->handle, zframe_data (routing_id), zframe_size (routing_id),
                  ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    zmq_msg_t msg;
    zmq_msg_init_data (&msg, *data_p, size, s_free_reply, NULL);
    *data_p = NULL;                 //  The message frees it, sent or not
    if (zmq_msg_send (&msg, self->handle, ZMQ_DONTWAIT) < 0)
        zmq_msg_close (&msg);
    else
        cb_conns_sent (self->guard, fd, gen, size);
}

typedef struct {
    cb_broker_t *broker;        //  Who sends
    s_session_t *session;       //  To whom
    uint64_t *cursor;           //  What it has been sent: inbox or log
    int status;                 //  0, or what s_send said
} s_push_t;

static int
s_push_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_push_t *p = (s_push_t *) arg;
    p->status = s_send (p->broker, p->session->routing_id, p->session->fd, p->session->gen,
                        data, size, false);
    if (p->status)
        return 1;
    *p->cursor = seq;
    return 0;
}

//  Log entries a subscriber may be sent now.
static bool
s_log_pending (cb_broker_t *self, s_session_t *session)
{
    return session->subscribed && session->log_sent < self->log_last
        && session->log_sent - session->log_acked < S_LOG_WINDOW;
}

//  Push what each session has waiting, within its window.
static void s_monitor (cb_broker_t *self);

//  A read transaction for pushing; after MDB_PANIC (a failed commit with
//  no request since to reopen the store) the store is reopened first.
static cb_txn_t *
s_push_txn (cb_broker_t *self)
{
    cb_txn_t *txn = cb_store_begin (self->store, false);
    if (!txn && cb_store_reopen (self->store) == 0)
        txn = cb_store_begin (self->store, false);
    return txn;
}

static void
s_push_all (cb_broker_t *self)
{
    s_monitor (self);
    cb_txn_t *txn = NULL;
    zlist_t *gone = zlist_new ();
    s_session_t *session = (s_session_t *) zhashx_first (self->sessions);
    while (session) {
        uint64_t window = (uint64_t) self->config.window;
        if (session->push && session->sent < session->last
        &&  session->sent - session->acked < window) {
            if (!txn)
                txn = s_push_txn (self);
            if (!txn)
                break;
            s_push_t p = { self, session, &session->sent, 0 };
            cb_inbox_read (txn, session->node, session->sent + 1,
                           (size_t) (window - (session->sent - session->acked)),
                           s_push_one, &p);
            if (p.status == -2)
                zlist_append (gone, session);
            session->push = p.status == -1 || session->sent < session->last;
        }
        else
            session->push = session->sent < session->last && session->sent - session->acked < window;
        if (s_log_pending (self, session)) {
            if (!txn)
                txn = s_push_txn (self);
            if (!txn)
                break;
            s_push_t p = { self, session, &session->log_sent, 0 };
            cb_log_read (txn, session->log_sent + 1,
                         (size_t) (S_LOG_WINDOW - (session->log_sent - session->log_acked)),
                         s_push_one, &p);
            if (p.status == -2 && !zlist_exists (gone, session))
                zlist_append (gone, session);
        }
        session = (s_session_t *) zhashx_next (self->sessions);
    }
    cb_txn_abort (&txn);
    for (session = (s_session_t *) zlist_first (gone); session;
         session = (s_session_t *) zlist_next (gone)) {
        if (self->config.verbose)
            zsys_info ("%s: disconnected; its inbox waits in the store", session->node);
        s_session_drop (self, session);
    }
    zlist_destroy (&gone);
}

//  --------------------------------------------------------------------------
//  Admission: the key check and the rate limit, as a message is drained

//  A message drained from the socket, on its way through a batch.
typedef struct {
    zmsg_t *msg;                //  As received: routing id, first frame
    size_t parts;               //  Frames it had, the routing id included
    char *route;                //  Hex of the routing id
    char key [41];              //  CURVE: the connection's public key, or ""
    int fd;                     //  The socket it came on (-1: unknown)
    uint64_t gen;               //  ... as the gen-th connection accepted
    int refused;                //  Refused before applying: this code
    char why [160];             //  ... with this message
    int64_t retry_after;        //  ... and this retry_after, or -1
    bool rated;                 //  The node's bucket was charged (once, even if redone)
    cb_result_t result;         //  What applying it gave
} s_item_t;

//  The generation of the connection now on socket fd, 0 if none known.
static uint64_t
s_fd_gen (cb_broker_t *self, int fd)
{
    return fd >= 0 && (size_t) fd < self->fd_cap ? self->fd_gen [fd] : 0;
}

static uint64_t
s_fd_closed (cb_broker_t *self, int fd)
{
    return fd >= 0 && (size_t) fd < self->fd_cap ? self->fd_closed [fd] : 0;
}

//  True if the message came on a connection that had closed by the time
//  it was read: it speaks for nobody.
static bool
s_from_closed (const s_item_t *item)
{
    return item->fd >= 0 && item->gen == 0;
}

//  True if the connection the message came on is still open (as far as
//  the monitor's events read so far tell).
static bool
s_still_connected (cb_broker_t *self, const s_item_t *item)
{
    return item->fd < 0 || (item->gen && s_fd_gen (self, item->fd) == item->gen);
}

//  Refuses the item: `who` sent more than its rate; retry after `wait` ms.
static void
s_refuse_rate (cb_broker_t *self, s_item_t *item, const char *who, int64_t wait)
{
    item->refused = CB_E_RATE_LIMITED;
    item->retry_after = wait;
    snprintf (item->why, sizeof (item->why), "more than %d requests a second from %s: "
              "retry after %lld ms; nothing was stored", self->config.rate, who,
              (long long) wait);
}

//  Refills a bucket and takes one request from it: 0 if it may go on,
//  else how many ms until it may.
static int64_t
s_rate_take (cb_broker_t *self, const char *name, int64_t now)
{
    double rate = self->config.rate;
    s_bucket_t *bucket = (s_bucket_t *) zhashx_lookup (self->buckets, name);
    if (!bucket) {
        bucket = (s_bucket_t *) zmalloc (sizeof (s_bucket_t));
        bucket->tokens = rate;
        bucket->last = now;
        zhashx_insert (self->buckets, name, bucket);
    }
    bucket->tokens += (double) (now - bucket->last) * rate / 1000.0;
    if (bucket->tokens > rate)
        bucket->tokens = rate;
    bucket->last = now;
    if (bucket->tokens >= 1.0) {
        bucket->tokens -= 1.0;
        return 0;
    }
    int64_t wait = (int64_t) ((1.0 - bucket->tokens) * 1000.0 / rate) + 1;
    return wait;
}

static void s_keys_refresh (cb_broker_t *self, bool if_touched);

static void
s_admit (cb_broker_t *self, s_item_t *item, int64_t now)
{
    item->refused = 0;
    item->rated = false;
    item->retry_after = -1;
    //  A key the ZAP handler let in but the table does not know: a
    //  certificate added (or removed) since the table was read. Read again
    //  at once if the directory changed (one stat when it did not, so a
    //  revoked node that keeps sending costs little).
    const char *node, *role;
    if (self->keys && !cb_keys_lookup (self->keys, item->key, &node, &role))
        s_keys_refresh (self, true);
    s_session_t *session = s_from_closed (item) ? NULL
                         : (s_session_t *) zhashx_lookup (self->routes, item->route);
    //  A session's routing id now used by another connection (the first
    //  one went away, and a peer chose the same id): that connection
    //  speaks for nobody, and the session ends, so that nothing more is
    //  sent to the id.
    if (session && ((self->keys && !(session->key && streq (item->key, session->key)))
                ||  (session->fd >= 0 && item->fd >= 0
                 &&  (session->fd != item->fd || session->gen != item->gen)))) {
        zsys_warning ("%s: another connection uses its routing id; the session is dropped",
                      session->node);
        s_session_drop (self, session);
        session = NULL;
    }
    //  Each request pays into the connection's bucket and, after hello,
    //  into the node's (a node that reconnects keeps its bucket; a new
    //  name at every hello gets no fresh allowance). Connections that have
    //  not said hello do not share one: a flood of them would then keep
    //  every new node out.
    if (self->config.rate > 0) {
        char name [CB_MAX_NODE + 80];
        snprintf (name, sizeof (name), "@%s", item->route);
        int64_t wait = s_rate_take (self, name, now);
        if (!wait && session)
            wait = s_rate_take (self, session->node, now);
        if (wait)
            s_refuse_rate (self, item, session ? session->node : "this connection", wait);
    }
}

//  Receives one message as it stands in the socket, with the connection
//  it came on: its socket (ZMQ_SRCFD) and, with CURVE, its public key (the
//  "User-Id" libzmq sets from the handshake; the client cannot choose it).
//  Only the routing id and the first frame are kept: a request is one
//  frame, and the frames after it (BAD_MESSAGE) are counted and let go as
//  they are read, never copied. NULL if nothing could be read.
static zmsg_t *
s_recv (cb_broker_t *self, s_item_t *item)
{
    //  The monitor's events are read again once the message is in hand:
    //  the connection it came on was accepted (and any earlier one on its
    //  socket number closed) before it was sent, so its generation is
    //  known then. If it has closed since, its generation is 0 and it
    //  speaks for nobody.
    zmsg_t *msg = NULL;
    item->fd = -1;
    item->key [0] = 0;
    item->parts = 0;
    uint64_t wire = 0;              //  Bytes it took on the wire (not the routing id)
    zmq_msg_t part;
    zmq_msg_init (&part);
    while (zmq_msg_recv (&part, self->handle, ZMQ_DONTWAIT) >= 0) {
        if (!msg)
            msg = zmsg_new ();
        if (item->parts < 2)
            zmsg_addmem (msg, zmq_msg_data (&part), zmq_msg_size (&part));
        if (item->parts++ > 0)
            wire += cb_conns_wire (self->guard, zmq_msg_size (&part));
        if (!zmq_msg_more (&part)) {
            item->fd = zmq_msg_get (&part, ZMQ_SRCFD);
            //  Events written before this message are readable now. If a
            //  connection on its socket number closed meanwhile, the
            //  message may be from it or from a new one on the same number:
            //  it speaks for nobody (a client resends, and is heard then).
            uint64_t closed = s_fd_closed (self, item->fd);
            s_monitor (self);
            item->gen = s_fd_closed (self, item->fd) == closed ? s_fd_gen (self, item->fd) : 0;
            const char *key = self->keys ? zmq_msg_gets (&part, "User-Id") : NULL;
            if (key)
                snprintf (item->key, sizeof (item->key), "%s", key);
            zmq_msg_close (&part);
            cb_conns_read (self->guard, item->fd, item->gen, wire);
            return msg;
        }
    }
    zmq_msg_close (&part);
    zmsg_destroy (&msg);
    return NULL;
}

//  The monitor's events, in the order they happened: a connection
//  accepted on socket fd (its generation is counted), or closed (the
//  sessions bound to that connection end; their items wait in the store).
static void
s_monitor (cb_broker_t *self)
{
    void *handle = zsock_resolve (self->monitor);
    zmq_msg_t part;
    zmq_msg_init (&part);
    while (zmq_msg_recv (&part, handle, ZMQ_DONTWAIT) >= 0) {
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size (&part) == 6) {
            memcpy (&event, zmq_msg_data (&part), 2);
            memcpy (&value, (uint8_t *) zmq_msg_data (&part) + 2, 4);
        }
        while (zmq_msg_more (&part) && zmq_msg_recv (&part, handle, 0) >= 0)
            ;   //  The endpoint: not needed
        int fd = (int) value;
        if (fd < 0 || fd > (1 << 24))
            continue;
        if ((size_t) fd >= self->fd_cap) {
            size_t cap = (size_t) fd * 2 + 64;
            uint64_t *grown = (uint64_t *) realloc (self->fd_gen, cap * sizeof (uint64_t));
            if (grown)
                self->fd_gen = grown;
            uint64_t *closed = (uint64_t *) realloc (self->fd_closed, cap * sizeof (uint64_t));
            if (closed)
                self->fd_closed = closed;
            if (!grown || !closed)
                continue;
            memset (self->fd_gen + self->fd_cap, 0, (cap - self->fd_cap) * sizeof (uint64_t));
            memset (self->fd_closed + self->fd_cap, 0, (cap - self->fd_cap) * sizeof (uint64_t));
            self->fd_cap = cap;
        }
        if (event == ZMQ_EVENT_ACCEPTED) {
            self->fd_gen [fd] = ++self->accepted;
            cb_conns_accepted (self->guard, fd, self->fd_gen [fd]);
        }
        else
        if (event == ZMQ_EVENT_DISCONNECTED) {
            char conn [48];
            snprintf (conn, sizeof (conn), "%d/%llu", fd,
                      (unsigned long long) self->fd_gen [fd]);
            s_session_t *session = (s_session_t *) zhashx_lookup (self->conns, conn);
            if (session) {
                if (self->config.verbose)
                    zsys_info ("%s: disconnected; its inbox waits in the store", session->node);
                s_session_drop (self, session);
            }
            //  No connection on this socket now: a message from the closed
            //  one still to be read speaks for nobody, and a hello from it
            //  binds nothing.
            self->fd_gen [fd] = 0;
            self->fd_closed [fd]++;
            cb_conns_closed (self->guard, fd);
        }
    }
    zmq_msg_close (&part);
}

//  Reads the certificate directory again if it changed (if_touched: only
//  if the directory itself did, see keys.h): revoked keys lose their
//  sessions.
static void
s_keys_refresh (cb_broker_t *self, bool if_touched)
{
    if (!self->keys)
        return;
    if (if_touched ? cb_keys_refresh_if_touched (self->keys) : cb_keys_refresh (self->keys)) {
        zsys_info ("keys: certificate directory %s read again: %zu node key(s)",
                   self->config.certs, cb_keys_size (self->keys));
        zlist_t *revoked = zlist_new ();
        for (s_session_t *session = (s_session_t *) zhashx_first (self->sessions); session;
             session = (s_session_t *) zhashx_next (self->sessions)) {
            const char *node, *role;
            if (!session->key || !cb_keys_lookup (self->keys, session->key, &node, &role)
            ||  !streq (node, session->node) || !streq (role, session->role))
                zlist_append (revoked, session);
        }
        for (s_session_t *session = (s_session_t *) zlist_first (revoked); session;
             session = (s_session_t *) zlist_next (revoked)) {
            zsys_warning ("%s: its key was revoked; its connection speaks for nobody now",
                          session->node);
            s_session_drop (self, session);
        }
        zlist_destroy (&revoked);
    }
}

//  Once a tick: revoked keys lose their sessions, idle buckets go.
static void
s_tick (cb_broker_t *self, int64_t now)
{
    if (now < self->next_tick)
        return;
    self->next_tick = now + S_TICK_MS;
    s_keys_refresh (self, false);
    cb_conns_tick (self->guard, now);
    //  A bucket that has refilled is the same as no bucket.
    zlist_t *idle = zlist_new ();
    for (s_bucket_t *bucket = (s_bucket_t *) zhashx_first (self->buckets); bucket;
         bucket = (s_bucket_t *) zhashx_next (self->buckets))
        if (now - bucket->last >= 1000)
            zlist_append (idle, (void *) zhashx_cursor (self->buckets));
    for (const char *name = (const char *) zlist_first (idle); name;
         name = (const char *) zlist_next (idle))
        zhashx_delete (self->buckets, name);
    zlist_destroy (&idle);
}

//  --------------------------------------------------------------------------
//  One batch: apply, commit, answer


//  A hello accepted in the batch being applied: the connection speaks for
//  this node for the rest of the batch, and for good once it commits.
typedef struct {
    char *node;                 //  Node name
    char *role;                 //  Its role
    char key [41];              //  The connection it was said on: key,
    int fd;                     //  socket,
    uint64_t gen;               //  and generation
} s_bind_t;

static void
s_bind_free (void **item_p)
{
    s_bind_t *bind = (s_bind_t *) *item_p;
    if (bind) {
        free (bind->node);
        free (bind->role);
        free (bind);
        *item_p = NULL;
    }
}

//  The earliest round deadline or time box, 0 if none.
static int64_t
s_next_deadline (cb_txn_t *txn)
{
    int64_t rounds = cb_rounds_next_deadline (txn);
    int64_t events = cb_events_next_timebox (txn);
    if (!rounds || (events && events < rounds))
        return events;
    return rounds;
}

//  Closes rounds whose deadline has passed and advances events whose time
//  box has run out, in the batch's transaction.
static void
s_expire (cb_broker_t *self, cb_txn_t *txn, int64_t now, zhashx_t *touched, int *expired)
{
    *expired = 0;
    if (!self->next_deadline || self->next_deadline > now)
        return;
    cb_txn_t *child = cb_txn_child (txn);
    if (!child)
        return;
    cb_req_t req;
    cb_req_init (&req, child, "catchballd", "system", now);
    *expired = cb_rounds_expire (&req);
    if (*expired >= 0 && cb_log_append (&req, "deadline") >= 0) {
        int advanced = cb_events_expire (&req);
        if (advanced < 0 || cb_log_append (&req, "timebox") < 0)
            *expired = -1;
        else
            *expired += advanced;
    }
    if (*expired >= 0 && cb_txn_commit (&child) == CB_STORE_OK) {
        for (void *v = zhashx_first (req.touched); v; v = zhashx_next (req.touched))
            zhashx_update (touched, (const char *) zhashx_cursor (req.touched), v);
        self->next_deadline = s_next_deadline (txn);
    }
    else {
        //  Not a store failure (that fails the batch): a round that cannot
        //  be closed. Say so, and try again in a while instead of spinning.
        if (cb_txn_status (txn) == CB_STORE_OK)
            zsys_error ("deadlines: cannot close a round: %s", req.message);
        cb_txn_abort (&child);
        self->next_deadline = now + S_TICK_MS;
        *expired = 0;
    }
    cb_req_clean (&req);
}

//  Applies the batch in one write transaction and commits it. Session
//  changes (hellos) are only collected in `binds`: they take effect after
//  the commit, so a batch that fails or is redone leaves no trace.
//  Direct (nested false): requests write straight into the batch
//  transaction. If one fails after writing, the transaction is abandoned
//  and *redo set: the caller applies the batch again nested, each request
//  in its own child transaction, so that it alone is undone.
static cb_store_status_t
s_apply (cb_broker_t *self, s_item_t *items, size_t count, int64_t now, zhashx_t *touched,
         zhashx_t *binds, int *expired, bool nested, bool *redo)
{
    *redo = false;
    self->applied++;
    cb_txn_t *txn = cb_store_begin (self->store, true);
    if (!txn)
        return CB_STORE_PANIC;      //  The environment needs reopening
    //  Deadlines first: an answer in the batch that passes one is late.
    s_expire (self, txn, now, touched, expired);
    for (size_t i = 0; i < count && cb_txn_status (txn) == CB_STORE_OK; i++) {
        s_item_t *item = &items [i];
        cb_result_clean (&item->result);
        const char *node = NULL, *role = NULL;
        s_bind_t *bind = (s_bind_t *) zhashx_lookup (binds, item->route);
        s_session_t *session = (s_session_t *) zhashx_lookup (self->routes, item->route);
        //  A hello earlier in the batch speaks for this item only if it
        //  came on the same connection; the node then pays for it too.
        if (bind && (!streq (bind->key, item->key) || bind->fd != item->fd
                 ||  bind->gen != item->gen))
            bind = NULL, session = NULL;
        //  From a connection already closed: it speaks for nobody.
        if (s_from_closed (item))
            bind = NULL, session = NULL;
        if (bind) {
            node = bind->node;
            role = bind->role;
            int64_t wait = self->config.rate > 0 && !item->refused && !item->rated
                         ? s_rate_take (self, bind->node, zclock_mono ()) : 0;
            item->rated = true;
            if (wait)
                s_refuse_rate (self, item, bind->node, wait);
        }
        else
        if (session) {
            node = session->node;
            role = session->role;
        }
        zframe_t *frame = zmsg_last (item->msg);
        cb_auth_t auth = { NULL, NULL };
        if (item->refused) {
            item->result.code = item->refused;
            item->result.reply = cb_dispatch_refusal (zframe_data (frame), zframe_size (frame),
                                                      item->refused, item->why,
                                                      item->retry_after, &item->result.size);
        }
        else
        if (self->keys && !cb_keys_lookup (self->keys, item->key, &auth.node, &auth.role)) {
            item->result.code = CB_E_KEY_UNKNOWN;
            item->result.reply = cb_dispatch_refusal (zframe_data (frame), zframe_size (frame),
                                                      CB_E_KEY_UNKNOWN, NULL, -1,
                                                      &item->result.size);
        }
        else
        if (item->parts != 2) {
            item->result.code = CB_E_BAD_MESSAGE;
            item->result.reply = cb_dispatch_error (NULL, 0, CB_E_BAD_MESSAGE, &item->result.size);
        }
        else
        if (nested)
            cb_dispatch (txn, zframe_data (frame), zframe_size (frame), node, role,
                         self->keys ? &auth : NULL, now, touched, &item->result);
        else {
            cb_dispatch_direct (txn, zframe_data (frame), zframe_size (frame), node, role,
                                self->keys ? &auth : NULL, now, touched, &item->result);
            if (item->result.redo) {
                *redo = true;
                cb_txn_abort (&txn);
                return CB_STORE_OK;
            }
        }
        //  Replies are all built before any is sent: one connection's must
        //  not pass --peer-bytes meanwhile (600 draft.history replies of
        //  320 KB from one burst took 190 MB). Past it the connection does
        //  not read: it is closed, and the rest of its replies dropped (a
        //  change is stored all the same; a resend gets its reply).
        if (item->result.reply
        &&  cb_conns_reply_built (self->guard, item->fd, item->gen, self->applied,
                                  item->result.size) < 0) {
            free (item->result.reply);
            item->result.reply = NULL;
        }
        if (item->result.hello_node) {
            bind = (s_bind_t *) zmalloc (sizeof (s_bind_t));
            bind->node = strdup (item->result.hello_node);
            bind->role = strdup (item->result.hello_role);
            snprintf (bind->key, sizeof (bind->key), "%s", item->key);
            bind->fd = item->fd;
            bind->gen = item->gen;
            zhashx_update (binds, item->route, bind);
        }
        if (item->result.deadline
        &&  (!self->next_deadline || item->result.deadline < self->next_deadline))
            self->next_deadline = item->result.deadline;
    }
    return cb_txn_commit (&txn);
}

//  After the commit: hellos bind their connections, acks move the windows.
static void
s_apply_sessions (cb_broker_t *self, s_item_t *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        s_item_t *item = &items [i];
        if (item->result.hello_node) {
            //  Not if its connection closed while the batch was applied:
            //  its routing id may be someone else's by now.
            s_monitor (self);
            if (s_still_connected (self, item))
                s_session_bind (self, zmsg_first (item->msg), item->route, item->key,
                                item->fd, item->gen, &item->result);
        }
        else
        if (item->result.log_op) {
            s_session_t *session = (s_session_t *) zhashx_lookup (self->routes, item->route);
            if (!session)
                continue;
            if (item->result.log_op == 1) {
                session->subscribed = true;
                session->log_sent = session->log_acked = item->result.log_seq - 1;
            }
            else
            if (item->result.log_op == 2) {
                uint64_t upto = item->result.log_seq;
                if (upto > session->log_sent)
                    upto = session->log_sent;
                if (upto > session->log_acked)
                    session->log_acked = upto;
            }
            else
                session->subscribed = false;
        }
        else
        if (item->result.acked) {
            s_session_t *session = (s_session_t *) zhashx_lookup (self->routes, item->route);
            if (!session)
                continue;
            if (item->result.inbox_acked > session->acked)
                session->acked = item->result.inbox_acked;
            if (session->sent < session->acked)
                session->sent = session->acked;
            session->push = true;
        }
    }
}

//  Log lines gathered into one zsys_info call while they fit: czmq cuts a
//  log message at 1,024 bytes (its s_log buffer), so a longer one would
//  lose lines. Lines after the first in a call get the same "I: time"
//  prefix that zsys_info gives the first.
#define S_LOG_CHUNK 960

typedef struct {
    char text [S_LOG_CHUNK + 200];  //  Lines so far, joined by prefixes
    size_t size;                //  Bytes used
    char prefix [48];           //  "\nI: time ", once known
} s_log_lines_t;

static void
s_log_flush (s_log_lines_t *self)
{
    if (self->size)
        zsys_info ("%s", self->text);
    self->size = 0;
}

static void
s_log_line (s_log_lines_t *self, const char *format, ...)
{
    if (!self->prefix [0]) {
        time_t clock = time (NULL);
        struct tm tm;
        strftime (self->prefix, sizeof (self->prefix), "\nI: %y-%m-%d %H:%M:%S ",
                  localtime_r (&clock, &tm));
    }
    char line [sizeof (self->text) - S_LOG_CHUNK];
    va_list args;
    va_start (args, format);
    vsnprintf (line, sizeof (line), format, args);
    va_end (args);
    size_t prefix = strlen (self->prefix), need = strlen (line) + (self->size ? prefix : 0);
    if (self->size && self->size + need > S_LOG_CHUNK)
        s_log_flush (self);
    self->size += snprintf (self->text + self->size, sizeof (self->text) - self->size, "%s%s",
                            self->size ? self->prefix : "", line);
}

static void
s_batch (cb_broker_t *self, s_item_t *items, size_t count)
{
    int64_t now = zclock_time ();
    zhashx_t *touched = zhashx_new ();
    zhashx_t *binds = zhashx_new ();
    zhashx_set_destructor (binds, s_bind_free);
    int expired = 0;
    int64_t deadline_before = self->next_deadline;
    bool redo, nested = false, reopened = false;
    cb_store_status_t status = s_apply (self, items, count, now, touched, binds, &expired,
                                        nested, &redo);
    while (redo || status != CB_STORE_OK) {
        self->next_deadline = deadline_before;
        zhashx_purge (touched);
        zhashx_purge (binds);
        if (redo) {
            //  A request failed after writing: apply the batch again, each
            //  request in a child transaction of its own.
            nested = true;
            self->redone++;
        }
        else
        if (status == CB_STORE_FULL && cb_store_grow (self->store) == 0)
            ;
        else
        //  After MDB_PANIC, or an I/O error that may have left LMDB unusable
        //  (a failed meta page write), reopen and try once more.
        if ((status == CB_STORE_PANIC || status == CB_STORE_IO) && !reopened) {
            reopened = true;
            if (cb_store_reopen (self->store))
                break;
        }
        else
            break;
        status = s_apply (self, items, count, now, touched, binds, &expired, nested, &redo);
    }
    if (status != CB_STORE_OK) {
        int code = status == CB_STORE_FULL || status == CB_STORE_NOSPACE
                 ? CB_E_STORAGE_FULL : CB_E_STORAGE;
        zsys_error ("store: batch of %zu not stored: %s", count, cb_strerror (code));
        for (size_t i = 0; i < count; i++) {
            if (items [i].refused)
                continue;       //  Its own refusal stands
            zframe_t *frame = zmsg_last (items [i].msg);
            cb_result_clean (&items [i].result);
            items [i].result.reply = cb_dispatch_error (zframe_data (frame), zframe_size (frame),
                                                        code, &items [i].result.size);
        }
    }
    else {
        self->batches++;
        s_apply_sessions (self, items, count);
        bool logged = expired > 0;
        for (size_t i = 0; i < count && !logged; i++)
            logged = items [i].result.logged;
        if (logged) {
            cb_txn_t *txn = cb_store_begin (self->store, false);
            if (txn)
                self->log_last = cb_log_last (txn);
            cb_txn_abort (&txn);
        }
        //  Sessions whose inbox grew: learn the new last sequence.
        if (zhashx_size (touched)) {
            cb_txn_t *txn = cb_store_begin (self->store, false);
            for (void *v = zhashx_first (touched); v && txn; v = zhashx_next (touched)) {
                const char *node = (const char *) zhashx_cursor (touched);
                s_session_t *session = (s_session_t *) zhashx_lookup (self->sessions, node);
                uint64_t last, acked;
                if (session && cb_inbox_state (txn, node, &last, &acked) == 0) {
                    session->last = last;
                    session->push = true;
                }
            }
            cb_txn_abort (&txn);
        }
        if (expired > 0)
            zsys_info ("%d round(s) closed or event phase(s) ended by the clock", expired);
    }
    zhashx_destroy (&binds);
    //  Replies, in the order the requests came. The batch's log lines go
    //  out a few at a time (s_log_lines): a write per change cost more
    //  than its share of the commit.
    s_log_lines_t lines = { .size = 0 };
    s_monitor (self);
    for (size_t i = 0; i < count; i++) {
        s_item_t *item = &items [i];
        if (status == CB_STORE_OK && item->result.log [0])
            s_log_line (&lines, "%s", item->result.log);
        else
        if (self->config.verbose && item->result.code)
            s_log_line (&lines, "error %d %s", item->result.code,
                        cb_err_name (item->result.code));
        //  Not to a connection that has closed since: its routing id may
        //  be another peer's by now.
        if (item->result.reply && s_still_connected (self, item))
            s_send_reply (self, zmsg_first (item->msg), item->fd, item->gen,
                          &item->result.reply, item->result.size);
        self->requests++;
    }
    s_log_flush (&lines);
    zhashx_destroy (&touched);
    s_push_all (self);
}

//  --------------------------------------------------------------------------
//  Constructor and destructor

static void
s_bucket_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  True for endpoints only this machine can reach: ipc, inproc and tcp on
//  a loopback address.
static bool
s_is_local (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    return strncmp (host, "127.", 4) == 0 || strncmp (host, "localhost:", 10) == 0
        || strncmp (host, "[::1]:", 6) == 0;
}

//  CURVE, or the refusal to serve the network without it. Before bind:
//  The ZAP handler must be running before the first handshake, or CURVE lets anyone
//  in. 0 if the broker may go on.
static int
s_security (cb_broker_t *self)
{
    const cb_broker_config_t *config = &self->config;
    if (!config->key && !config->certs) {
        if (s_is_local (config->endpoint) || config->insecure)
            return 0;
        zsys_error ("refusing to bind %s without CURVE: anyone on the network could speak "
                    "for any node. Give --key and --certs (see catchball keygen), bind a "
                    "loopback address, or say --insecure for a lab network",
                    config->endpoint);
        return -1;
    }
    if (!config->key || !config->certs) {
        zsys_error ("CURVE needs both --key (the broker's secret certificate) and --certs "
                    "(the directory of node certificates)");
        return -1;
    }
    char why [PATH_MAX + 100];
    if (cb_keys_check_secret (config->key, why, sizeof (why))) {
        zsys_error ("refusing the broker's secret key: %s", why);
        return -1;
    }
    zcert_t *cert = zcert_load (config->key);
    if (!cert || streq (zcert_secret_txt (cert), "0000000000000000000000000000000000000000")) {
        zsys_error ("%s holds no secret key: give the _secret file written by "
                    "catchball keygen", config->key);
        zcert_destroy (&cert);
        return -1;
    }
    self->keys = cb_keys_new (config->certs);
    if (!self->keys) {
        zcert_destroy (&cert);
        return -1;
    }
    self->auth = cb_zap_start (config->certs, config->verbose);
    if (!self->auth) {
        zcert_destroy (&cert);
        return -1;
    }
    zcert_apply (cert, self->router);
    zsock_set_curve_server (self->router, 1);
    zsock_set_zap_domain (self->router, "catchball");
    zsys_info ("CURVE: the broker's public key is %s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

//  Raises the soft descriptor limit to the hard one (each connection is a
//  descriptor) and returns it.
static size_t
s_raise_nofile (void)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit))
        return 1024;
    rlim_t before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &limit))
            getrlimit (RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (1 << 24))
        limit.rlim_cur = 1 << 24;
    zsys_info ("descriptors: up to %llu (soft limit %s %llu, hard limit %llu)",
               (unsigned long long) limit.rlim_cur,
               before < limit.rlim_cur ? "raised from" : "was",
               (unsigned long long) before, (unsigned long long) limit.rlim_max);
    return (size_t) limit.rlim_cur;
}

//  The listen backlog: libzmq's default of 100 overflowed with 2,000 nodes
//  connecting at once (each one dropped waits a second for its SYN to be
//  sent again). The kernel caps it at net.core.somaxconn.
static int
s_backlog (void)
{
    int somaxconn = -1;
    FILE *file = fopen ("/proc/sys/net/core/somaxconn", "r");
    if (file) {
        if (fscanf (file, "%d", &somaxconn) != 1)
            somaxconn = -1;
        fclose (file);
    }
    int effective = somaxconn > 0 && somaxconn < S_BACKLOG ? somaxconn : S_BACKLOG;
    zsys_info ("listen backlog: %d (asked %d; net.core.somaxconn %d)", effective, S_BACKLOG,
               somaxconn);
    return S_BACKLOG;
}

cb_broker_t *
cb_broker_new (const cb_broker_config_t *config)
{
    cb_broker_t *self = (cb_broker_t *) zmalloc (sizeof (cb_broker_t));
    self->config = *config;
    if (self->config.window <= 0)
        self->config.window = S_DEFAULT_WINDOW;
    if (self->config.batch <= 0)
        self->config.batch = S_DEFAULT_BATCH;
    //  Locked for the broker's lifetime, and verified before it serves.
    self->store = cb_store_open (config->store, config->mapsize, config->mapmax,
                                 CB_STORE_CREATE | CB_STORE_LOCK | CB_STORE_VERIFY
                                 | (config->new_store ? CB_STORE_NEW : 0));
    if (!self->store) {
        free (self);
        return NULL;
    }
    if (self->config.rate == 0)
        self->config.rate = S_DEFAULT_RATE;
    //  Connections: a cap under the descriptor limit, with a reserve, so
    //  that libzmq never runs out of descriptors (its accept loop then
    //  spins at 100 % CPU: it retries at once, without a pause).
    size_t nofile = s_raise_nofile ();
    size_t most = nofile > 2 * S_FD_RESERVE ? nofile - S_FD_RESERVE : nofile / 2;
    cb_conns_config_t guard = {
        .peer_bytes = config->peer_bytes ? config->peer_bytes : S_PEER_BYTES,
        .hello_timeout = 1000 * (int64_t) (config->hello_timeout > 0 ? config->hello_timeout
                                                                     : S_HELLO_TIMEOUT),
        .max_connections = config->max_connections > 0 ? (size_t) config->max_connections
                                                        : most,
        .curve = config->key != NULL
    };
    if (guard.max_connections > most) {
        zsys_warning ("--max-connections %zu is more than the descriptor limit allows: %zu",
                      guard.max_connections, most);
        guard.max_connections = most;
    }
    self->guard = cb_conns_new (&guard);
    if (!self->guard) {
        cb_store_destroy (&self->store);
        free (self);
        return NULL;
    }
    zsys_info ("connections: at most %zu, %lld s to say hello, %zu KiB held per peer "
               "each way (TCP)", guard.max_connections,
               (long long) guard.hello_timeout / 1000, guard.peer_bytes >> 10);
    self->sessions = zhashx_new ();
    zhashx_set_destructor (self->sessions, s_session_free);
    self->routes = zhashx_new ();
    self->conns = zhashx_new ();
    self->buckets = zhashx_new ();
    zhashx_set_destructor (self->buckets, s_bucket_free);
    cb_txn_t *txn = cb_store_begin (self->store, false);
    if (txn) {
        self->next_deadline = s_next_deadline (txn);
        self->log_last = cb_log_last (txn);
    }
    cb_txn_abort (&txn);

    //  Options before bind: they do not apply to a socket already bound.
    self->router = zsock_new (ZMQ_ROUTER);
    if (s_security (self)) {
        cb_broker_destroy (&self);
        return NULL;
    }
    zsock_set_router_mandatory (self->router, 1);
    //  Frames up to twice the protocol's limit arrive and get TOO_LARGE;
    //  larger ones make ZeroMQ drop the peer.
    zsock_set_maxmsgsize (self->router, 2 * CB_MAX_FRAME);
    //  No ZMTP heartbeats on the ROUTER: libzmq 4.3 cancels a timer by
    //  scanning every timer of its I/O thread, so with 10,000 peers each
    //  PONG cost a scan (bench/README.md). Dead peers are found by the
    //  kernel's TCP keepalive instead, and a dead peer costs little: what
    //  it misses waits in the store. Clients still ping (PROTOCOL.md).
    zsock_set_tcp_keepalive (self->router, 1);
    zsock_set_tcp_keepalive_idle (self->router, 30);
    zsock_set_tcp_keepalive_intvl (self->router, 10);
    zsock_set_tcp_keepalive_cnt (self->router, 3);
    zsock_set_handshake_ivl (self->router, 5000);
    //  Per peer: room for the replies to 2,048 requests in flight (twice
    //  the default batch) on top of the inbox and log windows, so such a
    //  client loses no reply. What does not fit waits in the store
    //  (deliveries) or is resent by the client (replies): nothing is lost.
    zsock_set_sndhwm (self->router, 2 * S_DEFAULT_BATCH + S_LOG_WINDOW + self->config.window);
    zsock_set_rcvhwm (self->router, 1000);
    zsock_set_linger (self->router, 0);
    zsock_set_backlog (self->router, s_backlog ());
    //  Which connection went away, by socket: before bind, so none is
    //  missed. Read here, not through an actor, so that the events come in
    //  the order the I/O thread wrote them, before the messages after them.
    char monitor [64];
    snprintf (monitor, sizeof (monitor), "inproc://catchballd-monitor-%p", (void *) self);
    if (zmq_socket_monitor (zsock_resolve (self->router), monitor,
                            ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)
    ||  !(self->monitor = zsock_new (ZMQ_PAIR))
    ||  (zsock_set_rcvhwm (self->monitor, 0), zsock_connect (self->monitor, "%s", monitor))) {
        zsys_error ("cannot monitor the socket: %s", zmq_strerror (zmq_errno ()));
        cb_broker_destroy (&self);
        return NULL;
    }
    if (zsock_bind (self->router, "%s", config->endpoint) < 0) {
        zsys_error ("cannot bind %s: %s", config->endpoint, zmq_strerror (zmq_errno ()));
        cb_broker_destroy (&self);
        return NULL;
    }
    self->endpoint = zsock_last_endpoint (self->router);
    self->handle = zsock_resolve (self->router);
    zsys_info ("catchballd %s listening on %s, store %s (map %zu MiB)", CB_VERSION,
               self->endpoint, config->store, cb_store_mapsize (self->store) >> 20);
    if (self->keys)
        zsys_info ("CURVE on: %zu node key(s) in %s", cb_keys_size (self->keys),
                   config->certs);
    else
    if (!s_is_local (config->endpoint))
        zsys_warning ("INSECURE: %s is reachable from the network without CURVE: any "
                      "peer can say hello as any node (--insecure)", self->endpoint);
    return self;
}

void
cb_broker_destroy (cb_broker_t **self_p)
{
    assert (self_p);
    cb_broker_t *self = *self_p;
    if (!self)
        return;
    //  The monitor before its socket; the socket before the ZAP handler:
    //  a CURVE socket without one lets anyone in.
    if (self->monitor)
        zmq_socket_monitor (zsock_resolve (self->router), NULL, 0);
    zsock_destroy (&self->monitor);
    free (self->fd_gen);
    free (self->fd_closed);
    zsock_destroy (&self->router);
    zactor_destroy (&self->auth);
    cb_keys_destroy (&self->keys);
    zhashx_destroy (&self->buckets);
    zhashx_destroy (&self->routes);
    zhashx_destroy (&self->conns);
    zhashx_destroy (&self->sessions);
    cb_conns_destroy (&self->guard);
    cb_store_destroy (&self->store);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

const char *
cb_broker_endpoint (cb_broker_t *self)
{
    return self->endpoint;
}

//  --------------------------------------------------------------------------
//  The loop

int
cb_broker_run (cb_broker_t *self)
{
    size_t max = (size_t) self->config.batch;
    s_item_t *items = (s_item_t *) zmalloc (max * sizeof (s_item_t));
    zmq_pollitem_t poll [3] = {
        { self->handle, 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (self->monitor), 0, ZMQ_POLLIN, 0 },
        { NULL, cb_conns_fd (self->guard), ZMQ_POLLIN, 0 }
    };
    while (!zsys_interrupted) {
        //  Wake for traffic, the next deadline, a pending push, or a tick.
        int64_t timeout = S_TICK_MS;
        int64_t now = zclock_time ();
        if (self->next_deadline) {
            int64_t until = self->next_deadline - now;
            timeout = until < 0 ? 0 : until < timeout ? until : timeout;
        }
        s_session_t *s;
        for (s = (s_session_t *) zhashx_first (self->sessions); s;
             s = (s_session_t *) zhashx_next (self->sessions))
            if ((s->push && s->sent - s->acked < (uint64_t) self->config.window)
            ||  s_log_pending (self, s))
                break;
        if (s && timeout > S_RETRY_MS)
            timeout = S_RETRY_MS;
        int rc = zmq_poll (poll, 3, (long) timeout);
        s_monitor (self);
        //  Bytes arrived on some connections: any holding too much in
        //  libzmq (a multipart message growing) is closed now.
        if (rc > 0 && (poll [2].revents & ZMQ_POLLIN))
            cb_conns_check (self->guard);
        if (rc < 0 && errno != EINTR)
            break;
        //  Drain what has arrived, up to a batch in count and in bytes.
        size_t count = 0, bytes = 0;
        //  (s_recv reads without waiting: nothing left ends the batch.)
        while (count < max && bytes < S_BATCH_BYTES) {
            zmsg_t *msg = s_recv (self, &items [count]);
            if (!msg)
                break;
            items [count].msg = msg;
            items [count].route = zframe_strhex (zmsg_first (msg));
            memset (&items [count].result, 0, sizeof (cb_result_t));
            s_admit (self, &items [count], zclock_mono ());
            bytes += zmsg_content_size (msg);
            count++;
        }
        //  Connections accepted before these messages were sent are known
        //  now: a hello among them binds to the right one.
        s_monitor (self);
        s_tick (self, zclock_mono ());
        if (count || (self->next_deadline && self->next_deadline <= zclock_time ()))
            s_batch (self, items, count);
        else
        if (s)
            s_push_all (self);
        for (size_t i = 0; i < count; i++) {
            zmsg_destroy (&items [i].msg);
            zstr_free (&items [i].route);
            cb_result_clean (&items [i].result);
        }
    }
    free (items);
    //  The CPU it took (all threads), for a first look at performance.
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    double cpu = (double) usage.ru_utime.tv_sec + (double) usage.ru_stime.tv_sec
               + ((double) usage.ru_utime.tv_usec + (double) usage.ru_stime.tv_usec) / 1e6;
    zsys_info ("catchballd stopping: %llu requests in %llu transactions (%llu redone "
               "nested), %.2f s of CPU (%.1f us a request)", (unsigned long long) self->requests,
               (unsigned long long) self->batches, (unsigned long long) self->redone, cpu,
               self->requests ? cpu * 1e6 / (double) self->requests : 0.0);
    return 0;
}
