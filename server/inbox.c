/*  =========================================================================
    inbox - each node's durable, sequenced inbox

    Keys: the node's name, a NUL, then the sequence as 8 big-endian bytes,
    so one node's items are contiguous and in order. The state (last and
    acked) lives in its own table so that appending never scans.
    =========================================================================
*/
#include "inbox.h"

#define S_KEY_MAX (CB_MAX_NODE + 1 + 8)

static size_t
s_key (uint8_t *key, const char *node, uint64_t seq)
{
    size_t n = strlen (node);
    assert (n <= CB_MAX_NODE);     //  Names are checked at hello
    memcpy (key, node, n);
    key [n] = 0;
    cb_put_u64 (key + n + 1, seq);
    return n + 9;
}

int
cb_inbox_state (cb_txn_t *txn, const char *node, uint64_t *last, uint64_t *acked)
{
    const void *data;
    size_t size;
    *last = *acked = 0;
    int rc = cb_txn_get (txn, CB_T_INBOX_STATE, node, strlen (node), &data, &size);
    if (rc < 0)
        return -1;
    if (rc == 0 && size == 16) {
        *last = cb_get_u64 ((const uint8_t *) data);
        *acked = cb_get_u64 ((const uint8_t *) data + 8);
    }
    return 0;
}

static int
s_state_put (cb_txn_t *txn, const char *node, uint64_t last, uint64_t acked)
{
    uint8_t buf [16];
    cb_put_u64 (buf, last);
    cb_put_u64 (buf + 8, acked);
    return cb_txn_put (txn, CB_T_INBOX_STATE, node, strlen (node), buf, 16, false) ? -1 : 0;
}

uint64_t
cb_inbox_push (cb_req_t *req, const char *node, const char *kind, cb_value_t **body_p)
{
    uint64_t last, acked;
    if (cb_inbox_state (req->txn, node, &last, &acked)) {
        cb_value_destroy (body_p);
        return 0;
    }
    uint64_t seq = last + 1;
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "deliver");
    cb_value_set_int (msg, "seq", (int64_t) seq);
    cb_value_set_str (msg, "kind", kind);
    cb_value_set_int (msg, "time", req->now);
    cb_value_set (msg, "body", body_p);
    uint8_t key [S_KEY_MAX];
    size_t klen = s_key (key, node, seq);
    int rc = cb_rec_put (req->txn, CB_T_INBOX, key, klen, msg);
    cb_value_destroy (&msg);
    if (rc || s_state_put (req->txn, node, seq, acked))
        return 0;
    zhashx_update (req->touched, node, (void *) 1);
    return seq;
}

int64_t
cb_inbox_ack (cb_txn_t *txn, const char *node, uint64_t upto)
{
    uint64_t last, acked;
    if (cb_inbox_state (txn, node, &last, &acked))
        return -1;
    if (upto > last)
        upto = last;
    if (upto <= acked)
        return (int64_t) acked;
    //  Items acked+1..upto exist (only an ack deletes): delete them by key.
    uint8_t key [S_KEY_MAX];
    for (uint64_t seq = acked + 1; seq <= upto; seq++) {
        size_t klen = s_key (key, node, seq);
        if (cb_txn_del (txn, CB_T_INBOX, key, klen) < 0)
            return -1;
    }
    if (s_state_put (txn, node, last, upto))
        return -1;
    return (int64_t) upto;
}

int
cb_inbox_read (cb_txn_t *txn, const char *node, uint64_t from, size_t max,
               cb_seq_fn *fn, void *arg)
{
    //  The prefix is the name and its NUL: only this node's items.
    return cb_seq_read (txn, CB_T_INBOX, node, strlen (node) + 1, from, max, fn, arg);
}
