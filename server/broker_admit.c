/*  =========================================================================
    cb_broker admission - who a message is from, and whether it may be applied

    As a message is drained: its CURVE key checked against the broker's
    key table (read again when the certificate directory changes: a
    revoked key's sessions end), its session found, and a token bucket of
    `rate` requests a second charged, per node and per connection; a flood
    is answered RATE_LIMITED with a retry_after, stores nothing, and costs
    the others nothing.
    =========================================================================
*/
#include "broker_int.h"

//  Refuses the item: `who` sent more than its rate; retry after `wait` ms.
void
cb_broker_refuse_rate (cb_broker_t *self, cb_broker_item_t *item, const char *who, int64_t wait)
{
    item->refused = CB_E_RATE_LIMITED;
    item->retry_after = wait;
    snprintf (item->why, sizeof (item->why), "more than %d requests a second from %s: "
              "retry after %lld ms; nothing was stored", self->config.rate, who,
              (long long) wait);
}

//  Refills a bucket and takes one request from it: 0 if it may go on,
//  else how many ms until it may.
int64_t
cb_broker_rate_take (cb_broker_t *self, const char *name, int64_t now)
{
    double rate = self->config.rate;
    cb_broker_bucket_t *bucket = (cb_broker_bucket_t *) zhashx_lookup (self->buckets, name);
    if (!bucket) {
        bucket = (cb_broker_bucket_t *) zmalloc (sizeof (cb_broker_bucket_t));
        bucket->tokens = rate;
        bucket->last = now;
        zhashx_insert (self->buckets, name, bucket);
    }
    bucket->tokens += (double) (now - bucket->last) * rate / 1000.0;
    if (bucket->tokens > rate)
        bucket->tokens = rate;
    bucket->last = now;
    if (bucket->tokens >= 1.0) {
        bucket->tokens -= 1.0;
        return 0;
    }
    int64_t wait = (int64_t) ((1.0 - bucket->tokens) * 1000.0 / rate) + 1;
    return wait;
}

void
cb_broker_admit (cb_broker_t *self, cb_broker_item_t *item, int64_t now)
{
    item->refused = 0;
    item->rated = false;
    item->retry_after = -1;
    //  A key the ZAP handler let in but the table does not know: a
    //  certificate added (or removed) since the table was read. Read again
    //  at once if the directory changed (one stat when it did not, so a
    //  revoked node that keeps sending costs little).
    const char *node, *role;
    if (self->keys && !cb_keys_lookup (self->keys, item->key, &node, &role))
        cb_broker_keys_refresh (self, true);
    cb_broker_session_t *session = cb_broker_from_closed (item) ? NULL
                         : (cb_broker_session_t *) zhashx_lookup (self->routes, item->route);
    //  A session's routing id now used by another connection (the first
    //  one went away, and a peer chose the same id): that connection
    //  speaks for nobody, and the session ends, so that nothing more is
    //  sent to the id.
    if (session && ((self->keys && !(session->key && streq (item->key, session->key)))
                ||  (session->fd >= 0 && item->fd >= 0
                 &&  (session->fd != item->fd || session->gen != item->gen)))) {
        zsys_warning ("%s: another connection uses its routing id; the session is dropped",
                      session->node);
        cb_broker_session_drop (self, session);
        session = NULL;
    }
    //  Each request pays into the connection's bucket and, after hello,
    //  into the node's (a node that reconnects keeps its bucket; a new
    //  name at every hello gets no fresh allowance). Connections that have
    //  not said hello do not share one: a flood of them would then keep
    //  every new node out.
    if (self->config.rate > 0) {
        char name [CB_MAX_NODE + 80];
        snprintf (name, sizeof (name), "@%s", item->route);
        int64_t wait = cb_broker_rate_take (self, name, now);
        if (!wait && session)
            wait = cb_broker_rate_take (self, session->node, now);
        if (wait)
            cb_broker_refuse_rate (self, item, session ? session->node : "this connection", wait);
    }
}

//  Reads the certificate directory again if it changed (if_touched: only
//  if the directory itself did, see keys.h): revoked keys lose their
//  sessions.
void
cb_broker_keys_refresh (cb_broker_t *self, bool if_touched)
{
    if (!self->keys)
        return;
    if (if_touched ? cb_keys_refresh_if_touched (self->keys) : cb_keys_refresh (self->keys)) {
        zsys_info ("keys: certificate directory %s read again: %zu node key(s)",
                   self->config.certs, cb_keys_size (self->keys));
        zlist_t *revoked = zlist_new ();
        for (cb_broker_session_t *session =
                 (cb_broker_session_t *) zhashx_first (self->sessions); session;
             session = (cb_broker_session_t *) zhashx_next (self->sessions)) {
            const char *node, *role;
            if (!session->key || !cb_keys_lookup (self->keys, session->key, &node, &role)
            ||  !streq (node, session->node) || !streq (role, session->role))
                zlist_append (revoked, session);
        }
        for (cb_broker_session_t *session = (cb_broker_session_t *) zlist_first (revoked); session;
             session = (cb_broker_session_t *) zlist_next (revoked)) {
            zsys_warning ("%s: its key was revoked; its connection speaks for nobody now",
                          session->node);
            cb_broker_session_drop (self, session);
        }
        zlist_destroy (&revoked);
    }
}

void
cb_broker_bucket_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}
