/*  =========================================================================
    test_cycles - cycles as objects (server/cycles.c, issue 14 item 1), in
    process through cb_dispatch on a real LMDB store

    Covers: cycle.new by leadership only, its checks (name, start before
    end, cadence, a name taken), its state worked out from the clock
    (planning before its start, running after) and cycle.close (closed,
    not twice), in the event log; check-ins refused while a defined cycle
    is planning or closed (CYCLE_STATE), and a draft of a cycle nobody
    defined working as before. With --direct a refusal that wrote fails.
    =========================================================================
*/
#include "testdispatch.h"
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
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", id);
    s_ok_void ("team-a", "draft.vote", s_body (field, "confidence=4", NULL));
    s_ok_void ("team-a", "draft.finalize", s_body (field, NULL));
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
    txn = cb_store_begin (s_store, false);
    CHECK_INT (cb_log_last (txn), 2);
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

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    test_cycle_new ();
    test_cycle_state ();
    return TEST_DONE ();
}
