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
    - dump: {seq, objects} as JSON, read back the same.

    It never sleeps.
    =========================================================================
*/
#include <czmq.h>

#include "cli.h"
#include "cli_console_state.h"
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

int
main (void)
{
    s_test_load ();
    s_test_apply ();
    s_test_feed_and_selection ();
    s_test_dump ();
    return TEST_DONE ();
}
