/*  =========================================================================
    records - the broker's records, request context and short ids

    See records.h.
    =========================================================================
*/
#include <ctype.h>
#include <stdarg.h>

#include "records.h"

//  --------------------------------------------------------------------------
//  Request context

void
cb_req_init (cb_req_t *req, cb_txn_t *txn, const char *node, const char *role, int64_t now)
{
    memset (req, 0, sizeof (*req));
    req->txn = txn;
    req->node = node;
    req->role = role;
    req->now = now;
    req->reply = cb_value_new_map ();
    req->touched = zhashx_new ();
    req->changed = cb_value_new_map ();
    req->damage = txn ? cb_txn_damage (txn) : 0;     //  No txn: checks only
}

void
cb_req_clean (cb_req_t *req)
{
    cb_value_destroy (&req->reply);
    zhashx_destroy (&req->touched);
    cb_value_destroy (&req->changed);
}

void
cb_req_changed (cb_req_t *req, const char *kind, const char *id, const cb_value_t *record)
{
    char key [48];
    snprintf (key, sizeof (key), "%s/%s", kind, id);
    cb_value_t *copy = cb_value_dup (record);
    cb_value_set (req->changed, key, &copy);
}

int
cb_req_fail (cb_req_t *req, int code, const char *format, ...)
{
    //  The first failure is the one the client needs to see.
    if (req->code)
        return -1;
    req->code = code;
    va_list args;
    va_start (args, format);
    vsnprintf (req->message, sizeof (req->message), format, args);
    va_end (args);
    return -1;
}

int
cb_req_check_store (cb_req_t *req)
{
    cb_store_status_t status = cb_txn_status (req->txn);
    if (status == CB_STORE_OK && cb_txn_damage (req->txn) != req->damage) {
        //  Whatever the handler made of the record it could not read
        //  (NOT_FOUND would be wrong): this is what the client must see.
        req->code = CB_E_STORE_DAMAGED;
        snprintf (req->message, sizeof (req->message), "%s",
                  cb_strerror (CB_E_STORE_DAMAGED));
        return -1;
    }
    if (status == CB_STORE_OK)
        return 0;
    if (status == CB_STORE_FULL || status == CB_STORE_NOSPACE)
        return cb_req_fail (req, CB_E_STORAGE_FULL, "%s", cb_strerror (CB_E_STORAGE_FULL));
    return cb_req_fail (req, CB_E_STORAGE, "%s", cb_strerror (CB_E_STORAGE));
}

//  --------------------------------------------------------------------------
//  Records

cb_value_t *
cb_rec_get (cb_txn_t *txn, cb_table_t table, const void *key, size_t klen)
{
    const void *data;
    size_t size;
    if (cb_txn_get (txn, table, key, klen, &data, &size) != 0)
        return NULL;
    char error [128];
    cb_value_t *value = cb_codec_decode (data, size, error, sizeof (error));
    //  We wrote every record ourselves, and its checksum verified: one we
    //  cannot read is damage all the same.
    if (!value)
        cb_txn_damaged (txn, table, key, klen, error);
    return value;
}

int
cb_rec_put (cb_txn_t *txn, cb_table_t table, const void *key, size_t klen,
            const cb_value_t *value)
{
    size_t size;
    const void *data = cb_codec_encode_scratch (value, &size);
    int rc = cb_txn_put (txn, table, key, klen, data, size, false);
    return rc == 0 ? 0 : -1;
}

//  The kind an object's letter names, as the log and errors say it.
static const char *
s_kind (char letter)
{
    switch (letter) {
        case 'd': return "draft";
        case 'r': return "round";
        case 'e': return "event";
        case 'a': return "ask";
    }
    assert (false);             //  Our own callers only
    return NULL;
}

cb_value_t *
cb_obj_load (cb_req_t *req, cb_table_t table, char letter, uint32_t id)
{
    uint8_t key [4];
    cb_key_u32 (key, id);
    cb_value_t *record = cb_rec_get (req->txn, table, key, 4);
    if (!record && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_NOT_FOUND, "no %s %c%u", s_kind (letter), letter, id);
    return record;
}

int
cb_obj_save (cb_req_t *req, cb_table_t table, char letter, uint32_t id,
             const cb_value_t *record)
{
    uint8_t key [4];
    cb_key_u32 (key, id);
    if (cb_rec_put (req->txn, table, key, 4, record))
        return cb_req_check_store (req);
    cb_req_changed (req, s_kind (letter), cb_value_get_str (record, "id"), record);
    return 0;
}

uint32_t
cb_rec_next_id (cb_txn_t *txn, const char *counter)
{
    const void *data;
    size_t size;
    uint32_t next = 1;
    int rc = cb_txn_get (txn, CB_T_META, counter, strlen (counter), &data, &size);
    if (rc < 0)
        return 0;
    if (rc == 0 && size == 4) {
        uint32_t current = cb_get_u32 ((const uint8_t *) data);
        if (current == UINT32_MAX)
            return 0;           //  Exhausted: never wrap and reuse an id
        next = current + 1;
    }
    uint8_t buf [4];
    cb_put_u32 (buf, next);
    if (cb_txn_put (txn, CB_T_META, counter, strlen (counter), buf, 4, false))
        return 0;
    return next;
}

uint32_t
cb_req_next_id (cb_req_t *req, const char *counter)
{
    uint32_t id = cb_rec_next_id (req->txn, counter);
    if (!id && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_STORAGE_FULL, "no more '%s' ids", counter);
    return id;
}

//  --------------------------------------------------------------------------
//  Sequenced tables

typedef struct {
    cb_seq_fn *fn;              //  Caller's callback
    void *arg;                  //  Its argument
    size_t max;                 //  How many more to give
    int given;                  //  How many were given
} s_seq_read_t;

static int
s_seq_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_seq_read_t *r = (s_seq_read_t *) arg;
    if (r->max == 0 || klen < 8)
        return 1;
    r->max--;
    r->given++;
    return r->fn (cb_get_u64 ((const uint8_t *) key + klen - 8), val, vlen, r->arg);
}

int
cb_seq_read (cb_txn_t *txn, cb_table_t table, const void *prefix, size_t plen,
             uint64_t from, size_t max, cb_seq_fn *fn, void *arg)
{
    if (max == 0)
        return 0;
    uint8_t key [128];
    assert (plen + 8 <= sizeof (key));
    if (plen)
        memcpy (key, prefix, plen);
    cb_put_u64 (key + plen, from);
    s_seq_read_t r = { fn, arg, max, 0 };
    if (cb_txn_scan (txn, table, prefix, plen, key, plen + 8, s_seq_one, &r) < 0)
        return -1;
    return r.given;
}

//  --------------------------------------------------------------------------
//  Short ids

uint32_t
cb_id_parse (const char *id, char letter)
{
    if (!id || id [0] != letter || !isdigit ((unsigned char) id [1]) || id [1] == '0')
        return 0;
    uint64_t n = 0;
    for (const char *p = id + 1; *p; p++) {
        if (!isdigit ((unsigned char) *p))
            return 0;
        n = n * 10 + (uint64_t) (*p - '0');
        if (n > UINT32_MAX)
            return 0;
    }
    return (uint32_t) n;
}

char *
cb_id_format (char *buf, char letter, uint32_t number)
{
    snprintf (buf, 16, "%c%u", letter, number);
    return buf;
}

void
cb_key_u32 (uint8_t key [4], uint32_t id)
{
    cb_put_u32 (key, id);
}

void
cb_key_rev (uint8_t key [8], uint32_t draft, uint32_t rev)
{
    cb_put_u32 (key, draft);
    cb_put_u32 (key + 4, rev);
}

int64_t
cb_int (const cb_value_t *map, const char *key)
{
    return cb_value_get_int_or (map, key, 0);
}

//  --------------------------------------------------------------------------
//  Nodes

cb_value_t *
cb_node_get (cb_txn_t *txn, const char *name)
{
    return cb_rec_get (txn, CB_T_NODES, name, strlen (name));
}

bool
cb_node_name_valid (const char *name)
{
    if (!name || !isalnum ((unsigned char) name [0]))
        return false;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++)
        if (!(isalnum ((unsigned char) *p) || *p == '.' || *p == '_' || *p == '-'))
            return false;
    return n <= CB_MAX_NODE;
}

static bool
s_listed (const cb_value_t *list, const char *name)
{
    for (size_t i = 0; i < cb_value_size (list); i++)
        if (streq (cb_value_str (cb_value_at (list, i)), name))
            return true;
    return false;
}

cb_value_t *
cb_node_list_check (cb_req_t *req, const cb_value_t *list, const char *field,
                    const char *self, const char *task)
{
    cb_value_t *nodes = cb_value_new_array ();
    for (size_t i = 0; !req->code && i < cb_value_size (list); i++) {
        const char *node = cb_value_str (cb_value_at (list, i));
        cb_value_t *record = NULL;
        if (!cb_node_name_valid (node))
            cb_req_fail (req, CB_E_BAD_FIELD, "'%s' holds something that is not a node name",
                         field);
        else
        if (streq (node, req->node))
            cb_req_fail (req, CB_E_BAD_FIELD, "%s", self);
        else
        if (s_listed (nodes, node))
            cb_req_fail (req, CB_E_BAD_FIELD, "'%s' names %s twice", field, node);
        else
        if (!(record = cb_node_get (req->txn, node)) && !cb_req_check_store (req))
            cb_req_fail (req, CB_E_UNKNOWN_NODE,
                         "no node '%s' has ever said hello: check the name", node);
        else
        if (record && !streq (cb_value_get_str (record, "role"), "team")
        &&  !streq (cb_value_get_str (record, "role"), "leadership"))
            cb_req_fail (req, CB_E_BAD_FIELD, "%s is a%s %s node and cannot %s", node,
                         streq (cb_value_get_str (record, "role"), "observer") ? "n" : "",
                         cb_value_get_str (record, "role"), task);
        cb_value_destroy (&record);
        if (!req->code) {
            cb_value_t *name = cb_value_new_str (node);
            cb_value_push (nodes, &name);
        }
    }
    if (req->code)
        cb_value_destroy (&nodes);
    return nodes;
}
