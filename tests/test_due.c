/*  =========================================================================
    test_due - the cadence with the real catchballd and catchball binaries
    (issue 14, items 1 and 2)

    A week is not waited for: the store is written in-process first, its
    requests dated in the past (a cycle with a weekly cadence, team-a's
    final draft aligned to leadership's, one check-in 15 days ago), then
    served by the real broker. Its first batch finds the ticks due since
    (the timers live in the store) and fires them: team-a reads checkin.due
    in its inbox (two cadences missed), leadership the escalated one, and
    team-a's todo lists the check-in it owes, with the command. A draft of
    a cycle nobody defined owes nothing.

    It never sleeps.
    =========================================================================
*/
#include "testdispatch.h"
#include "testbroker.h"

#define S_DAY   (24LL * 3600 * 1000)

//  The catchball command line's output (stdout) for `args`, as node.
static char *
s_cli (const char *node, const char *args)
{
    char command [1024];
    snprintf (command, sizeof (command), "'%s' --endpoint '%s' --node %s --timeout 10000 %s",
              getenv ("CATCHBALL"), tb_endpoint, node, args);
    FILE *pipe = popen (command, "r");
    REQUIRE (pipe);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    char buf [4096];
    size_t n;
    while ((n = fread (buf, 1, sizeof (buf), pipe)) > 0)
        fwrite (buf, 1, n, out);
    CHECK_INT (pclose (pipe), 0);
    fclose (out);
    return text;
}

static void
s_check_has (const char *text, const char *part)
{
    bool found = strstr (text, part) != NULL;
    CHECK (found);
    if (!found)
        fprintf (stderr, "missing '%s' in:\n%s\n", part, text);
}

//  A final draft of node with two key results, in cycle, aligned to
//  `aligned` kr1 if given; its id into id.
static void
s_final (const char *node, const char *cycle, const char *aligned, char *id)
{
    cb_value_t *content = s_content ("Grow", 2);
    cb_value_set_str (content, "cycle", cycle);
    if (aligned) {
        cb_value_t *to = cb_value_new_map ();
        cb_value_set_str (to, "draft", aligned);
        cb_value_set_str (to, "kr", "kr1");
        cb_value_set (content, "aligned_to", &to);
    }
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body (NULL), content));
    snprintf (id, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
    td_finalize (node, id);
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    REQUIRE (getenv ("CATCHBALL"));
    tb_init ("due", false);
    int64_t now = zclock_time ();
    //  Written 15 days ago: a weekly cycle that started 20 days ago.
    s_now = now - 15 * S_DAY;
    td_begin ("due_store", true);
    cb_value_t *body = s_body ("name=2027-Q1", NULL);
    cb_value_set_int (body, "start", now - 20 * S_DAY);
    cb_value_set_int (body, "end", now + 70 * S_DAY);
    s_ok_void ("lead", "cycle.new", body);
    char parent [16], child [16], loose [16], field [32];
    s_final ("lead", "2027-Q1", NULL, parent);
    s_final ("team-a", "2027-Q1", parent, child);
    s_final ("team-b", "2027-Q9", NULL, loose);      //  A cycle nobody defined
    snprintf (field, sizeof (field), "draft=%s", child);
    s_ok_void ("team-a", "checkin.new", s_body (field, "kr=kr1", "value=3", "confidence=4",
                                                 NULL));
    snprintf (field, sizeof (field), "draft=%s", loose);
    s_ok_void ("team-b", "checkin.new", s_body (field, "kr=kr1", "value=3", "confidence=4",
                                                 NULL));
    cb_store_destroy (&s_store);

    //  The real broker on that store: the ticks of days -8 and -1 fire.
    REQUIRE (tb_launch (s_dir, NULL, NULL) == 0);
    char *text = s_cli ("team-a", "inbox");
    s_check_has (text, "check-ins due on d2 (cycle 2027-Q1, every 7 days):\n"
                       "  kr1 KR 1: 1 cadence(s) without a check-in, the last c1\n"
                       "  kr2 KR 2: 1 cadence(s) without a check-in\n");
    s_check_has (text, "  kr1 KR 1: 2 cadence(s) without a check-in, the last c1\n");
    s_check_has (text, "answer: catchball checkin d2 kr1 --value N --confidence 0-5");
    free (text);
    text = s_cli ("lead", "inbox");
    s_check_has (text, "team-a's d2, aligned to your d1, is late with its check-ins");
    s_check_has (text, "see: catchball progress --draft d2");
    free (text);
    text = s_cli ("team-a", "todo");
    s_check_has (text, "check in on d2: d2 kr1: no check-in for 15 days (c1), every 7 days in "
                       "cycle 2027-Q1");
    s_check_has (text, "do: catchball checkin d2 kr1 --value N --confidence 0-5");
    s_check_has (text, "check in on d2: d2 kr2: no check-in for 15 days (never checked in)");
    free (text);
    text = s_cli ("team-b", "--json todo");
    CHECK (strstr (text, "checkin") == NULL);
    free (text);
    text = s_cli ("team-b", "inbox");
    CHECK (strstr (text, "checkin.due") == NULL);
    free (text);
    CHECK_INT (tb_stop (), 0);
    td_end ();
    return TEST_DONE ();
}
