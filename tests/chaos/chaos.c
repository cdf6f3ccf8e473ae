/*  =========================================================================
    chaos - nothing acknowledged is lost, nothing is done twice, proved by
    killing the broker (and by cutting its power) at random moments

    Each cycle: several nodes (one thread and one connection each) keep
    sending changes to the real catchballd, each with a unique message id
    and a unique marker (the revision's objective): draft.new, then
    draft.revise of that draft, pipelined a few at a time, and between them
    checkin.new on the node's final draft (in a running cycle, made before
    the load), the marker as its note. Each node records every change the
    broker acknowledged (an ok reply): draft, revision and marker; or
    check-in id, key result, value, confidence and marker. After a random
    delay the broker gets SIGKILL. In powercut mode
    it runs with the powercut.so shim preloaded, and before the restart its
    data file is replaced by the shim's shadow, which holds only what had
    been synced (see powercut.c). Then, through the protocol only:

    1. audit: draft.list of every node, draft.history of every draft
       touched and checkin.list of every final draft checked in on:
       every acknowledged change is present exactly once, at its revision
       or with its id and fields (found), or missing (lost), or there more
       than once or never asked for (duplicated). A change sent but not
       answered may be there (committed, not acknowledged) or not;
    2. resend: each unanswered request is sent again, same frame and mid,
       on a new connection. A committed one must get its original reply
       (the same draft and revision, the same check-in id) and change
       nothing; another one is done now;
    3. audit again: the store now matches the model exactly.

    At the end: a full audit of every draft, and a clean stop (SIGTERM, exit
    status 0). It prints acked, found, lost and duplicated per cycle and in
    total; lost and duplicated must be 0. With --expect-loss (used with
    the shim's fault modes) it succeeds only if it did see a loss, a
    duplicate or a store that no longer opens: proof that it can.

    Nothing sleeps to synchronise: the broker is ready when it answers a
    hello, the nodes are running when each has said hello. The one sleep
    is the random delay before the kill, which is the point.
    =========================================================================
*/
#include <czmq.h>
#include <pthread.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "catchball/catchball.h"

#define S_MAX_NODES     16
#define S_REVS_PER_DRAFT 25     //  Then the node starts a new draft
#define S_CALL_MS       30000   //  Patience for one request during audits
#define S_STALL_MS      15000   //  A live broker answers within this
#define S_STOP_MS       30000   //  and exits within this of a SIGTERM
#define S_CHECKIN_ONE_IN 3      //  About one request in 3 is a check-in
#define S_CHECKINS_PER_DRAFT 300    //  Then a new final draft, at a cycle's start
#define S_CYCLE_NAME    "chaos" //  The running cycle the final drafts are in

//  --------------------------------------------------------------------------
//  Options and global state

static struct {
    const char *catchballd;
    const char *mode;           //  "kill" or "powercut"
    const char *shim;
    const char *fault;          //  POWERCUT_FAULT for the self-check, or NULL
    const char *preload_first;  //  A sanitizer runtime to preload before the shim
    bool expect_loss;
    bool inject_duplicate;
    bool inject_duplicate_checkin;
    bool quiesce;               //  Kill only once every request is answered
    bool expect_checkin_loss;   //  --expect-loss, and a check-in must be lost
    int cycles;
    int nodes;
    int window;
    int min_ms, max_ms;
    uint64_t seed;
    const char *broker_args [8];    //  More arguments for catchballd
    int nbroker_args;
    bool sanitized;             //  catchballd is a sanitizer build
    bool keep;
} s_opt;

static char s_dir [PATH_MAX];
static char s_store [PATH_MAX + 16];
static char s_endpoint [PATH_MAX + 32];
static char s_runid [17];
static pid_t s_broker;
static uint64_t s_rng;
static int s_failures;          //  Anything unexpected (not a loss)

static uint64_t
s_random (void)
{
    //  xorshift64*
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ull;
}

//  With --expect-loss a loss is what the run looks for: not a failure.
#define FAIL(...) do { \
    s_failures++; \
    printf ("%s", s_opt.expect_loss ? "seen: " : "FAIL: "); \
    printf (__VA_ARGS__); \
    printf ("\n"); \
    fflush (stdout); \
} while (0)

//  --------------------------------------------------------------------------
//  The model: what each node knows it has

typedef struct {
    char *marker;               //  The revision's objective
    int cycle;                  //  Cycle in which it was acknowledged
} s_rev_t;

typedef struct {
    char id [24];
    s_rev_t *revs;              //  revs [r - 1] is revision r
    int nrevs, maxrevs;
    int touched;                //  Cycle in which it last changed
    bool final;                 //  Finalised at its creation: check-ins go here
    int ncheckins;              //  Check-ins acknowledged on it
    int ck_touched;             //  Cycle in which a check-in was last sent on it
} s_draft_t;

//  An acknowledged check-in, as it was asked for and answered
typedef struct {
    char id [16];               //  As the reply said: "c12"
    char *marker;               //  Its note
    int draft;                  //  Index of the (final) draft
    int kr;                     //  1 or 2: kr1 or kr2
    bool is_float;              //  The value was sent as a float, not an int
    double value;
    int confidence;
    int cycle;                  //  Cycle in which it was acknowledged
    int seen;                   //  Times listed, during one audit
    bool wrong;                 //  Listed with other fields, during one audit
} s_checkin_t;

typedef struct {
    char mid [80];
    char *marker;
    int draft;                  //  Index of the draft revised or checked in
                                //  on; -1 for draft.new
    bool checkin;               //  A checkin.new, on draft; then its
    int kr;                     //  key result: 1 or 2 (kr1, kr2),
    bool is_float;              //  whether its value was sent as a float,
    double value;               //  the value
    int confidence;             //  and the confidence, 0 to 5
    void *frame;                //  The exact request, for the resend
    size_t size;
    int64_t sent;               //  Monotonic ms
    //  Found by the audit before the resend
    bool committed;
    char committed_draft [24];
    int committed_rev;
    char committed_checkin [16];    //  A check-in's id, as committed
} s_req_t;

typedef struct {
    int index;
    char name [16];
    s_draft_t *drafts;
    int ndrafts, maxdrafts;
    zhashx_t *ids;              //  Draft id -> index + 1
    int current;                //  Draft being revised, -1 for none
    int final;                  //  Final draft checked in on, -1 for none
    s_checkin_t *checkins;      //  In the order acknowledged
    int ncheckins, maxcheckins;
    zhashx_t *checkin_ids;      //  Check-in id -> index + 1
    uint64_t rng;               //  This node's own (threads), for the mix
    uint64_t counter;           //  For mids and markers
    s_req_t *inflight;          //  Sent, not answered, in order
    int ninflight, maxinflight;
    char rehello [80];          //  Mid of a hello again in flight, or ""
    //  This cycle
    long acked;
    long ck_acked;              //  Check-ins acknowledged
    long dropped;               //  NOT_HELLO from the live broker
    int errors;
    pthread_t thread;
} s_node_t;

static s_node_t s_nodes [S_MAX_NODES];
static int s_cycle;             //  The cycle running (1 on), for the node threads

//  Stop flag and the "every node said hello" barrier
static volatile int s_stop;
static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;
static int s_ready;

static s_draft_t *
s_draft_add (s_node_t *node, const char *id)
{
    if (node->ndrafts == node->maxdrafts) {
        node->maxdrafts = node->maxdrafts ? node->maxdrafts * 2 : 16;
        node->drafts = realloc (node->drafts, node->maxdrafts * sizeof (s_draft_t));
        assert (node->drafts);
    }
    s_draft_t *draft = &node->drafts [node->ndrafts++];
    memset (draft, 0, sizeof (*draft));
    snprintf (draft->id, sizeof (draft->id), "%s", id);
    if (!node->ids)
        node->ids = zhashx_new ();
    zhashx_insert (node->ids, draft->id, (void *) (intptr_t) node->ndrafts);
    return draft;
}

static int
s_draft_find (s_node_t *node, const char *id)
{
    intptr_t k = node->ids ? (intptr_t) zhashx_lookup (node->ids, id) : 0;
    return (int) k - 1;
}

static void
s_rev_add (s_draft_t *draft, const char *marker, int cycle)
{
    if (draft->nrevs == draft->maxrevs) {
        draft->maxrevs = draft->maxrevs ? draft->maxrevs * 2 : 32;
        draft->revs = realloc (draft->revs, draft->maxrevs * sizeof (s_rev_t));
        assert (draft->revs);
    }
    draft->revs [draft->nrevs].marker = strdup (marker);
    draft->revs [draft->nrevs].cycle = cycle;
    draft->nrevs++;
    draft->touched = cycle;
}

static void
s_req_free (s_req_t *req)
{
    free (req->marker);
    free (req->frame);
    memset (req, 0, sizeof (*req));
}

//  An acknowledged check-in into the model, from its request and the id
//  the reply gave it.
static void
s_checkin_add (s_node_t *node, const s_req_t *req, const char *id, int cycle)
{
    if (node->ncheckins == node->maxcheckins) {
        node->maxcheckins = node->maxcheckins ? node->maxcheckins * 2 : 64;
        node->checkins = realloc (node->checkins, node->maxcheckins * sizeof (s_checkin_t));
        assert (node->checkins);
    }
    s_checkin_t *c = &node->checkins [node->ncheckins++];
    memset (c, 0, sizeof (*c));
    snprintf (c->id, sizeof (c->id), "%s", id);
    c->marker = strdup (req->marker);
    c->draft = req->draft;
    c->kr = req->kr;
    c->is_float = req->is_float;
    c->value = req->value;
    c->confidence = req->confidence;
    c->cycle = cycle;
    if (!node->checkin_ids)
        node->checkin_ids = zhashx_new ();
    zhashx_insert (node->checkin_ids, c->id, (void *) (intptr_t) node->ncheckins);
    node->drafts [req->draft].ncheckins++;
}

static int
s_checkin_find (s_node_t *node, const char *id)
{
    intptr_t k = node->checkin_ids ? (intptr_t) zhashx_lookup (node->checkin_ids, id) : 0;
    return (int) k - 1;
}

//  Each node thread draws its mix of requests from its own generator (the
//  global one is the main thread's).
static uint64_t
s_node_random (s_node_t *node)
{
    node->rng ^= node->rng >> 12;
    node->rng ^= node->rng << 25;
    node->rng ^= node->rng >> 27;
    return node->rng * 2685821657736338717ull;
}

//  --------------------------------------------------------------------------
//  A raw protocol connection: one DEALER, frames we build ourselves (the
//  resend must be the same mid), replies matched by mid

typedef struct {
    zsock_t *dealer;
    const char *node;
    const char *role;
} s_conn_t;

static s_conn_t *
s_conn_new (const char *node, const char *role)
{
    s_conn_t *self = (s_conn_t *) zmalloc (sizeof (s_conn_t));
    self->dealer = zsock_new (ZMQ_DEALER);
    assert (self->dealer);
    zsock_set_reconnect_ivl (self->dealer, 50);
    zsock_set_reconnect_ivl_max (self->dealer, 500);
    zsock_set_linger (self->dealer, 0);
    int rc = zsock_connect (self->dealer, "%s", s_endpoint);
    assert (rc == 0);
    self->node = node;
    self->role = role;
    return self;
}

static void
s_conn_destroy (s_conn_t **self_p)
{
    if (*self_p) {
        zsock_destroy (&(*self_p)->dealer);
        free (*self_p);
        *self_p = NULL;
    }
}

//  Encodes a request; the body is taken.
static void *
s_encode (const char *type, const char *mid, cb_value_t *body, size_t *size)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", mid);
    if (!body)
        body = cb_value_new_map ();
    cb_value_set (msg, "body", &body);
    void *data = cb_codec_encode (msg, size);
    cb_value_destroy (&msg);
    return data;
}

static int
s_send (s_conn_t *self, const void *data, size_t size)
{
    zframe_t *frame = zframe_new (data, size);
    //  Not connected yet: the frame waits in the socket (DEALER blocks, so
    //  DONTWAIT and a retry by the caller).
    if (zframe_send (&frame, self->dealer, ZFRAME_DONTWAIT)) {
        zframe_destroy (&frame);
        return -1;
    }
    return 0;
}

//  The next reply (not a delivery or a log entry), within timeout_ms.
static cb_value_t *
s_recv (s_conn_t *self, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    zpoller_t *poller = zpoller_new (self->dealer, NULL);
    cb_value_t *reply = NULL;
    while (!reply) {
        int64_t left = deadline - zclock_mono ();
        if (left < 0)
            break;
        if (!zpoller_wait (poller, (int) left))
            break;
        zframe_t *frame = zframe_recv (self->dealer);
        if (!frame)
            break;
        cb_value_t *msg = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
        zframe_destroy (&frame);
        const char *type = cb_value_get_str (msg, "type");
        if (type && (streq (type, "ok") || streq (type, "error")))
            reply = msg;
        else
            cb_value_destroy (&msg);
    }
    zpoller_destroy (&poller);
    return reply;
}

static bool
s_is_error (cb_value_t *reply, const char *name)
{
    return reply && streq (cb_value_get_str_or (reply, "type", ""), "error")
        && streq (cb_value_get_str_or (reply, "name", ""), name);
}

//  Sends a frame and waits for the reply with its mid, sending the same
//  frame again every second (a resend is answered with the original
//  reply). The whole reply, or NULL after timeout_ms.
static cb_value_t *
s_exchange (s_conn_t *self, const char *mid, const void *data, size_t size, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (zclock_mono () < deadline) {
        s_send (self, data, size);
        int64_t left = deadline - zclock_mono ();
        int64_t until = zclock_mono () + (left < 1000 ? left : 1000);
        while (zclock_mono () < until) {
            cb_value_t *reply = s_recv (self, (int) (until - zclock_mono ()));
            if (!reply)
                break;
            if (streq (cb_value_get_str_or (reply, "mid", ""), mid))
                return reply;
            cb_value_destroy (&reply);      //  A late answer to an earlier send
        }
    }
    return NULL;
}

//  Unique per node forever: the run's random id and a counter of the
//  whole run (connections come and go; a reused hello mid would get the
//  first hello's reply and bind nothing).
static uint64_t s_mid_counter;

static void
s_conn_mid (s_conn_t *self, char *mid, size_t size)
{
    snprintf (mid, size, "%s-%s-c%llu", s_runid, self->node,
              (unsigned long long) __atomic_add_fetch (&s_mid_counter, 1, __ATOMIC_RELAXED));
}

static int
s_hello (s_conn_t *self, int timeout_ms)
{
    char mid [80];
    s_conn_mid (self, mid, sizeof (mid));
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", self->node);
    cb_value_set_str (body, "role", self->role);
    size_t size;
    void *data = s_encode ("hello", mid, body, &size);
    cb_value_t *reply = s_exchange (self, mid, data, size, timeout_ms);
    free (data);
    int rc = reply && streq (cb_value_get_str_or (reply, "type", ""), "ok") ? 0 : -1;
    cb_value_destroy (&reply);
    return rc;
}

//  A request as it was built (same frame, same mid), saying hello first
//  if the broker does not know this connection. The whole reply, or NULL.
static cb_value_t *
s_call_frame (s_conn_t *self, const char *mid, const void *data, size_t size)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        cb_value_t *reply = s_exchange (self, mid, data, size, S_CALL_MS);
        if (!s_is_error (reply, "NOT_HELLO"))
            return reply;
        cb_value_destroy (&reply);
        if (s_hello (self, S_CALL_MS))
            return NULL;
    }
    return NULL;
}

//  A read request: its ok body (the caller destroys it), or NULL.
static cb_value_t *
s_read (s_conn_t *self, const char *type, cb_value_t *body)
{
    char mid [80];
    s_conn_mid (self, mid, sizeof (mid));
    size_t size;
    void *data = s_encode (type, mid, body, &size);
    cb_value_t *reply = s_call_frame (self, mid, data, size);
    free (data);
    cb_value_t *result = NULL;
    if (reply && streq (cb_value_get_str_or (reply, "type", ""), "ok"))
        result = cb_value_dup (cb_value_get_map (reply, "body"));
    else
        FAIL ("%s by %s: %s", type, self->node,
              reply ? cb_value_get_str_or (reply, "message", "?") : "no reply");
    cb_value_destroy (&reply);
    return result;
}

//  A paged read (PROTOCOL.md section 4.1), every page: the items of each
//  page's array `key`, in order, in one new array (the caller destroys
//  it), or NULL. The body is taken.
static cb_value_t *
s_read_pages (s_conn_t *self, const char *type, cb_value_t *body, const char *key)
{
    cb_value_t *items = cb_value_new_array ();
    char after [64] = "";
    do {
        cb_value_t *request = cb_value_dup (body);
        if (*after)
            cb_value_set_str (request, "after", after);
        cb_value_t *page = s_read (self, type, request);
        if (!page) {
            cb_value_destroy (&items);
            break;
        }
        cb_value_t *list = cb_value_get_array (page, key);
        for (size_t i = 0; i < cb_value_size (list); i++) {
            cb_value_t *item = cb_value_dup (cb_value_at (list, i));
            cb_value_push (items, &item);
        }
        const char *next = cb_value_get_str (page, "next");
        snprintf (after, sizeof (after), "%s", next ? next : "");
        cb_value_destroy (&page);
    } while (*after);
    cb_value_destroy (&body);
    return items;
}

//  --------------------------------------------------------------------------
//  The broker

static void
s_broker_start_process (void)
{
    //  Everything the child needs, made before fork.
    char log [PATH_MAX + 32];
    snprintf (log, sizeof (log), "%s/catchballd.log", s_dir);
    char preload [2 * PATH_MAX + 32] = "";
    char fault [64] = "";
    bool powercut = streq (s_opt.mode, "powercut");
    if (powercut) {
        if (s_opt.preload_first && *s_opt.preload_first)
            snprintf (preload, sizeof (preload), "LD_PRELOAD=%s:%s",
                      s_opt.preload_first, s_opt.shim);
        else
            snprintf (preload, sizeof (preload), "LD_PRELOAD=%s", s_opt.shim);
        if (s_opt.fault)
            snprintf (fault, sizeof (fault), "POWERCUT_FAULT=%s", s_opt.fault);
    }
    extern char **environ;
    int n = 0;
    while (environ [n])
        n++;
    char **env = (char **) calloc ((size_t) n + 3, sizeof (char *));
    int k = 0;
    for (int i = 0; i < n; i++)
        if (strncmp (environ [i], "LD_PRELOAD=", 11) && strncmp (environ [i], "POWERCUT_", 9))
            env [k++] = environ [i];
    if (*preload)
        env [k++] = preload;
    if (*fault)
        env [k++] = fault;
    env [k] = NULL;
    //  The rate limit off: this is about durability, and on a fast disk
    //  the nodes would pass 10,000 requests a second each (a --broker-arg
    //  --rate=N comes later and wins).
    char *argv [16] = { (char *) s_opt.catchballd, "--endpoint", s_endpoint,
                        "--store", s_store, "--rate=0" };
    for (int i = 0; i < s_opt.nbroker_args; i++)
        argv [6 + i] = (char *) s_opt.broker_args [i];
    argv [6 + s_opt.nbroker_args] = NULL;
    pid_t parent = getpid ();
    s_broker = fork ();
    assert (s_broker >= 0);
    if (s_broker == 0) {
        //  Never outlive the test (a ctest timeout kills us with SIGKILL).
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (getppid () != parent)
            _exit (127);
        int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 1);
            dup2 (fd, 2);
            close (fd);
        }
        execve (s_opt.catchballd, argv, env);
        _exit (127);
    }
    free (env);
}

//  Starts the broker and waits until it answers a hello. 0, or -1 if it
//  exited or did not answer within 60 s.
static int
s_broker_start (void)
{
    s_broker_start_process ();
    s_conn_t *probe = s_conn_new ("probe", "observer");
    int64_t deadline = zclock_mono () + 60000;
    int rc = -1;
    while (zclock_mono () < deadline) {
        if (s_hello (probe, 200) == 0) {
            rc = 0;
            break;
        }
        int status;
        if (waitpid (s_broker, &status, WNOHANG) == s_broker) {
            printf ("catchballd exited at start-up (%s %d); its log: %s/catchballd.log\n",
                    WIFEXITED (status) ? "status" : "signal",
                    WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status), s_dir);
            s_broker = 0;
            break;
        }
    }
    s_conn_destroy (&probe);
    if (rc && s_broker) {
        kill (s_broker, SIGKILL);
        waitpid (s_broker, NULL, 0);
        s_broker = 0;
        printf ("catchballd did not answer within 60 s\n");
    }
    return rc;
}

static void
s_remove_dir (void)
{
    char command [PATH_MAX + 16];
    snprintf (command, sizeof (command), "rm -rf '%s'", s_dir);
    if (system (command) != 0)
        fprintf (stderr, "chaos: cannot remove %s\n", s_dir);
}

//  The end of a run with result `rc`: the working directory removed if it
//  passed (unless --keep), named if it failed.
static int
s_finish (int rc)
{
    if (rc == 0 && !s_opt.keep)
        s_remove_dir ();
    else
    if (rc)
        printf ("working directory kept: %s\n", s_dir);
    return rc;
}

//  Whether the broker's log holds a string.
static bool
s_log_has (const char *needle)
{
    char path [PATH_MAX + 32], line [1024];
    snprintf (path, sizeof (path), "%s/catchballd.log", s_dir);
    FILE *file = fopen (path, "r");
    bool found = false;
    while (file && !found && fgets (line, sizeof (line), file))
        found = strstr (line, needle) != NULL;
    if (file)
        fclose (file);
    return found;
}

static void
s_broker_kill (void)
{
    kill (s_broker, SIGKILL);
    waitpid (s_broker, NULL, 0);
    s_broker = 0;
}

//  A clean stop: SIGTERM, exit status 0 (a sanitizer build fails it on a
//  leak or an error found at exit).
//  SIGTERM to the broker (to one of its threads if tid > 0), and its exit
//  status. Waits through a pidfd, with a deadline: a broker that hangs on
//  its way out is a failure, with every thread's stack.
static int
s_broker_term (pid_t tid, int timeout_ms)
{
    int pidfd = (int) syscall (SYS_pidfd_open, s_broker, 0);
    if (tid > 0)
        syscall (SYS_tgkill, s_broker, tid, SIGTERM);
    else
        kill (s_broker, SIGTERM);
    if (pidfd >= 0) {
        struct pollfd item = { pidfd, POLLIN, 0 };
        int ready = poll (&item, 1, timeout_ms);
        close (pidfd);
        if (ready == 0) {
            char command [PATH_MAX + 128];
            snprintf (command, sizeof (command),
                      "gdb -p %d -batch -ex 'thread apply all bt' > '%s/catchballd-stacks.txt' 2>&1",
                      (int) s_broker, s_dir);
            int rc = system (command);
            FAIL ("catchballd did not exit within %d s of SIGTERM; its threads' stacks%s: "
                  "%s/catchballd-stacks.txt", timeout_ms / 1000, rc ? " (gdb failed)" : "",
                  s_dir);
            kill (s_broker, SIGKILL);
        }
    }
    int status = -1;
    waitpid (s_broker, &status, 0);
    s_broker = 0;
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static int
s_broker_stop (void)
{
    return s_broker_term (0, S_STOP_MS);
}

//  The broker's threads that take SIGTERM (not blocking it), in tid order:
//  a signal to the process goes to any one of them. Their number; tids and
//  names in the arrays.
static int
s_broker_threads (pid_t *tids, char names [][32], int max)
{
    char path [64];
    snprintf (path, sizeof (path), "/proc/%d/task", (int) s_broker);
    DIR *dir = opendir (path);
    int n = 0;
    struct dirent *entry;
    while (dir && (entry = readdir (dir)) && n < max) {
        pid_t tid = (pid_t) atoi (entry->d_name);
        if (tid <= 0)
            continue;
        char file [128], line [256];
        snprintf (file, sizeof (file), "/proc/%d/task/%d/status", (int) s_broker, (int) tid);
        FILE *status = fopen (file, "r");
        unsigned long long blocked = ~0ull;
        char name [32] = "?";
        while (status && fgets (line, sizeof (line), status)) {
            sscanf (line, "SigBlk: %llx", &blocked);
            sscanf (line, "Name: %31s", name);
        }
        if (status)
            fclose (status);
        if (!(blocked & (1ull << (SIGTERM - 1)))) {
            int at = n++;
            while (at > 0 && tids [at - 1] > tid) {
                tids [at] = tids [at - 1];
                memcpy (names [at], names [at - 1], 32);
                at--;
            }
            tids [at] = tid;
            snprintf (names [at], 32, "%s", name);
        }
    }
    if (dir)
        closedir (dir);
    return n;
}

//  --mode sigterm: SIGTERM goes to whichever thread of the process does
//  not block it; each one in turn gets it, --cycles rounds, and the broker
//  must stop, exit status 0, within 5 s. Returns how many times it did not.
static int
s_sigterm_each (void)
{
    int hung = 0, count = 1;
    //  --cycles rounds of each thread (a hang may need a particular timing)
    for (int k = 0; k < count * s_opt.cycles && !hung; k++) {
        if (!s_broker && s_broker_start ()) {
            FAIL ("catchballd does not start again");
            return hung + 1;
        }
        pid_t tids [32];
        char names [32][32];
        count = s_broker_threads (tids, names, 32);
        int t = k % count;
        bool main_thread = tids [t] == s_broker;
        int64_t began = zclock_mono ();
        int status = s_broker_term (tids [t], 5000);
        if (status != 0 || s_opt.cycles == 1)
            printf ("sigterm: thread %d of %d (%s%s): exit status %d after %lld ms\n", t + 1,
                    count, names [t], main_thread ? ", the main thread" : "", status,
                    (long long) (zclock_mono () - began));
        if (status != 0) {
            hung++;
            if (status != 137)
                FAIL ("catchballd exited with status %d on SIGTERM", status);
        }
    }
    return hung;
}

//  After the power cut: the disk holds only what was durable.
static int
s_power_cut (void)
{
    char data [PATH_MAX + 32], shadow [PATH_MAX + 48], lock [PATH_MAX + 32];
    snprintf (data, sizeof (data), "%s/data.mdb", s_store);
    snprintf (shadow, sizeof (shadow), "%s/data.mdb.durable", s_store);
    snprintf (lock, sizeof (lock), "%s/lock.mdb", s_store);
    if (!zsys_file_exists (shadow)) {
        FAIL ("no %s: the powercut shim did not run in catchballd", shadow);
        return -1;
    }
    if (rename (shadow, data)) {
        FAIL ("cannot rename %s: %s", shadow, strerror (errno));
        return -1;
    }
    unlink (lock);
    return 0;
}

//  --------------------------------------------------------------------------
//  A node at work: keeps up to `window` changes in flight until stopped

static cb_value_t *
s_content (const char *objective, bool with_cycle)
{
    cb_value_t *c = cb_value_new_map ();
    if (with_cycle)
        cb_value_set_str (c, "cycle", "2027-Q1");
    cb_value_set_str (c, "objective", objective);
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = cb_value_new_map ();
    cb_value_set_str (kr, "text", "Nothing lost");
    cb_value_set_int (kr, "target", 100);
    cb_value_push (krs, &kr);
    cb_value_set (c, "key_results", &krs);
    return c;
}

//  The next request of the node, not yet in flight: its own mid and
//  marker, numbered by the node's counter (its value in *n, if n).
static s_req_t *
s_req_next (s_node_t *node, uint64_t *n)
{
    if (node->ninflight == node->maxinflight) {
        node->maxinflight = node->maxinflight ? node->maxinflight * 2 : 16;
        node->inflight = realloc (node->inflight, node->maxinflight * sizeof (s_req_t));
        assert (node->inflight);
    }
    s_req_t *req = &node->inflight [node->ninflight];
    memset (req, 0, sizeof (*req));
    uint64_t count = ++node->counter;
    if (n)
        *n = count;
    snprintf (req->mid, sizeof (req->mid), "%s-%s-%llu", s_runid, node->name,
              (unsigned long long) count);
    char marker [64];
    snprintf (marker, sizeof (marker), "chaos %s #%llu", node->name, (unsigned long long) count);
    req->marker = strdup (marker);
    return req;
}

static void
s_send_change (s_node_t *node, s_conn_t *conn, int draft)
{
    s_req_t *req = s_req_next (node, NULL);
    req->draft = draft;
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *content = s_content (req->marker, draft < 0);
    cb_value_set (body, "content", &content);
    cb_value_set_str (body, "message", req->marker);
    if (draft >= 0)
        cb_value_set_str (body, "draft", node->drafts [draft].id);
    req->frame = s_encode (draft < 0 ? "draft.new" : "draft.revise", req->mid, body, &req->size);
    req->sent = zclock_mono ();
    if (s_send (conn, req->frame, req->size) == 0)
        node->ninflight++;
    else
        s_req_free (req);
}

//  The body of a check-in request (as asked for, and done again by the
//  self-check).
static cb_value_t *
s_checkin_body (const char *draft, int kr, bool is_float, double value, int confidence,
                const char *marker)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft);
    cb_value_set_str (body, "kr", kr == 1 ? "kr1" : "kr2");
    cb_value_t *v = is_float ? cb_value_new_float (value) : cb_value_new_int ((int64_t) value);
    cb_value_set (body, "value", &v);
    cb_value_set_int (body, "confidence", confidence);
    cb_value_set_str (body, "note", marker);
    return body;
}

//  A checkin.new on the node's final draft, its marker as the note. The
//  key result, value and confidence vary with the counter: the value an
//  int or a float (a whole number and 1 to 7 eighths, exact in binary, so
//  that it must come back equal), negative now and then, a confidence of
//  0 to 5 (its drops tell no one: no draft aligns to these).
static void
s_send_checkin (s_node_t *node, s_conn_t *conn)
{
    uint64_t n;
    s_req_t *req = s_req_next (node, &n);
    req->checkin = true;
    req->draft = node->final;
    req->kr = 1 + (int) (n % 2);
    long units = (long) ((n * 7919) % 20001) - 2000;
    req->is_float = (n / 2) % 2 == 1;
    req->value = req->is_float ? units + 0.125 * (double) (1 + n % 7) : (double) units;
    req->confidence = (int) ((n / 3) % 6);
    s_draft_t *draft = &node->drafts [node->final];
    cb_value_t *body = s_checkin_body (draft->id, req->kr, req->is_float, req->value,
                                       req->confidence, req->marker);
    req->frame = s_encode ("checkin.new", req->mid, body, &req->size);
    req->sent = zclock_mono ();
    if (s_send (conn, req->frame, req->size) == 0) {
        node->ninflight++;
        draft->ck_touched = s_cycle;
    }
    else
        s_req_free (req);
}

//  An ok reply to the oldest request in flight: acknowledged.
static void
s_acked (s_node_t *node, cb_value_t *reply, int cycle)
{
    s_req_t *req = &node->inflight [0];
    cb_value_t *body = cb_value_get_map (reply, "body");
    const char *id = cb_value_get_str (body, "draft");
    int64_t rev = 0;
    cb_value_get_int (body, "rev", &rev);
    if (req->checkin) {
        //  {id, draft, kr}: a check-in id never given before, on the
        //  draft and key result asked for.
        const char *checkin = cb_value_get_str (body, "id");
        const char *kr = cb_value_get_str_or (body, "kr", "");
        if (!checkin || s_checkin_find (node, checkin) >= 0 || !id
        ||  !streq (id, node->drafts [req->draft].id) || strlen (kr) != 3
        ||  kr [2] - '0' != req->kr) {
            FAIL ("%s: checkin.new %s on %s kr%d answered %s on %s %s", node->name, req->mid,
                  node->drafts [req->draft].id, req->kr, checkin ? checkin : "no id",
                  id ? id : "no draft", kr);
            node->errors++;
        }
        else {
            s_checkin_add (node, req, checkin, cycle);
            node->ck_acked++;
        }
    }
    else
    if (!id) {
        FAIL ("%s: ok to %s without a draft", node->name, req->mid);
        node->errors++;
    }
    else
    if (req->draft < 0) {
        if (rev != 1 || s_draft_find (node, id) >= 0) {
            FAIL ("%s: draft.new %s answered %s rev %lld", node->name, req->mid, id,
                  (long long) rev);
            node->errors++;
        }
        else {
            s_draft_t *draft = s_draft_add (node, id);
            s_rev_add (draft, req->marker, cycle);
            node->current = node->ndrafts - 1;
            node->acked++;
        }
    }
    else {
        s_draft_t *draft = &node->drafts [req->draft];
        //  Nothing else changes this draft: revisions follow each other.
        if (!streq (id, draft->id) || rev != draft->nrevs + 1) {
            FAIL ("%s: draft.revise %s of %s rev %d answered %s rev %lld", node->name,
                  req->mid, draft->id, draft->nrevs + 1, id, (long long) rev);
            node->errors++;
        }
        else {
            s_rev_add (draft, req->marker, cycle);
            node->acked++;
        }
    }
    s_req_free (req);
    memmove (&node->inflight [0], &node->inflight [1], --node->ninflight * sizeof (s_req_t));
}

//  The live broker forgot this connection's session (NOT_HELLO): as
//  PROTOCOL.md section 3 says, hello again and resend, here every request
//  in flight, in order, same frames.
static void
s_hello_again (s_node_t *node, s_conn_t *conn)
{
    node->dropped++;
    printf ("note: %s: NOT_HELLO from the live broker to %s: hello again, %d resent\n",
            node->name, node->inflight [0].mid, node->ninflight);
    s_conn_mid (conn, node->rehello, sizeof (node->rehello));
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", node->name);
    size_t size;
    void *data = s_encode ("hello", node->rehello, body, &size);
    s_send (conn, data, size);
    free (data);
    for (int i = 0; i < node->ninflight; i++) {
        s_send (conn, node->inflight [i].frame, node->inflight [i].size);
        node->inflight [i].sent = zclock_mono ();
    }
}

static void
s_handle (s_node_t *node, s_conn_t *conn, cb_value_t **reply_p)
{
    cb_value_t *reply = *reply_p;
    const char *mid = cb_value_get_str_or (reply, "mid", "");
    if (*node->rehello) {
        if (streq (mid, node->rehello)) {
            if (!streq (cb_value_get_str_or (reply, "type", ""), "ok")) {
                FAIL ("%s: hello again refused: %s", node->name,
                      cb_value_get_str_or (reply, "name", "?"));
                node->errors++;
            }
            node->rehello [0] = 0;
            cb_value_destroy (reply_p);
            return;
        }
        //  Answers to copies sent before that hello: in order, so all
        //  before the hello's answer, and all NOT_HELLO.
        if (s_is_error (reply, "NOT_HELLO")) {
            cb_value_destroy (reply_p);
            return;
        }
    }
    if (node->ninflight && streq (mid, node->inflight [0].mid)
    &&  s_is_error (reply, "NOT_HELLO") && !*node->rehello) {
        s_hello_again (node, conn);
        cb_value_destroy (reply_p);
        return;
    }
    if (node->ninflight == 0 || !streq (mid, node->inflight [0].mid)) {
        //  Replies come in the order of the requests (PROTOCOL.md 4).
        bool ours = false;
        for (int i = 1; i < node->ninflight; i++)
            if (streq (mid, node->inflight [i].mid))
                ours = true;
        if (ours) {
            FAIL ("%s: reply to %s out of order", node->name, mid);
            node->errors++;
        }
    }
    else
    if (streq (cb_value_get_str_or (reply, "type", ""), "ok"))
        s_acked (node, reply, s_cycle);
    else {
        FAIL ("%s: %s refused: %s %s", node->name, mid, cb_value_get_str_or (reply, "name", "?"),
              cb_value_get_str_or (reply, "message", ""));
        node->errors++;
        //  Kept in flight: the resend after the restart shows what it was.
    }
    cb_value_destroy (reply_p);
}

//  Handles the next message, waiting up to timeout_ms. False if none came.
static bool
s_pump (s_node_t *node, s_conn_t *conn, zpoller_t *poller, int timeout_ms)
{
    if (!zpoller_wait (poller, timeout_ms))
        return false;
    zframe_t *frame = zframe_recv (conn->dealer);
    if (!frame)
        return false;
    cb_value_t *msg = cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0);
    zframe_destroy (&frame);
    const char *type = cb_value_get_str_or (msg, "type", "");
    if (streq (type, "ok") || streq (type, "error"))
        s_handle (node, conn, &msg);
    cb_value_destroy (&msg);
    return true;
}

//  A final draft to check in on, before the load: draft.new in the
//  running cycle (its objective and message a marker, as any draft's), then
//  draft.finalize with an override (no vote: the vote is not what is tested
//  here). Acknowledged changes like the others: the new draft's revision is
//  in the model, and the audit checks it is still final. 0, or -1.
static int
s_final_draft (s_node_t *node, s_conn_t *conn)
{
    char marker [64];
    snprintf (marker, sizeof (marker), "chaos %s final #%llu", node->name,
              (unsigned long long) ++node->counter);
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "cycle", S_CYCLE_NAME);
    cb_value_set_str (content, "objective", marker);
    cb_value_t *krs = cb_value_new_array ();
    for (int k = 1; k <= 2; k++) {
        cb_value_t *kr = cb_value_new_map ();
        cb_value_set_str (kr, "text", k == 1 ? "Every check-in kept" : "Never one twice");
        cb_value_set_int (kr, "baseline", 0);
        cb_value_set_int (kr, "target", 100 * k);
        cb_value_push (krs, &kr);
    }
    cb_value_set (content, "key_results", &krs);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set (body, "content", &content);
    cb_value_set_str (body, "message", marker);
    cb_value_t *made = s_read (conn, "draft.new", body);
    const char *id = cb_value_get_str (made, "draft");
    if (!id) {
        cb_value_destroy (&made);
        return -1;
    }
    s_draft_t *draft = s_draft_add (node, id);
    s_rev_add (draft, marker, s_cycle);
    node->acked++;
    cb_value_destroy (&made);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft->id);
    cb_value_t *override = cb_value_new_map ();
    cb_value_set_str (override, "reason", "chaos: check-ins need a final draft");
    cb_value_set (body, "override", &override);
    cb_value_t *final = s_read (conn, "draft.finalize", body);
    if (!final)
        return -1;
    cb_value_destroy (&final);
    draft->final = true;
    node->final = node->ndrafts - 1;
    return 0;
}

static void *
s_node_run (void *arg)
{
    s_node_t *node = (s_node_t *) arg;
    s_conn_t *conn = s_conn_new (node->name, "team");
    int rc = s_hello (conn, S_CALL_MS);
    //  A new final draft when the last one has enough check-ins: a draft
    //  keeps the ids of its check-ins, rewritten at each one.
    if (rc == 0 && (node->final < 0
                ||  node->drafts [node->final].ncheckins >= S_CHECKINS_PER_DRAFT))
        rc = s_final_draft (node, conn);
    pthread_mutex_lock (&s_mutex);
    s_ready++;
    pthread_cond_broadcast (&s_cond);
    pthread_mutex_unlock (&s_mutex);
    if (rc) {
        FAIL ("%s: no answer to hello, or no final draft", node->name);
        node->errors++;
        s_conn_destroy (&conn);
        return NULL;
    }
    zpoller_t *poller = zpoller_new (conn->dealer, NULL);
    bool stalled = false;
    while (!__atomic_load_n (&s_stop, __ATOMIC_ACQUIRE) && !node->errors) {
        //  Keep the window full: revisions of the current draft; a new
        //  draft alone (its id is needed before it can be revised).
        //  Check-ins go between them, on the node's final draft.
        while (node->ninflight < s_opt.window) {
            if (s_node_random (node) % S_CHECKIN_ONE_IN == 0) {
                int before = node->ninflight;
                s_send_checkin (node, conn);
                if (node->ninflight == before)
                    break;          //  Not connected: try again later
                continue;
            }
            s_draft_t *cur = node->current >= 0 ? &node->drafts [node->current] : NULL;
            int queued = 0;
            for (int i = 0; i < node->ninflight; i++)
                if (!node->inflight [i].checkin)
                    queued += node->inflight [i].draft < 0 ? 1000 : 1;
            if (!cur || cur->nrevs + queued >= S_REVS_PER_DRAFT) {
                if (node->ninflight == 0)
                    s_send_change (node, conn, -1);
                break;
            }
            int before = node->ninflight;
            s_send_change (node, conn, node->current);
            if (node->ninflight == before)
                break;              //  Not connected: try again later
        }
        s_pump (node, conn, poller, 20);
        if (node->ninflight && !stalled
        &&  zclock_mono () - node->inflight [0].sent > S_STALL_MS
        &&  !__atomic_load_n (&s_stop, __ATOMIC_ACQUIRE)) {
            FAIL ("%s: no reply to %s for %d s from a live broker", node->name,
                  node->inflight [0].mid, S_STALL_MS / 1000);
            node->errors++;
            stalled = true;
        }
    }
    //  --quiesce: the broker is still alive; every reply is awaited. A
    //  check-in is the node's last request, so the broker's last commit
    //  before the kill holds one (it holds some node's last request): that
    //  commit is what the nometasync self-check loses.
    if (s_opt.quiesce && !node->errors)
        s_send_checkin (node, conn);
    int64_t give_up = zclock_mono () + S_STALL_MS;
    while (s_opt.quiesce && node->ninflight && !node->errors && zclock_mono () < give_up)
        s_pump (node, conn, poller, 100);
    if (s_opt.quiesce && node->ninflight && !node->errors) {
        FAIL ("%s: %d requests unanswered by a live broker", node->name, node->ninflight);
        node->errors++;
    }
    //  What arrived before the kill was acknowledged all the same.
    while (s_pump (node, conn, poller, 0))
        ;
    zpoller_destroy (&poller);
    s_conn_destroy (&conn);
    return NULL;
}

//  --------------------------------------------------------------------------
//  The audit, through the protocol

typedef struct {
    long acked;                 //  Acknowledged in the cycle audited
    long found;                 //  Of those, present once at their revision
    long lost;                  //  Acknowledged (in any cycle) and missing
    long duplicated;            //  Present twice, or never asked for
    long committed;             //  Unanswered requests found committed
    long ck_acked;              //  Check-ins acknowledged in the cycle audited
    long ck_found;              //  Of those, listed once as acknowledged
    long ck_lost;               //  Acknowledged (any cycle), missing or changed
    long ck_duplicated;         //  Listed twice, or never acknowledged
    long ck_committed;          //  Unanswered check-ins found committed
} s_tally_t;

//  Adds what one tally counted to another.
static void
s_tally_add (s_tally_t *to, const s_tally_t *t)
{
    to->acked += t->acked;
    to->found += t->found;
    to->lost += t->lost;
    to->duplicated += t->duplicated;
    to->committed += t->committed;
    to->ck_acked += t->ck_acked;
    to->ck_found += t->ck_found;
    to->ck_lost += t->ck_lost;
    to->ck_duplicated += t->ck_duplicated;
    to->ck_committed += t->ck_committed;
}

static s_req_t *
s_inflight_find (s_node_t *node, const char *marker)
{
    for (int i = 0; i < node->ninflight; i++)
        if (streq (node->inflight [i].marker, marker))
            return &node->inflight [i];
    return NULL;
}

//  Every revision of one draft against the model: each acknowledged
//  marker once, at its revision; any other marker must be an unanswered
//  request of this node (committed, not acknowledged).
static void
s_audit_history (s_conn_t *conn, s_node_t *node, s_draft_t *draft, int cycle,
                 bool exact, s_tally_t *t)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft->id);
    cb_value_t *h = s_read (conn, "draft.history", body);
    if (!h) {
        t->lost += draft->nrevs;
        return;
    }
    cb_value_t *revs = cb_value_get_array (h, "revisions");
    size_t n = cb_value_size (revs);
    for (int r = 1; r <= draft->nrevs; r++) {
        const char *marker = draft->revs [r - 1].marker;
        int count = 0;
        bool at_rev = false;
        for (size_t i = 0; i < n; i++) {
            cb_value_t *rev = cb_value_at (revs, i);
            if (streq (cb_value_get_str_or (rev, "objective", ""), marker)) {
                count++;
                if (cb_value_get_int_or (rev, "rev", 0) == r
                &&  streq (cb_value_get_str_or (rev, "message", ""), marker))
                    at_rev = true;
            }
        }
        if (at_rev && draft->revs [r - 1].cycle == cycle)
            t->found++;
        if (!at_rev) {
            t->lost++;
            FAIL ("%s: %s rev %d \"%s\" (acknowledged in cycle %d) is %s", node->name,
                  draft->id, r, marker, draft->revs [r - 1].cycle,
                  count ? "at another revision" : "missing");
        }
        if (count > 1) {
            t->duplicated += count - 1;
            FAIL ("%s: \"%s\" is in %s %d times", node->name, marker, draft->id, count);
        }
    }
    for (size_t i = 0; i < n; i++) {
        cb_value_t *rev = cb_value_at (revs, i);
        const char *marker = cb_value_get_str_or (rev, "objective", "");
        int64_t r = cb_value_get_int_or (rev, "rev", 0);
        if (r >= 1 && r <= draft->nrevs)
            continue;                       //  Checked above
        bool known = false;
        for (int k = 0; k < draft->nrevs && !known; k++)
            known = streq (draft->revs [k].marker, marker);
        if (known)
            continue;                       //  Counted above as there twice
        s_req_t *req = exact ? NULL : s_inflight_find (node, marker);
        if (req && !req->checkin && req->draft >= 0 && &node->drafts [req->draft] == draft
        &&  !req->committed) {
            req->committed = true;
            snprintf (req->committed_draft, sizeof (req->committed_draft), "%s", draft->id);
            req->committed_rev = (int) r;
            t->committed++;
        }
        else {
            t->duplicated++;
            FAIL ("%s: %s rev %lld \"%s\" was never %s", node->name, draft->id, (long long) r,
                  marker, exact ? "acknowledged" : "asked for, or is there twice");
        }
    }
    cb_value_destroy (&h);
}

//  One check-in listed on draft k against the model: an acknowledged one
//  (by its id) with every field as asked for, or, before the resends, an
//  unanswered request of the node (by its note) that was committed.
static void
s_checkin_check (s_node_t *node, int k, cb_value_t *c, bool exact, s_tally_t *t)
{
    const char *id = cb_value_get_str_or (c, "id", "");
    const char *note = cb_value_get_str_or (c, "note", "");
    const char *kr = cb_value_get_str_or (c, "kr", "");
    cb_value_t *value = cb_value_get (c, "value");
    int64_t confidence = cb_value_get_int_or (c, "confidence", -1);
    bool is_float = cb_value_type (value) == CB_FLOAT;
    bool is_number = cb_value_is_number (value);
    double number = is_number ? cb_value_float (value) : 0;
    bool on_draft = streq (cb_value_get_str_or (c, "draft", ""), node->drafts [k].id);
    int i = s_checkin_find (node, id);
    if (i >= 0) {
        s_checkin_t *m = &node->checkins [i];
        char want [8];
        snprintf (want, sizeof (want), "kr%d", m->kr);
        if (m->draft != k || !on_draft || !streq (note, m->marker) || !streq (kr, want)
        ||  !is_number || is_float != m->is_float || number != m->value
        ||  confidence != m->confidence) {
            m->wrong = true;
            FAIL ("%s: %s on %s is \"%s\" %s value %g%s confidence %lld, acknowledged as "
                  "\"%s\" %s on %s value %g%s confidence %d", node->name, id,
                  node->drafts [k].id, note, kr, number, is_float ? " (float)" : "",
                  (long long) confidence, m->marker, want, node->drafts [m->draft].id,
                  m->value, m->is_float ? " (float)" : "", m->confidence);
        }
        else
        if (++m->seen > 1) {
            t->ck_duplicated++;
            FAIL ("%s: check-in %s \"%s\" is listed %d times", node->name, id, note, m->seen);
        }
        return;
    }
    s_req_t *req = exact ? NULL : s_inflight_find (node, note);
    if (req && req->checkin && req->draft == k && on_draft && !req->committed
    &&  req->kr == (strlen (kr) == 3 ? kr [2] - '0' : 0) && is_number
    &&  is_float == req->is_float && number == req->value && confidence == req->confidence) {
        req->committed = true;
        snprintf (req->committed_checkin, sizeof (req->committed_checkin), "%s", id);
        t->ck_committed++;
    }
    else {
        t->ck_duplicated++;
        FAIL ("%s: check-in %s \"%s\" on %s was never %s", node->name, id, note,
              node->drafts [k].id, exact ? "acknowledged" : "asked for, or is there twice");
    }
}

//  Every check-in of one final draft (checkin.list, all pages) against
//  the model: each acknowledged one listed once, as acknowledged (found),
//  or missing or changed (lost), or listed twice, or never asked for
//  (duplicated); another one is an unanswered request that was committed.
static void
s_audit_checkins (s_conn_t *conn, s_node_t *node, int k, int cycle, bool exact, s_tally_t *t)
{
    s_draft_t *draft = &node->drafts [k];
    for (int i = 0; i < node->ncheckins; i++) {
        node->checkins [i].seen = 0;
        node->checkins [i].wrong = false;
    }
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft->id);
    cb_value_t *list = s_read_pages (conn, "checkin.list", body, "checkins");
    for (size_t i = 0; i < cb_value_size (list); i++)
        s_checkin_check (node, k, cb_value_at (list, i), exact, t);
    bool read = list != NULL;
    cb_value_destroy (&list);
    for (int i = 0; i < node->ncheckins; i++) {
        s_checkin_t *m = &node->checkins [i];
        if (m->draft != k)
            continue;
        if (m->seen >= 1 && !m->wrong) {
            if (m->cycle == cycle)
                t->ck_found++;
        }
        else {
            t->ck_lost++;
            if (read && !m->wrong)
                FAIL ("%s: check-in %s \"%s\" on %s (acknowledged in cycle %d) is missing",
                      node->name, m->id, m->marker, draft->id, m->cycle);
        }
    }
}

//  With nothing in flight: the draft record's own list of its check-ins
//  (`checkins`, which draft.history reads) is the model's, id for id, in
//  the order acknowledged (one node's requests are committed in order).
static void
s_audit_checkin_ids (s_node_t *node, int k, cb_value_t *ids)
{
    s_draft_t *draft = &node->drafts [k];
    size_t at = 0;
    for (int i = 0; i < node->ncheckins; i++) {
        s_checkin_t *m = &node->checkins [i];
        if (m->draft != k)
            continue;
        cb_value_t *id = cb_value_at (ids, at++);
        if (!id || cb_value_type (id) != CB_STR || !streq (cb_value_str (id), m->id)) {
            FAIL ("%s: %s lists %zu check-ins, %d acknowledged; at %zu %s, not %s",
                  node->name, draft->id, cb_value_size (ids), draft->ncheckins, at,
                  id && cb_value_type (id) == CB_STR ? cb_value_str (id) : "nothing", m->id);
            return;
        }
    }
    cb_value_t *more = cb_value_at (ids, at);
    if (more)
        FAIL ("%s: %s lists %zu check-ins, %d acknowledged; %s after the last", node->name,
              draft->id, cb_value_size (ids), draft->ncheckins,
              cb_value_type (more) == CB_STR ? cb_value_str (more) : "a non-string");
}

//  One node: draft.list against the model, and the history of each draft
//  changed in this cycle (or that does not match). With `exact`, nothing
//  may be in flight (after the resends); without, an unanswered request
//  may have been committed, and is marked so.
static void
s_audit_node (s_conn_t *conn, s_node_t *node, int cycle, bool exact, bool full, s_tally_t *t)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "owner", node->name);
    //  Every page: a node has over 1,000 drafts (a page) after about
    //  100,000 acknowledged changes of the run.
    cb_value_t *drafts = s_read_pages (conn, "draft.list", body, "drafts");
    if (!drafts)
        return;
    size_t n = cb_value_size (drafts);
    int *listed = (int *) calloc ((size_t) node->ndrafts + 1, sizeof (int));
    for (size_t i = 0; i < n; i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        const char *id = cb_value_get_str_or (d, "id", "");
        int64_t revs = cb_value_get_int_or (d, "revs", 0);
        const char *objective = cb_value_get_str_or (d, "objective", "");
        int k = s_draft_find (node, id);
        if (k < 0) {
            //  Only an unanswered draft.new may have made a draft we do
            //  not know, with that one revision.
            s_req_t *req = exact ? NULL : s_inflight_find (node, objective);
            if (req && !req->checkin && req->draft < 0 && !req->committed && revs == 1) {
                req->committed = true;
                snprintf (req->committed_draft, sizeof (req->committed_draft), "%s", id);
                req->committed_rev = 1;
                t->committed++;
            }
            else {
                t->duplicated += revs > 0 ? revs : 1;
                FAIL ("%s: draft %s (%lld revisions, \"%s\") was never %s", node->name, id,
                      (long long) revs, objective,
                      exact ? "acknowledged" : "asked for, or is there twice");
            }
            continue;
        }
        s_draft_t *draft = &node->drafts [k];
        listed [k] = 1;
        bool same = revs == draft->nrevs
                 && streq (objective, draft->revs [draft->nrevs - 1].marker);
        if (full || draft->touched == cycle || !same)
            s_audit_history (conn, node, draft, cycle, exact, t);
        if (draft->final) {
            //  Still final; its check-ins listed when sent to in this
            //  cycle, or when the draft's own list of them is not the
            //  model's count.
            const char *state = cb_value_get_str_or (d, "state", "");
            if (!streq (state, "final")) {
                t->lost++;
                FAIL ("%s: %s was finalised (acknowledged) and is %s", node->name, draft->id,
                      state);
            }
            size_t listed_ck = cb_value_size (cb_value_get_array (d, "checkins"));
            if (full || draft->ck_touched == cycle || listed_ck != (size_t) draft->ncheckins)
                s_audit_checkins (conn, node, k, cycle, exact, t);
            if (exact)
                s_audit_checkin_ids (node, k, cb_value_get_array (d, "checkins"));
        }
    }
    for (int k = 0; k < node->ndrafts; k++)
        if (!listed [k]) {
            s_draft_t *draft = &node->drafts [k];
            t->lost += draft->nrevs;
            FAIL ("%s: draft %s (%d acknowledged revisions) is missing", node->name,
                  draft->id, draft->nrevs);
        }
    free (listed);
    cb_value_destroy (&drafts);
    //  Acknowledged in this cycle, by the model
    for (int k = 0; k < node->ndrafts; k++)
        for (int r = 0; r < node->drafts [k].nrevs; r++)
            if (node->drafts [k].revs [r].cycle == cycle)
                t->acked++;
    for (int i = 0; i < node->ncheckins; i++)
        if (node->checkins [i].cycle == cycle)
            t->ck_acked++;
}

//  After the restart: each unanswered request of a node again, in order,
//  same frame and mid. A committed one gets its original reply; the
//  others are done now. Returns how many replies did not match.
static int
s_resend (s_node_t *node, int cycle, int *resent)
{
    if (node->ninflight == 0)
        return 0;
    int bad = 0;
    //  Committed requests are a prefix: one connection is served in order.
    for (int i = 1; i < node->ninflight; i++)
        if (node->inflight [i].committed && !node->inflight [i - 1].committed) {
            FAIL ("%s: %s was committed, %s before it was not", node->name,
                  node->inflight [i].mid, node->inflight [i - 1].mid);
            bad++;
        }
    s_conn_t *conn = s_conn_new (node->name, "team");
    while (node->ninflight) {
        s_req_t *req = &node->inflight [0];
        cb_value_t *reply = s_call_frame (conn, req->mid, req->frame, req->size);
        (*resent)++;
        cb_value_t *body = cb_value_get_map (reply, "body");
        const char *id = cb_value_get_str_or (body, "draft", "");
        int64_t rev = cb_value_get_int_or (body, "rev", 0);
        if (!reply || !streq (cb_value_get_str_or (reply, "type", ""), "ok")) {
            FAIL ("%s: resend of %s: %s", node->name, req->mid,
                  reply ? cb_value_get_str_or (reply, "name", "?") : "no reply");
            bad++;
            s_req_free (req);
            memmove (&node->inflight [0], &node->inflight [1],
                     --node->ninflight * sizeof (s_req_t));
        }
        else
        if (req->committed && req->checkin
        &&  !streq (cb_value_get_str_or (body, "id", ""), req->committed_checkin)) {
            FAIL ("%s: resend of committed check-in %s answered %s, not the original %s",
                  node->name, req->mid, cb_value_get_str_or (body, "id", "no id"),
                  req->committed_checkin);
            bad++;
            s_req_free (req);
            memmove (&node->inflight [0], &node->inflight [1],
                     --node->ninflight * sizeof (s_req_t));
        }
        else
        if (req->committed && !req->checkin
        &&  (!streq (id, req->committed_draft) || rev != req->committed_rev)) {
            FAIL ("%s: resend of committed %s answered %s rev %lld, not the original %s rev %d",
                  node->name, req->mid, id, (long long) rev, req->committed_draft,
                  req->committed_rev);
            bad++;
            s_req_free (req);
            memmove (&node->inflight [0], &node->inflight [1],
                     --node->ninflight * sizeof (s_req_t));
        }
        else {
            //  As acknowledged in this cycle: the next audit checks it.
            long before = node->acked + node->ck_acked;
            s_acked (node, reply, cycle);
            if (node->acked + node->ck_acked == before)
                bad++;
        }
        cb_value_destroy (&reply);
    }
    s_conn_destroy (&conn);
    return bad;
}

//  Self-check of the duplicate count: the last acknowledged change of the
//  first node is done a second time (same content and message, a new mid),
//  as a broker that forgot a mid would do on a resend.
static void
s_inject_duplicate (s_node_t *node)
{
    if (node->current < 0)
        return;
    s_draft_t *draft = &node->drafts [node->current];
    const char *marker = draft->revs [draft->nrevs - 1].marker;
    s_conn_t *conn = s_conn_new (node->name, "team");
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *content = s_content (marker, false);
    cb_value_set (body, "content", &content);
    cb_value_set_str (body, "message", marker);
    cb_value_set_str (body, "draft", draft->id);
    cb_value_t *reply = s_read (conn, "draft.revise", body);
    printf ("injected: \"%s\" again in %s (rev %lld)\n", marker, draft->id,
            (long long) cb_value_get_int_or (reply, "rev", 0));
    cb_value_destroy (&reply);
    s_conn_destroy (&conn);
}

//  Self-check of the check-ins' duplicate count: the last acknowledged
//  check-in of the first node is made a second time (same draft, key
//  result, value, confidence and note, a new mid), as a broker that forgot
//  a mid would do on a resend.
static void
s_inject_duplicate_checkin (s_node_t *node)
{
    if (node->ncheckins == 0)
        return;
    s_checkin_t *c = &node->checkins [node->ncheckins - 1];
    s_conn_t *conn = s_conn_new (node->name, "team");
    cb_value_t *body = s_checkin_body (node->drafts [c->draft].id, c->kr, c->is_float,
                                       c->value, c->confidence, c->marker);
    cb_value_t *reply = s_read (conn, "checkin.new", body);
    printf ("injected: check-in \"%s\" (%s) again on %s: %s\n", c->marker, c->id,
            node->drafts [c->draft].id, cb_value_get_str_or (reply, "id", "refused"));
    cb_value_destroy (&reply);
    s_conn_destroy (&conn);
}

//  The running cycle the final drafts are in: made by a leadership node
//  (cycle.new), started a day ago, ending in 30 days. 0, or -1.
static int
s_cycle_new (void)
{
    s_conn_t *conn = s_conn_new ("lead", "leadership");
    int64_t now = zclock_time ();
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "name", S_CYCLE_NAME);
    cb_value_set_int (body, "start", now - 24LL * 3600 * 1000);
    cb_value_set_int (body, "end", now + 30 * 24LL * 3600 * 1000);
    cb_value_t *made = s_read (conn, "cycle.new", body);
    s_conn_destroy (&conn);
    if (!made)
        return -1;                  //  s_read said why
    const char *state = cb_value_get_str_or (cb_value_get_map (made, "cycle"), "state", "");
    int rc = 0;
    if (!streq (state, "running")) {
        FAIL ("cycle.new %s: state %s, not running", S_CYCLE_NAME, state);
        rc = -1;
    }
    cb_value_destroy (&made);
    return rc;
}

//  --------------------------------------------------------------------------
//  --mode churn: one node's connection closed and a new one opened, again
//  and again, against a live broker. A new connection that said hello
//  must keep its session: no NOT_HELLO until another connection says
//  hello as the node. Returns how many times it did not.

static volatile long s_churn_dropped;

static void *
s_churn_run (void *arg)
{
    s_node_t *node = (s_node_t *) arg;
    int rounds = s_opt.cycles;
    long dropped = 0;
    for (int i = 1; i <= rounds && __atomic_load_n (&s_churn_dropped, __ATOMIC_RELAXED) < 5; i++) {
        s_conn_t *old = s_conn_new (node->name, "team");
        cb_value_t *pong = s_hello (old, S_CALL_MS) ? NULL : s_read (old, "ping", NULL);
        if (!pong) {
            FAIL ("churn %d: the first connection got no session", i);
            s_conn_destroy (&old);
            break;
        }
        cb_value_destroy (&pong);
        s_conn_destroy (&old);
        s_conn_t *conn = s_conn_new (node->name, "team");
        if (s_hello (conn, S_CALL_MS)) {
            FAIL ("churn %d: no answer to hello", i);
            s_conn_destroy (&conn);
            break;
        }
        for (int k = 1; k <= 5; k++) {
            char mid [80];
            s_conn_mid (conn, mid, sizeof (mid));
            size_t size;
            void *data = s_encode ("ping", mid, NULL, &size);
            cb_value_t *reply = s_exchange (conn, mid, data, size, S_CALL_MS);
            free (data);
            bool ok = reply && streq (cb_value_get_str_or (reply, "type", ""), "ok");
            if (!ok) {
                dropped++;
                __atomic_add_fetch (&s_churn_dropped, 1, __ATOMIC_RELAXED);
                FAIL ("%s, churn %d: ping %d on a connection that said hello answered %s: "
                      "its session was dropped while it was connected", node->name, i, k,
                      reply ? cb_value_get_str_or (reply, "name", "?") : "nothing");
            }
            cb_value_destroy (&reply);
            if (!ok)
                break;
        }
        s_conn_destroy (&conn);
    }
    node->dropped = dropped;
    return NULL;
}

//  Every node churns at once: a connection closed by one may have its
//  descriptor number taken by another's new one.
static long
s_churn (void)
{
    for (int i = 0; i < s_opt.nodes; i++)
        pthread_create (&s_nodes [i].thread, NULL, s_churn_run, &s_nodes [i]);
    long dropped = 0;
    for (int i = 0; i < s_opt.nodes; i++) {
        pthread_join (s_nodes [i].thread, NULL);
        dropped += s_nodes [i].dropped;
    }
    return dropped;
}

//  --------------------------------------------------------------------------

static void
s_usage (FILE *out)
{
    fprintf (out,
"Usage: chaos --catchballd PATH [OPTIONS]\n"
"Kills catchballd at random moments while nodes send changes, restarts it,\n"
"and checks through the protocol that every acknowledged change is there once.\n"
"\n"
"  --mode kill|powercut  SIGKILL only, or SIGKILL plus a simulated power cut\n"
"                        (needs --shim; default kill)\n"
"  --mode sigterm        no kill: SIGTERM to each broker thread that takes it (a\n"
"                        signal to the process goes to any of them); the broker\n"
"                        must stop within 5 s each time (--cycles rounds)\n"
"  --mode churn          no kill: each node closes its connection and opens a new\n"
"                        one, --cycles times; a new one must keep its session\n"
"  --shim PATH           the powercut.so LD_PRELOAD shim\n"
"  --preload-first PATH  a library to preload before the shim (a sanitizer runtime)\n"
"  --fault nosync|nometasync\n"
"                        self-check: the shim makes syncs (or O_DSYNC writes) not\n"
"                        durable; use with --expect-loss\n"
"  --expect-loss         succeed only if a loss, a duplicate or a store that does\n"
"                        not open is seen\n"
"  --expect-checkin-loss as --expect-loss, and a lost check-in must be seen\n"
"  --quiesce             kill only once every request sent is answered (the\n"
"                        broker idle, its last commit acknowledged)\n"
"  --inject-duplicate    self-check: after the resends, do the last acknowledged\n"
"                        change of a node again under a new mid; use with\n"
"                        --expect-loss\n"
"  --inject-duplicate-checkin\n"
"                        the same with the node's last acknowledged check-in\n"
"  --cycles N            kill/restart cycles (default 5)\n"
"  --nodes N             concurrent nodes, one connection each (default 4)\n"
"  --window N            changes in flight per node (default 4)\n"
"  --delay MIN-MAX       random delay before each kill, ms (default 50-500)\n"
"  --seed N              random seed (default: from the kernel; printed)\n"
"  --broker-arg ARG      one more argument for catchballd (up to 8), e.g.\n"
"                        --broker-arg --map-size=1 to grow the map under kills\n"
"  --sanitized           catchballd is a sanitizer build: skip (exit 77) the\n"
"                        power cut if the shim cannot be preloaded into it\n"
"  --keep                keep the working directory\n");
}

int
main (int argc, char *argv [])
{
    s_opt.mode = "kill";
    s_opt.cycles = 5;
    s_opt.nodes = 4;
    s_opt.window = 4;
    s_opt.min_ms = 50;
    s_opt.max_ms = 500;
    for (int i = 1; i < argc; i++) {
        const char *a = argv [i];
        const char *v = i + 1 < argc ? argv [i + 1] : NULL;
        if (streq (a, "--catchballd") && v) { s_opt.catchballd = v; i++; }
        else if (streq (a, "--mode") && v) { s_opt.mode = v; i++; }
        else if (streq (a, "--shim") && v) { s_opt.shim = v; i++; }
        else if (streq (a, "--preload-first") && v) { s_opt.preload_first = v; i++; }
        else if (streq (a, "--fault") && v) { s_opt.fault = v; i++; }
        else if (streq (a, "--cycles") && v) { s_opt.cycles = atoi (v); i++; }
        else if (streq (a, "--nodes") && v) { s_opt.nodes = atoi (v); i++; }
        else if (streq (a, "--window") && v) { s_opt.window = atoi (v); i++; }
        else if (streq (a, "--delay") && v) {
            if (sscanf (v, "%d-%d", &s_opt.min_ms, &s_opt.max_ms) != 2) {
                s_usage (stderr);
                return 2;
            }
            i++;
        }
        else if (streq (a, "--seed") && v) { s_opt.seed = strtoull (v, NULL, 0); i++; }
        else if (streq (a, "--expect-loss")) s_opt.expect_loss = true;
        else if (streq (a, "--inject-duplicate")) s_opt.inject_duplicate = true;
        else if (streq (a, "--inject-duplicate-checkin")) s_opt.inject_duplicate_checkin = true;
        else if (streq (a, "--quiesce")) s_opt.quiesce = true;
        else if (streq (a, "--expect-checkin-loss"))
            s_opt.expect_loss = s_opt.expect_checkin_loss = true;
        else if (streq (a, "--keep")) s_opt.keep = true;
        else if (streq (a, "--sanitized")) s_opt.sanitized = true;
        else if (streq (a, "--broker-arg") && v && s_opt.nbroker_args < 8) {
            s_opt.broker_args [s_opt.nbroker_args++] = v;
            i++;
        }
        else if (streq (a, "--help")) { s_usage (stdout); return 0; }
        else { s_usage (stderr); return 2; }
    }
    bool powercut = s_opt.mode && streq (s_opt.mode, "powercut");
    bool churn = s_opt.mode && streq (s_opt.mode, "churn");
    bool sigterm = s_opt.mode && streq (s_opt.mode, "sigterm");
    if (!s_opt.catchballd || (!powercut && !churn && !sigterm && !streq (s_opt.mode, "kill"))
    ||  (powercut && !s_opt.shim) || (s_opt.fault && !powercut)
    ||  s_opt.cycles < 1 || s_opt.nodes < 1 || s_opt.nodes > S_MAX_NODES
    ||  s_opt.window < 1 || s_opt.min_ms < 0 || s_opt.max_ms < s_opt.min_ms) {
        s_usage (stderr);
        return 2;
    }
    if (!s_opt.seed && getrandom (&s_opt.seed, sizeof (s_opt.seed), 0) != sizeof (s_opt.seed))
        s_opt.seed = (uint64_t) zclock_usecs ();
    s_rng = s_opt.seed | 1;
    snprintf (s_runid, sizeof (s_runid), "%016llx", (unsigned long long) s_random ());

    //  Working directory: store, log, and the ipc endpoint (no TCP port to
    //  race for when ctest runs tests in parallel).
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP")
                     : getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
    zsys_dir_create ("%s", base);
    snprintf (s_dir, sizeof (s_dir), "%s/chaos-%s-XXXXXX", base, s_opt.mode);
    if (!mkdtemp (s_dir) || strlen (s_dir) > 90) {
        //  An ipc path must fit in sun_path (108 bytes).
        snprintf (s_dir, sizeof (s_dir), "/tmp/chaos-%s-XXXXXX", s_opt.mode);
        if (!mkdtemp (s_dir)) {
            perror ("mkdtemp");
            return 1;
        }
    }
    snprintf (s_store, sizeof (s_store), "%s/store", s_dir);
    snprintf (s_endpoint, sizeof (s_endpoint), "ipc://%s/broker.sock", s_dir);
    zsys_init ();
    zsys_set_logstream (stderr);
    setvbuf (stdout, NULL, _IOLBF, 0);

    if (churn)
        printf ("chaos: churn, %d nodes reconnecting %d times each, in %s\n",
                s_opt.nodes, s_opt.cycles, s_dir);
    else
    if (sigterm)
        printf ("chaos: sigterm to each thread of the broker, in %s\n", s_dir);
    else
        printf ("chaos: %s, %d cycles, %d nodes x %d in flight, kill after %d-%d ms%s%s, "
                "seed %llu, in %s\n",
                s_opt.mode, s_opt.cycles, s_opt.nodes, s_opt.window, s_opt.min_ms,
                s_opt.max_ms, s_opt.fault ? ", shim fault " : "",
                s_opt.fault ? s_opt.fault : "", (unsigned long long) s_opt.seed, s_dir);
    int64_t started = zclock_mono ();
    for (int i = 0; i < s_opt.nodes; i++) {
        s_nodes [i].index = i;
        snprintf (s_nodes [i].name, sizeof (s_nodes [i].name), "n%d", i + 1);
        s_nodes [i].current = -1;
        s_nodes [i].final = -1;
        s_nodes [i].rng = (s_opt.seed ^ (0x9e3779b97f4a7c15ull * (uint64_t) (i + 1))) | 1;
    }
    if (powercut && s_opt.sanitized && !(s_opt.preload_first && *s_opt.preload_first)) {
        printf ("SKIP: catchballd is built with the sanitizers and no sanitizer runtime was "
                "found to preload before the shim: the power-cut test does not run here "
                "(it runs in the ordinary build)\n");
        s_remove_dir ();
        return 77;
    }
    if (s_broker_start ()) {
        if (powercut && s_opt.sanitized && s_log_has ("runtime does not come first")) {
            printf ("SKIP: the shim cannot be preloaded into this sanitizer build of "
                    "catchballd (see %s/catchballd.log): the power-cut test does not run "
                    "here (it runs in the ordinary build)\n", s_dir);
            return 77;              //  The log stays, for the reason
        }
        printf ("FAIL: catchballd does not start on a new store\n");
        return 1;
    }

    if (sigterm) {
        int hung = s_sigterm_each ();
        printf ("TOTAL sigterm: %d rounds of a SIGTERM to each thread that takes it: the "
                "broker did not stop %d time(s)%s\n", s_opt.cycles, hung,
                hung ? " (stopped at the first)" : "");
        return s_finish (s_failures ? 1 : 0);
    }
    if (churn) {
        for (int i = 0; i < s_opt.nodes; i++)
            s_nodes [i].dropped = 0;
        int64_t began = zclock_mono ();
        long dropped = s_churn ();
        int status = s_broker_stop ();
        if (status != 0)
            FAIL ("catchballd exited with status %d on SIGTERM", status);
        printf ("TOTAL churn: %d nodes, %d reconnections each: a new connection's session "
                "dropped %ld times%s | %.1f s\n", s_opt.nodes, s_opt.cycles, dropped,
                dropped >= 5 ? " (stopped at 5)" : "", (zclock_mono () - began) / 1000.0);
        int rc = s_failures ? 1 : 0;
        if (rc == 0 && !s_opt.keep)
            s_remove_dir ();
        return rc;
    }
    //  The running cycle that the nodes' final drafts are in.
    if (s_cycle_new ()) {
        printf ("FAIL: the cycle for the check-ins cannot be made\n");
        s_broker_stop ();
        return s_finish (1);
    }
    s_tally_t total = { 0 };
    long total_inflight = 0, total_resent = 0, total_bad = 0;
    int64_t max_restart = 0;        //  Slowest restart until ready, ms
    long total_dropped = 0;         //  NOT_HELLO from a live broker
    bool detected = false;          //  A loss, duplicate or unusable store
    int cycle;
    for (cycle = 1; cycle <= s_opt.cycles; cycle++) {
        s_cycle = cycle;
        //  Run: every node says hello, then works until the kill.
        __atomic_store_n (&s_stop, 0, __ATOMIC_RELEASE);
        s_ready = 0;
        for (int i = 0; i < s_opt.nodes; i++) {
            s_nodes [i].acked = 0;
            s_nodes [i].ck_acked = 0;
            s_nodes [i].dropped = 0;
            s_nodes [i].rehello [0] = 0;
            s_nodes [i].errors = 0;
            pthread_create (&s_nodes [i].thread, NULL, s_node_run, &s_nodes [i]);
        }
        pthread_mutex_lock (&s_mutex);
        while (s_ready < s_opt.nodes)
            pthread_cond_wait (&s_cond, &s_mutex);
        pthread_mutex_unlock (&s_mutex);
        int delay = s_opt.min_ms + (int) (s_random () % (uint64_t) (s_opt.max_ms - s_opt.min_ms + 1));
        zclock_sleep (delay);       //  The random moment of the kill
        //  --quiesce: the nodes stop sending and get every reply first,
        //  so the kill finds the broker idle, its last commit answered.
        if (!s_opt.quiesce)
            s_broker_kill ();
        __atomic_store_n (&s_stop, 1, __ATOMIC_RELEASE);
        long acked_run = 0, ck_acked_run = 0, dropped = 0;
        int inflight = 0;
        for (int i = 0; i < s_opt.nodes; i++) {
            pthread_join (s_nodes [i].thread, NULL);
            acked_run += s_nodes [i].acked;
            ck_acked_run += s_nodes [i].ck_acked;
            inflight += s_nodes [i].ninflight;
            dropped += s_nodes [i].dropped;
        }
        total_dropped += dropped;
        if (s_opt.quiesce)
            s_broker_kill ();
        if (powercut && s_power_cut ())
            break;
        int64_t restart = zclock_mono ();
        int rc = s_broker_start ();
        restart = zclock_mono () - restart;
        if (rc) {
            printf ("cycle %d: %ld acknowledged, then the store does not open after the %s\n",
                    cycle, acked_run, powercut ? "power cut" : "kill");
            detected = true;
            total.acked += acked_run;
            total.ck_acked += ck_acked_run;
            total_inflight += inflight;
            if (!s_opt.expect_loss)
                s_failures++;
            break;
        }
        //  1. Audit, with unanswered requests allowed either way
        s_tally_t t = { 0 };
        for (int i = 0; i < s_opt.nodes; i++) {
            s_conn_t *conn = s_conn_new (s_nodes [i].name, "team");
            s_audit_node (conn, &s_nodes [i], cycle, false, false, &t);
            s_conn_destroy (&conn);
        }
        if (t.acked != acked_run || t.ck_acked != ck_acked_run)
            FAIL ("cycle %d: the model counts %ld changes and %ld check-ins acknowledged, "
                  "the nodes %ld and %ld", cycle, t.acked, t.ck_acked, acked_run, ck_acked_run);
        //  2. Resend what was not answered; 3. audit again, exactly
        int resent = 0, bad = 0;
        if (!t.lost && !t.duplicated && !t.ck_lost && !t.ck_duplicated) {
            for (int i = 0; i < s_opt.nodes; i++)
                bad += s_resend (&s_nodes [i], cycle, &resent);
            if (s_opt.inject_duplicate)
                s_inject_duplicate (&s_nodes [0]);
            if (s_opt.inject_duplicate_checkin)
                s_inject_duplicate_checkin (&s_nodes [0]);
            s_tally_t t2 = { 0 };
            for (int i = 0; i < s_opt.nodes; i++) {
                s_conn_t *conn = s_conn_new (s_nodes [i].name, "team");
                s_audit_node (conn, &s_nodes [i], cycle, true, false, &t2);
                s_conn_destroy (&conn);
            }
            t.lost += t2.lost;
            t.duplicated += t2.duplicated;
            t.ck_lost += t2.ck_lost;
            t.ck_duplicated += t2.ck_duplicated;
            long expected = acked_run + ck_acked_run + resent - bad;
            if (t2.acked + t2.ck_acked != expected)
                FAIL ("cycle %d: after the resends the model counts %ld, expected %ld",
                      cycle, t2.acked + t2.ck_acked, expected);
        }
        printf ("cycle %3d: killed after %3d ms: acked %4ld found %4ld lost %ld duplicated %ld"
                " | check-ins acked %4ld found %4ld lost %ld duplicated %ld"
                " | unanswered %d, committed %ld + %ld check-ins, resent %d, original replies %s"
                " | restart %lld ms\n",
                cycle, delay, t.acked, t.found, t.lost, t.duplicated, t.ck_acked, t.ck_found,
                t.ck_lost, t.ck_duplicated, inflight, t.committed, t.ck_committed, resent,
                bad ? "NOT matched" : "matched", (long long) restart);
        if (restart > max_restart)
            max_restart = restart;
        s_tally_add (&total, &t);
        total_inflight += inflight;
        total_resent += resent;
        total_bad += bad;
        if (t.lost || t.duplicated || t.ck_lost || t.ck_duplicated)
            detected = true;
        if (t.lost || t.duplicated || t.ck_lost || t.ck_duplicated || bad || s_failures)
            break;                  //  The model no longer holds: stop here
    }
    int cycles_done = cycle > s_opt.cycles ? s_opt.cycles : cycle;

    //  The full audit: every draft's history, every acknowledged change of
    //  the run once, and a clean stop.
    long revisions = 0, checkins = 0, finals = 0;
    s_tally_t full = { 0 };
    if (s_broker && !detected && !s_failures) {
        for (int i = 0; i < s_opt.nodes; i++) {
            s_conn_t *conn = s_conn_new (s_nodes [i].name, "team");
            s_audit_node (conn, &s_nodes [i], -1, true, true, &full);
            s_conn_destroy (&conn);
            for (int k = 0; k < s_nodes [i].ndrafts; k++) {
                revisions += s_nodes [i].drafts [k].nrevs;
                finals += s_nodes [i].drafts [k].final;
            }
            checkins += s_nodes [i].ncheckins;
        }
        printf ("full audit: %ld acknowledged revisions in every draft's history, lost %ld, "
                "duplicated %ld; %ld acknowledged check-ins in the checkin.list of %ld final "
                "drafts, lost %ld, duplicated %ld\n", revisions, full.lost, full.duplicated,
                checkins, finals, full.ck_lost, full.ck_duplicated);
        if (full.lost || full.duplicated || full.ck_lost || full.ck_duplicated)
            detected = true;
    }
    if (s_broker) {
        int status = s_broker_stop ();
        if (status != 0)
            FAIL ("catchballd exited with status %d on SIGTERM (see %s/catchballd.log)",
                  status, s_dir);
    }
    double wall = (zclock_mono () - started) / 1000.0;
    printf ("TOTAL %s: %d cycles: acked %ld found %ld lost %ld duplicated %ld | "
            "check-ins acked %ld found %ld lost %ld duplicated %ld | "
            "unanswered at the kill %ld, committed %ld + %ld check-ins, resent %ld, "
            "replies not matched %ld | slowest restart %lld ms | %.1f s\n",
            s_opt.mode, cycles_done, total.acked, total.found, total.lost + full.lost,
            total.duplicated + full.duplicated, total.ck_acked, total.ck_found,
            total.ck_lost + full.ck_lost, total.ck_duplicated + full.ck_duplicated,
            total_inflight, total.committed, total.ck_committed, total_resent, total_bad,
            (long long) max_restart, wall);
    if (total_dropped)
        printf ("note: the live broker answered NOT_HELLO %ld times (sessions dropped while "
                "connected: see README.md, \"Broker bugs these tests found\"); each node said hello "
                "again and resent, as the protocol says\n", total_dropped);

    int rc;
    long ck_lost = total.ck_lost + full.ck_lost;
    if (s_opt.expect_checkin_loss && !ck_lost) {
        printf ("FAIL: self-check: no check-in lost with %s: the test cannot see it\n",
                s_opt.fault ? s_opt.fault : "no fault");
        rc = 1;
    }
    else
    if (s_opt.expect_loss) {
        if (detected) {
            printf ("self-check: the %s was seen, as it must be\n",
                    s_opt.inject_duplicate ? "injected duplicate"
                    : s_opt.inject_duplicate_checkin ? "injected duplicate check-in"
                    : s_opt.fault ? s_opt.fault : "loss");
            rc = 0;
        }
        else {
            printf ("FAIL: self-check: nothing seen with %s: the test cannot see it\n",
                    s_opt.inject_duplicate ? "an injected duplicate"
                    : s_opt.inject_duplicate_checkin ? "an injected duplicate check-in"
                    : s_opt.fault ? s_opt.fault : "no fault");
            rc = 1;
        }
    }
    else
        rc = (s_failures || detected || total.found != total.acked
              || total.ck_found != total.ck_acked) ? 1 : 0;
    return s_finish (rc);
}
