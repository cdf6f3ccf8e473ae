/*  =========================================================================
    broker_int - what the rooms of catchballd's broker share

    The broker (cb_broker_t, broker.h) is one class in several files, one
    concern each: the loop, construction and configuration (broker.c);
    connections (broker_conn.c); sessions and push windows, and the
    session changes a committed batch makes (broker_session.c); admission,
    with the key check and the rate buckets (broker_admit.c); the batch:
    apply, redo, commit, answer (broker_batch.c); CURVE and the limits set
    before binding (broker_security.c). This header is for them only:
    nothing outside the broker includes it.
    =========================================================================
*/
#ifndef CB_BROKER_INT_H_INCLUDED
#define CB_BROKER_INT_H_INCLUDED

#include "broker.h"
#include "clock.h"
#include "conns.h"
#include "dispatch.h"
#include "inbox.h"
#include "keys.h"
#include "log.h"
#include "logfilter.h"
#include "store.h"
#include "zap.h"

#define CB_BROKER_TICK_MS       1000    //  The tick's chores, at most this far apart
#define CB_BROKER_LOG_WINDOW    1024    //  Log entries in flight per subscriber


//  A node's session: the connection its hello came on, and its windows.
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
    cb_logfilter_t *filter;     //  Its subscription's filter, or NULL: every entry
    uint64_t *flight;           //  Filtered: the entries sent and not acknowledged,
                                //  a ring of CB_BROKER_LOG_WINDOW (NULL until used)
    size_t flight_head;         //  ... the oldest one's place
    size_t flight_count;        //  ... how many
} cb_broker_session_t;

//  The broker: one object, its fields shared by the files above.
struct _cb_broker_t {
    cb_broker_config_t config;  //  How we were started
    char *endpoint;             //  Endpoint bound
    cb_store_t *store;          //  The store
    cb_clock_t *clock;          //  The time (clock.h)
    zsock_t *router;            //  The one socket
    void *handle;               //  Its libzmq handle
    zhashx_t *sessions;         //  node name -> cb_broker_session_t
    zhashx_t *routes;           //  routing id hex -> cb_broker_session_t (lent)
    zhashx_t *conns;            //  "fd/gen" of its connection -> cb_broker_session_t (lent)
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
    zhashx_t *buckets;          //  Rate limits: node (or "@" route) -> cb_broker_bucket_t
    int64_t next_tick;          //  When the tick's chores run next
};

//  A token bucket: up to `rate` requests, refilled at `rate` a second.
typedef struct {
    double tokens;              //  Requests it may send now
    int64_t last;               //  When it was last refilled (ms)
} cb_broker_bucket_t;

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
} cb_broker_item_t;

//  --------------------------------------------------------------------------
//  Connections (broker_conn.c)

//  True if the message came on a connection that had closed by the time
//  it was read: it speaks for nobody.
bool cb_broker_from_closed (const cb_broker_item_t *item);

//  True if the connection the message came on is still open (as far as
//  the monitor's events read so far tell).
bool cb_broker_still_connected (cb_broker_t *self, const cb_broker_item_t *item);

//  Receives one message as it stands in the socket, with the connection
//  it came on: its socket (ZMQ_SRCFD) and, with CURVE, its public key (the
//  "User-Id" libzmq sets from the handshake; the client cannot choose it).
//  Only the routing id and the first frame are kept: a request is one
//  frame, and the frames after it (BAD_MESSAGE) are counted and let go as
//  they are read, never copied. NULL if nothing could be read.
zmsg_t * cb_broker_recv (cb_broker_t *self, cb_broker_item_t *item);

//  The monitor's events, in the order they happened: a connection
//  accepted on socket fd (its generation is counted), or closed (the
//  sessions bound to that connection end; their items wait in the store).
void cb_broker_monitor (cb_broker_t *self);

//  --------------------------------------------------------------------------
//  Sessions and push windows (broker_session.c)

void cb_broker_session_free (void **item_p);

//  Forget a node's connection (it stays known: its inbox waits in the store).
void cb_broker_session_drop (cb_broker_t *self, cb_broker_session_t *session);

//  Sends a reply, taking it. A large one (a long history) is handed to
//  ZeroMQ as it is instead of copied.
void cb_broker_send_reply (cb_broker_t *self, zframe_t *routing_id, int fd, uint64_t gen,
                           void **data_p, size_t size);

//  Log entries a subscriber may be sent now.
bool cb_broker_log_pending (cb_broker_t *self, cb_broker_session_t *session);

//  Push what each session has waiting, within its window.
void cb_broker_push_all (cb_broker_t *self);

//  After the commit: hellos bind their connections, acks move the windows.
void cb_broker_apply_sessions (cb_broker_t *self, cb_broker_item_t *items, size_t count);

//  --------------------------------------------------------------------------
//  Admission (broker_admit.c)

//  Refuses the item: `who` sent more than its rate; retry after `wait` ms.
void cb_broker_refuse_rate (cb_broker_t *self, cb_broker_item_t *item, const char *who,
                            int64_t wait);

//  Refills a bucket and takes one request from it: 0 if it may go on,
//  else how many ms until it may.
int64_t cb_broker_rate_take (cb_broker_t *self, const char *name, int64_t now);

void cb_broker_admit (cb_broker_t *self, cb_broker_item_t *item, int64_t now);

//  Reads the certificate directory again if it changed (if_touched: only
//  if the directory itself did, see keys.h): revoked keys lose their
//  sessions.
void cb_broker_keys_refresh (cb_broker_t *self, bool if_touched);

void cb_broker_bucket_free (void **item_p);

//  --------------------------------------------------------------------------
//  The batch (broker_batch.c)

void cb_broker_batch (cb_broker_t *self, cb_broker_item_t *items, size_t count);

//  --------------------------------------------------------------------------
//  Security and construction (broker_security.c)

//  True for endpoints only this machine can reach: ipc, inproc and tcp on
//  a loopback address.
bool cb_broker_is_local (const char *endpoint);

//  CURVE, or the refusal to serve the network without it. Before bind:
//  The ZAP handler must be running before the first handshake, or CURVE lets anyone
//  in. 0 if the broker may go on.
int cb_broker_security (cb_broker_t *self);

//  Raises the soft descriptor limit to the hard one (each connection is a
//  descriptor) and returns it.
size_t cb_broker_raise_nofile (void);

//  The listen backlog: libzmq's default of 100 overflowed with 2,000 nodes
//  connecting at once (each one dropped waits a second for its SYN to be
//  sent again). The kernel caps it at net.core.somaxconn.
int cb_broker_backlog (void);

#endif
