/*  =========================================================================
    test_timers - the timer tables (server/timers.c) on a real LMDB store

    Covers: the next time is the earliest, whatever the order of setting;
    firing takes what is due at or before now, in time order, and nothing
    later; a stale timer (its object moved on) is cleared; more timers due
    than one scan takes (64) all fire in one call; a failure stops the
    firing and is reported; timers survive a reopen of the store.
    =========================================================================
*/
#include <czmq.h>

#include "records.h"
#include "store.h"
#include "testutil.h"
#include "timers.h"

static cb_store_t *s_store;
static char s_dir [256];

//  What the callback saw, and what it answers.
typedef struct {
    uint32_t ids [300];         //  Objects fired, in order
    int64_t whens [300];        //  Their times
    int count;                  //  How many
    uint32_t stale;             //  This object's timer is stale (0: none)
    uint32_t fail;              //  This object fails (0: none)
} s_fired_t;

static int
s_fire (cb_req_t *req, uint32_t id, int64_t when, void *arg)
{
    s_fired_t *f = (s_fired_t *) arg;
    if (id == f->fail)
        return cb_req_fail (req, CB_E_INTERNAL, "object %u fails", id);
    f->ids [f->count] = id;
    f->whens [f->count++] = when;
    if (id == f->stale)
        return 0;
    //  A timer that fires clears itself, as rounds and events do.
    return cb_timer_clear (req, CB_T_DEADLINES, when, id) ? -1 : 1;
}

//  Runs fn in a request at `now` in a write transaction, committed if it
//  succeeds. Returns what cb_timers_fire returned.
static int
s_fire_at (int64_t now, s_fired_t *f)
{
    cb_txn_t *txn = cb_store_begin (s_store, true);
    REQUIRE (txn);
    cb_req_t req;
    cb_req_init (&req, txn, "catchballd", "system", now);
    int rc = cb_timers_fire (&req, CB_T_DEADLINES, s_fire, f);
    if (rc >= 0)
        CHECK (cb_txn_commit (&txn) == CB_STORE_OK);
    else
        cb_txn_abort (&txn);
    cb_req_clean (&req);
    return rc;
}

static void
s_set (int64_t when, uint32_t id)
{
    cb_txn_t *txn = cb_store_begin (s_store, true);
    cb_req_t req;
    cb_req_init (&req, txn, "test", "system", 0);
    CHECK_INT (cb_timer_set (&req, CB_T_DEADLINES, when, id), 0);
    CHECK (cb_txn_commit (&txn) == CB_STORE_OK);
    cb_req_clean (&req);
}

static int64_t
s_next (void)
{
    cb_txn_t *txn = cb_store_begin (s_store, false);
    int64_t next = cb_timer_next (txn, CB_T_DEADLINES);
    cb_txn_abort (&txn);
    return next;
}

static void
s_begin (void)
{
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    zsys_dir_create ("%s", base);
    snprintf (s_dir, sizeof (s_dir), "%s/test_timers.XXXXXX", base);
    REQUIRE (mkdtemp (s_dir));
    s_store = cb_store_new (s_dir, 0, 0);
    REQUIRE (s_store);
}

static void
s_end (void)
{
    cb_store_destroy (&s_store);
    char command [300];
    snprintf (command, sizeof (command), "rm -rf '%s'", s_dir);
    if (system (command) != 0)
        fprintf (stderr, "could not remove %s\n", s_dir);
}

//  --------------------------------------------------------------------------

static void
test_order_and_due (void)
{
    CHECK_INT (s_next (), 0);
    s_set (3000, 3);
    s_set (1000, 1);
    s_set (2000, 2);
    s_set (2000, 7);            //  Two at one time: by number
    CHECK_INT (s_next (), 1000);
    s_fired_t f = { .count = 0 };
    CHECK_INT (s_fire_at (999, &f), 0);
    CHECK_INT (f.count, 0);
    CHECK_INT (s_fire_at (2000, &f), 3);
    CHECK_INT (f.count, 3);
    CHECK_INT (f.ids [0], 1);
    CHECK_INT (f.ids [1], 2);
    CHECK_INT (f.ids [2], 7);
    CHECK_INT (f.whens [2], 2000);
    CHECK_INT (s_next (), 3000);
    //  Survives a reopen.
    cb_store_destroy (&s_store);
    s_store = cb_store_new (s_dir, 0, 0);
    REQUIRE (s_store);
    CHECK_INT (s_next (), 3000);
    CHECK_INT (s_fire_at (5000, &f), 1);
    CHECK_INT (s_next (), 0);
}

static void
test_stale_cleared (void)
{
    s_set (1000, 1);
    s_set (1500, 2);
    s_fired_t f = { .stale = 1 };
    //  The stale one does not count, and is gone all the same.
    CHECK_INT (s_fire_at (2000, &f), 1);
    CHECK_INT (f.count, 2);
    CHECK_INT (s_next (), 0);
}

static void
test_many_due (void)
{
    for (uint32_t i = 1; i <= 150; i++)
        s_set (1000 + i, i);
    s_set (5000, 999);
    s_fired_t f = { .count = 0 };
    CHECK_INT (s_fire_at (2000, &f), 150);
    CHECK_INT (f.ids [0], 1);
    CHECK_INT (f.ids [149], 150);
    CHECK_INT (s_next (), 5000);
}

static void
test_failure_stops (void)
{
    s_set (1000, 1);
    s_set (1100, 2);
    s_set (1200, 3);
    s_fired_t f = { .fail = 2 };
    CHECK_INT (s_fire_at (2000, &f), -1);
    CHECK_INT (f.count, 1);     //  Not object 3
    //  Aborted: every timer is still there.
    CHECK_INT (s_next (), 1000);
}

typedef void (s_test_fn) (void);

static void
s_run (const char *name, s_test_fn *test)
{
    s_begin ();
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_timers: %s failed\n", name);
    s_end ();
}

int
main (void)
{
    zsys_init ();
    s_run ("order_and_due", test_order_and_due);
    s_run ("stale_cleared", test_stale_cleared);
    s_run ("many_due", test_many_due);
    s_run ("failure_stops", test_failure_stops);
    return TEST_DONE ();
}
