/*  =========================================================================
    timers - tables of things due at a time: round and vote deadlines,
    event time boxes

    A timer table is keyed by the time (ms, 8 big-endian bytes) then the
    number of what is due (4 bytes), with empty values: LMDB keeps it in
    time order, so the first key is the next thing due, and what is due by
    now is a scan from the start. Living in the store, timers survive a
    restart. The module that owns the objects sets and clears their
    timers in the transaction that changes them, and says what firing one
    means (cb_timers_fire).
    =========================================================================
*/
#ifndef CB_TIMERS_H_INCLUDED
#define CB_TIMERS_H_INCLUDED

#include "records.h"

//  Sets, or clears, the timer of object `id` at `when`. 0, or -1 with the
//  request failed (a store error).
int cb_timer_set (cb_req_t *req, cb_table_t table, int64_t when, uint32_t id);
int cb_timer_clear (cb_req_t *req, cb_table_t table, int64_t when, uint32_t id);

//  The earliest time in the table (ms), or 0 if it is empty.
int64_t cb_timer_next (cb_txn_t *txn, cb_table_t table);

//  Fires the timer of object `id` due at `when`. Returns 1 if it fired,
//  0 if the timer is stale (its object has since moved on: the timer is
//  then cleared), or -1 with the request failed.
typedef int (cb_timer_fn) (cb_req_t *req, uint32_t id, int64_t when, void *arg);

//  Fires every timer of the table due at or before req->now, in time
//  order. A timer that fires must clear itself. Returns how many fired,
//  or -1 with the request failed (it stops at the first failure).
int cb_timers_fire (cb_req_t *req, cb_table_t table, cb_timer_fn *fn, void *arg);

#endif
