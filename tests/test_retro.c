/*  =========================================================================
    test_retro - the end of a cycle (issue 14, section 4), through
    cb_dispatch on a real LMDB store: draft.retro scores a final OKR once,
    every key result from 0 to 1, and says what was learned; draft.carry
    starts the next cycle's draft from the head, naming its origin both
    ways, with new key result ids and no alignment. Every refusal: its
    code; with --direct, that it wrote nothing.
    =========================================================================
*/
#include "testdispatch.h"

//  team-a's d2 (two key results), aligned to lead's d1, finalised by
//  override (no vote: this test is not about the vote).
static void
s_final_draft (void)
{
    s_ok_void ("lead", "draft.new",
               s_with_content (s_body ("message=m", NULL), s_content ("Company", 2)));
    cb_value_t *content = s_content ("Team part", 2);
    cb_value_t *aligned = s_body ("draft=d1", "kr=kr1", NULL);
    cb_value_set (content, "aligned_to", &aligned);
    s_ok_void ("team-a", "draft.new", s_with_content (s_body ("message=m", NULL), content));
}

static void
s_finalize (void)
{
    cb_value_t *body = s_body ("draft=d2", NULL);
    cb_value_t *override = s_body ("reason=no vote in this test", NULL);
    cb_value_set (body, "override", &override);
    s_ok_void ("team-a", "draft.finalize", body);
}

//  A retro body with these scores ("kr1=0.5"...), NULL-terminated.
static cb_value_t *
s_retro (const char *learned, ...)
{
    cb_value_t *body = s_body ("draft=d2", NULL);
    if (learned)
        cb_value_set_str (body, "learned", learned);
    cb_value_t *scores = cb_value_new_map ();
    va_list args;
    va_start (args, learned);
    for (const char *kv = va_arg (args, const char *); kv; kv = va_arg (args, const char *)) {
        char key [16];
        double value;
        REQUIRE (sscanf (kv, "%15[^=]=%lf", key, &value) == 2);
        cb_value_t *number = cb_value_new_float (value);
        cb_value_set (scores, key, &number);
    }
    va_end (args);
    cb_value_set (body, "scores", &scores);
    return body;
}

static void
test_retro (void)
{
    s_final_draft ();
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("x", "kr1=1", "kr2=1", NULL)),
               CB_E_NOT_FINAL);
    s_finalize ();
    CHECK_INT (s_err ("team-b", "draft.retro", s_retro ("x", "kr1=1", "kr2=1", NULL)),
               CB_E_NOT_OWNER);
    CHECK_INT (s_err ("watcher", "draft.retro", s_retro ("x", "kr1=1", "kr2=1", NULL)),
               CB_E_FORBIDDEN);
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("x", "kr1=1", NULL)), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("x", "kr1=1", "kr2=1.5", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("x", "kr1=-0.1", "kr2=1", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("x", "kr1=1", "kr2=1", "kr9=1", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro (NULL, "kr1=1", "kr2=1", NULL)),
               CB_E_BAD_FIELD);
    cb_value_t *r = s_ok ("team-a", "draft.retro",
                          s_retro ("Data first, then the flow", "kr1=0.7", "kr2=0", NULL));
    CHECK_STR (cb_value_get_str (r, "draft"), "d2");
    cb_value_destroy (&r);
    //  Kept in the record, with who, when and on which revision.
    r = s_ok ("watcher", "draft.show", s_body ("draft=d2", NULL));
    cb_value_t *retro = cb_value_get_map (cb_value_get_map (r, "draft"), "retro");
    CHECK_STR (cb_value_get_str (retro, "learned"), "Data first, then the flow");
    CHECK_STR (cb_value_get_str (retro, "node"), "team-a");
    CHECK_INT (s_int (retro, "rev"), 1);
    CHECK (cb_value_float (cb_value_get (cb_value_get_map (retro, "scores"), "kr1")) == 0.7);
    cb_value_destroy (&r);
    //  Once.
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("again", "kr1=1", "kr2=1", NULL)),
               CB_E_ALREADY_DONE);
}

//  A score left out is taken from the key result's last check-in: the
//  share of the way from baseline to target, within 0..1; one with no
//  check-in must be given.
static void
test_retro_from_checkins (void)
{
    s_final_draft ();
    s_finalize ();
    //  d2's kr1 goes from 0 to 10: a check-in at 7 is 0.7 of the way
    s_ok_void ("team-a", "checkin.new", s_body ("draft=d2", "kr=kr1", "value=7",
                                               "confidence=3", NULL));
    CHECK_INT (s_err ("team-a", "draft.retro", s_retro ("x", NULL)), CB_E_BAD_FIELD);
    cb_value_t *r = s_ok ("team-a", "draft.retro", s_retro ("Data first", "kr2=0.25", NULL));
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.show", s_body ("draft=d2", NULL));
    cb_value_t *retro = cb_value_get_map (cb_value_get_map (r, "draft"), "retro");
    cb_value_t *scores = cb_value_get_map (retro, "scores");
    CHECK (cb_value_float (cb_value_get (scores, "kr1")) == 0.7);
    CHECK (cb_value_float (cb_value_get (scores, "kr2")) == 0.25);
    cb_value_t *taken = cb_value_get_array (retro, "from_checkins");
    CHECK_INT (cb_value_size (taken), 1);
    CHECK_STR (cb_value_str (cb_value_at (taken, 0)), "kr1");
    cb_value_destroy (&r);
}

static void
test_carry (void)
{
    s_final_draft ();
    CHECK_INT (s_err ("team-a", "draft.carry", s_body ("draft=d2", "cycle=2027-Q1", NULL)),
               CB_E_BAD_FIELD);
    CHECK_INT (s_err ("team-b", "draft.carry", s_body ("draft=d2", "cycle=2027-Q2", NULL)),
               CB_E_NOT_OWNER);
    CHECK_INT (s_err ("team-a", "draft.carry", s_body ("draft=d9", "cycle=2027-Q2", NULL)),
               CB_E_NOT_FOUND);
    CHECK_INT (s_err ("team-a", "draft.carry", s_body ("draft=d2", NULL)), CB_E_BAD_FIELD);
    cb_value_t *r = s_ok ("team-a", "draft.carry", s_body ("draft=d2", "cycle=2027-Q2", NULL));
    CHECK_STR (cb_value_get_str (r, "draft"), "d3");
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "origin"), "draft"), "d2");
    cb_value_destroy (&r);
    //  The new draft: the next cycle, the same key results with new ids,
    //  no alignment, its origin; the old one names it.
    r = s_ok ("watcher", "draft.show", s_body ("draft=d3", NULL));
    cb_value_t *draft = cb_value_get_map (r, "draft");
    cb_value_t *content = cb_value_get_map (cb_value_get_map (r, "revision"), "content");
    CHECK_STR (cb_value_get_str (draft, "cycle"), "2027-Q2");
    CHECK_STR (cb_value_get_str (draft, "owner"), "team-a");
    CHECK_STR (cb_value_get_str (cb_value_get_map (draft, "origin"), "draft"), "d2");
    CHECK_INT (s_int (cb_value_get_map (draft, "origin"), "rev"), 1);
    CHECK (!cb_value_get (content, "aligned_to"));
    CHECK_STR (cb_value_get_str (content, "objective"), "Team part");
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    CHECK_INT (cb_value_size (krs), 2);
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 1), "id"), "kr2");
    CHECK_STR (cb_value_get_str (cb_value_get_map (r, "revision"), "message"),
               "carried over from d2 revision 1");
    cb_value_destroy (&r);
    r = s_ok ("watcher", "draft.history", s_body ("draft=d2", NULL));
    cb_value_t *to = cb_value_get_array (cb_value_get_map (r, "draft"), "carried_to");
    CHECK_INT (cb_value_size (to), 1);
    CHECK_STR (cb_value_str (cb_value_at (to, 0)), "d3");
    cb_value_destroy (&r);
}

//  Closing a cycle asks for the missing retrospectives (issue 14): the
//  owner of each final draft of it without one gets cycle.closed, and the
//  reply lists them; a draft with its retrospective is not asked again.
static void
test_close_asks_retros (void)
{
    s_ok_void ("lead", "cycle.new", s_body ("name=2027-Q1", "start=1798761600000",
                                            "end=1806537600000", NULL));
    s_final_draft ();
    s_finalize ();
    s_ok_void ("team-a", "draft.new",
               s_with_content (s_body ("message=m", NULL), s_content ("Second", 1)));
    cb_value_t *body = s_body ("draft=d3", NULL);
    cb_value_t *override = s_body ("reason=test", NULL);
    cb_value_set (body, "override", &override);
    s_ok_void ("team-a", "draft.finalize", body);
    s_ok_void ("team-a", "draft.retro", s_retro ("learned", "kr1=1", "kr2=1", NULL));
    char before [1024], after [1024];
    s_inbox_kinds ("team-a", before);
    cb_value_t *r = s_ok ("lead", "cycle.close", s_body ("cycle=2027-Q1", NULL));
    cb_value_t *missing = cb_value_get_array (r, "missing");
    CHECK_INT (cb_value_size (missing), 1);
    CHECK_STR (cb_value_str (cb_value_at (missing, 0)), "d3");
    cb_value_destroy (&r);
    CHECK (!strstr (before, "cycle.closed"));
    CHECK (strstr (s_inbox_kinds ("team-a", after), "cycle.closed"));
    CHECK (!strstr (s_inbox_kinds ("lead", after), "cycle.closed"));
}

typedef void (s_test_fn) (void);

static void
s_run (const char *name, s_test_fn *test)
{
    td_begin ("test_retro", true);
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_retro: %s failed\n", name);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    s_run ("retro", test_retro);
    s_run ("retro_from_checkins", test_retro_from_checkins);
    s_run ("carry", test_carry);
    s_run ("close_asks_retros", test_close_asks_retros);
    return TEST_DONE ();
}
