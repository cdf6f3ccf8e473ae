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

//  Deadlines and time boxes that have passed, applied in the batch's
//  transaction by dispatch (the loop never reaches into the handlers).
static void
s_expire (cb_broker_t *self, cb_txn_t *txn, int64_t now, zhashx_t *touched,
          cb_expiry_t *expiry)
{
    memset (expiry, 0, sizeof (*expiry));
    if (!self->next_deadline || self->next_deadline > now)
        return;
    if (cb_dispatch_expire (txn, now, touched, expiry) == 0)
        self->next_deadline = expiry->next_deadline;
    else
        //  A round that cannot be closed (dispatch says why), or no child
        //  transaction: try again in a while instead of spinning.
        self->next_deadline = now + CB_BROKER_TICK_MS;
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
         zhashx_t *binds, cb_expiry_t *expiry, bool nested, bool *redo)
{
    *redo = false;
    self->applied++;
    cb_txn_t *txn = cb_store_begin (self->store, true);
    if (!txn)
        return CB_STORE_PANIC;      //  The environment needs reopening
    //  Deadlines first: an answer in the batch that passes one is late.
    s_expire (self, txn, now, touched, expiry);
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
    int64_t now = cb_clock_now (self->clock);
    zhashx_t *touched = zhashx_new ();
    zhashx_t *binds = zhashx_new ();
    zhashx_set_destructor (binds, s_bind_free);
    cb_expiry_t expiry = { 0 };
    int64_t deadline_before = self->next_deadline;
    bool redo, nested = false, reopened = false;
    cb_store_status_t status = s_apply (self, items, count, now, touched, binds, &expiry,
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
        status = s_apply (self, items, count, now, touched, binds, &expiry, nested, &redo);
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
        //  What the write path knows already: the log's last entry, and
        //  the last sequence of each inbox that grew. No read needed.
        if (expiry.log_last > self->log_last)
            self->log_last = expiry.log_last;
        for (size_t i = 0; i < count; i++)
            if (items [i].result.log_last > self->log_last)
                self->log_last = items [i].result.log_last;
        //  (The sequence is the entry's value: no lookup in `touched`
        //  while iterating it, see dispatch.h.)
        for (void *seq = zhashx_first (touched); seq; seq = zhashx_next (touched)) {
            cb_broker_session_t *session = (cb_broker_session_t *)
                zhashx_lookup (self->sessions, (const char *) zhashx_cursor (touched));
            if (session) {
                session->last = (uint64_t) (uintptr_t) seq;
                session->push = true;
            }
        }
        if (expiry.count > 0)
            zsys_info ("%d round(s) closed or event phase(s) ended by the clock", expiry.count);
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
