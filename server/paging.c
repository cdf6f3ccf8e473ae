/*  =========================================================================
    paging - one page of a long read at a time (PROTOCOL.md section 4.1)

    draft.list, draft.history, event.list, event.snapshot and cycle.graph
    reply one page at a time, so that no reply outgrows a frame, and no
    read decodes a whole table. See paging.h.
    =========================================================================
*/
#include <ctype.h>

#include "paging.h"
#include "validate.h"

int
cb_page_init (cb_req_t *req, const cb_value_t *body, size_t max, cb_page_t *page)
{
    memset (page, 0, sizeof (*page));
    int64_t limit = (int64_t) max;
    if (cb_field_int (req, body, "limit", 1, (int64_t) max, false, &limit) < 0)
        return -1;
    page->limit = (size_t) limit;
    page->after = cb_field_str (req, body, "after", 1, CB_PAGE_CURSOR, false);
    //  The reply's own keys and headers, with room to spare.
    page->bytes = 64;
    return req->code ? -1 : 0;
}

bool
cb_page_room (cb_page_t *page, size_t size)
{
    if (page->count == 0)
        return true;            //  One item always goes, however big
    return page->count < page->limit && page->bytes + size <= CB_PAGE_BYTES;
}

void
cb_page_add (cb_page_t *page, size_t size)
{
    page->count++;
    page->bytes += size;
}

void
cb_page_next (cb_req_t *req, const char *cursor)
{
    if (cursor)
        cb_value_set_str (req->reply, "next", cursor);
    else
        cb_value_set_nil (req->reply, "next");
}

int
cb_page_fail (cb_req_t *req, const char *cursor)
{
    return cb_req_fail (req, CB_E_BAD_FIELD,
                        "'after' must be the 'next' of an earlier reply to the same request, not '%s'",
                        cursor);
}

bool
cb_raw_str_eq (const void *record, size_t size, const char *key, const char *value)
{
    size_t len;
    const char *s = cb_codec_peek_str (record, size, key, &len);
    return s && len == strlen (value) && memcmp (s, value, len) == 0;
}

int
cb_page_look (cb_page_t *page, size_t klen, bool *more)
{
    if (klen != 4 || page->examined == CB_PAGE_SCAN) {
        *more = klen == 4;
        return 1;
    }
    page->examined++;
    return 0;
}

int
cb_page_take (cb_page_t *page, cb_value_t *list, cb_value_t **item_p, size_t size, bool *more)
{
    if (!cb_page_room (page, size)) {
        cb_value_destroy (item_p);
        *more = true;
        return 1;
    }
    cb_value_push (list, item_p);
    cb_page_add (page, size);
    return 0;
}

//  A number of a cursor: decimal digits without a leading zero, at most
//  max. Returns where it ends, or NULL.
const char *
cb_page_number (const char *s, uint64_t max, uint64_t *n)
{
    if (!isdigit ((unsigned char) *s) || (s [0] == '0' && isdigit ((unsigned char) s [1])))
        return NULL;
    *n = 0;
    for (; isdigit ((unsigned char) *s); s++) {
        *n = *n * 10 + (uint64_t) (*s - '0');
        if (*n > max)
            return NULL;
    }
    return s;
}

//  A list of records in number order, filtered on their stored bytes.
typedef struct {
    cb_page_t *page;            //  The page being filled
    cb_page_match_fn *match;    //  The filter
    void *arg;                  //  Its argument
    cb_value_t *list;           //  Where matches go
    uint32_t last;              //  The last record dealt with
    bool more;                  //  Stopped before the end
} s_list_t;

static int
s_list_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_list_t *l = (s_list_t *) arg;
    if (cb_page_look (l->page, klen, &l->more))
        return 1;
    if (l->match (val, vlen, l->arg)) {
        //  The stored bytes themselves: the reply is encoded before the
        //  request's transaction ends (dispatch.c), so they stay valid.
        cb_value_t *raw = cb_value_new_raw_ref (val, vlen);
        if (cb_page_take (l->page, l->list, &raw, vlen, &l->more))
            return 1;
    }
    l->last = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

int
cb_page_list_match (cb_req_t *req, cb_page_t *page, cb_table_t table, char letter,
                    const char *key, cb_page_match_fn *match, void *arg)
{
    uint32_t after = 0;
    if (page->after && !(after = cb_id_parse (page->after, letter)))
        return cb_page_fail (req, page->after);
    s_list_t l = { page, match, arg, cb_value_new_array (), after, false };
    uint8_t from [4];
    cb_key_u32 (from, after + 1);
    if (after < UINT32_MAX
    &&  cb_txn_scan (req->txn, table, NULL, 0, from, 4, s_list_one, &l) < 0) {
        cb_value_destroy (&l.list);
        return cb_req_check_store (req);
    }
    char next [16];
    cb_value_set (req->reply, key, &l.list);
    cb_page_next (req, l.more ? cb_id_format (next, letter, l.last) : NULL);
    return 0;
}

//  The owner and cycle filters of cb_page_list.
typedef struct {
    const char *owner, *cycle;  //  Filters, or NULL
} s_owner_cycle_t;

static bool
s_owner_cycle (const void *val, size_t vlen, void *arg)
{
    s_owner_cycle_t *f = (s_owner_cycle_t *) arg;
    return (!f->owner || cb_raw_str_eq (val, vlen, "owner", f->owner))
        && (!f->cycle || cb_raw_str_eq (val, vlen, "cycle", f->cycle));
}

int
cb_page_list (cb_req_t *req, cb_page_t *page, cb_table_t table, char letter,
              const char *key, const char *owner, const char *cycle)
{
    s_owner_cycle_t filters = { owner, cycle };
    return cb_page_list_match (req, page, table, letter, key, s_owner_cycle, &filters);
}
