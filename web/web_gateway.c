/*  =========================================================================
    web_gateway - the gateway's broker side: one libcatchball connection
    per node active in a browser, the boards, each node's inbox

    Runs in the main thread, the only one that calls libcatchball (a
    client is not thread-safe). The HTTP threads ask for what they need
    under the gateway's lock (a node to join, an event's board) and wait on
    `changed` (a call on its own `done`); the loop wakes on `wake`, does
    it, and publishes the result as JSON with a version number, which the
    waiting threads read.

    A board is cli_console_state, the facilitator console's own model:
    event.snapshot, then the log followed from the entry after it, each
    entry applied. The client library renews the subscription after a
    broker restart, from the entry after the last one handed out, so the
    board never skips an entry. Each published board carries the log
    sequence it is as of, which the SSE stream sends as its `id:`. The
    final drafts' check-ins, which the snapshot only lists, are read on
    the loop too (web_board.c), for the board's progress.

    Acting: an HTTP thread queues a call (a request as its session's node,
    or the node's todo, built as `catchball todo` builds it, from reads, or
    a view's reads, by cbcli's code: web_views.c)
    and waits; the loop makes it on the node's connection, blocking as a
    join does, and leaves the outcome on the call. A call whose thread
    stopped waiting (its time-out passed) is freed by the loop once made;
    calls not made when the loop stops are answered at once.

    With CURVE (web_keys.c) each connection is by the node's own key. A
    node whose certificate has left the broker's certs/ (looked at five
    times a second), or whom the broker answers KEY_UNKNOWN, is ended: its
    sessions, its connection, and its live pages, which are told why.

    One event per node in this slice: a node's connection holds a single
    log subscription, and the broker lets one connection speak for a node
    (the newest hello wins), so a second event is refused with a message.
    =========================================================================
*/
#include <czmq.h>
#include <jansson.h>
#include <pthread.h>

#include "catchball/catchball.h"
#include "cli.h"
#include "cli_cmd.h"
#include "cli_console_state.h"
#include "web.h"
#include "web_views.h"

#define S_NODES_MAX     256     //  Nodes one gateway serves at once
#define S_REQUEST_MS    10000   //  A read not answered by then has failed
#define S_CLOCK_MS      30000   //  The broker's time asked this often
#define S_TICK_MS       20      //  Longest idle wait of the loop
#define S_INBOX_MAX     200     //  Deliveries kept per node, the newest
#define S_OWED_MAX      64      //  Debts and stuck deals on a board
#define S_CALLS_TURN    64      //  Calls made between two sweeps of the nodes' news

//  A node active in a browser
typedef struct {
    bool used;                  //  The slot holds a node
    char name [WEB_NAME_MAX];   //  Who it is
    char role [16];             //  Its role, as its invite gave it
    cb_client_t *client;        //  Its connection: the main thread's alone
    bool joining;               //  A browser waits for its hello
    char join_error [256];      //  Why the last hello failed ("" if it did not)
    uint64_t join_version;      //  Bumped at each hello's outcome
    //  Its board (one event)
    char event [WEB_NAME_MAX];  //  The event followed, "" none
    bool board_wanted;          //  A browser asked for it: start it
    cli_console_state_t *state; //  The event's state, the main thread's alone
    char *board;                //  The published board, JSON
    uint64_t board_version;     //  Bumped at each publication
    cb_link_t link;             //  The link's state last published
    uint64_t checkins_seen;     //  The board version whose check-ins were looked for
    //  Its inbox, as the broker sent it: kept in DIR/inbox/NODE.json, then
    //  acknowledged (the broker sends at most its window, 128, of
    //  deliveries not acknowledged: a page would stop getting news)
    json_t *inbox;              //  [delivery], main thread's alone
    char *me;                   //  The published page, JSON
    uint64_t me_version;        //  Bumped at each publication
} s_node_t;

//  A request an HTTP thread asks the loop to make as a node
typedef struct _s_call_t {
    struct _s_call_t *next;     //  The gateway's queue
    char node [WEB_NAME_MAX];   //  As whom
    char type [40];             //  The request's type; "" for the node's todo
    web_read_fn *fn;            //  Or a read the command line's code builds
    cb_value_t *body;           //  Its body, the loop's once it starts
    bool started;               //  The loop has taken it
    char *reply;                //  The outcome, JSON, once done
    bool abandoned;             //  Its thread gave up: the loop frees it
    pthread_cond_t done;        //  The reply is there: wakes its thread alone
} s_call_t;

struct _web_gateway_t {
    char *endpoint;             //  The broker's
    pthread_mutex_t lock;       //  Guards everything below but clients and states
    pthread_cond_t changed;     //  Something was published: waiting threads look
    pthread_cond_t wake;        //  A thread asked for something: the loop looks
    s_node_t nodes [S_NODES_MAX];
    s_call_t *calls;            //  Calls not finished, or finished and not yet taken
    web_keys_t *keys;           //  CURVE: each node by its own key; NULL without
    char *dir;                  //  The gateway's directory: its sessions, to end
    int64_t certs_seen;         //  When the loop last looked at certs/
    int64_t clock_seen;         //  When the loop last asked the broker's time
};

//  The broker's clock minus the gateway's (ms), from a ping the loop makes
//  now and then (S_CLOCK_MS): the boards' `now`, from which the pages
//  count down and age check-ins, is the broker's time, which set every
//  deadline and check-in, however far this machine's clock is from it (a
//  broker run with --clock, months away). Written by the loop, read by
//  whoever builds a board.
static int64_t s_clock_offset;

static int64_t
s_broker_now (void)
{
    return zclock_time () + __atomic_load_n (&s_clock_offset, __ATOMIC_RELAXED);
}

//  An absolute time timeout_ms from now on CLOCK_MONOTONIC.
static struct timespec
s_deadline (int timeout_ms)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void
s_cond_init (pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (cond, &attr);
    pthread_condattr_destroy (&attr);
}

web_gateway_t *
web_gateway_new (const char *endpoint)
{
    web_gateway_t *self = (web_gateway_t *) calloc (1, sizeof (web_gateway_t));
    assert (self);
    self->endpoint = strdup (endpoint);
    pthread_mutex_init (&self->lock, NULL);
    s_cond_init (&self->changed);
    s_cond_init (&self->wake);
    return self;
}

void
web_gateway_destroy (web_gateway_t **self_p)
{
    web_gateway_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < S_NODES_MAX; i++) {
        s_node_t *node = &self->nodes [i];
        cb_client_destroy (&node->client);
        cli_console_state_destroy (&node->state);
        json_decref (node->inbox);
        free (node->board);
        free (node->me);
    }
    while (self->calls) {
        s_call_t *call = self->calls;
        self->calls = call->next;
        cb_value_destroy (&call->body);
        free (call->reply);
        pthread_cond_destroy (&call->done);
        free (call);
    }
    pthread_cond_destroy (&self->changed);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    free (self->endpoint);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

//  The node's slot, under the lock; NULL if it has none.
static s_node_t *
s_node (web_gateway_t *self, const char *name)
{
    for (int i = 0; i < S_NODES_MAX; i++)
        if (self->nodes [i].used && streq (self->nodes [i].name, name))
            return &self->nodes [i];
    return NULL;
}

//  Publishes text (taken) as a node's board or page: bumps the version
//  and wakes the waiting threads. Under the lock.
static void
s_publish (web_gateway_t *self, char **slot, uint64_t *version, char *text)
{
    free (*slot);
    *slot = text;
    (*version)++;
    pthread_cond_broadcast (&self->changed);
}


//  --------------------------------------------------------------------------
//  The board: what the projector shows, from cli_console_state

static json_t *
s_json (const cb_value_t *value)
{
    json_t *json = value ? cli_value_to_json (value) : NULL;
    return json ? json : json_null ();
}

//  The board of a node's event as JSON: the event, its asks, what each
//  participant owes, the stuck deals, confidence, the link, the log
//  sequence it is as of, and the broker's time (for the countdown).
static char *
s_board_json (s_node_t *node)
{
    cli_console_state_t *state = node->state;
    json_t *board = json_object ();
    json_object_set_new (board, "seq", json_integer (cli_console_state_seq (state)));
    json_object_set_new (board, "now", json_integer (s_broker_now ()));
    json_object_set_new (board, "node", json_string (node->name));
    json_object_set_new (board, "link", json_string (cb_link_name (node->link)));
    cb_value_t *event = cli_console_state_event (state);
    json_object_set_new (board, "event", s_json (event));
    //  The event's asks, in the order it lists them.
    json_t *asks = json_array ();
    cb_value_t *ids = cb_value_get_array (event, "asks");
    for (size_t i = 0; i < cb_value_size (ids); i++) {
        const char *id = cb_value_str (cb_value_at (ids, i));
        cb_value_t *ask = id ? cli_console_state_object (state, "ask", id) : NULL;
        if (ask)
            json_array_append_new (asks, s_json (ask));
    }
    json_object_set_new (board, "asks", asks);
    //  Per participant: rounds not answered, confidence in its shared draft.
    json_t *teams = json_array ();
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *name = cb_value_str (cb_value_at (participants, i));
        if (!name)
            continue;
        json_t *team = json_object ();
        json_object_set_new (team, "node", json_string (name));
        const char *draft = cb_value_get_str (shared, name);
        json_object_set_new (team, "draft", draft ? json_string (draft) : json_null ());
        json_object_set_new (team, "waiting",
                             json_integer ((json_int_t) cli_console_state_waiting (state, name)));
        int confidence = draft ? cli_console_state_confidence (state, draft, NULL) : -1;
        json_object_set_new (team, "confidence", json_integer (confidence));
        json_array_append_new (teams, team);
    }
    json_object_set_new (board, "teams", teams);
    cli_console_owed_t owed [S_OWED_MAX];
    size_t owed_count = cli_console_state_owed (state, owed, S_OWED_MAX);
    json_t *owes = json_array ();
    for (size_t i = 0; i < owed_count && i < S_OWED_MAX; i++)
        json_array_append_new (owes, json_pack ("{s:s, s:s}", "node", owed [i].node,
                                                "what", owed [i].what));
    json_object_set_new (board, "owed", owes);
    cli_console_stuck_t stuck [S_OWED_MAX];
    size_t stuck_count = cli_console_state_stuck (state, stuck, S_OWED_MAX);
    json_t *stucks = json_array ();
    for (size_t i = 0; i < stuck_count && i < S_OWED_MAX; i++)
        json_array_append_new (stucks, json_pack (
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ask", stuck [i].ask,
            "answer", stuck [i].answer, "by", stuck [i].by, "draft", stuck [i].draft,
            "round", stuck [i].round, "owner", stuck [i].owner,
            "waiting", stuck [i].waiting));
    json_object_set_new (board, "stuck", stucks);
    json_object_set_new (board, "progress", web_board_progress (state, s_broker_now ()));
    char *text = json_dumps (board, JSON_COMPACT);
    json_decref (board);
    return text;
}

//  A board that could not start: {error}, shown as such in the page.
static char *
s_board_error (const char *format, ...)
{
    char why [512];
    va_list args;
    va_start (args, format);
    vsnprintf (why, sizeof (why), format, args);
    va_end (args);
    json_t *board = json_pack ("{s:s}", "error", why);
    char *text = json_dumps (board, JSON_COMPACT);
    json_decref (board);
    return text;
}

//  Starts a node's board: the snapshot, then the log from the entry after
//  it. Returns the board's JSON.
static char *
s_board_start (s_node_t *node, const char *event)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", event);
    cb_value_t *snapshot = cb_client_request_pages (node->client, "event.snapshot", &body,
                                                    S_REQUEST_MS);
    if (!snapshot)
        return s_board_error ("event %s: %s: %s", event, cb_client_error_name (node->client),
                              cb_client_error_message (node->client));
    cli_console_state_t *state = cli_console_state_new (event);
    int rc = cli_console_state_load (state, snapshot);
    cb_value_destroy (&snapshot);
    if (rc) {
        cli_console_state_destroy (&state);
        return s_board_error ("event %s: no such event", event);
    }
    uint64_t next = (uint64_t) cli_console_state_seq (state) + 1;
    if (cb_client_subscribe (node->client, next, S_REQUEST_MS)) {
        cli_console_state_destroy (&state);
        return s_board_error ("event %s: log.subscribe: %s: %s", event,
                              cb_client_error_name (node->client),
                              cb_client_error_message (node->client));
    }
    node->state = state;
    node->link = cb_client_link (node->client, NULL);
    return s_board_json (node);
}


//  --------------------------------------------------------------------------
//  A node's page: its inbox

static char *
s_me_json (s_node_t *node)
{
    json_t *me = json_pack ("{s:s, s:s, s:s, s:O}", "node", node->name, "role", node->role,
                            "link", cb_link_name (node->link), "inbox", node->inbox);
    char *text = json_dumps (me, JSON_COMPACT);
    json_decref (me);
    return text;
}


//  --------------------------------------------------------------------------
//  Revocation (CURVE): the broker's certs/ no longer holds a node's key

void
web_gateway_set_keys (web_gateway_t *self, web_keys_t *keys, const char *dir)
{
    self->keys = keys;
    free (self->dir);
    self->dir = strdup (dir);
}

//  Ends a revoked node here: its sessions (their files removed, so every
//  request of theirs is refused before it reaches the gateway), its
//  connection, and its live pages, which are told why and stop. Under
//  the lock, in the main thread.
static void
s_end (web_gateway_t *self, s_node_t *node, const char *cause)
{
    int ended = web_sessions (self->dir, node->name, NULL, NULL);
    zsys_info ("catchball-web: %s %s: %d session%s ended", node->name, cause, ended,
               ended == 1 ? "" : "s");
    cb_client_destroy (&node->client);
    cli_console_state_destroy (&node->state);
    json_decref (node->inbox);
    node->inbox = NULL;
    node->event [0] = 0;
    node->board_wanted = false;
    const char *why = "This session has ended: its node's certificate was removed from the "
                      "broker, or the broker no longer accepts its key (revoked). Ask the "
                      "facilitator for a new join link.";
    s_publish (self, &node->board, &node->board_version, s_board_error ("%s", why));
    s_publish (self, &node->me, &node->me_version, s_board_error ("%s", why));
}

//  True if node is connected by a key the broker's certs/ no longer
//  holds: then it has been ended.
static bool
s_revoked (web_gateway_t *self, s_node_t *node)
{
    if (!self->keys || !node->client || !web_keys_revoked (self->keys, node->name))
        return false;
    s_end (self, node, "is revoked (its certificate is gone from the broker's certs/)");
    return true;
}


//  --------------------------------------------------------------------------
//  The loop

//  DIR/inbox/NODE.json: the node's inbox as its pages show it, so that a
//  gateway restarted shows what the broker no longer sends (it was
//  acknowledged). Written aside and renamed; 0, or -1 (logged).
static int
s_inbox_save (web_gateway_t *self, s_node_t *node)
{
    char why [512], dir [4200], path [4300], temp [4300];
    snprintf (dir, sizeof (dir), "%s/inbox", self->dir ? self->dir : ".");
    if (web_dir_make (dir, why, sizeof (why))) {
        zsys_error ("catchball-web: %s", why);
        return -1;
    }
    snprintf (path, sizeof (path), "%s/%s.json", dir, node->name);
    snprintf (temp, sizeof (temp), "%s/%s.json.new", dir, node->name);
    mode_t mask = umask (077);
    int rc = json_dump_file (node->inbox, temp, JSON_COMPACT);
    umask (mask);
    if (rc || rename (temp, path)) {
        zsys_error ("catchball-web: cannot write %s: %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

//  The node's inbox as kept, or a new empty one.
static json_t *
s_inbox_load (web_gateway_t *self, const char *name)
{
    char path [4300];
    snprintf (path, sizeof (path), "%s/inbox/%s.json", self->dir ? self->dir : ".", name);
    json_t *inbox = json_load_file (path, 0, NULL);
    if (inbox && json_is_array (inbox))
        return inbox;
    json_decref (inbox);
    return json_array ();
}

//  Says hello for a node that waits for it (blocking: the loop has
//  nothing else to do that cannot wait a hello's time). Under the lock,
//  which it lets go meanwhile.
static void
s_join (web_gateway_t *self, s_node_t *node)
{
    char name [WEB_NAME_MAX], role [16];
    snprintf (name, sizeof (name), "%s", node->name);
    snprintf (role, sizeof (role), "%s", node->role);
    cb_client_t *client = node->client;
    pthread_mutex_unlock (&self->lock);
    char why [256] = "";
    if (!client && self->keys && web_keys_revoked (self->keys, name)) {
        //  Revoked while nobody here spoke for it (the gateway restarted
        //  since, say): what is left of its sessions ends now.
        web_sessions (self->dir, name, NULL, NULL);
        snprintf (why, sizeof (why), "%s's certificate is not in the broker's certs/ with "
                  "its key (revoked): its sessions have ended", name);
    }
    else
    if (!client && self->keys)
        client = web_keys_connect (self->keys, self->endpoint, name, role, why, sizeof (why));
    else
    if (!client)
        client = cb_client_new (self->endpoint, name, role, NULL);
    if (!client) {
        if (!why [0])
            snprintf (why, sizeof (why), "cannot connect to %s", self->endpoint);
    }
    else
    if (cb_client_hello (client, S_REQUEST_MS)) {
        snprintf (why, sizeof (why), "the broker refused %s as %s: %s: %s", name, role,
                  cb_client_error_name (client), cb_client_error_message (client));
        cb_client_destroy (&client);
    }
    pthread_mutex_lock (&self->lock);
    node->client = client;
    node->joining = false;
    snprintf (node->join_error, sizeof (node->join_error), "%s", why);
    node->join_version++;
    if (client && !node->inbox) {
        node->inbox = s_inbox_load (self, name);
        node->link = cb_client_link (client, NULL);
        s_publish (self, &node->me, &node->me_version, s_me_json (node));
    }
    pthread_cond_broadcast (&self->changed);
}

//  The outcome of a request as JSON: {ok: body} or {error: {code, name,
//  message}}, the broker's refusal as it gave it.
static char *
s_outcome (cb_client_t *client, cb_value_t *reply)
{
    json_t *json = reply
        ? json_pack ("{s:o}", "ok", s_json (reply))
        : json_pack ("{s:{s:i, s:s?, s:s?}}", "error", "code", cb_client_error (client),
                     "name", cb_client_error_name (client),
                     "message", cb_client_error_message (client));
    char *text = json ? json_dumps (json, JSON_COMPACT) : NULL;
    json_decref (json);
    return text ? text : strdup ("{\"error\":{\"code\":502,\"name\":\"INTERNAL\","
                                 "\"message\":\"the reply could not be shown\"}}");
}

//  Makes the first call not started yet, if any. Under the lock, which it
//  lets go while it talks to the broker. True if it made one.
static bool
s_make_call (web_gateway_t *self)
{
    s_call_t *call = self->calls;
    while (call && call->started)
        call = call->next;
    if (!call)
        return false;
    call->started = true;
    s_node_t *node = s_node (self, call->node);
    bool revoked = node && s_revoked (self, node);
    cb_client_t *client = node && !revoked ? node->client : NULL;
    char *reply;
    if (revoked)
        reply = strdup ("{\"error\":{\"code\":206,\"name\":\"KEY_UNKNOWN\","
                        "\"message\":\"this node's certificate has been removed from the "
                        "broker's certs/: its sessions have ended, nothing was sent\"}}");
    else
    if (!client)
        reply = strdup ("{\"error\":{\"code\":200,\"name\":\"NOT_CONNECTED\","
                        "\"message\":\"not connected to the broker here: reload the page\"}}");
    else {
        char type [40];
        snprintf (type, sizeof (type), "%s", call->type);
        cb_value_t *body = call->body;
        call->body = NULL;
        web_read_fn *fn = call->fn;
        pthread_mutex_unlock (&self->lock);
        cb_value_t *answer;
        //  The command line's own code, on this node's connection (a
        //  refusal is said on the gateway's stderr too).
        cli_t cli = { .endpoint = self->endpoint, .node = call->node,
                      .timeout = S_REQUEST_MS, .client = client };
        int status = 0;
        if (fn)
            answer = fn (&cli, body, &status);
        else
        if (type [0])
            answer = cb_client_request (client, type, &body, S_REQUEST_MS);
        else
            answer = cli_todo_list (&cli, &status);
        cb_value_destroy (&body);
        reply = s_outcome (client, answer);
        bool unknown = !answer && cb_client_error (client) == CB_E_KEY_UNKNOWN;
        cb_value_destroy (&answer);
        pthread_mutex_lock (&self->lock);
        //  The broker no longer knows the key (certs/ changed in a way the
        //  gateway does not watch, say): the broker's word ends it too.
        if (unknown && self->keys && node->client == client)
            s_end (self, node, "is refused by the broker (KEY_UNKNOWN)");
    }
    call->reply = reply;
    if (call->abandoned) {
        for (s_call_t **p = &self->calls; *p; p = &(*p)->next)
            if (*p == call) {
                *p = call->next;
                break;
            }
        free (call->reply);
        pthread_cond_destroy (&call->done);
        free (call);
    }
    else
        //  Its own thread only: waking every waiting thread (one a
        //  session) for each call was most of the loop's time.
        pthread_cond_signal (&call->done);
    return true;
}

//  What a node's connection brought: log entries for its board,
//  deliveries for its inbox, the link's state. Under the lock.
static void
s_take_news (web_gateway_t *self, s_node_t *node)
{
    cb_client_pump (node->client, 0);
    bool board_dirty = false, me_dirty = false;
    cb_value_t *entry;
    for (int n = 0; n < 1000 && (entry = cb_client_recv_log (node->client, 0)); n++) {
        if (node->state && cli_console_state_apply (node->state, entry))
            board_dirty = true;
        cb_value_destroy (&entry);
    }
    //  The acks' outcomes (sent below without waiting): nothing to do
    cb_value_t *done;
    while ((done = cb_client_done (node->client, NULL)))
        cb_value_destroy (&done);
    //  The newest sequence kept: after a restart of the gateway between
    //  keeping and acknowledging, the broker sends those again
    json_int_t kept = json_integer_value (json_object_get (
        json_array_get (node->inbox, json_array_size (node->inbox) - 1), "seq"));
    cb_value_t *delivery;
    int64_t last = 0;
    while ((delivery = cb_client_recv (node->client, 0))) {
        cb_value_get_int (delivery, "seq", &last);
        if (last > kept) {
            json_array_append_new (node->inbox, s_json (delivery));
            if (json_array_size (node->inbox) > S_INBOX_MAX)
                json_array_remove (node->inbox, 0);
            me_dirty = true;
        }
        cb_value_destroy (&delivery);
    }
    //  Kept first, then acknowledged, without waiting for the answer: the
    //  next news, or the broker sending them again, covers a lost one.
    if (last > 0 && s_inbox_save (self, node) == 0) {
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_int (body, "upto", last);
        cb_client_send (node->client, "ack", &body, S_REQUEST_MS);
    }
    cb_link_t link = cb_client_link (node->client, NULL);
    if (link != node->link) {
        node->link = link;
        board_dirty = me_dirty = true;
    }
    if (board_dirty && node->state)
        s_publish (self, &node->board, &node->board_version, s_board_json (node));
    if (me_dirty)
        s_publish (self, &node->me, &node->me_version, s_me_json (node));
}

void
web_gateway_run (web_gateway_t *self, volatile int *stop)
{
    pthread_mutex_lock (&self->lock);
    while (!*stop) {
        bool worked = false;
        for (int i = 0; i < S_NODES_MAX; i++) {
            s_node_t *node = &self->nodes [i];
            if (!node->used)
                continue;
            if (node->joining) {
                s_join (self, node);
                worked = true;
            }
            if (!node->client)
                continue;
            if (node->board_wanted && !node->state) {
                node->board_wanted = false;
                char event [WEB_NAME_MAX];
                snprintf (event, sizeof (event), "%s", node->event);
                pthread_mutex_unlock (&self->lock);
                char *board = s_board_start (node, event);
                pthread_mutex_lock (&self->lock);
                if (!node->state)
                    node->event [0] = 0;        //  Failed: a later request tries again
                s_publish (self, &node->board, &node->board_version, board);
                worked = true;
            }
            s_take_news (self, node);
            //  The final drafts' check-ins, once the broker is there to ask,
            //  looked for again whenever the board changed (a draft final).
            if (node->state && node->link == CB_LINK_UP
            &&  node->checkins_seen != node->board_version) {
                node->checkins_seen = node->board_version;
                pthread_mutex_unlock (&self->lock);
                bool read = web_board_checkins (node->client, node->state);
                pthread_mutex_lock (&self->lock);
                if (read) {
                    s_publish (self, &node->board, &node->board_version, s_board_json (node));
                    worked = true;
                }
            }
        }
        //  Revoked nodes: a stat per node, five times a second.
        if (self->keys && zclock_mono () - self->certs_seen >= 200) {
            self->certs_seen = zclock_mono ();
            for (int i = 0; i < S_NODES_MAX; i++)
                if (self->nodes [i].used)
                    s_revoked (self, &self->nodes [i]);
        }
        //  The broker's time, through the first node connected
        if (zclock_mono () - self->clock_seen >= S_CLOCK_MS || !self->clock_seen)
            for (int i = 0; i < S_NODES_MAX; i++) {
                s_node_t *node = &self->nodes [i];
                if (!node->used || !node->client || node->link != CB_LINK_UP)
                    continue;
                self->clock_seen = zclock_mono ();
                cb_client_t *client = node->client;
                pthread_mutex_unlock (&self->lock);
                int64_t sent = zclock_time ();
                cb_value_t *body = cb_value_new_map ();
                cb_value_t *reply = cb_client_request (client, "ping", &body, S_REQUEST_MS);
                int64_t received = zclock_time (), time = 0;
                if (cb_value_get_int (reply, "time", &time))
                    __atomic_store_n (&s_clock_offset, cli_progress_clock_offset (time, sent,
                                      received), __ATOMIC_RELAXED);
                cb_value_destroy (&reply);
                pthread_mutex_lock (&self->lock);
                break;
            }
        //  The calls waiting now, up to S_CALLS_TURN, before the next
        //  sweep: a sweep pumps every node's connection (a poll each),
        //  which one call for each sweep made cost more than the call.
        for (int n = 0; n < S_CALLS_TURN && s_make_call (self); n++)
            worked = true;
        if (!worked) {
            struct timespec until = s_deadline (S_TICK_MS);
            pthread_cond_timedwait (&self->wake, &self->lock, &until);
        }
    }
    //  Calls not made now never will be: their threads are told at once,
    //  not after their time-out, so the HTTP side can stop.
    for (s_call_t *call = self->calls; call; call = call->next)
        if (!call->started) {
            call->started = true;
            call->reply = strdup ("{\"error\":{\"code\":502,\"name\":\"STOPPING\","
                                  "\"message\":\"the gateway is stopping: nothing was sent\"}}");
            pthread_cond_signal (&call->done);
        }
    pthread_cond_broadcast (&self->changed);
    pthread_mutex_unlock (&self->lock);
}


//  --------------------------------------------------------------------------
//  What the HTTP threads ask

int
web_gateway_join (web_gateway_t *self, const char *name, const char *role, int timeout_ms,
                  char *why, size_t why_size)
{
    pthread_mutex_lock (&self->lock);
    s_node_t *node = s_node (self, name);
    for (int i = 0; i < S_NODES_MAX && !node; i++)
        if (!self->nodes [i].used) {
            node = &self->nodes [i];
            memset (node, 0, sizeof (*node));
            node->used = true;
            snprintf (node->name, sizeof (node->name), "%s", name);
            snprintf (node->role, sizeof (node->role), "%s", role);
        }
    int rc = -1;
    if (!node)
        snprintf (why, why_size, "this gateway serves %d nodes at most", S_NODES_MAX);
    else
    if (node->client && streq (node->role, role))
        rc = 0;                 //  Said hello already, as that role
    else
    if (node->client)
        snprintf (why, why_size, "%s is already served here as %s, not %s", name, node->role,
                  role);
    else {
        //  Not connected: this join's role is the one to say hello with
        //  (a slot left by a refused hello may hold another).
        snprintf (node->role, sizeof (node->role), "%s", role);
        node->joining = true;
        uint64_t version = node->join_version;
        pthread_cond_signal (&self->wake);
        struct timespec until = s_deadline (timeout_ms);
        while (node->join_version == version
           &&  pthread_cond_timedwait (&self->changed, &self->lock, &until) == 0)
            ;
        if (node->join_version == version)
            snprintf (why, why_size, "the broker did not answer %s's hello in time", name);
        else
        if (node->join_error [0])
            snprintf (why, why_size, "%s", node->join_error);
        else
            rc = 0;
    }
    pthread_mutex_unlock (&self->lock);
    return rc;
}

//  Waits under the lock until *version moves past seen, or the time-out.
static char *
s_wait_for (web_gateway_t *self, char **slot, uint64_t *version, uint64_t *seen_p,
            int timeout_ms)
{
    struct timespec until = s_deadline (timeout_ms);
    while (*version <= *seen_p
       &&  pthread_cond_timedwait (&self->changed, &self->lock, &until) == 0)
        ;
    if (*version <= *seen_p || !*slot)
        return NULL;
    *seen_p = *version;
    return strdup (*slot);
}

char *
web_gateway_board (web_gateway_t *self, const char *name, const char *event,
                   uint64_t *version_p, int timeout_ms)
{
    pthread_mutex_lock (&self->lock);
    s_node_t *node = s_node (self, name);
    char *text = NULL;
    if (!node || !node->client)
        text = s_board_error ("%s has no connection to the broker here: join again", name);
    else
    if (node->event [0] && !streq (node->event, event))
        text = s_board_error ("this gateway follows one event per node: %s follows %s",
                              name, node->event);
    else {
        if (!node->event [0]) {
            snprintf (node->event, sizeof (node->event), "%s", event);
            node->board_wanted = true;
            pthread_cond_signal (&self->wake);
            //  What is published now is another event's failure: only
            //  the next publication is this event's board.
            if (*version_p < node->board_version)
                *version_p = node->board_version;
        }
        text = s_wait_for (self, &node->board, &node->board_version, version_p, timeout_ms);
    }
    pthread_mutex_unlock (&self->lock);
    return text;
}

char *
web_gateway_me (web_gateway_t *self, const char *name, uint64_t *version_p, int timeout_ms)
{
    pthread_mutex_lock (&self->lock);
    s_node_t *node = s_node (self, name);
    char *text = NULL;
    if (!node || !node->client)
        text = s_board_error ("%s has no connection to the broker here: join again", name);
    else
        text = s_wait_for (self, &node->me, &node->me_version, version_p, timeout_ms);
    pthread_mutex_unlock (&self->lock);
    return text;
}

char *
web_gateway_todo (web_gateway_t *self, const char *name, int timeout_ms)
{
    return web_gateway_call (self, name, "", NULL, timeout_ms);
}

char *
web_gateway_call (web_gateway_t *self, const char *name, const char *type,
                  cb_value_t **body_p, int timeout_ms)
{
    return web_gateway_read (self, name, type, NULL, body_p, timeout_ms);
}

char *
web_gateway_read (web_gateway_t *self, const char *name, const char *type, web_read_fn *fn,
                  cb_value_t **body_p, int timeout_ms)
{
    s_call_t *call = (s_call_t *) calloc (1, sizeof (s_call_t));
    assert (call);
    snprintf (call->node, sizeof (call->node), "%s", name);
    snprintf (call->type, sizeof (call->type), "%s", type);
    call->fn = fn;
    call->body = body_p ? *body_p : NULL;
    s_cond_init (&call->done);
    if (body_p)
        *body_p = NULL;
    pthread_mutex_lock (&self->lock);
    s_call_t **tail = &self->calls;
    while (*tail)
        tail = &(*tail)->next;
    *tail = call;
    pthread_cond_signal (&self->wake);
    struct timespec until = s_deadline (timeout_ms);
    while (!call->reply
       &&  pthread_cond_timedwait (&call->done, &self->lock, &until) == 0)
        ;
    char *reply = call->reply;
    if (reply || !call->started) {
        //  Done, or never begun: ours to unlink and free.
        for (s_call_t **p = &self->calls; *p; p = &(*p)->next)
            if (*p == call) {
                *p = call->next;
                break;
            }
        cb_value_destroy (&call->body);
        pthread_cond_destroy (&call->done);
        free (call);
    }
    else
        call->abandoned = true;     //  The loop frees it when it is done
    pthread_mutex_unlock (&self->lock);
    //  A call already started may still be made: say so, so that nobody
    //  sends it again without looking
    return reply ? reply : strdup ("{\"error\":{\"code\":600,\"name\":\"TIMEOUT\","
                                   "\"message\":\"the gateway did not hear back in time: it "
                                   "may still have been done; look (reload) before you send it "
                                   "again\"}}");
}
