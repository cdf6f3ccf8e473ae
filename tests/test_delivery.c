/*  =========================================================================
    test_delivery - every inbox delivery as a person reads it (issue 12)

    One delivery of each kind that proto/PROTOCOL.md lists (sections 7 and
    11), built by hand with the cb_value API, through cli_render_delivery:

    - each reads as a sentence that names who did what, with its times in
      local time (ISO 8601 with the offset), never as milliseconds since
      1970 and never as raw JSON;
    - each that wants an answer ends with the exact commands that give it:
      a round thrown (feedback, counter, endorse), an ask (accept, counter,
      decline), an offer and a counter (take, refuse), a broken link (the
      revision that re-aligns);
    - one that wants none (an accept, a phase) offers no answer.

    It never sleeps.
    =========================================================================
*/
#include <czmq.h>

#include "cli.h"
#include "testutil.h"

//  2026-11-25 09:00 UTC
#define S_NINE 1795597200000LL

static void
s_set (cb_value_t *map, const char *key, cb_value_t *value)
{
    cb_value_set (map, key, &value);
}

static cb_value_t *
s_strs (const char *a, const char *b)
{
    cb_value_t *array = cb_value_new_array ();
    cb_value_t *v = cb_value_new_str (a);
    cb_value_push (array, &v);
    if (b) {
        v = cb_value_new_str (b);
        cb_value_push (array, &v);
    }
    return array;
}

static cb_value_t *
s_kr (const char *id, const char *text, int64_t target, const char *unit)
{
    cb_value_t *kr = cb_value_new_map ();
    if (id)
        cb_value_set_str (kr, "id", id);
    cb_value_set_str (kr, "text", text);
    cb_value_set_int (kr, "target", target);
    cb_value_set_str (kr, "unit", unit);
    return kr;
}

//  The delivery {seq, time, kind, body} as text; the caller frees it.
static char *
s_render (const char *kind, cb_value_t *body)
{
    cb_value_t *delivery = cb_value_new_map ();
    cb_value_set_int (delivery, "seq", 7);
    cb_value_set_int (delivery, "time", S_NINE);
    cb_value_set_str (delivery, "kind", kind);
    s_set (delivery, "body", body);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    cli_render_delivery (out, delivery);
    fclose (out);
    cb_value_destroy (&delivery);
    return text;
}

//  Nothing raw: no JSON braces, no time in ms since 1970.
static void
s_check_readable (const char *text)
{
    CHECK (strstr (text, "#7 2026-11-25T10:00+01:00") == text);
    CHECK (!strchr (text, '{'));
    CHECK (!strstr (text, "1795"));
    if (strchr (text, '{') || strstr (text, "1795"))
        fprintf (stderr, "raw:\n%s\n", text);
}

static void
s_check_has (const char *text, const char *part)
{
    bool found = strstr (text, part) != NULL;
    CHECK (found);
    if (!found)
        fprintf (stderr, "missing '%s' in:\n%s\n", part, text);
}

//  An ask record, as in PROTOCOL.md section 11.
static cb_value_t *
s_ask (const char *kind, const char *state)
{
    bool offer = streq (kind, "offer");
    cb_value_t *ask = cb_value_new_map ();
    cb_value_set_str (ask, "id", "a1");
    cb_value_set_str (ask, "event", "e1");
    cb_value_set_str (ask, "kind", kind);
    cb_value_set_str (ask, "from", offer ? "team-b" : "team-a");
    cb_value_set_str (ask, "to", offer ? "team-a" : "team-b");
    cb_value_set_str (ask, "kr", "kr2");
    cb_value_set_str (ask, "kr_text", "Activation rate");
    cb_value_set_str (ask, "draft", "d1");
    cb_value_set_str (ask, "helper_draft", "d2");
    cb_value_set_str (ask, offer ? "text" : "need", offer ? "we run the onboarding calls"
                                                         : "onboarding calls for new users");
    cb_value_set_str (ask, "by", "week 4");
    cb_value_set_str (ask, "state", state);
    cb_value_set_int (ask, "created", S_NINE);
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", "new_kr");
    s_set (reflect, "kr", s_kr (NULL, "Onboarding calls held", 40, "calls"));
    if (offer || !streq (state, "open"))
        s_set (ask, "reflect", reflect);
    else
        cb_value_destroy (&reflect);
    s_set (ask, "revisions", cb_value_new_array ());
    cb_value_t *history = cb_value_new_array ();
    cb_value_t *entry = cb_value_new_map ();
    cb_value_set_int (entry, "time", S_NINE);
    cb_value_set_str (entry, "node", cb_value_get_str (ask, "from"));
    cb_value_set_str (entry, "action", kind);
    cb_value_push (history, &entry);
    s_set (ask, "history", history);
    return ask;
}

//  Appends the step {node, action, text?} to the ask's history.
static cb_value_t *
s_step (cb_value_t *ask, const char *node, const char *action, const char *text)
{
    cb_value_t *entry = cb_value_new_map ();
    cb_value_set_int (entry, "time", S_NINE);
    cb_value_set_str (entry, "node", node);
    cb_value_set_str (entry, "action", action);
    if (text)
        cb_value_set_str (entry, "text", text);
    cb_value_push (cb_value_get_array (ask, "history"), &entry);
    return ask;
}

static cb_value_t *
s_wrap (cb_value_t *ask)
{
    cb_value_t *body = cb_value_new_map ();
    s_set (body, "ask", ask);
    return body;
}

static void
s_test_rounds (void)
{
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "objective", "Grow activation");
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = s_kr ("kr1", "Activation rate", 60, "%");
    cb_value_push (krs, &kr);
    s_set (content, "key_results", krs);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "round", "r3");
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_int (body, "rev", 2);
    cb_value_set_str (body, "owner", "lead");
    cb_value_set_str (body, "question", "Can you carry kr1?");
    cb_value_set_int (body, "deadline", S_NINE + 3600000);
    s_set (body, "content", content);
    char *text = s_render ("round.thrown", body);
    s_check_readable (text);
    s_check_has (text, "lead threw d1 revision 2 to you in round r3");
    s_check_has (text, "answer by 2026-11-25T11:00+01:00");
    s_check_has (text, "answer: catchball feedback r3 --kind suggestion|concern|support|"
                       "cannot-align TEXT");
    s_check_has (text, "or: catchball counter r3 FILE --message M");
    s_check_has (text, "or: catchball endorse r3 --confidence 0-5");
    free (text);

    body = cb_value_new_map ();
    cb_value_set_str (body, "round", "r3");
    cb_value_set_str (body, "draft", "d1");
    cb_value_t *response = cb_value_new_map ();
    cb_value_set_str (response, "id", "f1");
    cb_value_set_str (response, "author", "team-a");
    cb_value_set_str (response, "type", "feedback");
    cb_value_set_str (response, "kind", "concern");
    cb_value_set_str (response, "text", "too steep");
    s_set (body, "response", response);
    text = s_render ("round.response", body);
    s_check_readable (text);
    s_check_has (text, "answer in round r3 on d1");
    s_check_has (text, "team-a       concern: too steep");
    free (text);

    body = cb_value_new_map ();
    cb_value_set_str (body, "round", "r3");
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_int (body, "rev", 2);
    cb_value_set_str (body, "closed_by", "deadline");
    s_set (body, "answered", s_strs ("team-a", NULL));
    s_set (body, "missing", s_strs ("team-b", NULL));
    s_set (body, "responses", s_strs ("f1", NULL));
    text = s_render ("round.closed", body);
    s_check_readable (text);
    s_check_has (text, "round r3 on d1 closed (deadline): 1 response(s); no answer from team-b");
    free (text);

    body = cb_value_new_map ();
    cb_value_set_str (body, "proposal", "p1");
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_int (body, "rev", 4);
    cb_value_set_str (body, "by", "lead");
    text = s_render ("proposal.adopted", body);
    s_check_readable (text);
    s_check_has (text, "lead adopted your counter-proposal p1 as d1 revision 4");
    free (text);

    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_int (body, "rev", 4);
    cb_value_set_str (body, "objective", "Grow activation");
    text = s_render ("draft.final", body);
    s_check_readable (text);
    s_check_has (text, "d1 is final at revision 4: Grow activation");
    free (text);
}

static void
s_test_event (void)
{
    const char *phases [] = { "share", "negotiate", "commit", "closed" };
    const char *says [] = {
        "is in its share phase until 2026-11-25T10:20+01:00\n"
        "  share your draft: catchball event share e1 DRAFT",
        "is in its negotiate phase until 2026-11-25T10:20+01:00\n"
        "  ask for help: catchball ask new e1 --to NODE --kr KR --need TEXT",
        "is in its commit phase until 2026-11-25T10:20+01:00\n"
        "  answer the asks still open: catchball event show e1",
        "is closed; its record: catchball report e1"
    };
    for (int i = 0; i < 4; i++) {
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "event", "e1");
        cb_value_set_str (body, "name", "Q1 market");
        cb_value_set_str (body, "phase", phases [i]);
        if (i < 3)
            cb_value_set_int (body, "ends", S_NINE + 20 * 60000);
        else
            s_set (body, "ends", cb_value_new_nil ());
        char *text = s_render ("event.phase", body);
        s_check_readable (text);
        s_check_has (text, "event e1 \"Q1 market\" ");
        s_check_has (text, says [i]);
        free (text);
    }
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", "e1");
    cb_value_set_str (body, "name", "Q1 market");
    cb_value_set_str (body, "by", "fac");
    cb_value_set_str (body, "text", "a6 is waiting for you");
    char *text = s_render ("event.nudge", body);
    s_check_readable (text);
    s_check_has (text, "fac nudges you in event e1 \"Q1 market\": a6 is waiting for you");
    s_check_has (text, "what waits for you: catchball todo");
    free (text);
}

static void
s_test_asks (void)
{
    //  An ask to the helper: accept, counter or decline.
    char *text = s_render ("ask.new", s_wrap (s_ask ("ask", "open")));
    s_check_readable (text);
    s_check_has (text, "team-a asks you for help (ask a1, event e1) with d1 kr2 "
                       "\"Activation rate\":\n  onboarding calls for new users (by week 4)");
    s_check_has (text, "answer: catchball ask accept a1 (--new-kr JSON | "
                       "--raise-target KR=N | --shared-kr JSON)");
    s_check_has (text, "or: catchball ask counter a1 --text T (--new-kr JSON");
    s_check_has (text, "or: catchball ask decline a1 --reason R");
    free (text);

    //  An offer to the team helped: take or refuse.
    text = s_render ("ask.new", s_wrap (s_ask ("offer", "open")));
    s_check_readable (text);
    s_check_has (text, "team-b offers you help (offer a1, event e1) with d1 kr2");
    s_check_has (text, "we run the onboarding calls");
    s_check_has (text, "if you take it, team-b's draft d2 will add the key result "
                       "\"Onboarding calls held\", target 40 calls");
    s_check_has (text, "answer: catchball ask take a1");
    s_check_has (text, "or: catchball ask refuse a1 --reason R");
    CHECK (!strstr (text, "ask accept"));
    free (text);

    //  A counter, to the asking team: take or refuse.
    cb_value_t *ask = s_step (s_ask ("ask", "countered"), "team-b", "counter", "20 calls, not 40");
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", "raise_target");
    cb_value_set_str (reflect, "kr", "kr3");
    cb_value_set_int (reflect, "target", 70);
    s_set (ask, "reflect", reflect);
    text = s_render ("ask.update", s_wrap (ask));
    s_check_readable (text);
    s_check_has (text, "team-b countered your ask a1 (for d1 kr2 \"Activation rate\"), "
                       "now countered:\n  20 calls, not 40");
    s_check_has (text, "if you take it, team-b's draft d2 will raise kr3's target to 70");
    s_check_has (text, "answer: catchball ask take a1");
    s_check_has (text, "or: catchball ask refuse a1 --reason R");
    free (text);

    //  An accept: what it wrote, and nothing to answer.
    ask = s_step (s_ask ("ask", "accepted"), "team-b", "accept", NULL);
    cb_value_t *rev = cb_value_new_map ();
    cb_value_set_str (rev, "draft", "d2");
    cb_value_set_int (rev, "rev", 3);
    cb_value_set_int (rev, "parent", 2);
    cb_value_push (cb_value_get_array (ask, "revisions"), &rev);
    text = s_render ("ask.update", s_wrap (ask));
    s_check_readable (text);
    s_check_has (text, "team-b accepted your ask a1 (for d1 kr2 \"Activation rate\"), now accepted");
    s_check_has (text, "d2 revision 3 writes it in: catchball diff d2 2 3");
    CHECK (!strstr (text, "answer:"));
    free (text);

    text = s_render ("ask.update", s_wrap (s_step (s_ask ("ask", "declined"), "team-b",
                                                   "decline", "no capacity")));
    s_check_readable (text);
    s_check_has (text, "team-b declined your ask a1 (for d1 kr2 \"Activation rate\"), "
                       "now declined:\n  no capacity");
    CHECK (!strstr (text, "answer:"));
    free (text);

    ask = s_step (s_ask ("ask", "declined"), "team-b", "counter", "less");
    text = s_render ("ask.update", s_wrap (s_step (ask, "team-a", "refuse", "too little")));
    s_check_readable (text);
    s_check_has (text, "team-a refused your counter on ask a1");
    s_check_has (text, "too little");
    free (text);

    text = s_render ("ask.update", s_wrap (s_step (s_ask ("offer", "accepted"), "team-a",
                                                   "take", NULL)));
    s_check_readable (text);
    s_check_has (text, "team-a took your offer a1");
    free (text);

    text = s_render ("ask.update", s_wrap (s_step (s_ask ("offer", "declined"), "team-a",
                                                   "refuse", "we have it")));
    s_check_readable (text);
    s_check_has (text, "team-a refused your offer a1");
    free (text);
}

//  link.broken (issue 12, section 4): whose revision broke which link,
//  why, the key result's diff, and the revision that answers it.
static void
s_test_links (void)
{
    //  The key result one of our drafts aligns to was removed.
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_int (body, "rev", 4);
    cb_value_set_str (body, "by", "lead");
    cb_value_set_str (body, "reason", "churn moved to next quarter");
    cb_value_set_str (body, "kr", "kr2");
    cb_value_set_str (body, "change", "removed");
    cb_value_t *diff = cb_value_new_map ();
    cb_value_set_str (diff, "kr", "kr2");
    cb_value_set_str (diff, "change", "removed");
    s_set (diff, "value", s_kr ("kr2", "Churn below 3", 3, "%"));
    s_set (body, "diff", diff);
    cb_value_t *dependent = cb_value_new_map ();
    cb_value_set_str (dependent, "draft", "d3");
    cb_value_set_str (dependent, "link", "aligned_to");
    s_set (body, "dependent", dependent);
    char *text = s_render ("link.broken", body);
    s_check_readable (text);
    s_check_has (text, "lead removed d1 kr2 in revision 4, which your d3 aligns to:\n"
                       "  churn moved to next quarter\n");
    s_check_has (text, "- kr2  Churn below 3: 3 %");
    s_check_has (text, "re-align d3 to another key result, or to d1 as a whole");
    s_check_has (text, "answer: catchball draft revise d3 FILE --message M");
    free (text);

    //  A shared key result changed by the other side.
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d2");
    cb_value_set_int (body, "rev", 5);
    cb_value_set_str (body, "by", "team-b");
    cb_value_set_str (body, "reason", "we ship half");
    cb_value_set_str (body, "kr", "kr3");
    cb_value_set_str (body, "change", "changed");
    diff = cb_value_new_map ();
    cb_value_set_str (diff, "kr", "kr3");
    cb_value_set_str (diff, "change", "changed");
    cb_value_t *fields = cb_value_new_array ();
    cb_value_t *field = cb_value_new_map ();
    cb_value_set_str (field, "field", "target");
    cb_value_set_int (field, "from", 10);
    cb_value_set_int (field, "to", 5);
    cb_value_push (fields, &field);
    s_set (diff, "fields", fields);
    s_set (body, "diff", diff);
    dependent = cb_value_new_map ();
    cb_value_set_str (dependent, "draft", "d1");
    cb_value_set_str (dependent, "link", "shared_with");
    cb_value_set_str (dependent, "kr", "kr4");
    s_set (body, "dependent", dependent);
    text = s_render ("link.broken", body);
    s_check_readable (text);
    s_check_has (text, "team-b changed d2 kr3 in revision 5, which your d1 shares (your kr4):\n"
                       "  we ship half\n");
    s_check_has (text, "~ kr3 target: 10 -> 5");
    s_check_has (text, "d1's next revision drops the link");
    s_check_has (text, "answer: catchball draft revise d1 FILE --message M");
    free (text);
}

//  draft.raised (issue 13): who cannot align which draft with ours, why,
//  and the revision that answers it; an ask outside any event says so.
static void
s_test_raised (void)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_str (body, "from_draft", "d2");
    cb_value_t *response = cb_value_new_map ();
    cb_value_set_str (response, "id", "f7");
    cb_value_set_str (response, "type", "feedback");
    cb_value_set_str (response, "kind", "cannot-align");
    cb_value_set_str (response, "on", "kr2");
    cb_value_set_str (response, "text", "Not while the old service runs");
    cb_value_set_str (response, "author", "team-a");
    s_set (body, "response", response);
    char *text = s_render ("draft.raised", body);
    s_check_readable (text);
    s_check_has (text, "team-a cannot align d2 with your d1 kr2 (f7):\n"
                       "  Not while the old service runs\n");
    s_check_has (text, "answer: catchball draft revise d1 FILE --addresses f7 --message M");
    free (text);

    cb_value_t *ask = cb_value_new_map ();
    cb_value_set_str (ask, "id", "a4");
    cb_value_set_str (ask, "kind", "ask");
    cb_value_set_nil (ask, "event");
    cb_value_set_str (ask, "from", "team-a");
    cb_value_set_str (ask, "to", "team-b");
    cb_value_set_str (ask, "draft", "d2");
    cb_value_set_str (ask, "kr", "kr1");
    cb_value_set_str (ask, "need", "Data");
    body = cb_value_new_map ();
    s_set (body, "ask", ask);
    text = s_render ("ask.new", body);
    s_check_readable (text);
    s_check_has (text, "team-a asks you for help (ask a4, outside any event) with d2 kr1");
    free (text);
}

//  draft.aligned and parent.changed (issue 13, item 3): who aligned what
//  to which of ours; which key result ours aligns to changed, the diff,
//  and the revision that follows it.
static void
s_test_alignment (void)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d4");
    cb_value_set_int (body, "rev", 2);
    cb_value_set_str (body, "by", "team-b");
    cb_value_set_str (body, "cycle", "2027-Q1");
    cb_value_set_str (body, "objective", "Onboarding in a day");
    cb_value_t *to = cb_value_new_map ();
    cb_value_set_str (to, "draft", "d1");
    cb_value_set_str (to, "kr", "kr2");
    s_set (body, "aligned_to", to);
    cb_value_t *was = cb_value_new_map ();
    cb_value_set_str (was, "draft", "d1");
    cb_value_set_str (was, "kr", "kr1");
    s_set (body, "was", was);
    char *text = s_render ("draft.aligned", body);
    s_check_readable (text);
    s_check_has (text, "team-b aligned d4 revision 2 to your d1 kr2 (was d1 kr1):\n"
                       "  Onboarding in a day\n");
    s_check_has (text, "see: catchball draft show d4");
    free (text);

    //  To a draft as a whole, for the first time.
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d5");
    cb_value_set_int (body, "rev", 1);
    cb_value_set_str (body, "by", "team-c");
    cb_value_set_str (body, "objective", "Grow");
    to = cb_value_new_map ();
    cb_value_set_str (to, "draft", "d1");
    s_set (body, "aligned_to", to);
    s_set (body, "was", cb_value_new_nil ());
    text = s_render ("draft.aligned", body);
    s_check_readable (text);
    s_check_has (text, "team-c aligned d5 revision 1 to your d1 as a whole:\n  Grow\n");
    free (text);

    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d1");
    cb_value_set_int (body, "rev", 6);
    cb_value_set_str (body, "by", "lead");
    cb_value_set_str (body, "kr", "kr2");
    cb_value_t *diff = cb_value_new_map ();
    cb_value_set_str (diff, "kr", "kr2");
    cb_value_set_str (diff, "change", "changed");
    cb_value_t *fields = cb_value_new_array ();
    cb_value_t *field = cb_value_new_map ();
    cb_value_set_str (field, "field", "target");
    cb_value_set_int (field, "from", 20);
    cb_value_set_int (field, "to", 25);
    cb_value_push (fields, &field);
    s_set (diff, "fields", fields);
    s_set (body, "diff", diff);
    cb_value_t *dependent = cb_value_new_map ();
    cb_value_set_str (dependent, "draft", "d3");
    cb_value_set_str (dependent, "link", "aligned_to");
    s_set (body, "dependent", dependent);
    text = s_render ("parent.changed", body);
    s_check_readable (text);
    s_check_has (text, "lead changed d1 kr2 in revision 6, which your d3 aligns to:\n");
    s_check_has (text, "~ kr2 target: 20 -> 25");
    s_check_has (text, "d3 still aligns to it; revise d3 if it should follow");
    s_check_has (text, "answer: catchball draft revise d3 FILE --message M");
    free (text);
}

//  A Checkin record (PROTOCOL.md section 7).
static cb_value_t *
s_checkin_record (const char *id, int64_t confidence)
{
    cb_value_t *c = cb_value_new_map ();
    cb_value_set_str (c, "id", id);
    cb_value_set_str (c, "draft", "d1");
    cb_value_set_str (c, "kr", "kr2");
    cb_value_set_str (c, "cycle", "2027-Q1");
    cb_value_set_int (c, "rev", 3);
    s_set (c, "value", cb_value_new_float (47.5));
    cb_value_set_int (c, "confidence", confidence);
    cb_value_set_str (c, "note", "two accounts slipped");
    cb_value_set_str (c, "author", "lead");
    cb_value_set_int (c, "time", S_NINE);
    return c;
}

//  checkin.new, checkin.dropped, checkin.due and its escalation (issue 14).
//  Failed before: each came out as raw JSON.
static void
s_test_checkins (void)
{
    char *text = s_render ("checkin.new", s_checkin_record ("c4", 3));
    s_check_readable (text);
    s_check_has (text, "lead checked in:\n  d1 kr2 at 47.5, confidence 3/5 (c4): two accounts "
                       "slipped\n");
    s_check_has (text, "see: catchball progress --draft d1");
    free (text);

    cb_value_t *body = cb_value_new_map ();
    s_set (body, "checkin", s_checkin_record ("c5", 1));
    cb_value_set_int (body, "previous", 4);
    cb_value_t *dependent = cb_value_new_map ();
    cb_value_set_str (dependent, "draft", "d3");
    cb_value_set_str (dependent, "link", "aligned_to");
    s_set (body, "dependent", dependent);
    text = s_render ("checkin.dropped", body);
    s_check_readable (text);
    s_check_has (text, "lead's confidence in d1 kr2 fell 4 -> 1/5, and your d3 aligns to it:");
    s_check_has (text, "answer: catchball progress --draft d1");
    s_check_has (text, "or: catchball raise d3 --cannot-align TEXT --kr kr2");
    free (text);

    for (int escalated = 0; escalated < 2; escalated++) {
        body = cb_value_new_map ();
        cb_value_set_str (body, "draft", "d3");
        cb_value_set_str (body, "owner", "team-a");
        cb_value_set_str (body, "cycle", "2027-Q1");
        cb_value_set_int (body, "cadence_days", 7);
        cb_value_set_bool (body, "escalated", escalated);
        if (escalated)
            cb_value_set_str (body, "aligned_to", "d1");
        cb_value_t *krs = cb_value_new_array ();
        cb_value_t *kr = cb_value_new_map ();
        cb_value_set_str (kr, "kr", "kr1");
        cb_value_set_str (kr, "text", "Activation rate");
        cb_value_set_str (kr, "last", "c2");
        cb_value_set_int (kr, "since", S_NINE);
        cb_value_set_int (kr, "missed", 1 + escalated);
        cb_value_push (krs, &kr);
        s_set (body, "krs", krs);
        text = s_render ("checkin.due", body);
        s_check_readable (text);
        if (escalated) {
            s_check_has (text, "team-a's d3, aligned to your d1, is late with its check-ins "
                               "(cycle 2027-Q1, every 7 days):\n");
            s_check_has (text, "kr1 Activation rate: 2 cadence(s) without a check-in, the last c2");
            s_check_has (text, "see: catchball progress --draft d3");
        }
        else {
            s_check_has (text, "check-ins due on d3 (cycle 2027-Q1, every 7 days):\n");
            s_check_has (text, "answer: catchball checkin d3 kr1 --value N --confidence 0-5");
        }
        free (text);
    }
}

int
main (void)
{
    setenv ("TZ", "CET-1", 1);
    tzset ();
    cli_render_init (false);
    s_test_rounds ();
    s_test_event ();
    s_test_asks ();
    s_test_links ();
    s_test_raised ();
    s_test_alignment ();
    s_test_checkins ();
    return TEST_DONE ();
}
