/*  =========================================================================
    paging - one page of a long read at a time (PROTOCOL.md section 4.1)

    A page holds at most `limit` items and, past its first item, at most
    CB_PAGE_BYTES of reply body: one item always goes, however big, so a
    read never sticks. A page looks at CB_PAGE_SCAN records at most, so a
    filter that matches little takes several (maybe empty) pages, each one
    quick. The reply's `next` is a cursor for the request to send again as
    `after`; each read defines its own cursors.
    =========================================================================
*/
#ifndef CB_PAGING_H_INCLUDED
#define CB_PAGING_H_INCLUDED

#include "records.h"

#define CB_PAGE_BYTES   (192 * 1024)    //  Under CB_MAX_FRAME, with room for the envelope
#define CB_PAGE_LIMIT   1000            //  Items a page holds at most, and by default
#define CB_PAGE_SCAN    10000           //  Records a page looks at, at most (a few ms)
#define CB_PAGE_CURSOR  64              //  The longest cursor

typedef struct {
    size_t limit;               //  Items at most: the request's, or the default
    size_t count;               //  Items in the page so far
    size_t bytes;               //  Bytes of the reply body so far (about)
    size_t examined;            //  Records looked at so far
    const char *after;          //  The request's cursor, or NULL (lent by the body)
} cb_page_t;

//  Reads the body's `limit` (1 to max, default max) and `after`. 0, or -1
//  with BAD_FIELD.
int cb_page_init (cb_req_t *req, const cb_value_t *body, size_t max, cb_page_t *page);
//  True if an item of `size` encoded bytes goes into the page.
bool cb_page_room (cb_page_t *page, size_t size);
//  Counts an item of `size` bytes in.
void cb_page_add (cb_page_t *page, size_t size);
//  Sets the reply's `next`: the cursor, or nil when the read is done.
void cb_page_next (cb_req_t *req, const char *cursor);
//  Fails the request for a cursor it cannot use (BAD_FIELD); -1.
int cb_page_fail (cb_req_t *req, const char *cursor);
//  A number in a cursor: decimal digits without a leading zero, at most
//  max, into *n. Returns where it ends, or NULL.
const char *cb_page_number (const char *s, uint64_t max, uint64_t *n);
//  In a cb_txn_scan of a table keyed by 4-byte numbers (drafts, events):
//  0 to look at this record (it is counted), or 1 to stop the scan here,
//  with *more set if records are left (the page looked at CB_PAGE_SCAN).
int cb_page_look (cb_page_t *page, size_t klen, bool *more);
//  Adds the item (taken) of `size` encoded bytes to `list` and returns 0
//  if the page has room; else destroys it, sets *more and returns 1.
int cb_page_take (cb_page_t *page, cb_value_t *list, cb_value_t **item_p, size_t size,
                  bool *more);
//  One page of the records of `table` (keyed by 4-byte numbers, the ids
//  of `letter`: 'd', 'e') whose string fields "owner" and "cycle" match
//  (NULL: any), checked on the stored bytes, a match going into the reply
//  as stored: under `key`, with `next` the last id looked at (the cursor
//  page->after is one such id). 0, or -1 with the request failed.
int cb_page_list (cb_req_t *req, cb_page_t *page, cb_table_t table, char letter,
                  const char *key, const char *owner, const char *cycle);
//  True if a stored record (its encoded bytes) goes into the list.
typedef bool (cb_page_match_fn) (const void *record, size_t size, void *arg);
//  The same with any filter: the records `match` takes.
int cb_page_list_match (cb_req_t *req, cb_page_t *page, cb_table_t table, char letter,
                        const char *key, cb_page_match_fn *match, void *arg);
//  True if the encoded record's string field `key` is `value`, read from
//  the bytes without decoding the record.
bool cb_raw_str_eq (const void *record, size_t size, const char *key, const char *value);

#endif
