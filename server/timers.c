/*  =========================================================================
    timers - tables of things due at a time

    See timers.h. Rounds and votes (deadlines) and events (time boxes)
    keep their timers here, a table each; the broker's clock reaches them
    through dispatch.c.
    =========================================================================
*/
#include "timers.h"

#define S_KEY   12              //  8 bytes of time, 4 of the object's number
#define S_PASS  64              //  Timers fired per scan of the table

static void
s_key (uint8_t key [S_KEY], int64_t when, uint32_t id)
{
    cb_put_u64 (key, (uint64_t) when);
    cb_put_u32 (key + 8, id);
}

int
cb_timer_set (cb_req_t *req, cb_table_t table, int64_t when, uint32_t id)
{
    uint8_t key [S_KEY];
    s_key (key, when, id);
    if (cb_txn_put (req->txn, table, key, S_KEY, "", 0, false))
        return cb_req_check_store (req);
    return 0;
}

int
cb_timer_clear (cb_req_t *req, cb_table_t table, int64_t when, uint32_t id)
{
    uint8_t key [S_KEY];
    s_key (key, when, id);
    if (cb_txn_del (req->txn, table, key, S_KEY) < 0)
        return cb_req_check_store (req);
    return 0;
}

static int
s_first_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (void) klen, (void) val, (void) vlen;
    *(int64_t *) arg = (int64_t) cb_get_u64 ((const uint8_t *) key);
    return 1;
}

int64_t
cb_timer_next (cb_txn_t *txn, cb_table_t table)
{
    int64_t next = 0;
    cb_txn_scan (txn, table, NULL, 0, NULL, 0, s_first_one, &next);
    return next;
}

//  The timers due in one scan: firing them changes the table, so they
//  are collected first and fired after.
typedef struct {
    int64_t now;                //  Fire what is due by then
    uint32_t due [S_PASS];      //  Objects due, found in this pass
    int64_t when [S_PASS];      //  Their times
    int count;                  //  How many
} s_due_t;

static int
s_due_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (void) klen, (void) val, (void) vlen;
    s_due_t *d = (s_due_t *) arg;
    int64_t when = (int64_t) cb_get_u64 ((const uint8_t *) key);
    if (when > d->now || d->count == S_PASS)
        return 1;
    d->when [d->count] = when;
    d->due [d->count++] = cb_get_u32 ((const uint8_t *) key + 8);
    return 0;
}

int
cb_timers_fire (cb_req_t *req, cb_table_t table, cb_timer_fn *fn, void *arg)
{
    int fired = 0;
    while (!req->code) {
        s_due_t d = { .now = req->now, .count = 0 };
        if (cb_txn_scan (req->txn, table, NULL, 0, NULL, 0, s_due_one, &d) < 0)
            return cb_req_check_store (req);
        for (int i = 0; i < d.count && !req->code; i++) {
            int rc = fn (req, d.due [i], d.when [i], arg);
            if (rc > 0)
                fired++;
            else
            if (rc == 0 && !req->code)
                cb_timer_clear (req, table, d.when [i], d.due [i]);
        }
        if (d.count < S_PASS)
            break;
    }
    return req->code ? -1 : fired;
}
