/*  =========================================================================
    cb_broker - catchballd's loop, its construction and configuration

    The broker is one class in several files, one concern each (see
    broker_int.h): connections (broker_conn.c), sessions and push windows
    (broker_session.c), admission (broker_admit.c), the batch
    (broker_batch.c), security (broker_security.c). This file holds the
    loop, what the tick does, and new/destroy.

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
    handshake against the certificate directory's *.cert files, and the
    broker's own key table (keys.c) says which node each authenticated key
    is. A hello must name the node
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

#include "broker_int.h"

#define S_DEFAULT_WINDOW    128
#define S_DEFAULT_RATE      10000
#define S_DEFAULT_BATCH     1024
#define S_RETRY_MS          50
#define S_FILE_CLOCK_MS     50      //  --clock FILE: looked at this often
#define S_BATCH_BYTES       (8 << 20)
#define S_PEER_BYTES        (16 << 20)
#define S_HELLO_TIMEOUT     10
#define S_FD_RESERVE        64      //  Descriptors kept for the store, ZAP, libzmq

//  Once a tick: revoked keys lose their sessions, idle buckets go.
static void
s_tick (cb_broker_t *self, int64_t now)
{
    if (now < self->next_tick)
        return;
    self->next_tick = now + CB_BROKER_TICK_MS;
    cb_broker_keys_refresh (self, false);
    cb_conns_tick (self->guard, now);
    //  A bucket that has refilled is the same as no bucket.
    zlist_t *idle = zlist_new ();
    for (cb_broker_bucket_t *bucket = (cb_broker_bucket_t *) zhashx_first (self->buckets); bucket;
         bucket = (cb_broker_bucket_t *) zhashx_next (self->buckets))
        if (now - bucket->last >= 1000)
            zlist_append (idle, (void *) zhashx_cursor (self->buckets));
    for (const char *name = (const char *) zlist_first (idle); name;
         name = (const char *) zlist_next (idle))
        zhashx_delete (self->buckets, name);
    zlist_destroy (&idle);
}

//  The connections' guard, as configured: a cap under the descriptor
//  limit, with a reserve, so that libzmq never runs out of descriptors
//  (its accept loop then spins at 100 % CPU: it retries at once, without
//  a pause). NULL on failure.
static cb_conns_t *
s_guard_new (const cb_broker_config_t *config)
{
    size_t nofile = cb_broker_raise_nofile ();
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
    cb_conns_t *conns = cb_conns_new (&guard);
    if (conns)
        zsys_info ("connections: at most %zu, %lld s to say hello, %zu KiB held per peer "
                   "each way (TCP)", guard.max_connections,
                   (long long) guard.hello_timeout / 1000, guard.peer_bytes >> 10);
    return conns;
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
    char error [256] = "";
    self->clock = cb_clock_new (config->clock, error, sizeof (error));
    if (!self->clock) {
        zsys_error ("--clock %s", error);
        free (self);
        return NULL;
    }
    if (config->clock)
        zsys_warning ("clock: the time is what %s says (%lld), for tests: it moves only "
                      "when the file changes", config->clock,
                      (long long) cb_clock_now (self->clock));
    //  Locked for the broker's lifetime, and verified before it serves.
    self->store = cb_store_open (config->store, config->mapsize, config->mapmax,
                                 CB_STORE_CREATE | CB_STORE_LOCK | CB_STORE_VERIFY
                                 | (config->new_store ? CB_STORE_NEW : 0));
    if (!self->store) {
        cb_clock_destroy (&self->clock);
        free (self);
        return NULL;
    }
    if (self->config.rate == 0)
        self->config.rate = S_DEFAULT_RATE;
    self->guard = s_guard_new (config);
    if (!self->guard) {
        cb_store_destroy (&self->store);
        cb_clock_destroy (&self->clock);
        free (self);
        return NULL;
    }
    self->sessions = zhashx_new ();
    zhashx_set_destructor (self->sessions, cb_broker_session_free);
    self->routes = zhashx_new ();
    self->conns = zhashx_new ();
    self->buckets = zhashx_new ();
    zhashx_set_destructor (self->buckets, cb_broker_bucket_free);
    cb_txn_t *txn = cb_store_begin (self->store, false);
    if (txn) {
        self->next_deadline = cb_dispatch_next_deadline (txn);
        self->log_last = cb_log_last (txn);
    }
    cb_txn_abort (&txn);

    //  Options before bind: they do not apply to a socket already bound.
    self->router = zsock_new (ZMQ_ROUTER);
    if (cb_broker_security (self)) {
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
    zsock_set_sndhwm (self->router,
                      2 * S_DEFAULT_BATCH + CB_BROKER_LOG_WINDOW + self->config.window);
    zsock_set_rcvhwm (self->router, 1000);
    zsock_set_linger (self->router, 0);
    zsock_set_backlog (self->router, cb_broker_backlog ());
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
    if (!cb_broker_is_local (config->endpoint))
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
    cb_clock_destroy (&self->clock);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

const char *
cb_broker_endpoint (cb_broker_t *self)
{
    return self->endpoint;
}

int
cb_broker_run (cb_broker_t *self)
{
    size_t max = (size_t) self->config.batch;
    cb_broker_item_t *items = (cb_broker_item_t *) zmalloc (max * sizeof (cb_broker_item_t));
    zmq_pollitem_t poll [3] = {
        { self->handle, 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (self->monitor), 0, ZMQ_POLLIN, 0 },
        { NULL, cb_conns_fd (self->guard), ZMQ_POLLIN, 0 }
    };
    while (!zsys_interrupted) {
        //  Wake for traffic, the next deadline, a pending push, or a tick.
        int64_t timeout = CB_BROKER_TICK_MS;
        int64_t now = cb_clock_now (self->clock);
        //  A clock in a file moves when the file does: look at it often
        if (cb_clock_is_file (self->clock))
            timeout = S_FILE_CLOCK_MS;
        if (self->next_deadline) {
            int64_t until = self->next_deadline - now;
            timeout = until < 0 ? 0 : until < timeout ? until : timeout;
        }
        cb_broker_session_t *s;
        for (s = (cb_broker_session_t *) zhashx_first (self->sessions); s;
             s = (cb_broker_session_t *) zhashx_next (self->sessions))
            if ((s->push && s->sent - s->acked < (uint64_t) self->config.window)
            ||  cb_broker_log_pending (self, s))
                break;
        if (s && timeout > S_RETRY_MS)
            timeout = S_RETRY_MS;
        int rc = zmq_poll (poll, 3, (long) timeout);
        cb_broker_monitor (self);
        //  Bytes arrived on some connections: any holding too much in
        //  libzmq (a multipart message growing) is closed now.
        if (rc > 0 && (poll [2].revents & ZMQ_POLLIN))
            cb_conns_check (self->guard);
        if (rc < 0 && errno != EINTR)
            break;
        //  Drain what has arrived, up to a batch in count and in bytes.
        size_t count = 0, bytes = 0;
        //  (cb_broker_recv reads without waiting: nothing left ends the batch.)
        while (count < max && bytes < S_BATCH_BYTES) {
            zmsg_t *msg = cb_broker_recv (self, &items [count]);
            if (!msg)
                break;
            items [count].msg = msg;
            items [count].route = zframe_strhex (zmsg_first (msg));
            memset (&items [count].result, 0, sizeof (cb_result_t));
            cb_broker_admit (self, &items [count], zclock_mono ());
            bytes += zmsg_content_size (msg);
            count++;
        }
        //  Connections accepted before these messages were sent are known
        //  now: a hello among them binds to the right one.
        cb_broker_monitor (self);
        s_tick (self, zclock_mono ());
        if (count || (self->next_deadline && self->next_deadline <= cb_clock_now (self->clock)))
            cb_broker_batch (self, items, count);
        else
        if (s)
            cb_broker_push_all (self);
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
