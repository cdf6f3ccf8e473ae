/*  =========================================================================
    cb_broker batch - apply a batch in one transaction, commit, answer

    Group commit: the batch's requests are applied straight into one write
    transaction (each handler checks everything before its first write),
    deadlines and time boxes that passed are applied with them, the
    transaction is committed once (one sync), and only then are the
    replies sent, the sessions updated and the deliveries pushed. A
    request refused after writing makes the batch be applied again with
    each request in a child transaction of its own. If the commit fails: a
    full map is grown and the batch redone; after MDB_PANIC or an I/O error
    the environment is reopened and the batch redone once; any other
    failure answers every request of the batch with STORAGE or
    STORAGE_FULL, and nothing of it is stored. Every change gets its line
    in the log, gathered into calls under czmq's 1,024-byte limit.
    =========================================================================
*/
#include "broker_int.h"

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
int64_t
cb_broker_next_deadline (cb_txn_t *txn)
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
        self->next_deadline = cb_broker_next_deadline (txn);
    }
    else {
        //  Not a store failure (that fails the batch): a round that cannot
        //  be closed. Say so, and try again in a while instead of spinning.
        if (cb_txn_status (txn) == CB_STORE_OK)
            zsys_error ("deadlines: cannot close a round: %s", req.message);
        cb_txn_abort (&child);
        self->next_deadline = now + CB_BROKER_TICK_MS;
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
s_apply (cb_broker_t *self, cb_broker_item_t *items, size_t count, int64_t now, zhashx_t *touched,
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
        cb_broker_item_t *item = &items [i];
        cb_result_clean (&item->result);
        const char *node = NULL, *role = NULL;
        s_bind_t *bind = (s_bind_t *) zhashx_lookup (binds, item->route);
        cb_broker_session_t *session =
            (cb_broker_session_t *) zhashx_lookup (self->routes, item->route);
        //  A hello earlier in the batch speaks for this item only if it
        //  came on the same connection; the node then pays for it too.
        if (bind && (!streq (bind->key, item->key) || bind->fd != item->fd
                 ||  bind->gen != item->gen))
            bind = NULL, session = NULL;
        //  From a connection already closed: it speaks for nobody.
        if (cb_broker_from_closed (item))
            bind = NULL, session = NULL;
        if (bind) {
            node = bind->node;
            role = bind->role;
            int64_t wait = self->config.rate > 0 && !item->refused && !item->rated
                         ? cb_broker_rate_take (self, bind->node, zclock_mono ()) : 0;
            item->rated = true;
            if (wait)
                cb_broker_refuse_rate (self, item, bind->node, wait);
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

void
cb_broker_batch (cb_broker_t *self, cb_broker_item_t *items, size_t count)
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
        cb_broker_apply_sessions (self, items, count);
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
                cb_broker_session_t *session =
                    (cb_broker_session_t *) zhashx_lookup (self->sessions, node);
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
    cb_broker_monitor (self);
    for (size_t i = 0; i < count; i++) {
        cb_broker_item_t *item = &items [i];
        if (status == CB_STORE_OK && item->result.log [0])
            s_log_line (&lines, "%s", item->result.log);
        else
        if (self->config.verbose && item->result.code)
            s_log_line (&lines, "error %d %s", item->result.code,
                        cb_err_name (item->result.code));
        //  Not to a connection that has closed since: its routing id may
        //  be another peer's by now.
        if (item->result.reply && cb_broker_still_connected (self, item))
            cb_broker_send_reply (self, zmsg_first (item->msg), item->fd, item->gen,
                          &item->result.reply, item->result.size);
        self->requests++;
    }
    s_log_flush (&lines);
    zhashx_destroy (&touched);
    cb_broker_push_all (self);
}
