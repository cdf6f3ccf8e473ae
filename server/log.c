/*  =========================================================================
    log - the global event log

    Keys are the sequence as 8 big-endian bytes, so the table is in order
    and appends go to its end. The last sequence is kept in the meta table.
    =========================================================================
*/
#include "handlers.h"
#include "log.h"

#define S_LAST_KEY "log.seq"

uint64_t
cb_log_last (cb_txn_t *txn)
{
    const void *data;
    size_t size;
    if (cb_txn_get (txn, CB_T_META, S_LAST_KEY, strlen (S_LAST_KEY), &data, &size) == 0
    &&  size == 8)
        return cb_get_u64 ((const uint8_t *) data);
    return 0;
}

cb_value_t *
cb_log_draft_object (cb_req_t *req, const cb_value_t *draft)
{
    cb_value_t *object = cb_value_dup (draft);
    int64_t head = cb_int (draft, "head");
    uint32_t id = cb_id_parse (cb_value_get_str (draft, "id"), 'd');
    cb_value_t *rev = head ? cb_rev_load (req, id, (uint32_t) head) : NULL;
    if (!rev) {
        cb_value_destroy (&object);
        return NULL;
    }
    cb_value_t *content = cb_value_dup (cb_value_get (rev, "content"));
    cb_value_set (object, "content", &content);
    cb_value_destroy (&rev);
    return object;
}

int64_t
cb_log_append (cb_req_t *req, const char *kind)
{
    if (cb_value_size (req->changed) == 0)
        return 0;
    //  The changed objects become the entry's objects as they are (moved,
    //  not copied); a draft without its content gets it first.
    for (size_t i = 0; i < cb_value_size (req->changed); i++) {
        const char *key = cb_value_key_at (req->changed, i);
        cb_value_t *value = cb_value_val_at (req->changed, i);
        if (strncmp (key, "draft/", 6) || cb_value_get (value, "content"))
            continue;
        cb_value_t *object = cb_log_draft_object (req, value);
        if (!object)
            return req->code ? -1 : cb_req_fail (req, CB_E_INTERNAL, "log: cannot read %s", key);
        char name [48];
        snprintf (name, sizeof (name), "%s", key);
        cb_value_set (req->changed, name, &object);
    }
    cb_value_t *objects = req->changed;
    req->changed = cb_value_new_map ();
    uint64_t seq = cb_log_last (req->txn) + 1;
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "log");
    cb_value_set_int (msg, "seq", (int64_t) seq);
    cb_value_set_int (msg, "time", req->now);
    cb_value_set_str (msg, "node", req->node);
    cb_value_set_str (msg, "kind", kind);
    cb_value_set (msg, "objects", &objects);
    uint8_t key [8], last [8];
    cb_put_u64 (key, seq);
    cb_put_u64 (last, seq);
    size_t size;
    const void *data = cb_codec_encode_scratch (msg, &size);
    cb_value_destroy (&msg);
    int rc = cb_txn_put (req->txn, CB_T_LOG, key, 8, data, size, true);
    if (rc == 0)
        rc = cb_txn_put (req->txn, CB_T_META, S_LAST_KEY, strlen (S_LAST_KEY), last, 8, false);
    if (rc)
        return cb_req_check_store (req) ? -1
             : cb_req_fail (req, CB_E_INTERNAL, "log: sequence %llu exists",
                            (unsigned long long) seq);
    //  Logged: a second append for the same request logs only what is new
    //  (req->changed was emptied above).
    return (int64_t) seq;
}

int
cb_log_read (cb_txn_t *txn, uint64_t from, size_t max, cb_seq_fn *fn, void *arg)
{
    return cb_seq_read (txn, CB_T_LOG, NULL, 0, from, max, fn, arg);
}
