/*  =========================================================================
    cb_broker sessions - a node's session, its push windows, and the session
    changes a committed batch makes

    A session is keyed by node name and bound to the connection its hello
    came on; the routing id only finds the session of a connection.
    Deliveries and log entries are pushed from the store, at most `window`
    unacknowledged per node (1,024 log entries), with ROUTER_MANDATORY and
    DONTWAIT: a gone peer or a full pipe stops the push, and the items wait
    in the store, never in a socket. A hello binding a connection to a
    node, or an ack moving a window, takes effect only once the batch that
    carried it has committed (cb_broker_apply_sessions).
    =========================================================================
*/
#include "broker_int.h"

//  --------------------------------------------------------------------------
//  Sessions

static void
s_session_destroy (cb_broker_session_t **self_p)
{
    cb_broker_session_t *self = *self_p;
    if (!self)
        return;
    free (self->node);
    free (self->role);
    free (self->route);
    free (self->key);
    free (self->flight);
    cb_logfilter_destroy (&self->filter);
    zframe_destroy (&self->routing_id);
    free (self);
    *self_p = NULL;
}

void
cb_broker_session_free (void **item_p)
{
    s_session_destroy ((cb_broker_session_t **) item_p);
}

//  Forget a node's connection (it stays known: its inbox waits in the store).
void
cb_broker_session_drop (cb_broker_t *self, cb_broker_session_t *session)
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
    cb_broker_session_t *old = (cb_broker_session_t *) zhashx_lookup (self->routes, route);
    if (old && !streq (old->node, result->hello_node))
        cb_broker_session_drop (self, old);     //  The connection now speaks for another node
    old = (cb_broker_session_t *) zhashx_lookup (self->sessions, result->hello_node);
    if (old) {
        if (self->config.verbose && !streq (old->route, route))
            zsys_info ("%s: new connection replaces the old one", old->node);
        cb_broker_session_drop (self, old);
    }
    cb_broker_session_t *session = (cb_broker_session_t *) zmalloc (sizeof (cb_broker_session_t));
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
void
cb_broker_send_reply (cb_broker_t *self, zframe_t *routing_id, int fd, uint64_t gen, void **data_p,
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
    cb_broker_session_t *session;       //  To whom
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

//  A filtered subscription: entries that do not concern it move the
//  cursor without being sent, so its window counts the entries sent, not
//  the sequence numbers passed (a stream that skips 5,000 entries between
//  two it sends must not wait for an ack the client has no reason to send).
#define S_FILTER_SCAN 4096      //  Entries read for a filtered subscriber per push

static int
s_push_filtered (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_push_t *p = (s_push_t *) arg;
    cb_broker_session_t *session = p->session;
    if (cb_logfilter_match (session->filter, data, size)) {
        if (s_push_one (seq, data, size, arg))
            return 1;
        if (!session->flight)
            session->flight = (uint64_t *) zmalloc (CB_BROKER_LOG_WINDOW * sizeof (uint64_t));
        session->flight [(session->flight_head + session->flight_count++)
                         % CB_BROKER_LOG_WINDOW] = seq;
    }
    else
    if (session->flight_count == 0)
        //  Nothing is waiting for an ack: the skipped entry counts as read.
        session->log_acked = seq;
    session->log_sent = seq;
    return session->flight_count < CB_BROKER_LOG_WINDOW ? 0 : 1;
}

//  Log entries a subscriber may be sent now.
bool
cb_broker_log_pending (cb_broker_t *self, cb_broker_session_t *session)
{
    if (session->filter)
        return session->subscribed && session->log_sent < self->log_last
            && session->flight_count < CB_BROKER_LOG_WINDOW;
    return session->subscribed && session->log_sent < self->log_last
        && session->log_sent - session->log_acked < CB_BROKER_LOG_WINDOW;
}

//  A filtered subscriber's ack: the entries sent up to `upto` are read.
static void
s_filtered_ack (cb_broker_session_t *session, uint64_t upto)
{
    while (session->flight_count && session->flight [session->flight_head] <= upto) {
        session->flight_head = (session->flight_head + 1) % CB_BROKER_LOG_WINDOW;
        session->flight_count--;
    }
    //  All it was sent is read: the entries skipped since count as read.
    if (session->flight_count == 0)
        session->log_acked = session->log_sent;
}

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

//  Push what each session has waiting, within its window.
void
cb_broker_push_all (cb_broker_t *self)
{
    cb_broker_monitor (self);
    cb_txn_t *txn = NULL;
    zlist_t *gone = zlist_new ();
    cb_broker_session_t *session = (cb_broker_session_t *) zhashx_first (self->sessions);
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
            session->push = session->sent < session->last
                         && session->sent - session->acked < window;
        if (cb_broker_log_pending (self, session)) {
            if (!txn)
                txn = s_push_txn (self);
            if (!txn)
                break;
            s_push_t p = { self, session, &session->log_sent, 0 };
            if (session->filter)
                cb_log_read (txn, session->log_sent + 1, S_FILTER_SCAN, s_push_filtered, &p);
            else
                cb_log_read (txn, session->log_sent + 1,
                             (size_t) (CB_BROKER_LOG_WINDOW
                                       - (session->log_sent - session->log_acked)),
                             s_push_one, &p);
            if (p.status == -2 && !zlist_exists (gone, session))
                zlist_append (gone, session);
        }
        session = (cb_broker_session_t *) zhashx_next (self->sessions);
    }
    cb_txn_abort (&txn);
    for (session = (cb_broker_session_t *) zlist_first (gone); session;
         session = (cb_broker_session_t *) zlist_next (gone)) {
        if (self->config.verbose)
            zsys_info ("%s: disconnected; its inbox waits in the store", session->node);
        cb_broker_session_drop (self, session);
    }
    zlist_destroy (&gone);
}

//  After the commit: hellos bind their connections, acks move the windows.
void
cb_broker_apply_sessions (cb_broker_t *self, cb_broker_item_t *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        cb_broker_item_t *item = &items [i];
        if (item->result.hello_node) {
            //  Not if its connection closed while the batch was applied:
            //  its routing id may be someone else's by now.
            cb_broker_monitor (self);
            if (cb_broker_still_connected (self, item))
                s_session_bind (self, zmsg_first (item->msg), item->route, item->key,
                                item->fd, item->gen, &item->result);
        }
        else
        if (item->result.log_op) {
            cb_broker_session_t *session =
                (cb_broker_session_t *) zhashx_lookup (self->routes, item->route);
            if (!session)
                continue;
            if (item->result.log_op == CB_LOG_SUBSCRIBE) {
                session->subscribed = true;
                session->log_sent = session->log_acked = item->result.log_seq - 1;
                //  The new subscription's filter (or none) replaces the old.
                cb_logfilter_destroy (&session->filter);
                session->filter = (cb_logfilter_t *) item->result.log_filter;
                item->result.log_filter = NULL;
                session->flight_head = session->flight_count = 0;
            }
            else
            if (item->result.log_op == CB_LOG_ACK && session->filter)
                s_filtered_ack (session, item->result.log_seq);
            else
            if (item->result.log_op == CB_LOG_ACK) {
                uint64_t upto = item->result.log_seq;
                if (upto > session->log_sent)
                    upto = session->log_sent;
                if (upto > session->log_acked)
                    session->log_acked = upto;
            }
            else {
                session->subscribed = false;
                cb_logfilter_destroy (&session->filter);
            }
        }
        else
        if (item->result.acked) {
            cb_broker_session_t *session =
                (cb_broker_session_t *) zhashx_lookup (self->routes, item->route);
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
