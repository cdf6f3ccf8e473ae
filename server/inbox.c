/*  =========================================================================
    inbox - each node's durable, sequenced inbox

    Keys: the node's name, a NUL, then the sequence as 8 big-endian bytes,
    so one node's items are contiguous and in order. An item's value is
    either the whole delivery as sent (a MessagePack map), or, when the
    same body went to several nodes at once (cb_inbox_push_all), a
    reference: the byte S_REF, the payload id (u64), the time (i64), then
    the kind. The payload, stored once in the payloads table with a count
    of the items that refer to it, is the body's MessagePack; the delivery
    is put together when read, byte for byte what a whole one would be. A
    round thrown to a thousand teams so writes one body and a thousand
    small items, not a thousand copies of the draft.

    The state table keeps { last, acked } and is written by acks only: a
    push writes its item alone, and the last sequence is the greater of the
    stored one and the node's last item. Items are deleted only when
    acked (with their payload when no item refers to it any more), and an
    ack stores the last sequence of its time, so that is always right.
    =========================================================================
*/
#include "inbox.h"

#define S_KEY_MAX (CB_MAX_NODE + 1 + 8)
#define S_REF     0x01          //  Never the first byte of a MessagePack map

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
    uint8_t prefix [CB_MAX_NODE + 1];
    size_t plen = strlen (node) + 1;
    if (plen > sizeof (prefix))
        return 0;               //  No such node can have items
    memcpy (prefix, node, plen);
    const void *key;
    size_t klen;
    rc = cb_txn_last (txn, CB_T_INBOX, prefix, plen, &key, &klen);
    if (rc < 0)
        return -1;
    if (rc == 0 && klen == plen + 8) {
        uint64_t seq = cb_get_u64 ((const uint8_t *) key + plen);
        if (seq > *last)
            *last = seq;
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

//  The delivery message: the same keys in the same order whether stored
//  whole or put together from a payload (then `body` is a raw value).
static cb_value_t *
s_delivery (uint64_t seq, const char *kind, int64_t time, cb_value_t **body_p)
{
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", "deliver");
    cb_value_set_int (msg, "seq", (int64_t) seq);
    cb_value_set_str (msg, "kind", kind);
    cb_value_set_int (msg, "time", time);
    cb_value_set (msg, "body", body_p);
    return msg;
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
    cb_value_t *msg = s_delivery (seq, kind, req->now, body_p);
    uint8_t key [S_KEY_MAX];
    size_t klen = s_key (key, node, seq);
    int rc = cb_rec_put (req->txn, CB_T_INBOX, key, klen, msg);
    cb_value_destroy (&msg);
    if (rc)
        return 0;
    zhashx_update (req->touched, node, (void *) (uintptr_t) seq);
    return seq;
}

int
cb_inbox_push_all (cb_req_t *req, const cb_value_t *nodes, const char *kind,
                   cb_value_t **body_p)
{
    size_t count = cb_value_size (nodes);
    if (count <= 1) {
        int rc = count == 0
               || cb_inbox_push (req, cb_value_str (cb_value_at (nodes, 0)), kind, body_p)
               ? 0 : -1;
        cb_value_destroy (body_p);
        return rc;
    }
    //  The payload: its id is one past the greatest in use (an id is
    //  free again only once nothing refers to it), then the references
    //  and the body.
    uint64_t id = 1;
    const void *last_key;
    size_t last_klen;
    int rc = cb_txn_last (req->txn, CB_T_PAYLOADS, NULL, 0, &last_key, &last_klen);
    if (rc < 0) {
        cb_value_destroy (body_p);
        return -1;
    }
    if (rc == 0 && last_klen == 8)
        id = cb_get_u64 ((const uint8_t *) last_key) + 1;
    size_t bsize;
    void *body = cb_codec_encode (*body_p, &bsize);
    cb_value_destroy (body_p);
    uint8_t *payload = (uint8_t *) malloc (4 + bsize);
    assert (payload && count <= UINT32_MAX);
    cb_put_u32 (payload, (uint32_t) count);
    memcpy (payload + 4, body, bsize);
    free (body);
    uint8_t pkey [8];
    cb_put_u64 (pkey, id);
    rc = cb_txn_put (req->txn, CB_T_PAYLOADS, pkey, 8, payload, 4 + bsize, true);
    free (payload);
    if (rc)
        return -1;
    //  Each item: the reference, the time, the kind.
    size_t kind_len = strlen (kind);
    uint8_t item [1 + 8 + 8 + 64];
    assert (kind_len <= 64);
    item [0] = S_REF;
    cb_put_u64 (item + 1, id);
    cb_put_u64 (item + 9, (uint64_t) req->now);
    memcpy (item + 17, kind, kind_len);
    for (size_t i = 0; i < count; i++) {
        const char *node = cb_value_str (cb_value_at (nodes, i));
        uint64_t last, acked;
        if (cb_inbox_state (req->txn, node, &last, &acked))
            return -1;
        uint8_t key [S_KEY_MAX];
        size_t klen = s_key (key, node, last + 1);
        if (cb_txn_put (req->txn, CB_T_INBOX, key, klen, item, 17 + kind_len, true))
            return -1;
        zhashx_update (req->touched, node, (void *) (uintptr_t) (last + 1));
    }
    return 0;
}

//  One fewer reference to payload `id`: deleted when none is left.
static int
s_payload_release (cb_txn_t *txn, uint64_t id)
{
    uint8_t pkey [8];
    cb_put_u64 (pkey, id);
    const void *data;
    size_t size;
    int rc = cb_txn_get (txn, CB_T_PAYLOADS, pkey, 8, &data, &size);
    if (rc)
        return rc < 0 ? -1 : 0;     //  Gone already: nothing to release
    uint32_t refs = size >= 4 ? cb_get_u32 ((const uint8_t *) data) : 0;
    if (refs <= 1)
        return cb_txn_del (txn, CB_T_PAYLOADS, pkey, 8) < 0 ? -1 : 0;
    uint8_t *copy = (uint8_t *) malloc (size);
    assert (copy);
    memcpy (copy, data, size);
    cb_put_u32 (copy, refs - 1);
    rc = cb_txn_put (txn, CB_T_PAYLOADS, pkey, 8, copy, size, false);
    free (copy);
    return rc ? -1 : 0;
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
    //  Items acked+1..upto exist (only an ack deletes): delete them by key,
    //  and release the payloads they refer to.
    uint8_t key [S_KEY_MAX];
    for (uint64_t seq = acked + 1; seq <= upto; seq++) {
        size_t klen = s_key (key, node, seq);
        const void *data;
        size_t size;
        int rc = cb_txn_get (txn, CB_T_INBOX, key, klen, &data, &size);
        if (rc < 0)
            return -1;
        uint64_t payload = rc == 0 && size >= 17 && ((const uint8_t *) data) [0] == S_REF
                         ? cb_get_u64 ((const uint8_t *) data + 1) : 0;
        if (cb_txn_del (txn, CB_T_INBOX, key, klen) < 0
        ||  (payload && s_payload_release (txn, payload)))
            return -1;
    }
    if (s_state_put (txn, node, last, upto))
        return -1;
    return (int64_t) upto;
}

//  Reading: whole items go to the caller as they are; references are put
//  together with their payload first.
typedef struct {
    cb_txn_t *txn;
    cb_seq_fn *fn;
    void *arg;
} s_read_t;

static int
s_read_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    s_read_t *r = (s_read_t *) arg;
    const uint8_t *item = (const uint8_t *) data;
    if (size < 17 || item [0] != S_REF)
        return r->fn (seq, data, size, r->arg);
    uint8_t pkey [8];
    memcpy (pkey, item + 1, 8);
    const void *payload;
    size_t psize;
    int rc = cb_txn_get (r->txn, CB_T_PAYLOADS, pkey, 8, &payload, &psize);
    if (rc < 0)
        return 1;                   //  Damaged: nothing sent from here on (logged)
    if (rc || psize < 4)
        return 0;                   //  Cannot be: skipped rather than sent wrong
    char kind [65];
    size_t kind_len = size - 17 < 64 ? size - 17 : 64;
    memcpy (kind, item + 17, kind_len);
    kind [kind_len] = 0;
    cb_value_t *body = cb_value_new_raw_ref ((const uint8_t *) payload + 4, psize - 4);
    cb_value_t *msg = s_delivery (seq, kind, (int64_t) cb_get_u64 (item + 9), &body);
    size_t msize;
    const void *bytes = cb_codec_encode_scratch (msg, &msize);
    cb_value_destroy (&msg);
    return r->fn (seq, bytes, msize, r->arg);
}

int
cb_inbox_read (cb_txn_t *txn, const char *node, uint64_t from, size_t max,
               cb_seq_fn *fn, void *arg)
{
    //  The prefix is the name and its NUL: only this node's items.
    s_read_t r = { txn, fn, arg };
    return cb_seq_read (txn, CB_T_INBOX, node, strlen (node) + 1, from, max, s_read_one, &r);
}
