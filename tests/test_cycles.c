/*  =========================================================================
    test_cycles - cycles as objects (server/cycles.c, issue 14 item 1), in
    process through cb_dispatch on a real LMDB store

    Covers: cycle.new by leadership only, its checks (name, start before
    end, cadence, a name taken), its state worked out from the clock
    (planning before its start, running after) and cycle.close (closed,
    not twice), in the event log; check-ins refused while a defined cycle
    is planning or closed (CYCLE_STATE), and a draft of a cycle nobody
    defined working as before. The cadence: checkin.due to the owner when
    a key result's last check-in is one cadence old, escalated to the
    owner of the draft it aligns to from two, driven by the clock given
    to cb_dispatch_expire (no waiting), across a reopen of the store.
    With --direct a refusal that wrote fails.
    =========================================================================
*/
#include "testdispatch.h"
#include "dispatch.h"
#include "log.h"

#define S_DAY   (24LL * 3600 * 1000)

//  A final draft of team-a in `cycle`; its id into `id` (16 bytes).
static void
s_final_draft (const char *cycle, char *id)
{
    cb_value_t *content = s_content ("Ship the new billing", 1);
    cb_value_set_str (content, "cycle", cycle);
    cb_value_t *r = s_ok ("team-a", "draft.new", s_with_content (s_body (NULL), content));
    snprintf (id, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    td_finalize ("team-a", id);
}

//  A cycle.new body: name, start and end in days from now, a cadence if > 0.
static cb_value_t *
s_cycle (const char *name, int64_t start_days, int64_t end_days, int64_t cadence)
{
    char field [64];
    snprintf (field, sizeof (field), "name=%s", name);
    cb_value_t *body = s_body (field, NULL);
    cb_value_set_int (body, "start", s_now + start_days * S_DAY);
    cb_value_set_int (body, "end", s_now + end_days * S_DAY);
    if (cadence)
        cb_value_set_int (body, "cadence_days", cadence);
    return body;
}

static const char *
s_state (const char *name, char *buf)
{
    char field [64];
    snprintf (field, sizeof (field), "cycle=%s", name);
    cb_value_t *r = s_ok ("watcher", "cycle.show", s_body (field, NULL));
    snprintf (buf, 32, "%s", cb_value_get_str (cb_value_get_map (r, "cycle"), "state")
                             ? cb_value_get_str (cb_value_get_map (r, "cycle"), "state") : "");
    cb_value_destroy (&r);
    return buf;
}

static cb_value_t *
s_checkin (const char *draft)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    return s_body (field, "kr=kr1", "value=5", "confidence=3", NULL);
}

//  --------------------------------------------------------------------------

//  Leadership creates cycles; nobody else can, and bad ones store
//  nothing. Failed before: cycle.new was UNKNOWN_TYPE.
static void
test_cycle_new (void)
{
    td_begin ("cycles_new", true);
    char state [32];
    cb_value_t *r = s_ok ("lead", "cycle.new", s_cycle ("2027-Q1", -1, 90, 0));
    cb_value_t *cycle = cb_value_get_map (r, "cycle");
    CHECK_STR (cb_value_get_str (cycle, "state"), "running");
    CHECK_INT (s_int (cycle, "cadence_days"), 7);
    CHECK_STR (cb_value_get_str (cycle, "created_by"), "lead");
    cb_value_destroy (&r);
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_log_last (txn), 1);
    cb_txn_abort (&txn);
    s_ok_void ("boss", "cycle.new", s_cycle ("2027-Q2", 60, 150, 14));
    CHECK_STR (s_state ("2027-Q2", state), "planning");

    CHECK_INT (s_err ("team-a", "cycle.new", s_cycle ("X", 1, 2, 0)), CB_E_FORBIDDEN);
    CHECK_INT (s_err ("fac", "cycle.new", s_cycle ("X", 1, 2, 0)), CB_E_FORBIDDEN);
    CHECK_INT (s_err ("watcher", "cycle.new", s_cycle ("X", 1, 2, 0)), CB_E_FORBIDDEN);
    CHECK_INT (s_err ("lead", "cycle.new", s_cycle ("2027-Q1", 1, 2, 0)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "cycle.new", s_cycle ("X", 2, 2, 0)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "cycle.new", s_cycle ("X", 1, 2, 93)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "cycle.new", s_cycle ("X", 1, 2, -1)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "cycle.new", s_cycle ("Q 1", 1, 2, 0)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "cycle.new", s_cycle ("2027-Q1-and-more1", 1, 2, 0)),
               CB_E_BAD_FIELD);
    cb_value_t *body = s_cycle ("X", 1, 2, 0);
    cb_value_set_str (body, "created_by", "boss");
    CHECK_INT (s_err ("lead", "cycle.new", body), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("watcher", "cycle.show", s_body ("cycle=X", NULL)), CB_E_NOT_FOUND);
    //  cycle.list, in name order, a page at a time.
    s_ok_void ("lead", "cycle.new", s_cycle ("2026-Q4", -100, -10, 0));
    r = s_ok ("watcher", "cycle.list", s_body ("limit=2", NULL));
    cb_value_t *cycles = cb_value_get (r, "cycles");
    CHECK_INT (cb_value_size (cycles), 2);
    CHECK_STR (cb_value_get_str (cb_value_at (cycles, 0), "name"), "2026-Q4");
    CHECK_STR (cb_value_get_str (cb_value_at (cycles, 1), "state"), "running");
    CHECK_STR (cb_value_get_str (r, "next"), "2027-Q1");
    cb_value_destroy (&r);
    r = s_ok ("watcher", "cycle.list", s_body ("limit=2", "after=2027-Q1", NULL));
    cycles = cb_value_get (r, "cycles");
    CHECK_INT (cb_value_size (cycles), 1);
    CHECK_STR (cb_value_get_str (cb_value_at (cycles, 0), "name"), "2027-Q2");
    CHECK_STR (cb_value_get_str (cb_value_at (cycles, 0), "state"), "planning");
    CHECK (cb_value_get_str (r, "next") == NULL);
    cb_value_destroy (&r);
    CHECK_INT (s_err ("watcher", "cycle.list", s_body ("after=a b", NULL)), CB_E_BAD_FIELD);
    txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_log_last (txn), 3);
    cb_txn_abort (&txn);
    td_end ();
}

//  Check-ins follow a defined cycle's state: refused while it plans and
//  once it is closed; a cycle nobody defined works as before. Closing
//  twice is refused. Failed before: cycle.close was UNKNOWN_TYPE, and a
//  check-in in a closed cycle was stored.
static void
test_cycle_state (void)
{
    td_begin ("cycles_state", true);
    char q1 [16], q2 [16], q3 [16], state [32], message [256];
    s_ok_void ("lead", "cycle.new", s_cycle ("2027-Q1", -1, 90, 0));
    s_ok_void ("lead", "cycle.new", s_cycle ("2027-Q2", 60, 150, 0));
    s_final_draft ("2027-Q1", q1);
    s_final_draft ("2027-Q2", q2);
    s_final_draft ("2027-Q3", q3);          //  Never defined
    s_ok_void ("team-a", "checkin.new", s_checkin (q1));
    s_ok_void ("team-a", "checkin.new", s_checkin (q3));
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (q2)), CB_E_CYCLE_STATE);
    CHECK_INT (s_err ("team-a", "cycle.close", s_body ("cycle=2027-Q1", NULL)), CB_E_FORBIDDEN);
    CHECK_INT (s_err ("lead", "cycle.close", s_body ("cycle=2027-Q9", NULL)), CB_E_NOT_FOUND);
    cb_value_t *r = s_ok ("boss", "cycle.close", s_body ("cycle=2027-Q1", NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "cycle"), "state"), "closed");
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "cycle"), "closed_by"), "boss");
    cb_value_destroy (&r);
    CHECK_STR (s_state ("2027-Q1", state), "closed");
    CHECK_INT (s_err ("lead", "cycle.close", s_body ("cycle=2027-Q1", NULL)), CB_E_CYCLE_STATE);
    snprintf (message, sizeof (message), "%s", "");
    s_err_message ("team-a", "checkin.new", s_checkin (q1), message, sizeof (message));
    CHECK_STR (message, "cycle 2027-Q1 is closed: check-ins are made while it runs");
    CHECK_INT (s_err ("team-a", "checkin.new", s_checkin (q1)), CB_E_CYCLE_STATE);
    //  Relation before state: not the owner, whatever the cycle.
    CHECK_INT (s_err ("team-b", "checkin.new", s_checkin (q1)), CB_E_NOT_OWNER);
    r = s_ok ("watcher", "checkin.list", s_body (NULL));
    CHECK_INT (cb_value_size (cb_value_get (r, "checkins")), 2);
    cb_value_destroy (&r);
    td_end ();
}

//  The clock moved to `at` (ms): what is due fires, as the broker's tick
//  does; the next tick's time is returned.
static int64_t
s_tick (int64_t at)
{
    cb_txn_t *txn = cb_store_begin (s_store, true);
    zhashx_t *touched = zhashx_new ();
    cb_expiry_t expiry;
    CHECK_INT (cb_dispatch_expire (txn, at, touched, &expiry), 0);
    REQUIRE (cb_txn_commit (&txn) == CB_STORE_OK);
    zhashx_destroy (&touched);
    return expiry.next_deadline;
}

//  The checkin.due deliveries of node, as "kr1:1 kr2:2 ^kr1:2" (missed
//  cadences; ^ escalated), in order.
static int
s_due_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    cb_value_t *d = cb_codec_decode (data, size, NULL, 0);
    cb_value_t *body = cb_value_get_map (d, "body");
    if (d && streq (cb_value_get_str (d, "kind"), "checkin.due")) {
        cb_value_t *krs = cb_value_get_array (body, "krs");
        bool escalated = false;
        cb_value_get_bool (body, "escalated", &escalated);
        for (size_t i = 0; i < cb_value_size (krs); i++) {
            char item [64];
            snprintf (item, sizeof (item), "%s%s:%lld ",
                      escalated ? "^" : "",
                      cb_value_get_str (cb_value_at (krs, i), "kr"),
                      (long long) s_int (cb_value_at (krs, i), "missed"));
            strcat ((char *) arg, item);
        }
    }
    cb_value_destroy (&d);
    return 0;
}

static const char *
s_dues (const char *node, char *buf)
{
    buf [0] = 0;
    cb_txn_t *txn = cb_store_begin (s_store, false);
    cb_inbox_read (txn, node, 1, 1000, s_due_one, buf);
    cb_txn_abort (&txn);
    return buf;
}

//  A key result not checked in for a cadence is due to its owner, then
//  escalated to the owner of the draft it aligns to; a check-in resets
//  its count; ticks survive a reopen of the store. Failed before: nothing
//  was ever due.
static void
test_cycle_cadence (void)
{
    td_begin ("cycles_cadence", true);
    int64_t t0 = s_now, week = 7 * S_DAY;
    char parent [16], child [16], field [32], dues [1024];
    s_ok_void ("lead", "cycle.new", s_cycle ("2027-Q1", -1, 90, 0));
    cb_value_t *r = s_ok ("lead", "draft.new",
                          s_with_content (s_body (NULL), s_content ("Grow", 1)));
    snprintf (parent, sizeof (parent), "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    cb_value_t *content = s_content ("Grow with partners", 2);
    cb_value_t *aligned = cb_value_new_map ();
    cb_value_set_str (aligned, "draft", parent);
    cb_value_set_str (aligned, "kr", "kr1");
    cb_value_set (content, "aligned_to", &aligned);
    r = s_ok ("team-a", "draft.new", s_with_content (s_body (NULL), content));
    snprintf (child, sizeof (child), "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    td_finalize ("team-a", child);
    snprintf (field, sizeof (field), "draft=%s", child);

    //  Week 0: kr1 checked in; kr2 never (it counts from here too).
    s_ok_void ("team-a", "checkin.new", s_body (field, "kr=kr1", "value=1", "confidence=4",
                                                 NULL));
    s_now = t0 + 3 * S_DAY;     //  kr2 three days later: its own tick
    s_ok_void ("team-a", "checkin.new", s_body (field, "kr=kr2", "value=1", "confidence=4",
                                                 NULL));
    CHECK_INT (s_tick (t0 + week - 1), t0 + week);
    CHECK_STR (s_dues ("team-a", dues), "");
    CHECK_INT (s_tick (t0 + week), t0 + 3 * S_DAY + week);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 ");
    CHECK_STR (s_dues ("lead", dues), "");
    //  Restart: the ticks are in the store.
    cb_store_destroy (&s_store);
    s_open ();
    CHECK_INT (s_tick (t0 + 3 * S_DAY + week), t0 + 2 * week);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 kr2:1 ");
    //  kr2 checked in on day 11; kr1 still not: week 2 escalates it.
    s_now = t0 + 11 * S_DAY;
    s_ok_void ("team-a", "checkin.new", s_body (field, "kr=kr2", "value=2", "confidence=4",
                                                 NULL));
    s_tick (t0 + 2 * week);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 kr2:1 kr1:2 ");
    CHECK_STR (s_dues ("lead", dues), "^kr1:2 ");
    //  kr2's old tick (day 17) finds it checked in since: nothing.
    s_tick (t0 + 3 * S_DAY + 2 * week);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 kr2:1 kr1:2 ");
    //  Day 18, a week after kr2's check-in: due again, once.
    s_tick (t0 + 18 * S_DAY);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 kr2:1 kr1:2 kr2:1 ");
    //  Once the cycle is closed, nothing more is due.
    s_ok_void ("lead", "cycle.close", s_body ("cycle=2027-Q1", NULL));
    s_tick (t0 + 30 * S_DAY);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 kr2:1 kr1:2 kr2:1 ");
    cb_txn_t *txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_checkins_next_due (txn), 0);
    cb_txn_abort (&txn);
    s_now = t0;
    td_end ();
}

//  A final draft nobody ever checks in is reminded too: its cadence runs
//  from its finalisation. Failed before: no tick was set until a first
//  check-in, so such a draft was never due.
static void
test_cadence_never_checked_in (void)
{
    td_begin ("test_cycles", true);
    char id [16], dues [1024];
    int64_t t0 = s_now, week = 7 * S_DAY;
    s_ok_void ("lead", "cycle.new", s_cycle ("2027-Q1", -1, 60, 7));
    s_final_draft ("2027-Q1", id);
    CHECK_INT (s_tick (t0 + week - 1), t0 + week);
    CHECK_STR (s_dues ("team-a", dues), "");
    s_tick (t0 + week);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 ");
    s_tick (t0 + 2 * week);
    CHECK_STR (s_dues ("team-a", dues), "kr1:1 kr1:2 ");
    s_now = t0;
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    test_cycle_new ();
    test_cycle_state ();
    test_cycle_cadence ();
    test_cadence_never_checked_in ();
    return TEST_DONE ();
}
