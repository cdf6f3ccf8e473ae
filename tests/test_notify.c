/*  =========================================================================
    test_notify - alignment that notifies (server/notify.c, issue 13 item
    3), in-process through cb_dispatch on a real LMDB store

    Covers: draft.aligned to the owner of the draft aligned to, from
    draft.new and from a revision that changes aligned_to, and not from one
    that keeps it, nor to the node aligning its own drafts; parent.changed
    with the key result's diff to the owners of the drafts aligned to a key
    result revised by draft.revise, proposal.adopt and an accepted ask's
    reflection, and not for a change of leads only, nor a key result
    nobody aligns to, nor to those told link.broken by an unlink. Each
    test has a store of its own; with --direct a refusal that wrote fails.
    =========================================================================
*/
#include "testdispatch.h"

//  The last delivery in a node's inbox (a new value), or NULL.
static int
s_keep_one (uint64_t seq, const void *data, size_t size, void *arg)
{
    (void) seq;
    cb_value_t **last = (cb_value_t **) arg;
    cb_value_destroy (last);
    *last = cb_codec_decode (data, size, NULL, 0);
    return 0;
}

static cb_value_t *
s_last (const char *node)
{
    cb_value_t *last = NULL;
    cb_txn_t *txn = cb_store_begin (s_store, false);
    cb_inbox_read (txn, node, 1, 1000, s_keep_one, &last);
    cb_txn_abort (&txn);
    return last;
}

//  A draft of `node` with two key results, aligned to draft/kr if given;
//  its id into `id` (16 bytes).
static void
s_draft (const char *node, const char *objective, const char *draft, const char *kr, char *id)
{
    cb_value_t *content = s_content (objective, 2);
    if (draft) {
        cb_value_t *aligned = cb_value_new_map ();
        cb_value_set_str (aligned, "draft", draft);
        if (kr)
            cb_value_set_str (aligned, "kr", kr);
        cb_value_set (content, "aligned_to", &aligned);
    }
    cb_value_t *r = s_ok (node, "draft.new", s_with_content (s_body (NULL), content));
    snprintf (id, 16, "%s", r ? cb_value_get_str (r, "draft") : "d0");
    cb_value_destroy (&r);
}

static cb_value_t *
s_head (const char *draft)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    cb_value_t *r = s_ok ("watcher", "draft.show", s_body (field, NULL));
    cb_value_t *content = cb_value_dup (cb_value_get (cb_value_get_map (r, "revision"), "content"));
    cb_value_destroy (&r);
    return content;
}

static cb_value_t *
s_kr_of (const cb_value_t *content, const char *id)
{
    cb_value_t *krs = cb_value_get (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++)
        if (streq (cb_value_get_str (cb_value_at (krs, i), "id"), id))
            return cb_value_at (krs, i);
    return NULL;
}

//  draft.revise by `node` with content (taken), unlink {reason} if given:
//  its error code, 0 if written.
static int
s_revise (const char *node, const char *draft, cb_value_t *content, const char *unlink)
{
    char field [32];
    snprintf (field, sizeof (field), "draft=%s", draft);
    cb_value_t *body = s_with_content (s_body (field, NULL), content);
    if (unlink) {
        cb_value_t *u = cb_value_new_map ();
        cb_value_set_str (u, "reason", unlink);
        cb_value_set (body, "unlink", &u);
    }
    cb_value_t *reply = s_call (node, "draft.revise", body);
    int64_t code = 0;
    if (streq (cb_value_get_str (reply, "type"), "error"))
        cb_value_get_int (reply, "code", &code);
    cb_value_destroy (&reply);
    return (int) code;
}

//  The content with aligned_to set to draft/kr (content taken).
static cb_value_t *
s_align (cb_value_t *content, const char *draft, const char *kr)
{
    cb_value_t *aligned = cb_value_new_map ();
    cb_value_set_str (aligned, "draft", draft);
    cb_value_set_str (aligned, "kr", kr);
    cb_value_set (content, "aligned_to", &aligned);
    return content;
}

//  The last delivery of `node` is parent.changed of `draft` `kr` for the
//  dependent draft `dependent`, by `by`, with a change to `field` from..to.
static void
s_check_changed (int line, const char *node, const char *draft, const char *kr,
                 const char *dependent, const char *by, const char *field, int64_t from,
                 int64_t to)
{
    cb_value_t *d = s_last (node);
    cb_value_t *body = cb_value_get_map (d, "body");
    if (!d || !streq (cb_value_get_str (d, "kind"), "parent.changed"))
        fprintf (stderr, "line %d: %s's last delivery is not parent.changed\n", line, node);
    CHECK_STR (cb_value_get_str (d, "kind"), "parent.changed");
    CHECK_STR (cb_value_get_str (body, "draft"), draft);
    CHECK_STR (cb_value_get_str (body, "kr"), kr);
    CHECK_STR (cb_value_get_str (body, "by"), by);
    CHECK (cb_value_get_int_or (body, "rev", 0) > 1);
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "dependent"), "draft"), dependent);
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "dependent"), "link"), "aligned_to");
    cb_value_t *diff = cb_value_get_map (body, "diff");
    CHECK_STR (cb_value_get_str (diff, "kr"), kr);
    CHECK_STR (cb_value_get_str (diff, "change"), "changed");
    cb_value_t *fields = cb_value_get (diff, "fields");
    CHECK_INT (cb_value_size (fields), 1);
    cb_value_t *f = cb_value_at (fields, 0);
    CHECK_STR (cb_value_get_str (f, "field"), field);
    CHECK_INT (cb_value_get_int_or (f, "from", -1), from);
    CHECK_INT (cb_value_get_int_or (f, "to", -1), to);
    cb_value_destroy (&d);
}
#define CHECK_CHANGED(...) s_check_changed (__LINE__, __VA_ARGS__)

//  --------------------------------------------------------------------------
//  draft.aligned: from draft.new and from a revision that changes
//  aligned_to; nothing when it stays, nor to oneself. Failed before: no
//  delivery at all (team-a's inbox stayed empty).

static void
test_aligned (void)
{
    td_begin ("notify-aligned", true);
    char da [16], db [16], dl [16], dself [16];
    s_draft ("team-a", "Faster onboarding", NULL, NULL, da);
    CHECK_INT (s_inbox_last ("team-a"), 0);
    s_draft ("team-b", "Self-serve setup", da, "kr1", db);
    CHECK_INT (s_inbox_last ("team-a"), 1);
    cb_value_t *d = s_last ("team-a");
    cb_value_t *body = cb_value_get_map (d, "body");
    CHECK_STR (cb_value_get_str (d, "kind"), "draft.aligned");
    CHECK_STR (cb_value_get_str (body, "draft"), db);
    CHECK_INT (cb_value_get_int_or (body, "rev", 0), 1);
    CHECK_STR (cb_value_get_str (body, "by"), "team-b");
    CHECK_STR (cb_value_get_str (body, "objective"), "Self-serve setup");
    CHECK_STR (cb_value_get_str (body, "cycle"), "2027-Q1");
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "aligned_to"), "draft"), da);
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "aligned_to"), "kr"), "kr1");
    CHECK (cb_value_type (cb_value_get (body, "was")) == CB_NIL);
    cb_value_destroy (&d);

    //  A revision keeping the same aligned_to tells nobody.
    cb_value_t *c = s_head (db);
    cb_value_set_str (c, "objective", "Self-serve setup for all");
    CHECK_INT (s_revise ("team-b", db, c, NULL), 0);
    CHECK_INT (s_inbox_last ("team-a"), 1);

    //  Re-aligning to kr2 does, with what it was.
    CHECK_INT (s_revise ("team-b", db, s_align (s_head (db), da, "kr2"), NULL), 0);
    CHECK_INT (s_inbox_last ("team-a"), 2);
    d = s_last ("team-a");
    body = cb_value_get_map (d, "body");
    CHECK_STR (cb_value_get_str (d, "kind"), "draft.aligned");
    CHECK_INT (cb_value_get_int_or (body, "rev", 0), 3);
    CHECK_STR (cb_value_get_str (body, "objective"), "Self-serve setup for all");
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "aligned_to"), "kr"), "kr2");
    CHECK_STR (cb_value_get_str (cb_value_get_map (body, "was"), "kr"), "kr1");
    cb_value_destroy (&d);

    //  Aligned to a draft as a whole: told too, without a kr.
    s_draft ("lead", "Grow", da, NULL, dl);
    d = s_last ("team-a");
    body = cb_value_get_map (d, "body");
    CHECK_STR (cb_value_get_str (body, "draft"), dl);
    CHECK (cb_value_get_str (cb_value_get_map (body, "aligned_to"), "kr") == NULL);
    cb_value_destroy (&d);
    CHECK_INT (s_inbox_last ("team-a"), 3);

    //  Nobody is told of their own move.
    uint64_t before = s_inbox_last ("lead");
    s_draft ("lead", "Grow more", dl, "kr1", dself);
    CHECK_INT (s_inbox_last ("lead"), before);
    td_end ();
}

//  --------------------------------------------------------------------------
//  parent.changed through draft.revise: to each aligned draft's owner,
//  with the diff; not for leads only or an unaligned key result; an unlink
//  tells link.broken only. Failed before: the inboxes did not grow.

static void
test_changed_revise (void)
{
    td_begin ("notify-revise", true);
    char da [16], db [16], dl [16], dc [16];
    s_draft ("team-a", "Faster onboarding", NULL, NULL, da);
    s_draft ("team-b", "Self-serve setup", da, "kr2", db);
    s_draft ("lead", "Grow", da, "kr2", dl);
    s_draft ("team-c", "Whole", da, NULL, dc);
    uint64_t b0 = s_inbox_last ("team-b"), l0 = s_inbox_last ("lead");
    uint64_t c0 = s_inbox_last ("team-c");

    //  kr2's target 20 -> 25: both aligned owners told; team-c (the draft
    //  as a whole) is not.
    cb_value_t *c = s_head (da);
    cb_value_set_int (s_kr_of (c, "kr2"), "target", 25);
    CHECK_INT (s_revise ("team-a", da, c, NULL), 0);
    CHECK_INT (s_inbox_last ("team-b"), b0 + 1);
    CHECK_INT (s_inbox_last ("lead"), l0 + 1);
    CHECK_INT (s_inbox_last ("team-c"), c0);
    CHECK_CHANGED ("team-b", da, "kr2", db, "team-a", "target", 20, 25);
    CHECK_CHANGED ("lead", da, "kr2", dl, "team-a", "target", 20, 25);

    //  The baseline too.
    c = s_head (da);
    cb_value_set_int (s_kr_of (c, "kr2"), "baseline", 5);
    CHECK_INT (s_revise ("team-a", da, c, NULL), 0);
    CHECK_CHANGED ("team-b", da, "kr2", db, "team-a", "baseline", 0, 5);
    CHECK_INT (s_inbox_last ("team-b"), b0 + 2);

    //  kr1 (nobody aligns to it) and kr2's leads alone: nobody told.
    c = s_head (da);
    cb_value_set_int (s_kr_of (c, "kr1"), "target", 12);
    cb_value_t *leads = cb_value_new_array ();
    cb_value_t *lead = cb_value_new_str ("Ana");
    cb_value_push (leads, &lead);
    cb_value_set (s_kr_of (c, "kr2"), "leads", &leads);
    CHECK_INT (s_revise ("team-a", da, c, NULL), 0);
    CHECK_INT (s_inbox_last ("team-b"), b0 + 2);
    CHECK_INT (s_inbox_last ("lead"), l0 + 2);

    //  Reworded with unlink: link.broken, not parent.changed as well.
    c = s_head (da);
    cb_value_set_str (s_kr_of (c, "kr2"), "text", "Setup in a day");
    CHECK_INT (s_revise ("team-a", da, c, NULL), CB_E_LINKED);
    c = s_head (da);
    cb_value_set_str (s_kr_of (c, "kr2"), "text", "Setup in a day");
    CHECK_INT (s_revise ("team-a", da, c, "new wording agreed"), 0);
    CHECK_INT (s_inbox_last ("team-b"), b0 + 3);
    cb_value_t *d = s_last ("team-b");
    CHECK_STR (cb_value_get_str (d, "kind"), "link.broken");
    cb_value_destroy (&d);
    td_end ();
}

//  --------------------------------------------------------------------------
//  parent.changed through proposal.adopt and an accepted ask's reflection:
//  every request that writes a mainline revision. Failed before: no
//  delivery.

static void
test_changed_adopt_and_ask (void)
{
    td_begin ("notify-adopt", true);
    char da [16], db [16], dl [16], field [32], round [32];
    s_draft ("team-a", "Faster onboarding", NULL, NULL, da);
    s_draft ("team-b", "Self-serve setup", NULL, NULL, db);
    s_draft ("lead", "Grow", da, "kr1", dl);

    //  team-b counter-proposes kr1's target 10 -> 15 in team-a's round;
    //  team-a adopts it: the lead, aligned to kr1, is told, by team-a.
    snprintf (field, sizeof (field), "draft=%s", da);
    cb_value_t *r = s_ok ("team-a", "round.throw", s_body (field, "to[]=team-b", NULL));
    snprintf (round, sizeof (round), "round=%s", r ? cb_value_get_str (r, "round") : "r0");
    cb_value_destroy (&r);
    uint64_t l0 = s_inbox_last ("lead");
    cb_value_t *c = s_head (da);
    cb_value_remove (c, "cycle");
    cb_value_set_int (s_kr_of (c, "kr1"), "target", 15);
    r = s_ok ("team-b", "round.counter", s_with_content (s_body (round, "message=more", NULL), c));
    char proposal [32];
    snprintf (proposal, sizeof (proposal), "proposal=%s", r ? cb_value_get_str (r, "id") : "p0");
    cb_value_destroy (&r);
    //  The proposal, off the mainline, told nobody (team-b answered: the
    //  round is closed).
    CHECK_INT (s_inbox_last ("lead"), l0);
    s_ok_void ("team-a", "proposal.adopt", s_body (proposal, NULL));
    CHECK_INT (s_inbox_last ("lead"), l0 + 1);
    CHECK_CHANGED ("lead", da, "kr1", dl, "team-a", "target", 10, 15);

    //  An ask: team-a asks team-b; team-b accepts by raising its own kr2,
    //  which the lead now aligns to.
    CHECK_INT (s_revise ("lead", dl, s_align (s_head (dl), db, "kr2"), NULL), 0);
    r = s_ok ("fac", "event.new", s_body ("name=Market", "cycle=2027-Q1",
                                          "participants[]=team-a,team-b", NULL));
    char event [32];
    snprintf (event, sizeof (event), "event=%s", r ? cb_value_get_str (r, "event") : "e0");
    cb_value_destroy (&r);
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    s_ok_void ("team-a", "event.share", s_body (event, field, NULL));
    snprintf (field, sizeof (field), "draft=%s", db);
    s_ok_void ("team-b", "event.share", s_body (event, field, NULL));
    s_ok_void ("fac", "event.advance", s_body (event, NULL));
    r = s_ok ("team-a", "ask.new", s_body (event, "to=team-b", "kr=kr1", "need=an API", NULL));
    char ask [32];
    snprintf (ask, sizeof (ask), "ask=%s", r ? cb_value_get_str (r, "ask") : "a0");
    cb_value_destroy (&r);
    l0 = s_inbox_last ("lead");
    cb_value_t *body = s_body (ask, NULL);
    cb_value_t *reflect = s_body ("type=raise_target", "kr=kr2", "target=99", NULL);
    cb_value_set (body, "reflect", &reflect);
    s_ok_void ("team-b", "ask.accept", body);
    CHECK_INT (s_inbox_last ("lead"), l0 + 1);
    CHECK_CHANGED ("lead", db, "kr2", dl, "team-b", "target", 20, 99);
    td_end ();
}

int
main (int argc, char *argv [])
{
    td_init (argc, argv);
    test_aligned ();
    test_changed_revise ();
    test_changed_adopt_and_ask ();
    return TEST_DONE ();
}
