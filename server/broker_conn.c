/*  =========================================================================
    cb_broker connections - reading a message and knowing its connection

    A socket monitor reports connections accepted and closed; its events
    are read in order, and before the messages drained with them are
    applied, so a socket number reused by a new connection is told apart
    from the closed one by the count of connections accepted (its
    generation). A closed connection ends the sessions bound to it. A
    message is read a frame at a time and only its first frame is kept,
    with the connection it came on and, with CURVE, its public key.
    =========================================================================
*/
#include "broker_int.h"

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
bool
cb_broker_from_closed (const cb_broker_item_t *item)
{
    return item->fd >= 0 && item->gen == 0;
}

//  True if the connection the message came on is still open (as far as
//  the monitor's events read so far tell).
bool
cb_broker_still_connected (cb_broker_t *self, const cb_broker_item_t *item)
{
    return item->fd < 0 || (item->gen && s_fd_gen (self, item->fd) == item->gen);
}

//  Receives one message as it stands in the socket, with the connection
//  it came on: its socket (ZMQ_SRCFD) and, with CURVE, its public key (the
//  "User-Id" libzmq sets from the handshake; the client cannot choose it).
//  Only the routing id and the first frame are kept: a request is one
//  frame, and the frames after it (BAD_MESSAGE) are counted and let go as
//  they are read, never copied. NULL if nothing could be read.
zmsg_t *
cb_broker_recv (cb_broker_t *self, cb_broker_item_t *item)
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
            cb_broker_monitor (self);
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
void
cb_broker_monitor (cb_broker_t *self)
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
            cb_broker_session_t *session =
                (cb_broker_session_t *) zhashx_lookup (self->conns, conn);
            if (session) {
                if (self->config.verbose)
                    zsys_info ("%s: disconnected; its inbox waits in the store", session->node);
                cb_broker_session_drop (self, session);
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
