/*  =========================================================================
    test_render - the event report (Markdown) and the alignment graph (dot,
    SVG) renderers of the catchball command line

    Builds realistic `event.report` and `cycle.graph` reply bodies by hand
    with the cb_value API (proto/PROTOCOL.md, section 11) and checks:

    - the report's title, facts and exactly its five sections, in order,
      each ask in its own section with what the spec gives (need, reflect
      including a shared key result, who agreed or declined and when, the
      revisions an agreement wrote with the diff command from each
      revision's parent), the drafts' revisions and their changes as
      Markdown lists, people's text escaped, times in UTC;
    - an empty report: "None." in every section, and no crash on a body
      with nothing in it at all;
    - the dot text: nodes coloured by draft state, alignment edges to a
      draft or its key result's port, a shared key result drawn once, ask
      edges coloured by state (declined dashed), quotes, backslashes,
      newlines and < > & in labels and identifiers escaped, so that
      Graphviz's dot accepts it with no warning and makes an SVG;
    - the same input gives the same bytes (and so does a copy of it);
    - many random graphs (a fixed seed) that dot lays out without a
      word: it has crashed on some shapes (flat edges with ports);
    - cli_graph_svg: an SVG on success, -1 and nothing written when dot is
      missing, fails or writes nothing (a fake dot on PATH).

    Needs Graphviz's dot on PATH. It never sleeps.
    =========================================================================
*/
#include <czmq.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "testutil.h"

//  2026-11-25 00:00 UTC
#define S_DAY 1795564800000LL

static int64_t
s_at (int hour, int minute)
{
    return S_DAY + ((int64_t) hour * 60 + minute) * 60000;
}

//  --------------------------------------------------------------------------
//  Builders: small wrappers that let a tree be written top-down

static void
s_set (cb_value_t *map, const char *key, cb_value_t *value)
{
    cb_value_set (map, key, &value);
}

static void
s_push (cb_value_t *array, cb_value_t *value)
{
    cb_value_push (array, &value);
}

//  An array of strings, NULL-terminated.
static cb_value_t *
s_strs (const char *first, ...)
{
    cb_value_t *array = cb_value_new_array ();
    va_list args;
    va_start (args, first);
    for (const char *s = first; s; s = va_arg (args, const char *))
        s_push (array, cb_value_new_str (s));
    va_end (args);
    return array;
}

static cb_value_t *
s_ref (const char *draft, const char *kr)
{
    cb_value_t *ref = cb_value_new_map ();
    cb_value_set_str (ref, "draft", draft);
    if (kr)
        cb_value_set_str (ref, "kr", kr);
    return ref;
}

//  A KeyResult; baseline < 0 means none, unit NULL means none.
static cb_value_t *
s_kr (const char *id, const char *text, int64_t baseline, int64_t target, const char *unit)
{
    cb_value_t *kr = cb_value_new_map ();
    if (id)
        cb_value_set_str (kr, "id", id);
    cb_value_set_str (kr, "text", text);
    if (baseline >= 0)
        cb_value_set_int (kr, "baseline", baseline);
    cb_value_set_int (kr, "target", target);
    if (unit)
        cb_value_set_str (kr, "unit", unit);
    return kr;
}

static cb_value_t *
s_history (int64_t time, const char *node, const char *action, const char *text)
{
    cb_value_t *h = cb_value_new_map ();
    cb_value_set_int (h, "time", time);
    cb_value_set_str (h, "node", node);
    cb_value_set_str (h, "action", action);
    if (text)
        cb_value_set_str (h, "text", text);
    return h;
}

static cb_value_t *
s_revref (const char *draft, int64_t rev)
{
    cb_value_t *r = cb_value_new_map ();
    cb_value_set_str (r, "draft", draft);
    cb_value_set_int (r, "rev", rev);
    return r;
}

//  An Ask record, without reflect, reason, counter, revisions or history:
//  each test adds those its state has.
static cb_value_t *
s_ask (const char *id, const char *kind, const char *from, const char *to, const char *draft,
       const char *kr, const char *need, const char *state, int64_t created)
{
    cb_value_t *ask = cb_value_new_map ();
    cb_value_set_str (ask, "id", id);
    cb_value_set_str (ask, "event", "e1");
    cb_value_set_str (ask, "kind", kind);
    cb_value_set_str (ask, "from", from);
    cb_value_set_str (ask, "to", to);
    cb_value_set_str (ask, "kr", kr);
    cb_value_set_str (ask, "draft", draft);
    cb_value_set_str (ask, streq (kind, "offer") ? "text" : "need", need);
    cb_value_set_str (ask, "by", "");
    cb_value_set_str (ask, "state", state);
    cb_value_set_int (ask, "created", created);
    cb_value_set_nil (ask, "reflect");
    cb_value_set_nil (ask, "reason");
    cb_value_set_nil (ask, "counter");
    s_set (ask, "revisions", cb_value_new_array ());
    s_set (ask, "history", cb_value_new_array ());
    return ask;
}

static cb_value_t *
s_reflect_kr (const char *type, cb_value_t *kr)
{
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", type);
    s_set (reflect, "kr", kr);
    return reflect;
}

//  A HistoryRevision; parent 0 means nil (a first revision).
static cb_value_t *
s_hrev (const char *draft, int64_t rev, int64_t parent, bool mainline, const char *author,
        int64_t time, const char *message, const char *objective)
{
    cb_value_t *r = cb_value_new_map ();
    cb_value_set_str (r, "draft", draft);
    cb_value_set_int (r, "rev", rev);
    if (parent)
        cb_value_set_int (r, "parent", parent);
    else
        cb_value_set_nil (r, "parent");
    cb_value_set_bool (r, "mainline", mainline);
    cb_value_set_str (r, "author", author);
    cb_value_set_int (r, "time", time);
    cb_value_set_str (r, "message", message);
    cb_value_set_str (r, "objective", objective);
    s_set (r, "changes", cb_value_new_array ());
    return r;
}

static cb_value_t *
s_change_field (const char *field, cb_value_t *from, cb_value_t *to)
{
    cb_value_t *c = cb_value_new_map ();
    cb_value_set_str (c, "field", field);
    s_set (c, "from", from);
    s_set (c, "to", to);
    return c;
}

static cb_value_t *
s_change_kr (const char *kr, const char *change, cb_value_t *value)
{
    cb_value_t *c = cb_value_new_map ();
    cb_value_set_str (c, "kr", kr);
    cb_value_set_str (c, "change", change);
    s_set (c, "value", value);
    return c;
}

//  --------------------------------------------------------------------------
//  The report of a closed event with every kind of outcome

static cb_value_t *
s_event (bool closed)
{
    cb_value_t *event = cb_value_new_map ();
    cb_value_set_str (event, "id", "e1");
    cb_value_set_str (event, "name", "Q1 alignment market");
    cb_value_set_str (event, "cycle", "2027-Q1");
    cb_value_set_str (event, "facilitator", "fac");
    s_set (event, "participants", s_strs ("team-a", "team-b", "team-c", "team-d", NULL));
    cb_value_t *plan = cb_value_new_map ();
    cb_value_set_int (plan, "share", 20);
    cb_value_set_int (plan, "negotiate", 40);
    cb_value_set_int (plan, "commit", 10);
    s_set (event, "plan", plan);
    cb_value_set_str (event, "phase", closed ? "closed" : "negotiate");
    cb_value_set_int (event, "started", s_at (9, 5));
    cb_value_set_int (event, "phase_started", closed ? s_at (10, 15) : s_at (9, 25));
    if (closed)
        cb_value_set_nil (event, "ends");
    else
        cb_value_set_int (event, "ends", s_at (10, 5));
    cb_value_t *shared = cb_value_new_map ();
    cb_value_set_str (shared, "team-a", "d1");
    cb_value_set_str (shared, "team-b", "d2");
    cb_value_set_str (shared, "team-c", "d3");
    s_set (event, "shared", shared);
    s_set (event, "asks", s_strs ("a1", "a2", "a3", "a4", "a5", "a6", NULL));
    cb_value_set_int (event, "created", s_at (9, 0));
    if (closed)
        cb_value_set_int (event, "closed", s_at (10, 15));
    else
        cb_value_set_nil (event, "closed");
    return event;
}

static cb_value_t *
s_report (void)
{
    cb_value_t *report = cb_value_new_map ();
    s_set (report, "event", s_event (true));

    //  Agreed: an ask accepted with a new KR; an ask accepted after a
    //  counter with a shared KR (two revisions); an offer taken.
    cb_value_t *agreed = cb_value_new_array ();
    cb_value_t *a1 = s_ask ("a1", "ask", "team-a", "team-b", "d1", "kr2",
                            "Data pipeline for activation metrics", "accepted", s_at (9, 20));
    cb_value_set_str (a1, "by", "week 4");
    s_set (a1, "reflect", s_reflect_kr ("new_kr",
                          s_kr ("kr4", "Ship activation pipeline", -1, 1, "pipeline")));
    s_push (cb_value_get_array (a1, "revisions"), s_revref ("d2", 5));
    s_push (cb_value_get_array (a1, "history"),
            s_history (s_at (9, 20), "team-a", "ask", "Data pipeline for activation metrics"));
    s_push (cb_value_get_array (a1, "history"), s_history (s_at (9, 30), "team-b", "accept", NULL));
    s_push (agreed, a1);

    cb_value_t *a2 = s_ask ("a2", "ask", "team-a", "team-c", "d1", "kr1",
                            "Co-own the onboarding funnel", "accepted", s_at (9, 21));
    cb_value_t *shared_kr = s_kr ("kr3", "Onboarding completion", 40, 70, "%");
    s_set (shared_kr, "shared_with", s_ref ("d1", "kr5"));
    s_set (a2, "reflect", s_reflect_kr ("shared_kr", shared_kr));
    cb_value_set_str (a2, "counter", "Both of us own it in full");
    s_push (cb_value_get_array (a2, "revisions"), s_revref ("d3", 4));
    s_push (cb_value_get_array (a2, "revisions"), s_revref ("d1", 7));
    s_push (cb_value_get_array (a2, "history"),
            s_history (s_at (9, 21), "team-a", "ask", "Co-own the onboarding funnel"));
    s_push (cb_value_get_array (a2, "history"),
            s_history (s_at (9, 33), "team-c", "counter", "Both of us own it in full"));
    s_push (cb_value_get_array (a2, "history"), s_history (s_at (9, 41), "team-a", "take", NULL));
    s_push (agreed, a2);

    cb_value_t *a3 = s_ask ("a3", "offer", "team-b", "team-c", "d3", "kr2",
                            "We can lend two engineers", "accepted", s_at (9, 26));
    cb_value_t *raise = cb_value_new_map ();
    cb_value_set_str (raise, "type", "raise_target");
    cb_value_set_str (raise, "kr", "kr1");
    s_set (raise, "target", cb_value_new_float (12.5));
    s_set (a3, "reflect", raise);
    s_push (cb_value_get_array (a3, "revisions"), s_revref ("d2", 6));
    s_push (cb_value_get_array (a3, "history"),
            s_history (s_at (9, 26), "team-b", "offer", "We can lend two engineers"));
    s_push (cb_value_get_array (a3, "history"), s_history (s_at (9, 50), "team-c", "take", NULL));
    s_push (agreed, a3);
    s_set (report, "agreed", agreed);

    //  Declined
    cb_value_t *declined = cb_value_new_array ();
    cb_value_t *a4 = s_ask ("a4", "ask", "team-c", "team-b", "d3", "kr1",
                            "Instrument the signup form", "declined", s_at (9, 27));
    cb_value_set_str (a4, "reason", "No capacity before Q2\nask again in April");
    s_push (cb_value_get_array (a4, "history"),
            s_history (s_at (9, 27), "team-c", "ask", "Instrument the signup form"));
    s_push (cb_value_get_array (a4, "history"),
            s_history (s_at (9, 40), "team-b", "decline", "No capacity before Q2\nask again in April"));
    s_push (declined, a4);
    s_set (report, "declined", declined);

    //  Countered, and so unresolved too; and one still open, whose need
    //  holds Markdown and a newline.
    cb_value_t *a5 = s_ask ("a5", "ask", "team-b", "team-a", "d2", "kr2",
                            "Translate the dashboards", "countered", s_at (9, 45));
    cb_value_set_str (a5, "counter", "Only the EU region");
    cb_value_t *raise2 = cb_value_new_map ();
    cb_value_set_str (raise2, "type", "raise_target");
    cb_value_set_str (raise2, "kr", "kr2");
    cb_value_set_int (raise2, "target", 55);
    s_set (a5, "reflect", raise2);
    s_push (cb_value_get_array (a5, "history"),
            s_history (s_at (9, 45), "team-b", "ask", "Translate the dashboards"));
    s_push (cb_value_get_array (a5, "history"),
            s_history (s_at (10, 2), "team-a", "counter", "Only the EU region"));
    cb_value_t *countered = cb_value_new_array ();
    cb_value_t *a5_copy = cb_value_dup (a5);
    s_push (countered, a5);
    s_set (report, "countered", countered);

    cb_value_t *a6 = s_ask ("a6", "ask", "team-c", "team-a", "d3", "kr2",
                            "# Review our *pricing* [draft] <soon> & fast\nsecond line",
                            "open", s_at (10, 4));
    cb_value_t *unresolved = cb_value_new_array ();
    s_push (unresolved, a5_copy);
    s_push (unresolved, a6);
    s_set (report, "unresolved", unresolved);

    //  Drafts: revisions made during the event
    cb_value_t *drafts = cb_value_new_array ();
    cb_value_t *d1 = cb_value_new_map ();
    cb_value_set_str (d1, "draft", "d1");
    cb_value_set_str (d1, "owner", "team-a");
    cb_value_set_str (d1, "objective", "Grow activation in the EU");
    cb_value_t *revs = cb_value_new_array ();
    cb_value_t *r = s_hrev ("d1", 6, 5, true, "team-a", s_at (9, 12), "sharpen objective",
                            "Grow activation in the EU");
    s_push (cb_value_get_array (r, "changes"),
            s_change_field ("objective", cb_value_new_str ("Grow activation"),
                            cb_value_new_str ("Grow activation in the EU")));
    s_push (cb_value_get_array (r, "changes"),
            s_change_field ("aligned_to", cb_value_new_nil (), s_ref ("d9", "kr1")));
    s_push (revs, r);
    r = s_hrev ("d1", 7, 6, true, "team-c", s_at (9, 41),
                "accepts ask a2 from team-a: Co-own the onboarding funnel",
                "Grow activation in the EU");
    shared_kr = s_kr ("kr5", "Onboarding completion", 40, 70, "%");
    s_set (shared_kr, "shared_with", s_ref ("d3", "kr3"));
    s_push (cb_value_get_array (r, "changes"), s_change_kr ("kr5", "added", shared_kr));
    s_push (revs, r);
    s_set (d1, "revisions", revs);
    s_push (drafts, d1);

    cb_value_t *d2 = cb_value_new_map ();
    cb_value_set_str (d2, "draft", "d2");
    cb_value_set_str (d2, "owner", "team-b");
    cb_value_set_str (d2, "objective", "Reliable data platform");
    revs = cb_value_new_array ();
    r = s_hrev ("d2", 5, 4, true, "team-b", s_at (9, 30),
                "accepts ask a1 from team-a: Data pipeline for activation metrics",
                "Reliable data platform");
    s_push (cb_value_get_array (r, "changes"),
            s_change_kr ("kr4", "added", s_kr ("kr4", "Ship activation pipeline", -1, 1, "pipeline")));
    s_push (revs, r);
    r = s_hrev ("d2", 6, 5, true, "team-b", s_at (9, 50),
                "accepts offer a3 to team-c", "Reliable data platform");
    cb_value_t *change = cb_value_new_map ();
    cb_value_set_str (change, "kr", "kr1");
    cb_value_set_str (change, "change", "changed");
    cb_value_t *fields = cb_value_new_array ();
    cb_value_t *field = cb_value_new_map ();
    cb_value_set_str (field, "field", "target");
    cb_value_set_int (field, "from", 10);
    s_set (field, "to", cb_value_new_float (12.5));
    s_push (fields, field);
    s_set (change, "fields", fields);
    s_push (cb_value_get_array (r, "changes"), change);
    s_push (revs, r);
    s_set (d2, "revisions", revs);
    s_push (drafts, d2);

    //  d3: a counter-proposal (revision 3) came in between, so the
    //  revision the accept wrote (4) has parent 2.
    cb_value_t *d3 = cb_value_new_map ();
    cb_value_set_str (d3, "draft", "d3");
    cb_value_set_str (d3, "owner", "team-c");
    cb_value_set_str (d3, "objective", "Smooth onboarding");
    revs = cb_value_new_array ();
    r = s_hrev ("d3", 3, 2, false, "team-a", s_at (9, 15), "a tighter onboarding KR",
                "Smooth onboarding");
    cb_value_set_str (r, "proposal", "p2");
    cb_value_set_str (r, "round", "r4");
    s_push (revs, r);
    r = s_hrev ("d3", 4, 2, true, "team-c", s_at (9, 41),
                "accepts ask a2 from team-a: Co-own the onboarding funnel", "Smooth onboarding");
    shared_kr = s_kr ("kr3", "Onboarding completion", 40, 70, "%");
    s_set (shared_kr, "shared_with", s_ref ("d1", "kr5"));
    s_push (cb_value_get_array (r, "changes"), s_change_kr ("kr3", "added", shared_kr));
    s_push (revs, r);
    s_set (d3, "revisions", revs);
    s_push (drafts, d3);

    //  d4: shared, no revision during the event
    cb_value_t *d4 = cb_value_new_map ();
    cb_value_set_str (d4, "draft", "d4");
    cb_value_set_str (d4, "owner", "team-d");
    cb_value_set_str (d4, "objective", "Keep the lights on");
    s_set (d4, "revisions", cb_value_new_array ());
    s_push (drafts, d4);
    s_set (report, "drafts", drafts);
    return report;
}

//  --------------------------------------------------------------------------
//  Helpers on rendered text

static char *
s_markdown (const cb_value_t *report)
{
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream (&text, &size);
    REQUIRE (file);
    cli_report_markdown (file, report);
    fclose (file);
    return text;
}

static char *
s_dot (const cb_value_t *graph)
{
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream (&text, &size);
    REQUIRE (file);
    cli_graph_dot (file, graph);
    fclose (file);
    return text;
}

static bool
s_starts (const char *text, const char *prefix)
{
    return strncmp (text, prefix, strlen (prefix)) == 0;
}

static int
s_count (const char *text, const char *needle)
{
    int count = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + strlen (needle), needle))
        count++;
    return count;
}

//  Whether needle appears between the heading `from` and the next
//  heading `to` (or the end when to is NULL).
static bool
s_within (const char *text, const char *needle, const char *from, const char *to)
{
    const char *start = strstr (text, from);
    if (!start)
        return false;
    const char *end = to ? strstr (start, to) : NULL;
    const char *hit = strstr (start, needle);
    return hit && (!end || hit < end);
}

#define S_AGREED     "\n## Agreed\n"
#define S_DECLINED   "\n## Declined\n"
#define S_COUNTERED  "\n## Countered\n"
#define S_UNRESOLVED "\n## Unresolved\n"
#define S_DRAFTS     "\n## How each draft changed during the event\n"

//  --------------------------------------------------------------------------
//  The report

static void
s_test_report (void)
{
    cb_value_t *report = s_report ();
    char *md = s_markdown (report);
    if (getenv ("TEST_RENDER_PRINT"))
        fputs (md, stdout);

    //  Title and facts
    CHECK (s_starts (md, "# Q1 alignment market (e1, cycle 2027-Q1)\n\n- **Facilitator:**"));
    CHECK (strstr (md, "\n- **Facilitator:** fac\n"));
    CHECK (strstr (md, "\n- **Participants:** team-a (shared d1), team-b (shared d2), "
                       "team-c (shared d3), team-d (shared no draft)\n"));
    CHECK (strstr (md, "\n- **Created:** 2026-11-25T09:00Z\n"));
    CHECK (strstr (md, "\n- **Started:** 2026-11-25T09:05Z\n"));
    CHECK (strstr (md, "\n- **Closed:** 2026-11-25T10:15Z\n"));
    CHECK (strstr (md, "\n- **Ran for:** 70 min\n"));
    CHECK (strstr (md, "\n- **Plan:** share 20 min, negotiate 40 min, commit 10 min\n"));
    CHECK (strstr (md, "\n- **Times:** UTC\n"));
    CHECK (!strstr (md, "**Phase:**"));

    //  Exactly five sections, in order
    CHECK_INT (s_count (md, "\n## "), 5);
    const char *agreed = strstr (md, S_AGREED);
    const char *declined = strstr (md, S_DECLINED);
    const char *countered = strstr (md, S_COUNTERED);
    const char *unresolved = strstr (md, S_UNRESOLVED);
    const char *drafts = strstr (md, S_DRAFTS);
    REQUIRE (agreed && declined && countered && unresolved && drafts);
    CHECK (agreed < declined && declined < countered && countered < unresolved
           && unresolved < drafts);
    CHECK_INT (s_count (md, "None."), 0);

    //  Agreed: a1, a new KR, one revision with its diff
    CHECK (s_within (md, "\n### a1: team-a asked team-b for help\n", S_AGREED, S_DECLINED));
    CHECK (strstr (md, "\n- **For:** key result kr2 of d1 (team-a's draft)\n"));
    CHECK (strstr (md, "\n- **Need:** Data pipeline for activation metrics\n"));
    CHECK (strstr (md, "\n- **By:** week 4\n"));
    CHECK (strstr (md, "\n- **Asked:** 2026-11-25T09:20Z\n"));
    CHECK (strstr (md, "\n- **Reflected as:** a new key result in team-b's draft: "
                       "**kr4** Ship activation pipeline: 1 pipeline\n"));
    CHECK (strstr (md, "\n- **Agreed:** accepted by team-b, 2026-11-25T09:30Z\n"));
    CHECK (strstr (md, "\n- **Revisions:**\n  - d2 revision 5: `catchball diff d2 4 5`\n"));
    CHECK (strstr (md, "\n  - 2026-11-25T09:20Z team-a asked: Data pipeline for activation "
                       "metrics\n  - 2026-11-25T09:30Z team-b accepted\n"));

    //  a2: a shared KR after a counter; two revisions, the diff from each
    //  revision's parent (d3's is 2: a counter-proposal took 3)
    CHECK (s_within (md, "\n### a2: team-a asked team-c for help\n", S_AGREED, S_DECLINED));
    CHECK (strstr (md, "\n- **Counter:** Both of us own it in full\n"));
    CHECK (strstr (md, "\n- **Reflected as:** a key result shared in full by team-c's and "
                       "team-a's drafts: **kr3** Onboarding completion: 40 -> 70 % "
                       "(shared with d1/kr5)\n"));
    CHECK (strstr (md, "\n- **Agreed:** taken by team-a, 2026-11-25T09:41Z\n"));
    CHECK (strstr (md, "\n  - 2026-11-25T09:41Z team-a took the counter\n"));
    CHECK (strstr (md, "\n  - d3 revision 4: `catchball diff d3 2 4`\n"
                       "  - d1 revision 7: `catchball diff d1 6 7`\n"));

    //  a3: an offer taken, raising a target to a float
    CHECK (s_within (md, "\n### a3: team-b offered help to team-c\n", S_AGREED, S_DECLINED));
    CHECK (strstr (md, "\n- **For:** key result kr2 of d3 (team-c's draft)\n"));
    CHECK (strstr (md, "\n- **Offer:** We can lend two engineers\n"));
    CHECK (strstr (md, "\n- **Offered:** 2026-11-25T09:26Z\n"));
    CHECK (strstr (md, "\n- **Reflected as:** team-b raises the target of its kr1 to 12.5\n"));
    CHECK (strstr (md, "\n- **Agreed:** taken by team-c, 2026-11-25T09:50Z\n"));
    CHECK (strstr (md, "\n  - 2026-11-25T09:50Z team-c took the offer\n"));
    CHECK (strstr (md, "\n  - d2 revision 6: `catchball diff d2 5 6`\n"));

    //  Declined, with who, when and why
    CHECK (s_within (md, "\n### a4: team-c asked team-b for help\n", S_DECLINED, S_COUNTERED));
    CHECK (s_within (md, "\n- **Declined:** declined by team-b, 2026-11-25T09:40Z\n",
                     S_DECLINED, S_COUNTERED));
    CHECK (s_within (md, "\n- **Reason:** No capacity before Q2  \n  ask again in April\n",
                     S_DECLINED, S_COUNTERED));
    //  A second line stays inside its nested list item
    CHECK (s_within (md, "\n  - 2026-11-25T09:40Z team-b declined: No capacity before Q2  \n"
                         "    ask again in April\n", S_DECLINED, S_COUNTERED));

    //  Countered: the counter, the reflect it proposes, who must answer
    CHECK (s_within (md, "\n### a5: team-b asked team-a for help\n", S_COUNTERED, S_UNRESOLVED));
    CHECK (s_within (md, "\n- **Counter:** Only the EU region\n", S_COUNTERED, S_UNRESOLVED));
    CHECK (s_within (md, "\n- **Reflect proposed:** team-a raises the target of its kr2 to 55\n",
                     S_COUNTERED, S_UNRESOLVED));
    CHECK (s_within (md, "\n- **Countered:** countered by team-a, 2026-11-25T10:02Z\n",
                     S_COUNTERED, S_UNRESOLVED));
    CHECK (s_within (md, "\n- **Waiting for:** team-b to take or refuse the counter\n",
                     S_COUNTERED, S_UNRESOLVED));

    //  Unresolved: the countered one points up, the open one in full with
    //  its Markdown escaped and its second line kept inside the item
    CHECK (s_within (md, "\n- a5: team-b asked team-a; countered, see Countered above.\n",
                     S_UNRESOLVED, S_DRAFTS));
    CHECK_INT (s_count (md, "### a5:"), 1);
    CHECK (s_within (md, "\n### a6: team-c asked team-a for help\n", S_UNRESOLVED, S_DRAFTS));
    CHECK (s_within (md, "\n- **Need:** \\# Review our \\*pricing\\* \\[draft\\] \\<soon\\> "
                         "\\& fast  \n  second line\n", S_UNRESOLVED, S_DRAFTS));
    CHECK (s_within (md, "\n- **Waiting for:** team-a to accept, decline or counter\n",
                     S_UNRESOLVED, S_DRAFTS));
    CHECK (!strstr (md, ":** # Review"));

    //  Drafts and their revisions
    CHECK (s_within (md, "\n### d1 (team-a)\n\nObjective: Grow activation in the EU\n\n",
                     S_DRAFTS, NULL));
    CHECK (strstr (md, "\n#### Revision 6: team-a, 2026-11-25T09:12Z\n\n"
                       "- **Message:** sharpen objective\n"
                       "- **Changes:**\n"
                       "  - **objective** \"Grow activation\" -> \"Grow activation in the EU\"\n"
                       "  - **aligned_to** set: d9/kr1\n"
                       "- **See it:** `catchball diff d1 5 6`\n"));
    CHECK (strstr (md, "\n#### Revision 7: team-c, 2026-11-25T09:41Z\n\n"
                       "- **Message:** accepts ask a2 from team-a: Co-own the onboarding funnel\n"
                       "- **Changes:**\n"
                       "  - Added key result **kr5** Onboarding completion: 40 -> 70 % "
                       "(shared with d3/kr3)\n"
                       "- **See it:** `catchball diff d1 6 7`\n"));
    CHECK (strstr (md, "\n  - **kr1** changed: target 10 -> 12.5\n"));
    CHECK (strstr (md, "\n#### Counter-proposal revision 3: team-a, 2026-11-25T09:15Z\n"));
    CHECK (strstr (md, "\n- **Counter-proposal** p2 in round r4, on revision 2\n"
                       "- **Changes:**\n  - No changes.\n"
                       "- **See it:** `catchball diff d3 2 3`\n"));
    CHECK (strstr (md, "\n- **See it:** `catchball diff d3 2 4`\n"));
    CHECK (strstr (md, "\n### d4 (team-d)\n\nObjective: Keep the lights on\n\n"
                       "No revisions during the event.\n"));
    //  Every draft, in the reply's order
    const char *h1 = strstr (md, "\n### d1 ("), *h2 = strstr (md, "\n### d2 (");
    const char *h3 = strstr (md, "\n### d3 ("), *h4 = strstr (md, "\n### d4 (");
    CHECK (h1 && h2 && h3 && h4 && drafts < h1 && h1 < h2 && h2 < h3 && h3 < h4);

    //  No colour codes, whatever the terminal
    cli_render_init (true);
    char *again = s_markdown (report);
    cli_render_init (false);
    CHECK (!strchr (again, '\033'));
    //  Deterministic, and a copy renders the same
    CHECK_STR (again, md);
    cb_value_t *copy = cb_value_dup (report);
    char *from_copy = s_markdown (copy);
    CHECK_STR (from_copy, md);

    free (from_copy);
    cb_value_destroy (&copy);
    free (again);
    free (md);
    cb_value_destroy (&report);
}

//  An event still running, with nothing yet: "None." everywhere.
static void
s_test_report_empty (void)
{
    cb_value_t *report = cb_value_new_map ();
    cb_value_t *event = s_event (false);
    s_set (event, "shared", cb_value_new_map ());
    s_set (report, "event", event);
    s_set (report, "agreed", cb_value_new_array ());
    s_set (report, "declined", cb_value_new_array ());
    s_set (report, "countered", cb_value_new_array ());
    s_set (report, "unresolved", cb_value_new_array ());
    s_set (report, "drafts", cb_value_new_array ());
    char *md = s_markdown (report);

    CHECK_INT (s_count (md, "\n## "), 5);
    CHECK (strstr (md, S_AGREED "\nNone.\n"));
    CHECK (strstr (md, S_DECLINED "\nNone.\n"));
    CHECK (strstr (md, S_COUNTERED "\nNone.\n"));
    CHECK (strstr (md, S_UNRESOLVED "\nNone.\n"));
    CHECK (strstr (md, S_DRAFTS "\nNone.\n"));
    CHECK_INT (s_count (md, "None."), 5);
    CHECK (strstr (md, "team-d (shared no draft)\n"));
    CHECK (strstr (md, "\n- **Phase:** negotiate, since 2026-11-25T09:25Z, ends 2026-11-25T10:05Z "
                       "(the event is not closed)\n"));
    CHECK (!strstr (md, "**Closed:**"));
    CHECK (!strstr (md, "**Ran for:**"));
    CHECK (!strstr (md, "###"));
    free (md);
    cb_value_destroy (&report);

    //  An agreement whose revision the report's drafts do not hold: the
    //  revision shown whole, not a diff from a guessed parent
    report = cb_value_new_map ();
    s_set (report, "event", s_event (true));
    cb_value_t *agreed = cb_value_new_array ();
    cb_value_t *ask = s_ask ("a1", "ask", "team-a", "team-b", "d1", "kr2", "Help", "accepted",
                             s_at (9, 20));
    s_push (cb_value_get_array (ask, "revisions"), s_revref ("d2", 5));
    s_push (agreed, ask);
    s_set (report, "agreed", agreed);
    md = s_markdown (report);
    CHECK (strstr (md, "\n  - d2 revision 5: `catchball draft show d2 --rev 5`\n"));
    CHECK (!strstr (md, "catchball diff"));
    CHECK_INT (s_count (md, "None."), 4);
    free (md);
    cb_value_destroy (&report);

    //  A body with nothing in it: the skeleton, no crash
    report = cb_value_new_map ();
    md = s_markdown (report);
    CHECK_INT (s_count (md, "\n## "), 5);
    CHECK_INT (s_count (md, "None."), 6);     //  the participants, and five sections
    free (md);
    cb_value_destroy (&report);
}

//  --------------------------------------------------------------------------
//  The graph

//  A Draft with content.
static cb_value_t *
s_gdraft (const char *id, const char *owner, const char *state, int64_t head,
          const char *objective)
{
    cb_value_t *d = cb_value_new_map ();
    cb_value_set_str (d, "id", id);
    cb_value_set_str (d, "owner", owner);
    cb_value_set_str (d, "cycle", "2027-Q1");
    cb_value_set_str (d, "state", state);
    cb_value_set_int (d, "head", head);
    cb_value_set_int (d, "revs", head);
    cb_value_set_str (d, "objective", objective);
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "cycle", "2027-Q1");
    cb_value_set_str (content, "objective", objective);
    s_set (content, "key_results", cb_value_new_array ());
    s_set (d, "content", content);
    return d;
}

static cb_value_t *
s_graph (void)
{
    cb_value_t *graph = cb_value_new_map ();
    cb_value_t *drafts = cb_value_new_array ();

    cb_value_t *d1 = s_gdraft ("d1", "lead", "final", 4,
                               "He said \"hi\" \\ back\nnew <line> & more");
    cb_value_t *krs = cb_value_get_array (cb_value_get_map (d1, "content"), "key_results");
    s_push (krs, s_kr ("kr1", "Revenue <EUR> & \"net\"", 10, 14, "M\\EUR"));
    s_push (krs, s_kr ("kr2", "NPS", -1, 50, NULL));
    s_push (drafts, d1);

    cb_value_t *d2 = s_gdraft ("d2", "team-a", "in_round", 6, "Grow activation in the EU");
    cb_value_t *content = cb_value_get_map (d2, "content");
    s_set (content, "aligned_to", s_ref ("d1", "kr2"));
    krs = cb_value_get_array (content, "key_results");
    s_push (krs, s_kr ("kr1", "Activation rate", 40, 60, "%"));
    cb_value_t *shared = s_kr ("kr5", "Onboarding completion", 40, 70, "%");
    s_set (shared, "shared_with", s_ref ("d3", "kr3"));
    s_push (krs, shared);
    s_push (drafts, d2);

    cb_value_t *d3 = s_gdraft ("d3", "team-b", "drafting", 2, "Smooth onboarding");
    content = cb_value_get_map (d3, "content");
    s_set (content, "aligned_to", s_ref ("d1", NULL));
    krs = cb_value_get_array (content, "key_results");
    s_push (krs, s_kr ("kr1", "Signup time", 300, 60, "s"));
    s_push (krs, s_kr ("kr2", "Docs coverage", 20, 80, "%"));
    shared = s_kr ("kr3", "Onboarding completion", 40, 70, "%");
    s_set (shared, "shared_with", s_ref ("d2", "kr5"));
    s_push (krs, shared);
    s_push (drafts, d3);
    s_set (graph, "drafts", drafts);

    cb_value_t *asks = cb_value_new_array ();
    //  Open: d2/kr1 needs team-b (its one draft d3)
    s_push (asks, s_ask ("a1", "ask", "team-a", "team-b", "d2", "kr1",
                         "Data \"pipeline\" for <activation> & more, urgently please, by Friday",
                         "open", s_at (9, 20)));
    //  Countered: d3/kr2 needs team-a
    cb_value_t *ask = s_ask ("a2", "ask", "team-b", "team-a", "d3", "kr2", "Review docs",
                             "countered", s_at (9, 21));
    cb_value_set_str (ask, "counter", "Only the API docs");
    s_push (asks, ask);
    //  Accepted, with the helper's revision naming its draft
    ask = s_ask ("a3", "ask", "team-a", "team-b", "d2", "kr5", "Co-own onboarding",
                 "accepted", s_at (9, 22));
    s_push (cb_value_get_array (ask, "revisions"), s_revref ("d3", 2));
    s_push (cb_value_get_array (ask, "revisions"), s_revref ("d2", 6));
    s_push (asks, ask);
    //  Declined: an offer from lead to team-a for d2/kr1
    ask = s_ask ("a4", "offer", "lead", "team-a", "d2", "kr1", "Budget line\nfor ads",
                 "declined", s_at (9, 23));
    cb_value_set_str (ask, "reason", "Not needed");
    s_push (asks, ask);
    //  Open, to a team with no draft in the graph
    s_push (asks, s_ask ("a5", "ask", "team-b", "team-z", "d3", "kr1", "Faster \\ servers",
                         "open", s_at (9, 24)));
    s_set (graph, "asks", asks);
    return graph;
}

//  Runs dot on the text with output `format` (-Tsvg, -Tplain); true if it
//  exits 0, says nothing on stderr and prints a whole SVG (or plain
//  layout). With out_p, the output is the caller's to free.
static bool
s_dot_run (const char *dot_text, const char *format, char **out_p)
{
    char path [] = "/tmp/test_render_XXXXXX";
    int fd = mkstemp (path);
    REQUIRE (fd >= 0);
    FILE *file = fdopen (fd, "w");
    REQUIRE (file);
    fputs (dot_text, file);
    fclose (file);
    char errors [sizeof (path) + 8];
    snprintf (errors, sizeof (errors), "%s.err", path);
    char command [256];
    snprintf (command, sizeof (command), "dot %s %s 2>%s", format, path, errors);
    FILE *pipe = popen (command, "r");
    REQUIRE (pipe);
    char *svg = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&svg, &size);
    char buffer [4096];
    size_t n;
    while ((n = fread (buffer, 1, sizeof (buffer), pipe)) > 0)
        fwrite (buffer, 1, n, mem);
    fclose (mem);
    int status = pclose (pipe);
    struct stat st;
    bool quiet = stat (errors, &st) == 0 && st.st_size == 0;
    if (!quiet) {
        fprintf (stderr, "dot said:\n");
        FILE *err = fopen (errors, "r");
        while (err && (n = fread (buffer, 1, sizeof (buffer), err)) > 0)
            fwrite (buffer, 1, n, stderr);
        if (err)
            fclose (err);
    }
    bool whole = streq (format, "-Tplain") ? strstr (svg, "\nstop\n") != NULL
               : strstr (svg, "<svg") && strstr (svg, "</svg>");
    bool ok = status == 0 && quiet && whole;
    unlink (path);
    unlink (errors);
    if (out_p)
        *out_p = svg;
    else
        free (svg);
    return ok;
}

static bool
s_dot_accepts (const char *dot_text, char **svg_p)
{
    return s_dot_run (dot_text, "-Tsvg", svg_p);
}

//  Where dot puts a node: its height on the page (-Tplain's y grows up).
//  Returns false if the layout has no such node.
static bool
s_node_y (const char *plain, const char *name, double *y)
{
    char quoted [64], line [96];
    snprintf (quoted, sizeof (quoted), "\"%s\"", name);
    for (int pass = 0; pass < 2; pass++) {
        snprintf (line, sizeof (line), "\nnode %s ", pass ? quoted : name);
        const char *at = strstr (plain, line);
        double x;
        if (at && sscanf (at + strlen (line), "%lf %lf", &x, y) == 2)
            return true;
    }
    return false;
}

//  The line of the text that starts with prefix (after indentation), as a
//  copy the caller frees; NULL if none.
static char *
s_line (const char *text, const char *prefix)
{
    for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL) {
        const char *q = p;
        while (*q == ' ')
            q++;
        if (strncmp (q, prefix, strlen (prefix)) == 0) {
            const char *end = strchr (q, '\n');
            return strndup (q, end ? (size_t) (end - q) : strlen (q));
        }
    }
    return NULL;
}

static void
s_test_graph (void)
{
    cb_value_t *graph = s_graph ();
    char *dot = s_dot (graph);
    if (getenv ("TEST_RENDER_PRINT"))
        fputs (dot, stdout);

    CHECK (s_starts (dot, "digraph catchball {\n    graph [rankdir=BT,"));
    CHECK (strstr (dot, "rankdir=BT"));
    CHECK (strstr (dot, "<B>Cycle 2027-Q1</B>"));

    //  Nodes, coloured by state, with id, owner, objective, KRs as ports
    char *line = s_line (dot, "\"d1\" [");
    REQUIRE (line);
    CHECK (strstr (line, "BGCOLOR=\"#c8e6c9\""));
    free (line);
    line = s_line (dot, "\"d2\" [");
    REQUIRE (line);
    CHECK (strstr (line, "BGCOLOR=\"#fff59d\""));
    free (line);
    line = s_line (dot, "\"d3\" [");
    REQUIRE (line);
    CHECK (strstr (line, "BGCOLOR=\"#e0e0e0\""));
    free (line);
    CHECK (strstr (dot, "<B>d2</B>  team-a  <I>in round, revision 6</I>"));
    CHECK (strstr (dot, "<TD PORT=\"k1\" BALIGN=\"LEFT\" ALIGN=\"LEFT\"><B>kr5</B> "
                        "Onboarding completion: 40 -&gt; 70 % <I>(shared with d3/kr3)</I>"));
    CHECK (strstr (dot, "<B>kr2</B> NPS: 50</TD>"));

    //  Escaping: HTML labels get entities and <BR/>, quoted strings \" \\ \n
    //  (a backslash doubled in HTML text, four times in a tooltip: Graphviz
    //  reads those escapes once and twice)
    CHECK (strstr (dot, ">He said &quot;hi&quot; \\\\ back<BR/>new &lt;line&gt; &amp; more</TD>"));
    CHECK (strstr (dot, "[tooltip=\"He said \\\"hi\\\" \\\\\\\\ back\\nnew <line> & more\""));
    CHECK (strstr (dot, "<B>kr1</B> Revenue &lt;EUR&gt; &amp; &quot;net&quot;: 10 -&gt; 14 M\\\\EUR"));
    CHECK (!strstr (dot, "<EUR>"));

    //  Alignment: d2 to d1's kr2 (row 1), d3 to d1 as a whole
    CHECK (strstr (dot, "\n    \"d2\" -> \"d1\":\"k1\" [color=\"#444444\""));
    CHECK (strstr (dot, "\n    \"d3\" -> \"d1\" [color=\"#444444\""));
    //  One row per level of alignment: the leadership's draft on top
    CHECK (strstr (dot, "\n    { rank=same; \"level:0\" [style=invis, shape=point]; \"d1\"; }\n"
                        "    { rank=same; \"level:1\" [style=invis, shape=point]; \"d2\"; \"d3\"; }\n"
                        "    \"level:1\" -> \"level:0\" [style=invis];\n"));
    //  The shared KR, once: a box below both rows, a dotted line to each
    CHECK_INT (s_count (dot, "style=\"rounded,dotted\""), 1);
    CHECK (strstr (dot, "\n    \"shared:d2/kr5\" -> \"d2\":\"k1\" [dir=none, style=dotted"));
    CHECK (strstr (dot, "\n    \"shared:d2/kr5\" -> \"d3\":\"k2\" [dir=none, style=dotted"));
    CHECK (strstr (dot, "tooltip=\"d2/kr5 and d3/kr3: one shared key result\""));

    //  Asks by state: a box hung from the KR that needs help, an arrow on
    //  to the helper's draft that places nothing; a long need is cut at
    //  a word and says so with an ellipsis
    CHECK (strstr (dot, "\n    \"ask:a1\" [shape=box, style=\"rounded\", color=\"darkorange\", "
                        "fontcolor=\"darkorange\", fontsize=9, label=<<B>a1</B> ask open"
                        "<BR/>Data &quot;pipeline&quot; for &lt;activation&gt; &amp;\xe2\x80\xa6>"));
    CHECK (strstr (dot, "\n    \"ask:a1\" -> \"d2\":\"k0\" [dir=none, color=\"darkorange\"];"
                        "\n    \"ask:a1\" -> \"d3\" [color=\"darkorange\", constraint=false];\n"));
    CHECK (strstr (dot, "\n    \"ask:a2\" -> \"d3\":\"k1\" [dir=none, color=\"royalblue\"]"));
    CHECK (strstr (dot, "\n    \"ask:a2\" -> \"d2\" [color=\"royalblue\""));
    CHECK (strstr (dot, "\n    \"ask:a3\" -> \"d2\":\"k1\" [dir=none, color=\"forestgreen\"]"));
    CHECK (strstr (dot, "\n    \"ask:a3\" -> \"d3\" [color=\"forestgreen\""));
    line = s_line (dot, "\"ask:a4\" [");
    REQUIRE (line);
    CHECK (strstr (line, "color=\"firebrick\""));
    CHECK (strstr (line, "style=\"rounded,dashed\""));
    CHECK (strstr (line, "label=<<B>a4</B> offer declined<BR/>Budget line<BR/>for ads>"));
    CHECK (strstr (line, "\\nreason: Not needed\""));
    free (line);
    CHECK (strstr (dot, "\n    \"ask:a4\" -> \"d2\":\"k0\" [dir=none, color=\"firebrick\", "
                        "style=dashed];\n    \"ask:a4\" -> \"d1\" [color=\"firebrick\", "
                        "style=dashed, constraint=false];\n"));
    CHECK_INT (s_count (dot, "style=dashed"), 2);
    CHECK (strstr (dot, "\n    \"team:team-z\" [shape=box, style=\"rounded,dashed\", "
                        "label=<team-z>];\n"));
    CHECK (strstr (dot, "\n    \"ask:a5\" -> \"team:team-z\" [color=\"darkorange\""));
    CHECK (strstr (dot, "Faster \\\\\\\\ servers\""));

    //  Only alignment places drafts: every other line says so, and the
    //  legend says which way each kind of arrow points
    CHECK_INT (s_count (dot, "constraint=false"), 5);
    CHECK (strstr (dot, "black arrows point up, from a draft to what it is aligned to"));
    CHECK (strstr (dot, "an arrow from the key result that needs help to the team that helps"));

    //  dot accepts it, silently, and shows people's text as they typed it
    char *svg = NULL;
    CHECK (s_dot_accepts (dot, &svg));
    CHECK (strstr (svg, ">He said &quot;hi&quot; \\ back</text>"));
    CHECK (strstr (svg, ">new &lt;line&gt; &amp; more</text>"));
    CHECK (strstr (svg, "xlink:title=\"He said &quot;hi&quot; \\ back&#10;new &lt;line&gt; "
                        "&amp; more\""));
    CHECK (strstr (svg, " Revenue &lt;EUR&gt; &amp; &quot;net&quot;: 10 &#45;&gt; 14 M\\EUR</text>"));
    CHECK (strstr (svg, ">Faster \\ servers</text>"));
    CHECK (strstr (svg, "&#10;Faster \\ servers\""));
    free (svg);

    //  Deterministic
    char *again = s_dot (graph);
    CHECK_STR (again, dot);
    cb_value_t *copy = cb_value_dup (graph);
    char *from_copy = s_dot (copy);
    CHECK_STR (from_copy, dot);
    free (from_copy);
    cb_value_destroy (&copy);
    free (again);

    //  A draft aligned to one outside the graph, with an id that needs
    //  quoting, gets a stub node, declared once
    cb_value_t *d3 = cb_value_at (cb_value_get_array (graph, "drafts"), 2);
    s_set (cb_value_get_map (d3, "content"), "aligned_to", s_ref ("d\"9\\", "kr1"));
    cb_value_t *d2 = cb_value_at (cb_value_get_array (graph, "drafts"), 1);
    s_set (cb_value_get_map (d2, "content"), "aligned_to", s_ref ("d\"9\\", NULL));
    char *stubbed = s_dot (graph);
    CHECK_INT (s_count (stubbed, "\"d\\\"9\\\\\" [shape=box, style=dashed, "
                                 "label=<d&quot;9\\\\<BR/><I>not in this graph</I>>];"), 1);
    CHECK (strstr (stubbed, "\n    \"d3\" -> \"d\\\"9\\\\\" [color=\"#444444\""));
    CHECK (s_dot_accepts (stubbed, NULL));
    free (stubbed);

    //  Links to key results their drafts no longer have: said on the arrow
    //  and in the row, never drawn as if they held
    s_set (cb_value_get_map (d2, "content"), "aligned_to", s_ref ("d1", "kr9"));
    cb_value_t *d3_kr3 = cb_value_at (cb_value_get_array (cb_value_get_map (d3, "content"),
                                                          "key_results"), 2);
    s_set (d3_kr3, "shared_with", s_ref ("d2", "kr7"));
    char *gone = s_dot (graph);
    CHECK (strstr (gone, "\n    \"d2\" -> \"d1\" [color=\"firebrick\", fontcolor=\"firebrick\", "
                         "style=dashed, penwidth=1.5, label=<kr9 is gone>, "
                         "tooltip=\"d2 aligns to d1/kr9, which is no longer there\"];"));
    CHECK (strstr (gone, "(shared with d2/kr7, <FONT COLOR=\"firebrick\">which d2 no longer "
                         "shares</FONT>)"));
    //  ... and d2's half, which d3 no longer names back (as after an
    //  unlink): no shared box, and the row says it is broken
    CHECK (strstr (gone, "(shared with d3/kr3, <FONT COLOR=\"firebrick\">which d3 no longer "
                         "shares</FONT>)"));
    CHECK (!strstr (gone, "\"shared:"));
    CHECK (s_dot_accepts (gone, NULL));
    free (gone);

    //  A key result with check-ins (issue 14): where it stands, exactly.
    cb_value_t *first = cb_value_at (cb_value_get_array (cb_value_get_map (
        cb_value_at (cb_value_get_array (graph, "drafts"), 0), "content"), "key_results"), 0);
    cb_value_t *progress = cb_value_new_map ();
    s_set (progress, "current", cb_value_new_float (47.5));
    cb_value_set_int (progress, "confidence", 2);
    cb_value_set_str (progress, "checkin", "c3");
    s_set (first, "progress", progress);
    char *checked = s_dot (graph);
    CHECK (strstr (checked, " <I>(now 47.5, confidence 2/5)</I>") != NULL);
    CHECK (s_dot_accepts (checked, NULL));
    free (checked);

    //  No drafts, no asks; and nothing at all
    cb_value_t *empty = cb_value_new_map ();
    s_set (empty, "drafts", cb_value_new_array ());
    s_set (empty, "asks", cb_value_new_array ());
    char *none = s_dot (empty);
    CHECK (strstr (none, "<B>No drafts</B>"));
    CHECK (s_dot_accepts (none, NULL));
    free (none);
    cb_value_destroy (&empty);
    empty = cb_value_new_map ();
    none = s_dot (empty);
    CHECK (s_dot_accepts (none, NULL));
    free (none);
    cb_value_destroy (&empty);

    free (dot);
    cb_value_destroy (&graph);
}

//  Random graphs, from a fixed seed.
static uint32_t s_seed = 12345;

static uint32_t
s_random (uint32_t range)
{
    s_seed = s_seed * 1103515245 + 12345;
    return (s_seed >> 8) % range;
}

//  A random graph from the seed: up to 7 drafts, each aligned to an
//  earlier one (or to one outside the graph) or to nothing, and, with
//  `links`, shared key results and asks. Without them it draws the same
//  random numbers, so the same seed gives the same drafts and alignment.
static cb_value_t *
s_random_graph (bool links)
{
    const char *states [] = { "drafting", "in_round", "final" };
    const char *ask_states [] = { "open", "countered", "accepted", "declined" };
    cb_value_t *graph = cb_value_new_map ();
    cb_value_t *drafts = cb_value_new_array ();
    uint32_t count = 1 + s_random (7);
    for (uint32_t i = 0; i < count; i++) {
        char id [16], owner [16];
        snprintf (id, sizeof (id), "d%u", i + 1);
        snprintf (owner, sizeof (owner), "team-%u", s_random (count) + 1);
        cb_value_t *d = s_gdraft (id, owner, states [s_random (3)], 1 + s_random (9),
                                  "An objective that is long enough to wrap once or twice "
                                  "in a node");
        cb_value_t *content = cb_value_get_map (d, "content");
        cb_value_t *krs = cb_value_get_array (content, "key_results");
        uint32_t kr_count = 1 + s_random (4);
        for (uint32_t k = 0; k < kr_count; k++) {
            char kr [16];
            snprintf (kr, sizeof (kr), "kr%u", k + 1);
            cb_value_t *value = s_kr (kr, "A key result", s_random (2) ? 10 : -1, 20, "%");
            if (s_random (4) == 0) {
                char other [16];
                snprintf (other, sizeof (other), "d%u", s_random (count + 1) + 1);
                if (links)
                    s_set (value, "shared_with", s_ref (other, "kr1"));
            }
            s_push (krs, value);
        }
        if (i > 0 && s_random (4)) {
            char target [16];
            snprintf (target, sizeof (target), "d%u", s_random (i) + 1);
            s_set (content, "aligned_to", s_ref (target, s_random (2) ? "kr1" : NULL));
        }
        else
        if (s_random (5) == 0)
            s_set (content, "aligned_to", s_ref ("d99", "kr2"));
        s_push (drafts, d);
    }
    s_set (graph, "drafts", drafts);
    cb_value_t *asks = cb_value_new_array ();
    uint32_t ask_count = s_random (8);
    for (uint32_t i = 0; i < ask_count; i++) {
        char id [16], from [16], to [16], draft [16], kr [16];
        snprintf (id, sizeof (id), "a%u", i + 1);
        snprintf (from, sizeof (from), "team-%u", s_random (count) + 1);
        snprintf (to, sizeof (to), "team-%u", s_random (count + 1) + 1);
        snprintf (draft, sizeof (draft), "d%u", s_random (10) ? s_random (count) + 1 : 99);
        snprintf (kr, sizeof (kr), "kr%u", s_random (4) + 1);
        cb_value_t *ask = s_ask (id, s_random (3) ? "ask" : "offer", from, to, draft, kr,
                                 "Help us with this, please", ask_states [s_random (4)],
                                 s_at (9, (int) i));
        if (s_random (3) == 0) {
            char helper [16];
            snprintf (helper, sizeof (helper), "d%u", s_random (count) + 1);
            s_push (cb_value_get_array (ask, "revisions"), s_revref (helper, 2));
        }
        if (links)
            s_push (asks, ask);
        else
            cb_value_destroy (&ask);
    }
    s_set (graph, "asks", asks);
    return graph;
}

//  The layout of a random graph keeps the hierarchy of alignment (issue
//  12): every alignment arrow points up, and the asks and shared key
//  results drawn with it move no draft to another row: any two drafts are
//  above, beside or below each other as in the same graph without them.
//  Returns the number of failed checks.
static int
s_check_layout (const cb_value_t *graph, const char *plain, const char *bare)
{
    int failed = 0;
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        const char *id = cli_str (cb_value_at (drafts, i), "id");
        const char *target = cb_value_get_str (cb_value_get_map (cb_value_get_map (
            cb_value_at (drafts, i), "content"), "aligned_to"), "draft");
        double y, ty, by;
        if (!s_node_y (plain, id, &y) || !s_node_y (bare, id, &by)) {
            fprintf (stderr, "test_render: %s is not in the layout\n", id);
            failed++;
            continue;
        }
        if (target && s_node_y (plain, target, &ty) && !(ty > y)) {
            fprintf (stderr, "test_render: %s's alignment to %s points down\n", id, target);
            failed++;
        }
        for (size_t j = 0; j < i; j++) {
            const char *other = cli_str (cb_value_at (drafts, j), "id");
            double oy, oby;
            if (!s_node_y (plain, other, &oy) || !s_node_y (bare, other, &oby))
                continue;
            int with = (y > oy + 0.01) - (y < oy - 0.01);
            int without = (by > oby + 0.01) - (by < oby - 0.01);
            if (with != without) {
                fprintf (stderr, "test_render: asks and shared key results moved %s "
                                 "against %s\n", id, other);
                failed++;
            }
        }
    }
    return failed;
}

//  Many random graphs, from a fixed seed: drafts aligned to one another
//  (or to drafts outside the graph), shared key results, asks between
//  any two teams in any state. Graphviz's dot has crashed on some shapes
//  (flat edges with ports and labels); each of these must lay out,
//  silently, and keep the hierarchy.
static void
s_test_graph_shapes (void)
{
    int failed = 0, moved = 0;
    for (int round = 0; round < 200; round++) {
        uint32_t seed = s_seed;
        cb_value_t *graph = s_random_graph (true);
        uint32_t after = s_seed;
        s_seed = seed;
        cb_value_t *bare_graph = s_random_graph (false);
        REQUIRE (s_seed == after);
        char *dot = s_dot (graph), *bare_dot = s_dot (bare_graph);
        char *plain = NULL, *bare = NULL;
        if (!s_dot_run (dot, "-Tplain", &plain) || !s_dot_run (bare_dot, "-Tplain", &bare)) {
            failed++;
            if (failed == 1)
                fprintf (stderr, "test_render: dot refused random graph %d:\n%s", round, dot);
        }
        else
        if (s_check_layout (graph, plain, bare)) {
            moved++;
            if (moved == 1)
                fprintf (stderr, "test_render: random graph %d:\n%s", round, dot);
        }
        free (plain);
        free (bare);
        free (dot);
        free (bare_dot);
        cb_value_destroy (&graph);
        cb_value_destroy (&bare_graph);
    }
    CHECK_INT (failed, 0);
    CHECK_INT (moved, 0);
}

//  cli_graph_svg into a memory file; returns its result, *text the output.
static int
s_svg (const cb_value_t *graph, char **text)
{
    size_t size = 0;
    FILE *file = open_memstream (text, &size);
    REQUIRE (file);
    int rc = cli_graph_svg (file, graph);
    fclose (file);
    return rc;
}

//  A fake dot in its own directory, first on PATH.
static void
s_fake_dot (const char *dir, const char *script)
{
    char path [256];
    snprintf (path, sizeof (path), "%s/dot", dir);
    FILE *file = fopen (path, "w");
    REQUIRE (file);
    fprintf (file, "#!/bin/sh\n%s\n", script);
    fclose (file);
    REQUIRE (chmod (path, 0755) == 0);
}

static void
s_test_svg (void)
{
    cb_value_t *graph = s_graph ();
    char *svg = NULL;
    CHECK_INT (s_svg (graph, &svg), 0);
    CHECK (strstr (svg, "<svg"));
    CHECK (strstr (svg, "</svg>"));
    CHECK (strstr (svg, "a1</text>") || strstr (svg, ">a1<"));
    free (svg);

    //  Failures: -1, and nothing written to the caller's file
    fprintf (stderr, "test_render: four messages from cli_graph_svg are expected:\n");
    const char *old_path = getenv ("PATH");
    char *saved = strdup (old_path ? old_path : "/usr/bin:/bin");
    char dir [] = "/tmp/test_render_bin_XXXXXX";
    REQUIRE (mkdtemp (dir));

    setenv ("PATH", dir, 1);            //  no dot at all
    CHECK_INT (s_svg (graph, &svg), -1);
    CHECK_INT (strlen (svg), 0);
    free (svg);

    char path [256];
    snprintf (path, sizeof (path), "%s:/usr/bin:/bin", dir);
    setenv ("PATH", path, 1);
    s_fake_dot (dir, "cat >/dev/null; echo '<svg partial'; exit 3");
    CHECK_INT (s_svg (graph, &svg), -1);
    CHECK_INT (strlen (svg), 0);
    free (svg);

    s_fake_dot (dir, "exit 0");         //  reads nothing, writes nothing
    CHECK_INT (s_svg (graph, &svg), -1);
    CHECK_INT (strlen (svg), 0);
    free (svg);

    s_fake_dot (dir, "kill -9 $$");
    CHECK_INT (s_svg (graph, &svg), -1);
    CHECK_INT (strlen (svg), 0);
    free (svg);

    setenv ("PATH", saved, 1);
    snprintf (path, sizeof (path), "%s/dot", dir);
    unlink (path);
    rmdir (dir);
    free (saved);
    cb_value_destroy (&graph);
}

int
main (void)
{
    //  A local time zone that is not UTC (a POSIX rule, no tzdata needed):
    //  the report must still print UTC.
    setenv ("TZ", "IST-5:30", 1);
    tzset ();
    s_test_report ();
    s_test_report_empty ();
    s_test_graph ();
    s_test_graph_shapes ();
    s_test_svg ();
    return TEST_DONE ();
}
