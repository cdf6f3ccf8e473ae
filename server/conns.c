/*  =========================================================================
    cb_conns - the broker's connection guard (see conns.h)

    One entry per socket number, set when the monitor reports a connection
    accepted on it. What libzmq holds for a TCP connection is read from
    the kernel: tcpi_bytes_received minus the bytes still in the socket's
    receive queue (FIONREAD) is what libzmq has taken in; less what the
    broker has read, it is what libzmq holds (a multipart message is held
    whole until its last part, and never shown to the broker before). The
    bytes the broker queued, less tcpi_bytes_acked, are what libzmq and the
    kernel hold on the way out.

    The wire carries a little the broker cannot count: the ZMTP greeting
    and handshake, and heartbeats (PING, PONG) that libzmq answers by
    itself. Outgoing, those make the peer acknowledge more than the broker
    counted sent: the difference is taken off whenever it shows, so the
    estimate never exceeds the truth. Incoming they would make it grow, so
    each connection gets an allowance for them: 4 KiB, plus the larger of
    64 bytes for each second it has been open (a PING a second, with
    CURVE) and 9/7 of the PONG bytes it acknowledged, at most the bound
    itself.

    When to look: outgoing, when the bytes queued since the last look could
    pass the bound; incoming, whenever bytes arrive, which an epoll set of
    the connections' sockets (edge-triggered) tells without a system call
    per idle connection (see cb_conns_accepted for why EPOLLOUT too); and,
    to take off what heartbeats added, a few connections a tick. A look
    costs two system calls (4.5 us here). Over ipc:// there are no such
    counters: only the hello timeout and the connection cap apply.
    =========================================================================
*/
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "conns.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define S_CHECKS_PER_TICK   64      //  Connections looked at afresh each tick
#define S_ALLOWANCE         4096    //  Bytes: greeting and handshake
#define S_ALLOWANCE_RATE    64      //  Bytes a second: heartbeats
#define S_LOG_EACH          5       //  Closings logged one by one per tick

//  The kernel's struct tcp_info up to the byte counters (Linux 4.2).
//  glibc's copy in netinet/tcp.h (which czmq includes) stops before
//  them, and linux/tcp.h cannot be included with it.
typedef struct {
    struct tcp_info base;       //  What glibc knows
    uint64_t pacing_rate;       //  tcpi_pacing_rate
    uint64_t max_pacing_rate;   //  tcpi_max_pacing_rate
    uint64_t bytes_acked;       //  tcpi_bytes_acked: sent, acknowledged by the peer
    uint64_t bytes_received;    //  tcpi_bytes_received: received in order
} s_tcp_info_t;

_Static_assert (offsetof (s_tcp_info_t, bytes_acked) == 120
             && offsetof (s_tcp_info_t, bytes_received) == 128,
                "struct tcp_info as Linux lays it out");

typedef struct {
    uint64_t gen;               //  The connection on this socket, 0 if none
    uint64_t cookie;            //  Its socket's cookie (SO_COOKIE), 0 if unknown
    int64_t accepted;           //  When it was seen accepted (mono ms)
    bool hello;                 //  It has said hello
    bool tcp;                   //  TCP: the kernel counts its bytes
    bool closing;               //  We shut it down; the monitor will say closed
    uint64_t in_read;           //  Wire bytes of the frames the broker read
    uint64_t out_sent;          //  Wire bytes the broker queued for it
    uint64_t out_acked;         //  Of those, acknowledged by the peer (last look)
    uint64_t out_extra;         //  Bytes the peer acknowledged that we did not send
    uint64_t batch;             //  The batch whose replies are being built
    uint64_t building;          //  Bytes of the replies built in it
} s_conn_t;

//  Why a connection was closed, for the tick's log line.
typedef enum { S_MAX, S_HELLO, S_IN, S_OUT, S_WHYS } s_why_t;

struct _cb_conns_t {
    cb_conns_config_t config;   //  The bounds
    s_conn_t *conns;            //  By socket number
    size_t cap;                 //  Entries in conns
    size_t open;                //  Connections open
    int epoll;                  //  TCP sockets, edge-triggered on input
    bool counters;              //  The kernel has tcpi_bytes_received
    size_t cursor;              //  Where the tick's look goes on
    size_t closed [S_WHYS];     //  Closed since the last log line, by why
    size_t logged;              //  Closings logged one by one this tick
    int64_t tick;               //  The last tick (mono ms)
};

static const char *s_whys [S_WHYS] = {
    "past --max-connections", "no hello within --hello-timeout",
    "sending more than --peer-bytes the broker has not read",
    "not reading: --peer-bytes queued for it"
};

cb_conns_t *
cb_conns_new (const cb_conns_config_t *config)
{
    cb_conns_t *self = (cb_conns_t *) zmalloc (sizeof (cb_conns_t));
    self->config = *config;
    self->epoll = epoll_create1 (EPOLL_CLOEXEC);
    if (self->epoll < 0) {
        zsys_error ("connections: epoll_create1: %s", strerror (errno));
        free (self);
        return NULL;
    }
    self->counters = true;          //  Until a socket says otherwise
    return self;
}

void
cb_conns_destroy (cb_conns_t **self_p)
{
    cb_conns_t *self = *self_p;
    if (!self)
        return;
    close (self->epoll);
    free (self->conns);
    free (self);
    *self_p = NULL;
}

int
cb_conns_fd (cb_conns_t *self)
{
    return self->epoll;
}

size_t
cb_conns_size (cb_conns_t *self)
{
    return self->open;
}

//  The entry of connection (fd, gen), NULL if that is not the one on fd.
static s_conn_t *
s_lookup (cb_conns_t *self, int fd, uint64_t gen)
{
    if (fd < 0 || (size_t) fd >= self->cap || !gen || self->conns [fd].gen != gen)
        return NULL;
    return &self->conns [fd];
}

//  Bytes a frame of `size` bytes takes on the wire: ZMTP's short header
//  (flags, one byte of size) up to 255 bytes, else the long one (eight);
//  with CURVE, each frame is a MESSAGE command (name, nonce, flags, MAC).
uint64_t
cb_conns_wire (cb_conns_t *self, size_t size)
{
    uint64_t body = (uint64_t) size + (self->config.curve ? 33 : 0);
    return body + (body > 255 ? 9 : 2);
}

//  The socket's cookie: unique to it while the machine runs, so that a
//  socket number reused by another connection is told apart.
static uint64_t
s_cookie (int fd)
{
    uint64_t cookie = 0;
    socklen_t len = sizeof (cookie);
    if (getsockopt (fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
        return 0;
    return cookie;
}

//  Shuts the connection down: libzmq sees it end, drops it and what it
//  holds for it, and the monitor reports it closed.
static void
s_close (cb_conns_t *self, int fd, s_why_t why, uint64_t bytes)
{
    s_conn_t *conn = &self->conns [fd];
    //  Not if the socket number is another connection's by now.
    if (conn->closing || (conn->cookie && s_cookie (fd) != conn->cookie))
        return;
    conn->closing = true;
    shutdown (fd, SHUT_RDWR);
    self->closed [why]++;
    if (self->logged < S_LOG_EACH && why != S_HELLO) {
        self->logged++;
        if (why == S_MAX)
            zsys_warning ("connections: %zu open, --max-connections reached: a new one "
                          "is closed at once", self->config.max_connections);
        else
            zsys_warning ("connections: the connection on socket %d closed: %s (%llu bytes "
                          "held, --peer-bytes %zu)", fd, s_whys [why],
                          (unsigned long long) bytes, self->config.peer_bytes);
    }
}

//  Reads the kernel's counters for a TCP socket: bytes acknowledged by
//  the peer, and bytes received less those still in the receive queue.
//  -1 if they cannot be read.
static int
s_counters (cb_conns_t *self, int fd, uint64_t *acked, uint64_t *taken)
{
    //  The queue before the counters: bytes arriving in between count as
    //  held (a little too much) rather than as read.
    int queued = 0;
    if (ioctl (fd, FIONREAD, &queued))
        return -1;
    s_tcp_info_t info;
    socklen_t len = sizeof (info);
    if (getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &len))
        return -1;
    if (len < sizeof (info)) {
        if (self->counters)
            zsys_warning ("connections: this kernel has no tcpi_bytes_received (Linux 4.2): "
                          "--peer-bytes is not enforced");
        self->counters = false;
        return -1;
    }
    *acked = info.bytes_acked;
    *taken = info.bytes_received - (uint64_t) (queued > 0 ? queued : 0);
    return 0;
}

//  Looks at a TCP connection's counters now. Past the bound incoming, it
//  is closed. Returns what it holds outgoing.
static uint64_t
s_look (cb_conns_t *self, int fd, int64_t now)
{
    s_conn_t *conn = &self->conns [fd];
    uint64_t acked, taken;
    if (!conn->gen || !conn->tcp || conn->closing || !self->config.peer_bytes
    ||  s_counters (self, fd, &acked, &taken))
        return 0;
    //  Outgoing: what was acknowledged beyond what we sent is not ours.
    //  (Counters lower than before: the socket number is another
    //  connection's, not yet reported; nothing is taken from them.)
    if (acked > conn->out_sent + conn->out_extra)
        conn->out_extra = acked - conn->out_sent;
    if (acked >= conn->out_extra && acked - conn->out_extra >= conn->out_acked)
        conn->out_acked = acked - conn->out_extra;
    //  Incoming: what libzmq has taken and we have not read, less the
    //  allowance for what we cannot see: the greeting and handshake, and
    //  the peer's PINGs. Each PING got a PONG a little shorter (by 2 bytes
    //  of TTL, 7 bytes at the least), so the PONGs the peer acknowledged,
    //  times 9/7, cover the PINGs of a peer that reads; a peer that does
    //  not is allowed 64 bytes a second of its age. Never more than the
    //  bound itself: incoming, a peer never holds more than twice the bound.
    uint64_t heartbeats = (uint64_t) ((now - conn->accepted) / 1000) * S_ALLOWANCE_RATE;
    if (heartbeats < conn->out_extra / 7 * 9)
        heartbeats = conn->out_extra / 7 * 9;
    if (heartbeats > self->config.peer_bytes)
        heartbeats = self->config.peer_bytes;
    uint64_t allowance = S_ALLOWANCE + heartbeats;
    uint64_t held = taken > conn->in_read ? taken - conn->in_read : 0;
    if (held > allowance + self->config.peer_bytes)
        s_close (self, fd, S_IN, held);
    return conn->out_sent - conn->out_acked;
}

bool
cb_conns_accepted (cb_conns_t *self, int fd, uint64_t gen)
{
    if (fd < 0 || fd > (1 << 24))
        return true;
    if ((size_t) fd >= self->cap) {
        size_t cap = (size_t) fd * 2 + 64;
        s_conn_t *grown = (s_conn_t *) realloc (self->conns, cap * sizeof (s_conn_t));
        if (!grown)
            return true;
        memset (grown + self->cap, 0, (cap - self->cap) * sizeof (s_conn_t));
        self->conns = grown;
        self->cap = cap;
    }
    s_conn_t *conn = &self->conns [fd];
    if (conn->gen)
        self->open--;       //  Its closing was not seen
    memset (conn, 0, sizeof (s_conn_t));
    conn->gen = gen;
    conn->accepted = zclock_mono ();
    conn->cookie = s_cookie (fd);
    int domain = 0;
    socklen_t len = sizeof (domain);
    conn->tcp = getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0
             && (domain == AF_INET || domain == AF_INET6);
    self->open++;
    if (self->config.max_connections && self->open > self->config.max_connections) {
        s_close (self, fd, S_MAX, 0);
        return false;
    }
    if (conn->tcp && self->counters && self->config.peer_bytes) {
        //  Edge-triggered: queued each time bytes arrive. With EPOLLIN
        //  alone, epoll_wait drops the event if libzmq has read the bytes
        //  by then (it checks readiness again), and a steady stream read
        //  as it comes would never be looked at: EPOLLOUT, nearly always
        //  true, keeps it. (Our own writes queue nothing.)
        struct epoll_event event = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd };
        if (epoll_ctl (self->epoll, EPOLL_CTL_ADD, fd, &event) && errno == EEXIST)
            epoll_ctl (self->epoll, EPOLL_CTL_MOD, fd, &event);
    }
    return true;
}

void
cb_conns_closed (cb_conns_t *self, int fd)
{
    if (fd < 0 || (size_t) fd >= self->cap || !self->conns [fd].gen)
        return;
    self->conns [fd].gen = 0;
    self->open--;
}

void
cb_conns_hello (cb_conns_t *self, int fd, uint64_t gen)
{
    s_conn_t *conn = s_lookup (self, fd, gen);
    if (conn)
        conn->hello = true;
}

void
cb_conns_read (cb_conns_t *self, int fd, uint64_t gen, uint64_t wire)
{
    s_conn_t *conn = s_lookup (self, fd, gen);
    if (conn)
        conn->in_read += wire;
}

int
cb_conns_may_send (cb_conns_t *self, int fd, uint64_t gen, size_t size, bool reply)
{
    (void) size;
    s_conn_t *conn = s_lookup (self, fd, gen);
    if (!conn || !conn->tcp || !self->config.peer_bytes || !self->counters)
        return 0;
    if (conn->closing)
        return reply ? -2 : -1;
    uint64_t bound = reply ? self->config.peer_bytes : self->config.peer_bytes / 2;
    //  What it held at the last look, plus all sent since, is the most it
    //  can hold: look again only if that passes the bound.
    uint64_t held = conn->out_sent - conn->out_acked;
    if (held >= bound)
        held = s_look (self, fd, zclock_mono ());
    if (conn->closing)
        return reply ? -2 : -1;
    if (held < bound)
        return 0;
    if (!reply)
        return -1;
    s_close (self, fd, S_OUT, held);
    return -2;
}

int
cb_conns_reply_built (cb_conns_t *self, int fd, uint64_t gen, uint64_t batch, size_t size)
{
    s_conn_t *conn = s_lookup (self, fd, gen);
    if (!conn || !conn->tcp || !self->config.peer_bytes || !self->counters)
        return 0;
    if (conn->closing)
        return -2;
    if (conn->batch != batch) {
        conn->batch = batch;
        conn->building = 0;
    }
    uint64_t before = conn->building;
    conn->building += size;
    uint64_t held = conn->out_sent - conn->out_acked;
    if (held + before >= self->config.peer_bytes)
        held = s_look (self, fd, zclock_mono ());
    if (conn->closing)
        return -2;
    if (held + before < self->config.peer_bytes)
        return 0;
    s_close (self, fd, S_OUT, held + conn->building);
    return -2;
}

void
cb_conns_sent (cb_conns_t *self, int fd, uint64_t gen, size_t size)
{
    s_conn_t *conn = s_lookup (self, fd, gen);
    if (conn)
        conn->out_sent += cb_conns_wire (self, size);
}

void
cb_conns_check (cb_conns_t *self)
{
    struct epoll_event events [256];
    int count;
    int64_t now = zclock_mono ();
    do {
        count = epoll_wait (self->epoll, events, 256, 0);
        for (int i = 0; i < count; i++)
            s_look (self, events [i].data.fd, now);
    } while (count == 256);
}

void
cb_conns_tick (cb_conns_t *self, int64_t now)
{
    //  Connections without a hello in time.
    for (size_t fd = 0; fd < self->cap; fd++) {
        s_conn_t *conn = &self->conns [fd];
        if (conn->gen && !conn->hello && !conn->closing
        &&  now - conn->accepted >= self->config.hello_timeout)
            s_close (self, (int) fd, S_HELLO, 0);
    }
    //  A few looked at afresh: what heartbeats added is taken off.
    for (size_t i = 0; i < S_CHECKS_PER_TICK && self->cap; i++) {
        self->cursor = (self->cursor + 1) % self->cap;
        s_look (self, (int) self->cursor, now);
    }
    size_t *closed = self->closed;
    if (closed [S_MAX] + closed [S_HELLO] + closed [S_IN] + closed [S_OUT])
        zsys_info ("connections: closed in the last %lld ms: %zu past --max-connections %zu, "
                   "%zu with no hello within %lld s, %zu over --peer-bytes %zu KiB (%zu "
                   "sending, %zu not reading); %zu open", (long long) (now - self->tick),
                   closed [S_MAX], self->config.max_connections, closed [S_HELLO],
                   (long long) self->config.hello_timeout / 1000, closed [S_IN] + closed [S_OUT],
                   self->config.peer_bytes >> 10, closed [S_IN], closed [S_OUT], self->open);
    memset (self->closed, 0, sizeof (self->closed));
    self->logged = 0;
    self->tick = now;
}
