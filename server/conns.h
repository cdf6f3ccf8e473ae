/*  =========================================================================
    cb_conns - the broker's connection guard: how many connections, how
    long one may stay without a hello, and how many bytes ZeroMQ and the
    kernel hold for one peer

    The broker's ROUTER socket hides its connections; its monitor tells
    which socket (fd) each one is on. This table, fed from the monitor's
    events and from what the broker reads and sends, closes a connection
    (shutdown(2) on its socket: libzmq then drops it and whatever it holds
    for it) when:
    - it is past --max-connections when accepted;
    - it has not said hello within --hello-timeout;
    - over TCP, the bytes received from it that the broker has not read
      yet, or the bytes queued for it that it has not acknowledged, pass
      --peer-bytes. The kernel's own counters (TCP_INFO) against the
      broker's tell what libzmq holds: the broker never sees a multipart
      message before its last part, so that is the only way to refuse one
      before it is whole.
    Deliveries are held back instead (they wait in the store) once half the
    bound is queued for a peer.
    =========================================================================
*/
#ifndef CB_CONNS_H_INCLUDED
#define CB_CONNS_H_INCLUDED

#include <czmq.h>

typedef struct {
    size_t peer_bytes;          //  Bytes held for one peer, each way
    int64_t hello_timeout;      //  ms a connection may stay without a hello
    size_t max_connections;     //  Connections open at once
    bool curve;                 //  CURVE: each frame costs 33 bytes more on the wire
} cb_conns_config_t;

typedef struct _cb_conns_t cb_conns_t;

cb_conns_t *cb_conns_new (const cb_conns_config_t *config);
void cb_conns_destroy (cb_conns_t **self_p);

//  A descriptor to poll for input: readable when bytes have arrived on a
//  TCP connection since the last cb_conns_check.
int cb_conns_fd (cb_conns_t *self);

//  The monitor saw connection `gen` accepted on socket fd. Returns false
//  if it was refused (past --max-connections: closed at once).
bool cb_conns_accepted (cb_conns_t *self, int fd, uint64_t gen);
//  ... or closed.
void cb_conns_closed (cb_conns_t *self, int fd);
//  Connection (fd, gen) said hello: no hello timeout for it.
void cb_conns_hello (cb_conns_t *self, int fd, uint64_t gen);

//  Bytes a frame of `size` bytes takes on the wire.
uint64_t cb_conns_wire (cb_conns_t *self, size_t size);
//  The broker read frames that took `wire` bytes on the wire (not the
//  routing id, which the ROUTER adds) from connection (fd, gen).
void cb_conns_read (cb_conns_t *self, int fd, uint64_t gen, uint64_t wire);

//  May the broker queue `size` bytes for connection (fd, gen)? 0: yes;
//  -1: not now (a delivery: half the bound is queued, try later); -2: no,
//  the connection has been closed (a reply, with the bound passed).
//  `reply` says which. cb_conns_sent counts what was queued.
int cb_conns_may_send (cb_conns_t *self, int fd, uint64_t gen, size_t size, bool reply);
void cb_conns_sent (cb_conns_t *self, int fd, uint64_t gen, size_t size);

//  A reply of `size` bytes was built for connection (fd, gen) in batch
//  `batch` (a number the caller changes for each batch applied). The
//  replies of a batch are all built before any is sent: 0 if this one
//  may be kept, -2 if what is queued for the connection and the replies
//  built before this one pass --peer-bytes: the connection is closed (it
//  does not read) and the reply should be dropped.
int cb_conns_reply_built (cb_conns_t *self, int fd, uint64_t gen, uint64_t batch,
                          size_t size);

//  The connections with new input (cb_conns_fd): any past the bound is
//  closed. Cheap when nothing arrived.
void cb_conns_check (cb_conns_t *self);

//  Once a tick (about a second): hello timeouts, a few connections'
//  counters checked afresh, one log line for what was closed since.
void cb_conns_tick (cb_conns_t *self, int64_t now);

//  Connections open now.
size_t cb_conns_size (cb_conns_t *self);

#endif
