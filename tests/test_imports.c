/*  =========================================================================
    test_imports - draft.import (server/imports.c) in-process through
    cb_dispatch on a real store, a store per test, as test_asks tests its
    handlers; --direct runs every request straight in its transaction and
    checks that each refused one wrote nothing.

    What it holds to: the drafts of one import are all made, in order, with
    consecutive ids, or none is (not even the ids are taken); a draft may
    align to an earlier one of the same import ("#N"); key result ids given
    are kept, and the draft's next id follows them; a dry run writes
    nothing and says what it would make.
    =========================================================================
*/
#include "testdispatch.h"

//  A draft's field, read through draft.show.
static int64_t
s_draft_int (const char *draft, const char *field)
{
    char spec [32];
    snprintf (spec, sizeof (spec), "draft=%s", draft);
    cb_value_t *shown = s_ok ("lead", "draft.show", s_body (spec, NULL));
    int64_t value = cb_value_get_int_or (cb_value_get_map (shown, "draft"), field, -1);
    cb_value_destroy (&shown);
    return value;
}

//  A draft's head content (the caller's).
static cb_value_t *
s_head (const char *draft)
{
    char spec [32];
    snprintf (spec, sizeof (spec), "draft=%s", draft);
    cb_value_t *shown = s_ok ("lead", "draft.show", s_body (spec, NULL));
    cb_value_t *content = cb_value_dup (cb_value_get (cb_value_get_map (shown, "revision"),
                                                      "content"));
    cb_value_destroy (&shown);
    return content;
}

//  How many drafts the store holds.
static size_t
s_drafts (void)
{
    cb_value_t *list = s_ok ("lead", "draft.list", NULL);
    size_t n = cb_value_size (cb_value_get_array (list, "drafts"));
    cb_value_destroy (&list);
    return n;
}

//  Content without a cycle (the import's is every draft's).
static cb_value_t *
s_plain (const char *objective, int count)
{
    cb_value_t *c = s_content (objective, count);
    cb_value_remove (c, "cycle");
    return c;
}

static void
s_align (cb_value_t *content, const char *draft, const char *kr)
{
    cb_value_t *a = cb_value_new_map ();
    cb_value_set_str (a, "draft", draft);
    if (kr)
        cb_value_set_str (a, "kr", kr);
    cb_value_set (content, "aligned_to", &a);
}

//  The body of an import of the drafts given (taken), NULL-terminated.
static cb_value_t *
s_import (bool dry_run, cb_value_t *first, ...)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "cycle", "2027-Q1");
    cb_value_t *drafts = cb_value_new_array ();
    va_list args;
    va_start (args, first);
    for (cb_value_t *c = first; c; c = va_arg (args, cb_value_t *))
        cb_value_push (drafts, &c);
    va_end (args);
    cb_value_set (body, "drafts", &drafts);
    if (dry_run)
        cb_value_set_bool (body, "dry_run", true);
    return body;
}

//  --------------------------------------------------------------------------

static void
test_creates_in_order (void)
{
    s_ok_void ("lead", "draft.new", s_with_content (cb_value_new_map (),
                                                    s_content ("Leadership", 2)));
    //  d2 keeps its ids kr1 and kr3, and a key result without one gets kr4.
    cb_value_t *a = s_plain ("Growth", 0);
    cb_value_t *krs = cb_value_get_array (a, "key_results");
    cb_value_t *kr = s_kr ("kr3", "Three", 0, 30);
    cb_value_push (krs, &kr);
    kr = s_kr ("kr1", "One", 0, 10);
    cb_value_push (krs, &kr);
    kr = s_kr (NULL, "New", 0, 5);
    cb_value_push (krs, &kr);
    cb_value_t *b = s_plain ("Sales", 1);
    s_align (b, "#1", "kr3");
    cb_value_t *c = s_plain ("Platform", 1);
    s_align (c, "d1", "kr2");
    cb_value_t *reply = s_ok ("team-a", "draft.import", s_import (false, a, b, c, NULL));
    cb_value_t *drafts = cb_value_get_array (reply, "drafts");
    REQUIRE (cb_value_size (drafts) == 3);
    CHECK_STR (cb_value_get_str (cb_value_at (drafts, 0), "draft"), "d2");
    CHECK_STR (cb_value_get_str (cb_value_at (drafts, 1), "draft"), "d3");
    CHECK_STR (cb_value_get_str (cb_value_at (drafts, 2), "draft"), "d4");
    cb_value_t *ids = cb_value_get_array (cb_value_at (drafts, 0), "key_results");
    REQUIRE (cb_value_size (ids) == 3);
    CHECK_STR (cb_value_str (cb_value_at (ids, 0)), "kr3");
    CHECK_STR (cb_value_str (cb_value_at (ids, 1)), "kr1");
    CHECK_STR (cb_value_str (cb_value_at (ids, 2)), "kr4");
    bool dry = true;
    CHECK (cb_value_get_bool (reply, "dry_run", &dry) && !dry);
    cb_value_destroy (&reply);

    CHECK_INT (s_draft_int ("d2", "next_kr"), 5);
    cb_value_t *head = s_head ("d3");
    CHECK_STR (cb_value_get_str (cb_value_get_map (head, "aligned_to"), "draft"), "d2");
    CHECK_STR (cb_value_get_str (cb_value_get_map (head, "aligned_to"), "kr"), "kr3");
    CHECK_STR (cb_value_get_str (head, "cycle"), "2027-Q1");
    cb_value_destroy (&head);
    head = s_head ("d4");
    CHECK_STR (cb_value_get_str (cb_value_get_map (head, "aligned_to"), "draft"), "d1");
    cb_value_destroy (&head);
    cb_value_t *shown = s_ok ("lead", "draft.show", s_body ("draft=d3", NULL));
    CHECK_STR (cb_value_get_str (cb_value_get_map (shown, "draft"), "owner"), "team-a");
    CHECK_STR (cb_value_get_str (cb_value_get_map (shown, "revision"), "message"), "imported");
    cb_value_destroy (&shown);
    //  d2's kr1 and kr3 are ids for good: the next revision may keep them.
    head = s_head ("d2");
    cb_value_t *body = s_body ("draft=d2", "message=same", NULL);
    s_ok_void ("team-a", "draft.revise", s_with_content (body, head));
}

//  Each refusal stores nothing, not even the drafts before the one refused,
//  and takes no id: the next import's first draft is still d2.
static void
test_all_or_nothing (void)
{
    s_ok_void ("lead", "draft.new", s_with_content (cb_value_new_map (),
                                                    s_content ("Leadership", 2)));
    char message [256];
    cb_value_t *bad = s_plain ("Bad", 1);
    s_align (bad, "#1", "kr9");
    s_err_message ("lead", "draft.import",
                   s_import (false, s_plain ("A", 2), s_plain ("B", 1), bad, NULL),
                   message, sizeof (message));
    CHECK_STR (message, "drafts[2]: aligned_to: draft #1 of the import has no key result kr9");
    bad = s_plain ("Bad", 1);
    s_align (bad, "#1", "kr9");
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 2), bad, NULL)),
               CB_E_NOT_FOUND);
    //  A draft of the import aligns only to one before it.
    bad = s_plain ("Bad", 1);
    s_align (bad, "#2", NULL);
    s_err_message ("lead", "draft.import", s_import (false, bad, s_plain ("B", 1), NULL),
                   message, sizeof (message));
    CHECK_STR (message, "drafts[0]: aligned_to: '#2' must name a draft before this one in "
                        "the import (#1 to #0)");
    bad = s_plain ("Bad", 1);
    s_align (bad, "#0", NULL);
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 1), bad, NULL)),
               CB_E_BAD_FIELD);
    //  A stored draft's key result that is not there.
    bad = s_plain ("Bad", 1);
    s_align (bad, "d1", "kr7");
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 1), bad, NULL)),
               CB_E_NOT_FOUND);
    //  Another cycle.
    bad = s_content ("Other", 1);
    cb_value_set_str (bad, "cycle", "2027-Q2");
    s_err_message ("lead", "draft.import", s_import (false, s_plain ("A", 1), bad, NULL),
                   message, sizeof (message));
    CHECK_STR (message, "drafts[1]: 'cycle' is 2027-Q2, not the import's 2027-Q1");
    //  shared_with is the broker's, as in draft.new.
    bad = s_plain ("Bad", 1);
    cb_value_t *shared = cb_value_new_map ();
    cb_value_set_str (shared, "draft", "d1");
    cb_value_set_str (shared, "kr", "kr1");
    cb_value_set (cb_value_at (cb_value_get_array (bad, "key_results"), 0), "shared_with",
                  &shared);
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 1), bad, NULL)),
               CB_E_BAD_FIELD);
    //  One id twice; a malformed id.
    bad = s_plain ("Bad", 0);
    cb_value_t *kr = s_kr ("kr2", "One", 0, 1);
    cb_value_push (cb_value_get_array (bad, "key_results"), &kr);
    kr = s_kr ("kr2", "Two", 0, 2);
    cb_value_push (cb_value_get_array (bad, "key_results"), &kr);
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 1), bad, NULL)),
               CB_E_BAD_FIELD);
    bad = s_plain ("Bad", 0);
    kr = s_kr ("k2", "One", 0, 1);
    cb_value_push (cb_value_get_array (bad, "key_results"), &kr);
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 1), bad, NULL)),
               CB_E_BAD_FIELD);
    //  No key result; too many drafts; none; a dry_run that is not a bool.
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, s_plain ("A", 1),
                                                        s_plain ("Bad", 0), NULL)),
               CB_E_BAD_FIELD);
    cb_value_t *many = s_import (false, NULL);
    for (int i = 0; i < 101; i++) {
        cb_value_t *c = s_plain ("Many", 1);
        cb_value_push (cb_value_get_array (many, "drafts"), &c);
    }
    CHECK_INT (s_err ("lead", "draft.import", many), CB_E_BAD_FIELD);
    CHECK_INT (s_err ("lead", "draft.import", s_import (false, NULL)), CB_E_BAD_FIELD);
    cb_value_t *body = s_import (false, s_plain ("A", 1), NULL);
    cb_value_set_str (body, "dry_run", "yes");
    CHECK_INT (s_err ("lead", "draft.import", body), CB_E_BAD_FIELD);
    body = s_import (false, s_plain ("A", 1), NULL);
    cb_value_set_str (body, "owner", "team-b");
    CHECK_INT (s_err ("lead", "draft.import", body), CB_E_BAD_FIELD);
    //  Only authors import.
    CHECK_INT (s_err ("fac", "draft.import", s_import (false, s_plain ("A", 1), NULL)),
               CB_E_FORBIDDEN);
    CHECK_INT (s_err ("watcher", "draft.import", s_import (false, s_plain ("A", 1), NULL)),
               CB_E_FORBIDDEN);

    CHECK_INT (s_drafts (), 1);
    cb_value_t *reply = s_ok ("lead", "draft.import", s_import (false, s_plain ("A", 1), NULL));
    CHECK_STR (cb_value_get_str (cb_value_at (cb_value_get_array (reply, "drafts"), 0), "draft"),
               "d2");
    cb_value_destroy (&reply);
}

//  A dry run checks everything and writes nothing.
static void
test_dry_run (void)
{
    cb_value_t *b = s_plain ("B", 2);
    s_align (b, "#1", "kr1");
    cb_value_t *reply = s_ok ("team-b", "draft.import", s_import (true, s_plain ("A", 3), b,
                                                                  NULL));
    cb_value_t *drafts = cb_value_get_array (reply, "drafts");
    REQUIRE (cb_value_size (drafts) == 2);
    CHECK (cb_value_type (cb_value_get (cb_value_at (drafts, 0), "draft")) == CB_NIL);
    CHECK_STR (cb_value_get_str (cb_value_at (drafts, 1), "objective"), "B");
    CHECK_INT (cb_value_size (cb_value_get_array (cb_value_at (drafts, 0), "key_results")), 3);
    bool dry = false;
    CHECK (cb_value_get_bool (reply, "dry_run", &dry) && dry);
    cb_value_destroy (&reply);
    CHECK_INT (s_drafts (), 0);
    //  A dry run refuses what the import would.
    b = s_plain ("B", 2);
    s_align (b, "#1", "kr4");
    CHECK_INT (s_err ("team-b", "draft.import", s_import (true, s_plain ("A", 3), b, NULL)),
               CB_E_NOT_FOUND);
    //  No id was taken.
    reply = s_ok ("team-b", "draft.import", s_import (false, s_plain ("A", 1), NULL));
    CHECK_STR (cb_value_get_str (cb_value_at (cb_value_get_array (reply, "drafts"), 0), "draft"),
               "d1");
    cb_value_destroy (&reply);
}

typedef void (s_test_fn) (void);

static void
s_run (const char *name, s_test_fn *test)
{
    td_begin ("test_imports", true);
    int failures = tu_failures;
    test ();
    if (tu_failures != failures)
        fprintf (stderr, "test_imports: %s failed\n", name);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    s_run ("creates_in_order", test_creates_in_order);
    s_run ("all_or_nothing", test_all_or_nothing);
    s_run ("dry_run", test_dry_run);
    return TEST_DONE ();
}
