/*  =========================================================================
    test_console_state - the facilitator console's state model, with no
    screen and no broker

    Drives cli_console_state with an event.snapshot reply and log entries
    built as values (PROTOCOL.md section 12) and checks:

    - load: the snapshot's objects and seq; refused without the event;
    - apply: only the event's objects are kept (its asks, the drafts of its
      cycle owned by its participants, the open rounds of those drafts),
      a draft before its round in one entry, a round that closes dropped,
      a closed round never held ignored, the seq followed;
    - the feed: newest first, what changed in a few words, at most 50;
    - what the screen reads: rounds a team has not answered, asks by state,
      the selection kept within the participants;
    - dump: {seq, objects} as JSON, read back the same;
    - the wall: what participants owe and on what, stuck deals (an answer
      refused with ROUND_OPEN) with who can unblock them, confidence on a
      draft's head, drafts aligned to that the event does not hold (asked
      for once, kept as context, followed by the log), nudges noted in the
      feed, the phase after each phase;
    - progress after finalize: the check-ins of a final draft asked for
      once, kept apart from the snapshot's objects, followed through the
      log (in the order made, whatever order they came in); per key result
      the current value, the share of the way for a target above and below
      the baseline, the confidence trend and the age at a given broker
      time; a key result with no check-in yet.

    It never sleeps.
    =========================================================================
*/
#include <czmq.h>

#include "cli.h"
#include "cli_console_state.h"
#include "cli_progress.h"
#include "testutil.h"

static cb_value_t *
s_map (const char *k1, const char *v1, const char *k2, const char *v2, const char *k3,
       const char *v3)
{
    cb_value_t *map = cb_value_new_map ();
    if (k1)
        cb_value_set_str (map, k1, v1);
    if (k2)
        cb_value_set_str (map, k2, v2);
    if (k3)
        cb_value_set_str (map, k3, v3);
    return map;
}

static void
s_list (cb_value_t *map, const char *key, const char *a, const char *b)
{
    cb_value_t *list = cb_value_new_array ();
    for (const char *item = a; item; item = item == a ? b : NULL) {
        cb_value_t *v = cb_value_new_str (item);
        cb_value_push (list, &v);
    }
    cb_value_set (map, key, &list);
}

//  A round on draft, open or not, for one recipient.
static cb_value_t *
s_round (const char *draft, const char *state, const char *recipient)
{
    cb_value_t *round = s_map ("draft", draft, "state", state, NULL, NULL);
    s_list (round, "recipients", recipient, NULL);
    s_list (round, "answered", NULL, NULL);
    return round;
}

//  A log entry of seq by node, its objects taken from the (key, value)
//  pairs given, ended by NULL.
static cb_value_t *
s_entry (int64_t seq, const char *node, ...)
{
    cb_value_t *entry = cb_value_new_map ();
    cb_value_set_int (entry, "seq", seq);
    cb_value_set_int (entry, "time", 1795564800000LL + seq * 1000);
    cb_value_set_str (entry, "node", node);
    cb_value_set_str (entry, "kind", "test.change");
    cb_value_t *objects = cb_value_new_map ();
    va_list args;
    va_start (args, node);
    const char *key;
    while ((key = va_arg (args, const char *))) {
        cb_value_t *value = va_arg (args, cb_value_t *);
        cb_value_set (objects, key, &value);
    }
    va_end (args);
    cb_value_set (entry, "objects", &objects);
    return entry;
}

static bool
s_apply (cli_console_state_t *state, cb_value_t *entry)
{
    bool changed = cli_console_state_apply (state, entry);
    cb_value_destroy (&entry);
    return changed;
}

//  The snapshot: event e1 (team-a and team-b, 2027-Q1), team-a's draft d1
//  with round r1 open to team-b, as of seq 10.
static cb_value_t *
s_snapshot (bool with_event)
{
    cb_value_t *objects = cb_value_new_map ();
    if (with_event) {
        cb_value_t *event = s_map ("cycle", "2027-Q1", "phase", "share", NULL, NULL);
        s_list (event, "participants", "team-a", "team-b");
        cb_value_set (objects, "event/e1", &event);
    }
    cb_value_t *draft = s_map ("owner", "team-a", "cycle", "2027-Q1", NULL, NULL);
    cb_value_set (objects, "draft/d1", &draft);
    cb_value_t *round = s_round ("d1", "open", "team-b");
    cb_value_set (objects, "round/r1", &round);
    cb_value_t *snapshot = cb_value_new_map ();
    cb_value_set_int (snapshot, "seq", 10);
    cb_value_set (snapshot, "objects", &objects);
    return snapshot;
}

static void
s_test_load (void)
{
    cli_console_state_t *state = cli_console_state_new ("e1");
    cb_value_t *snapshot = s_snapshot (false);
    CHECK_INT (cli_console_state_load (state, snapshot), -1);
    cb_value_destroy (&snapshot);
    snapshot = s_snapshot (true);
    CHECK_INT (cli_console_state_load (state, snapshot), 0);
    cb_value_destroy (&snapshot);
    CHECK_INT (cli_console_state_seq (state), 10);
    CHECK_INT (cb_value_size (cli_console_state_objects (state)), 3);
    CHECK_STR (cli_str (cli_console_state_event (state), "phase"), "share");
    CHECK (cli_console_state_object (state, "draft", "d1"));
    CHECK (!cli_console_state_object (state, "draft", ""));
    CHECK_STR (cli_console_state_event_id (state), "e1");
    CHECK_INT (cli_console_state_waiting (state, "team-b"), 1);
    CHECK_INT (cli_console_state_waiting (state, "team-a"), 0);
    CHECK_INT (cli_console_state_feed_size (state), 0);
    cli_console_state_destroy (&state);
    CHECK (state == NULL);
    cli_console_state_destroy (&state);
}

static void
s_test_apply (void)
{
    cli_console_state_t *state = cli_console_state_new ("e1");
    cb_value_t *snapshot = s_snapshot (true);
    cli_console_state_load (state, snapshot);
    cb_value_destroy (&snapshot);

    //  Ours: an ask of e1. Not ours: another event, a draft of another
    //  team, an ask of another event, an unknown kind.
    CHECK (s_apply (state, s_entry (11, "team-a",
        "ask/a1", s_map ("event", "e1", "from", "team-a", "to", "team-b"),
        "event/e2", s_map ("phase", "negotiate", NULL, NULL, NULL, NULL),
        "draft/d9", s_map ("owner", "team-z", "cycle", "2027-Q1", NULL, NULL),
        "ask/a9", s_map ("event", "e2", NULL, NULL, NULL, NULL),
        "thing/t1", s_map (NULL, NULL, NULL, NULL, NULL, NULL), NULL)));
    cb_value_t *objects = cli_console_state_objects (state);
    CHECK (cb_value_get (objects, "ask/a1"));
    CHECK (!cb_value_get (objects, "event/e2") && !cb_value_get (objects, "draft/d9"));
    CHECK (!cb_value_get (objects, "ask/a9") && !cb_value_get (objects, "thing/t1"));
    CHECK_INT (cli_console_state_seq (state), 11);
    CHECK_INT (cli_console_state_feed_size (state), 1);
    const cli_console_feed_t *item = cli_console_state_feed (state, 0);
    CHECK_INT (item->seq, 11);
    CHECK_STR (item->node, "team-a");
    CHECK_STR (item->kind, "test.change");
    CHECK_STR (item->summary, "a1 ");

    //  Nothing of ours: no change, no feed entry, but the seq moves on.
    CHECK (!s_apply (state, s_entry (12, "team-z",
        "draft/d9", s_map ("owner", "team-z", "cycle", "2027-Q1", NULL, NULL), NULL)));
    CHECK_INT (cli_console_state_seq (state), 12);
    CHECK_INT (cli_console_state_feed_size (state), 1);

    //  A new draft and its round in one entry, the round listed first.
    CHECK (s_apply (state, s_entry (13, "team-b",
        "round/r2", s_round ("d2", "open", "team-a"),
        "draft/d2", s_map ("owner", "team-b", "cycle", "2027-Q1", NULL, NULL), NULL)));
    CHECK (cli_console_state_object (state, "round", "r2"));
    CHECK_STR (cli_console_state_feed (state, 0)->summary, "d2 rev 0, r2 open");
    CHECK_INT (cli_console_state_waiting (state, "team-a"), 1);

    //  r1 closes: dropped. A closed round never held: nothing.
    CHECK (s_apply (state, s_entry (14, "team-a", "round/r1", s_round ("d1", "closed", "team-b"),
                                    NULL)));
    CHECK (!cli_console_state_object (state, "round", "r1"));
    CHECK_INT (cli_console_state_waiting (state, "team-b"), 0);
    CHECK (!s_apply (state, s_entry (15, "team-a", "round/r7", s_round ("d1", "closed", "team-b"),
                                     NULL)));
    //  Newest first.
    CHECK_INT (cli_console_state_feed_size (state), 3);
    CHECK_INT (cli_console_state_feed (state, 0)->seq, 14);
    CHECK_INT (cli_console_state_feed (state, 2)->seq, 11);
    CHECK (cli_console_state_feed (state, 3) == NULL);

    //  Asks by state, from and to.
    CHECK (s_apply (state, s_entry (16, "team-b",
        "ask/a2", s_map ("event", "e1", "from", "team-b", "to", "team-a"), NULL)));
    cb_value_set_str (cb_value_get (cli_console_state_objects (state), "ask/a2"), "state",
                      "declined");
    int sent [CLI_CONSOLE_ASK_STATES], received [CLI_CONSOLE_ASK_STATES];
    cb_value_set_str (cb_value_get (cli_console_state_objects (state), "ask/a1"), "state",
                      "open");
    cli_console_state_ask_counts (state, "team-a", sent, received);
    CHECK_INT (sent [0], 1);
    CHECK_INT (received [3], 1);
    CHECK_INT (sent [1] + sent [2] + sent [3] + received [0] + received [1] + received [2], 0);
    cli_console_state_destroy (&state);
}

static void
s_test_feed_and_selection (void)
{
    cli_console_state_t *state = cli_console_state_new ("e1");
    cb_value_t *snapshot = s_snapshot (true);
    cli_console_state_load (state, snapshot);
    cb_value_destroy (&snapshot);
    for (int i = 0; i < 60; i++)
        s_apply (state, s_entry (100 + i, "team-a",
                 "ask/a1", s_map ("event", "e1", "state", "open", NULL, NULL), NULL));
    CHECK_INT (cli_console_state_feed_size (state), 50);
    CHECK_INT (cli_console_state_feed (state, 0)->seq, 159);
    CHECK_INT (cli_console_state_feed (state, 49)->seq, 110);

    CHECK_STR (cli_console_state_selected (state), "team-a");
    cli_console_state_select (state, 1);
    CHECK_STR (cli_console_state_selected (state), "team-b");
    cli_console_state_select (state, 1);
    CHECK_STR (cli_console_state_selected (state), "team-b");
    CHECK_INT (cli_console_state_selected_index (state), 1);
    cli_console_state_select (state, -5);
    CHECK_STR (cli_console_state_selected (state), "team-a");
    cli_console_state_destroy (&state);

    //  No participants: nothing to select.
    state = cli_console_state_new ("e1");
    CHECK (cli_console_state_selected (state) == NULL);
    cli_console_state_destroy (&state);
}

static void
s_test_dump (void)
{
    cli_console_state_t *state = cli_console_state_new ("e1");
    cb_value_t *snapshot = s_snapshot (true);
    cli_console_state_load (state, snapshot);
    cb_value_destroy (&snapshot);
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/test_console_state.%d.json",
              getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp", (int) getpid ());
    CHECK_INT (cli_console_state_dump (state, path), 0);
    cb_value_t *dump = cli_json_load (path);
    REQUIRE (dump);
    CHECK_INT (cli_int (dump, "seq"), 10);
    cb_value_t *objects = cb_value_get_map (dump, "objects");
    CHECK_INT (cb_value_size (objects), 3);
    CHECK_STR (cli_str (cb_value_get (objects, "draft/d1"), "owner"), "team-a");
    cb_value_destroy (&dump);
    unlink (path);
    //  A directory that does not exist: -1, errno set, nothing left.
    CHECK_INT (cli_console_state_dump (state, "/nonexistent-dir/x.json"), -1);
    CHECK_INT (errno, ENOENT);
    cli_console_state_destroy (&state);
}

//  An ask of the event: kind, from, to, state, the helper's draft.
static cb_value_t *
s_ask (const char *id, const char *kind, const char *from, const char *to, const char *state,
       const char *helper_draft)
{
    cb_value_t *ask = s_map ("id", id, "kind", kind, "event", "e1");
    cb_value_set_str (ask, "from", from);
    cb_value_set_str (ask, "to", to);
    cb_value_set_str (ask, "state", state);
    cb_value_set_str (ask, "helper_draft", helper_draft);
    cb_value_set_str (ask, "need", "two engineers");
    return ask;
}

static void
s_test_wall (void)
{
    //  e1 in negotiate: lead, team-a, team-b. team-a's d2 is aligned to d9,
    //  a draft of a node outside the event. team-b's d3 has round r5 open
    //  to lead (answered) and team-a (not). a1: team-a asks team-b, whose
    //  d3 an accept would change; a2: lead's ask to team-a, countered.
    cb_value_t *objects = cb_value_new_map ();
    cb_value_t *event = s_map ("id", "e1", "cycle", "2027-Q1", "phase", "negotiate");
    s_list (event, "participants", "team-a", "team-b");
    cb_value_t *shared = s_map ("team-a", "d2", "team-b", "d3", NULL, NULL);
    cb_value_set (event, "shared", &shared);
    cb_value_set (objects, "event/e1", &event);
    cb_value_t *d2 = s_map ("id", "d2", "owner", "team-a", "cycle", "2027-Q1");
    cb_value_t *content = cb_value_new_map ();
    cb_value_t *aligned = s_map ("draft", "d9", "kr", "kr1", NULL, NULL);
    cb_value_set (content, "aligned_to", &aligned);
    cb_value_set (d2, "content", &content);
    cb_value_set_int (d2, "head", 2);
    cb_value_set (objects, "draft/d2", &d2);
    cb_value_t *d3 = s_map ("id", "d3", "owner", "team-b", "cycle", "2027-Q1");
    cb_value_set_str (d3, "round", "r5");
    cb_value_set_int (d3, "head", 4);
    cb_value_set (objects, "draft/d3", &d3);
    cb_value_t *r5 = s_map ("id", "r5", "draft", "d3", "state", "open");
    cb_value_set_str (r5, "owner", "team-b");
    cb_value_set_str (r5, "question", "Does this hold?");
    s_list (r5, "recipients", "lead", "team-a");
    s_list (r5, "answered", "lead", NULL);
    cb_value_set (objects, "round/r5", &r5);
    cb_value_t *a1 = s_ask ("a1", "ask", "team-a", "team-b", "open", "d3");
    cb_value_set (objects, "ask/a1", &a1);
    cb_value_t *a2 = s_ask ("a2", "ask", "team-b", "team-a", "countered", "d2");
    cb_value_set_str (a2, "counter", "one engineer");
    cb_value_set (objects, "ask/a2", &a2);
    cb_value_t *snapshot = cb_value_new_map ();
    cb_value_set_int (snapshot, "seq", 20);
    cb_value_set (snapshot, "objects", &objects);
    cli_console_state_t *state = cli_console_state_new ("e1");
    REQUIRE (cli_console_state_load (state, snapshot) == 0);
    cb_value_destroy (&snapshot);

    //  Stuck: a1's accept would change d3, whose round r5 is open; team-b
    //  (its owner) can close it, team-a can answer it. a2's take changes
    //  d2, which has no round: not stuck.
    cli_console_stuck_t stuck [4];
    CHECK_INT (cli_console_state_stuck (state, stuck, 4), 1);
    CHECK_STR (stuck [0].ask, "a1");
    CHECK_STR (stuck [0].answer, "ask accept");
    CHECK_STR (stuck [0].by, "team-b");
    CHECK_STR (stuck [0].draft, "d3");
    CHECK_STR (stuck [0].round, "r5");
    CHECK_STR (stuck [0].owner, "team-b");
    CHECK_STR (stuck [0].waiting, "team-a");
    //  A countered shared key result changes the helped draft too.
    cb_value_t *a3 = s_ask ("a3", "ask", "team-b", "team-a", "countered", "d2");
    cb_value_set_str (a3, "draft", "d3");
    cb_value_t *reflect = s_map ("type", "shared_kr", NULL, NULL, NULL, NULL);
    cb_value_set (a3, "reflect", &reflect);
    s_apply (state, s_entry (21, "team-a", "ask/a3", a3, NULL));
    CHECK_INT (cli_console_state_stuck (state, stuck, 4), 2);
    CHECK_STR (stuck [1].ask, "a3");
    CHECK_STR (stuck [1].answer, "ask take");
    CHECK_STR (stuck [1].by, "team-b");
    CHECK_STR (stuck [1].draft, "d3");
    CHECK_INT (cli_console_state_stuck (state, stuck, 1), 2);     //  Counted past max

    //  Owed, in participant order: team-a's round answer, team-b's answer
    //  to a1 and its two counters to take or refuse.
    cli_console_owed_t owed [8];
    CHECK_INT (cli_console_state_owed (state, owed, 8), 4);
    CHECK_STR (owed [0].node, "team-a");
    CHECK_STR (owed [0].what, "an answer to round r5 on d3 (team-b): Does this hold?");
    CHECK_STR (owed [1].node, "team-b");
    CHECK_STR (owed [1].what, "accept, counter or decline a1 from team-a: two engineers");
    CHECK_STR (owed [2].what, "take or refuse team-a's counter on a2: one engineer");

    //  Confidence: the latest vote on the head revision; none on d2.
    CHECK_INT (cli_console_state_confidence (state, "d2", NULL), -1);
    cb_value_t *d3v = cb_value_dup (cli_console_state_object (state, "draft", "d3"));
    cb_value_t *votes = cb_value_new_array ();
    int64_t revs [3] = { 3, 4, 4 }, conf [3] = { 1, 3, 4 };
    for (int i = 0; i < 3; i++) {
        cb_value_t *vote = s_map ("node", i == 2 ? "lead" : "team-b", NULL, NULL, NULL, NULL);
        cb_value_set_int (vote, "rev", revs [i]);
        cb_value_set_int (vote, "confidence", conf [i]);
        cb_value_push (votes, &vote);
    }
    cb_value_set (d3v, "votes", &votes);
    s_apply (state, s_entry (22, "lead", "draft/d3", d3v, NULL));
    const char *voter = NULL;
    CHECK_INT (cli_console_state_confidence (state, "d3", &voter), 4);
    CHECK_STR (voter, "lead");

    //  In the commit phase, a participant whose shared draft's head has
    //  no vote owes one.
    cb_value_t *commit = cb_value_dup (cli_console_state_event (state));
    cb_value_set_str (commit, "phase", "commit");
    s_apply (state, s_entry (23, "fac", "event/e1", commit, NULL));
    CHECK_INT (cli_console_state_owed (state, owed, 8), 5);
    CHECK_STR (owed [1].what, "a revealed confidence vote on d2 (revision 2): vote open, then "
                              "the voters vote");

    //  d9, which d2 is aligned to, is not held: asked for once.
    CHECK (!cli_console_state_draft (state, "d9"));
    CHECK_STR (cli_console_state_missing_target (state), "d9");
    CHECK (cli_console_state_missing_target (state) == NULL);
    cb_value_t *show = cb_value_new_map ();
    cb_value_t *d9 = s_map ("id", "d9", "owner", "lead", "cycle", "2027-Q1");
    cb_value_set_str (d9, "objective", "Grow");
    cb_value_set (show, "draft", &d9);
    cb_value_t *revision = cb_value_new_map ();
    cb_value_t *rc = cb_value_new_map ();
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = s_map ("id", "kr1", "text", "Activation to 40%", NULL, NULL);
    cb_value_push (krs, &kr);
    cb_value_set (rc, "key_results", &krs);
    cb_value_set (revision, "content", &rc);
    cb_value_set (show, "revision", &revision);
    cli_console_state_add_context (state, show);
    cb_value_destroy (&show);
    cb_value_t *held = cli_console_state_draft (state, "d9");
    CHECK_STR (cli_str (held, "owner"), "lead");
    CHECK_STR (cli_str (cb_value_at (cb_value_get_array (cb_value_get_map (held, "content"),
                                                         "key_results"), 0), "text"),
               "Activation to 40%");
    CHECK (!cli_console_state_object (state, "draft", "d9"));   //  Not the event's
    CHECK (!cb_value_get (cli_console_state_objects (state), "draft/d9"));
    //  The log keeps it up to date.
    cb_value_t *d9b = s_map ("id", "d9", "owner", "lead", "objective", "Grow more");
    CHECK (s_apply (state, s_entry (24, "lead", "draft/d9", d9b, NULL)));
    CHECK_STR (cli_str (cli_console_state_draft (state, "d9"), "objective"), "Grow more");
    CHECK (!cb_value_get (cli_console_state_objects (state), "draft/d9"));

    //  A nudge, which the log carries as the event's new one: the feed
    //  says whom and what, whoever sent it (the console or the CLI).
    cb_value_t *nudged = s_map ("cycle", "2027-Q1", "phase", "negotiate", NULL, NULL);
    s_list (nudged, "participants", "team-a", "team-b");
    cb_value_t *nudges = cb_value_new_array ();
    cb_value_t *nudge = s_map ("node", "team-b", "text", "hurry", NULL, NULL);
    cb_value_push (nudges, &nudge);
    cb_value_set (nudged, "nudges", &nudges);
    cb_value_t *entry = s_entry (25, "fac", "event/e1", nudged, NULL);
    cb_value_set_str (entry, "kind", "event.nudge");
    CHECK (s_apply (state, entry));
    CHECK_STR (cli_console_state_feed (state, 0)->kind, "event.nudge");
    CHECK_STR (cli_console_state_feed (state, 0)->summary, "team-b: hurry");

    CHECK_STR (cli_console_next_phase ("planned"), "share");
    CHECK_STR (cli_console_next_phase ("commit"), "closed");
    CHECK (cli_console_next_phase ("closed") == NULL);
    CHECK (cli_console_next_phase (NULL) == NULL);
    cli_console_state_destroy (&state);
}


//  A KeyResult {id, text, baseline?, target, unit}; no baseline if < -1e9.
static cb_value_t *
s_kr (const char *id, double baseline, double target, const char *unit)
{
    cb_value_t *kr = s_map ("id", id, "text", "a key result", "unit", unit);
    if (baseline > -1e9)
        cb_value_set_int (kr, "baseline", (int64_t) baseline);
    cb_value_set_int (kr, "target", (int64_t) target);
    return kr;
}

//  A Checkin on draft/kr, made at `time` (broker's clock).
static cb_value_t *
s_checkin (const char *id, const char *draft, const char *kr, int64_t value,
           int64_t confidence, int64_t time)
{
    cb_value_t *c = s_map ("id", id, "draft", draft, "kr", kr);
    cb_value_set_str (c, "author", "team-a");
    cb_value_set_int (c, "value", value);
    cb_value_set_int (c, "confidence", confidence);
    cb_value_set_int (c, "time", time);
    return c;
}

//  team-a's d1, final, with kr1 20 -> 70 (up), kr2 10 -> 2 (down), kr3
//  -> 100 (no baseline) and the check-ins `ids` listed ("c1", or NULL).
static cb_value_t *
s_final_draft (const char *id1, const char *id2)
{
    cb_value_t *draft = s_map ("id", "d1", "owner", "team-a", "cycle", "2027-Q1");
    cb_value_set_str (draft, "state", "final");
    cb_value_set_str (draft, "objective", "Onboard in one sitting");
    cb_value_t *content = cb_value_new_map ();
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = s_kr ("kr1", 20, 70, "%");
    cb_value_push (krs, &kr);
    kr = s_kr ("kr2", 10, 2, "incidents");
    cb_value_push (krs, &kr);
    kr = s_kr ("kr3", -2e9, 100, "");
    cb_value_push (krs, &kr);
    cb_value_set (content, "key_results", &krs);
    cb_value_set (draft, "content", &content);
    if (id1)
        s_list (draft, "checkins", id1, id2);
    return draft;
}

//  The progress entry of draft/kr in a progress list, or NULL.
static const cb_value_t *
s_progress_of (const cb_value_t *list, const char *kr)
{
    for (size_t i = 0; i < cb_value_size (list); i++)
        if (streq (cli_str (cb_value_at (list, i), "kr"), kr))
            return cb_value_at (list, i);
    return NULL;
}

static void
s_test_progress (void)
{
    const int64_t t0 = 1795564800000LL, hour = 3600000;
    cli_console_state_t *state = cli_console_state_new ("e1");
    cb_value_t *snapshot = s_snapshot (true);
    CHECK_INT (cli_console_state_load (state, snapshot), 0);
    cb_value_destroy (&snapshot);
    //  Nothing final yet: no progress, nothing to read.
    cb_value_t *list = cli_console_state_progress (state, t0);
    CHECK_INT (cb_value_size (list), 0);
    cb_value_destroy (&list);
    CHECK (cli_console_state_missing_checkins (state) == NULL);

    //  d1 is finalised, then checked in once (c1) before the console
    //  started: the log brings d1 listing c1; the console asks for d1's
    //  check-ins once.
    CHECK (s_apply (state, s_entry (11, "team-a", "draft/d1", s_final_draft ("c1", NULL),
                                    NULL)));
    CHECK_STR (cli_console_state_missing_checkins (state), "d1");
    CHECK (cli_console_state_missing_checkins (state) == NULL);
    //  A read that timed out is asked for again, once.
    cli_console_state_retry_checkins (state, "d1");
    CHECK_STR (cli_console_state_missing_checkins (state), "d1");
    CHECK (cli_console_state_missing_checkins (state) == NULL);
    //  Its checkin.list reply: c1, and a check-in on another draft.
    cb_value_t *reply = cb_value_new_map ();
    cb_value_t *checkins = cb_value_new_array ();
    cb_value_t *c = s_checkin ("c1", "d1", "kr1", 45, 3, t0);
    cb_value_push (checkins, &c);
    c = s_checkin ("c9", "d7", "kr1", 1, 1, t0);
    cb_value_push (checkins, &c);
    cb_value_set (reply, "checkins", &checkins);
    cli_console_state_add_checkins (state, reply);
    cb_value_destroy (&reply);
    CHECK_INT (cli_console_state_checkin_count (state), 1);

    //  Two hours later on the broker's clock: kr1 half way up, at 45 of
    //  20 -> 70, confidence 3; kr2 and kr3 not checked in.
    list = cli_console_state_progress (state, t0 + 2 * hour);
    CHECK_INT (cb_value_size (list), 3);
    const cb_value_t *p = s_progress_of (list, "kr1");
    REQUIRE (p);
    CHECK_STR (cli_str (p, "draft"), "d1");
    CHECK_STR (cli_str (p, "owner"), "team-a");
    CHECK_INT (cli_int (p, "checkins"), 1);
    CHECK_INT (cb_value_int (cb_value_get (p, "current")), 45);
    CHECK (cb_value_float (cb_value_get (p, "share")) == 0.5);
    CHECK_INT (cli_int (p, "age_ms"), 2 * hour);
    CHECK_STR (cli_str (p, "last"), "c1");
    char buf [CLI_PROGRESS_MAX];
    CHECK_STR (cli_progress_percent (cb_value_get (p, "share"), buf, sizeof (buf)), "50%");
    CHECK_STR (cli_progress_age (cli_int (p, "age_ms"), buf, sizeof (buf)), "2h 0m ago");
    p = s_progress_of (list, "kr2");
    REQUIRE (p);
    CHECK_INT (cli_int (p, "checkins"), 0);
    CHECK (cb_value_type (cb_value_get (p, "current")) == CB_NIL);
    CHECK (cb_value_type (cb_value_get (p, "share")) == CB_NIL);
    CHECK (cb_value_type (cb_value_get (p, "age_ms")) == CB_NIL);
    cb_value_destroy (&list);

    //  A check-in through the log on kr2, whose target is below its
    //  baseline: 10 -> 2 at 4 is 75% of the way. The feed says so.
    CHECK (s_apply (state, s_entry (12, "team-a", "draft/d1", s_final_draft ("c1", "c2"),
                                    "checkin/c2", s_checkin ("c2", "d1", "kr2", 4, 1,
                                                             t0 + hour), NULL)));
    CHECK_INT (cli_console_state_checkin_count (state), 2);
    CHECK (strstr (cli_console_state_feed (state, 0)->summary,
                   "c2 d1/kr2 = 4, confidence 1"));
    list = cli_console_state_progress (state, t0 + 2 * hour);
    p = s_progress_of (list, "kr2");
    REQUIRE (p);
    CHECK (cb_value_float (cb_value_get (p, "share")) == 0.75);
    CHECK_INT (cli_int (p, "age_ms"), hour);
    //  kr3 has no baseline: a current value, but no share of the way.
    p = s_progress_of (list, "kr3");
    CHECK (p && cb_value_type (cb_value_get (p, "share")) == CB_NIL);
    cb_value_destroy (&list);

    //  Check-ins arrive out of order (c4 through the log before c3 from a
    //  late page): the trend is in the order they were made.
    CHECK (s_apply (state, s_entry (14, "team-a", "checkin/c4",
                                    s_checkin ("c4", "d1", "kr1", 80, 1, t0 + 3 * hour),
                                    NULL)));
    reply = cb_value_new_map ();
    checkins = cb_value_new_array ();
    c = s_checkin ("c3", "d1", "kr1", 60, 4, t0 + 2 * hour);
    cb_value_push (checkins, &c);
    cb_value_set (reply, "checkins", &checkins);
    cli_console_state_add_checkins (state, reply);
    cb_value_destroy (&reply);
    list = cli_console_state_progress (state, t0 + 3 * hour + 5 * 60000);
    p = s_progress_of (list, "kr1");
    REQUIRE (p);
    CHECK_STR (cli_progress_trend (cb_value_get_array (p, "confidence"), buf, sizeof (buf)),
               "3 -> 4 -> 1");
    CHECK_STR (cli_progress_sparkline (cb_value_get_array (p, "confidence"), buf,
                                       sizeof (buf)), "▅▆▂");
    CHECK_INT (cb_value_int (cb_value_get (p, "current")), 80);
    CHECK (cb_value_float (cb_value_get (p, "share")) == 1.2);     //  Past the target
    CHECK_STR (cli_progress_percent (cb_value_get (p, "share"), buf, sizeof (buf)), "120%");
    CHECK_STR (cli_progress_age (cli_int (p, "age_ms"), buf, sizeof (buf)), "5m ago");
    cb_value_destroy (&list);

    //  A check-in on a draft that is not the event's changes nothing, and
    //  check-ins are not objects of the snapshot (a dump stays equal to one).
    CHECK (!s_apply (state, s_entry (15, "team-c", "checkin/c5",
                                     s_checkin ("c5", "d7", "kr1", 1, 1, t0), NULL)));
    CHECK_INT (cli_console_state_checkin_count (state), 4);
    CHECK (!cli_console_state_object (state, "checkin", "c2"));
    CHECK (cli_console_state_missing_checkins (state) == NULL);
    cli_console_state_destroy (&state);
}

//  Ages against the broker's clock: a terminal three months ahead of the
//  broker (or behind it) still reads a check-in of a week ago as 7d ago.
static void
s_test_clock (void)
{
    const int64_t day = 86400000, broker_now = 1795564800000LL;
    const int64_t checked_in = broker_now - 7 * day;
    for (int ahead = -1; ahead <= 1; ahead++) {
        int64_t skew = ahead * 90 * day;
        //  A ping sent at our 1000 (relative), answered 40 ms later, the
        //  broker reading its clock half way.
        int64_t sent = broker_now + skew - 20, received = broker_now + skew + 20;
        int64_t offset = cli_progress_clock_offset (broker_now, sent, received);
        CHECK_INT (offset, -skew);
        char buf [CLI_PROGRESS_MAX];
        //  The terminal's now, later, plus the offset: the broker's now.
        int64_t later = received + 5 * 60000;
        CHECK_STR (cli_progress_age (later + offset - checked_in, buf, sizeof (buf)),
                   "7d 0h ago");
    }
    char buf [CLI_PROGRESS_MAX];
    CHECK_STR (cli_progress_age (-5000, buf, sizeof (buf)), "just now");
    CHECK_STR (cli_progress_age (59999, buf, sizeof (buf)), "just now");
    CHECK_STR (cli_progress_age (60000, buf, sizeof (buf)), "1m ago");
    CHECK_STR (cli_progress_age (25 * 3600000LL + 60000, buf, sizeof (buf)), "1d 1h ago");
    //  A long trend keeps its latest check-ins when it does not all fit.
    cb_value_t *trend = cb_value_new_array ();
    for (int i = 0; i < 30; i++) {
        cb_value_t *v = cb_value_new_int (i % 6);
        cb_value_push (trend, &v);
    }
    cli_progress_trend (trend, buf, 24);
    CHECK (strncmp (buf, "... -> ", 7) == 0);
    CHECK (strlen (buf) < 24);
    CHECK (strcmp (buf + strlen (buf) - 6, "4 -> 5") == 0);
    cb_value_destroy (&trend);
}

int
main (void)
{
    s_test_load ();
    s_test_apply ();
    s_test_feed_and_selection ();
    s_test_dump ();
    s_test_wall ();
    s_test_progress ();
    s_test_clock ();
    return TEST_DONE ();
}
