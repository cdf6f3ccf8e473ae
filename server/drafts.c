/*  =========================================================================
    drafts - drafts and their revisions: create, revise, show, list,
    finalise, adopt a counter-proposal (the confidence vote is votes.c's)

    A draft record holds what changes (state, head, open round, votes); the
    content lives only in revisions, which are immutable once written: a
    change is always a new revision with its author, time, message, the
    round it answers and the feedback it addresses. Counter-proposals are
    revisions too, off the mainline, built on the revision thrown.

    draft.list replies a page at a time (paging.c); a draft's past,
    draft.history and draft.diff, is in history.c; draft.import, many new
    drafts at once, in imports.c (through cb_draft_check_new and
    cb_draft_create).

    Draft record: {id, owner, cycle, state: drafting|in_round|final, head,
    revs, next_kr, round (open round id or nil), last_round, rounds: [ids],
    objective, created, updated, final_rev, vote (the latest vote's id, or
    nil), votes: [{node, rev, confidence, comment, time, vote}] (revealed
    votes only), final_vote, override: {reason, node, time, passed}}
    =========================================================================
*/
#include "coaching.h"
#include "handlers.h"
#include "inbox.h"
#include "validate.h"

//  --------------------------------------------------------------------------
//  Shared helpers

cb_value_t *
cb_draft_load (cb_req_t *req, uint32_t draft)
{
    return cb_obj_load (req, CB_T_DRAFTS, 'd', draft);
}

cb_value_t *
cb_draft_get (cb_txn_t *txn, uint32_t draft)
{
    uint8_t key [4];
    cb_key_u32 (key, draft);
    return cb_rec_get (txn, CB_T_DRAFTS, key, 4);
}

int
cb_drafts_scan (cb_txn_t *txn, uint32_t from, cb_scan_fn *fn, void *arg)
{
    uint8_t key [4];
    cb_key_u32 (key, from);
    return cb_txn_scan (txn, CB_T_DRAFTS, NULL, 0, key, 4, fn, arg);
}

int
cb_draft_save (cb_req_t *req, uint32_t draft, const cb_value_t *record)
{
    return cb_obj_save (req, CB_T_DRAFTS, 'd', draft, record);
}

cb_value_t *
cb_rev_load (cb_req_t *req, uint32_t draft, uint32_t rev)
{
    uint8_t key [8];
    cb_key_rev (key, draft, rev);
    cb_value_t *record = cb_rec_get (req->txn, CB_T_REVISIONS, key, 8);
    if (!record && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_NOT_FOUND, "draft d%u has no revision %u", draft, rev);
    return record;
}

int
cb_draft_check_owner (cb_req_t *req, const cb_value_t *draft)
{
    const char *owner = cb_value_get_str (draft, "owner");
    if (!owner || !streq (owner, req->node))
        return cb_req_fail (req, CB_E_NOT_OWNER, "draft %s belongs to %s",
                            cb_value_get_str (draft, "id"), owner ? owner : "?");
    return 0;
}

uint32_t
cb_rev_append (cb_req_t *req, uint32_t draft_id, cb_value_t *draft, cb_value_t *rev)
{
    uint32_t number = (uint32_t) cb_int (draft, "revs") + 1;
    char id [16];
    cb_value_set_str (rev, "draft", cb_id_format (id, 'd', draft_id));
    cb_value_set_int (rev, "rev", number);
    if (!cb_value_get_str (rev, "author"))
        cb_value_set_str (rev, "author", req->node);
    cb_value_set_int (rev, "time", req->now);
    uint8_t key [8];
    cb_key_rev (key, draft_id, number);
    //  Revisions are never overwritten: a key that exists is a bug.
    size_t size;
    const void *data = cb_codec_encode_scratch (rev, &size);
    int rc = cb_txn_put (req->txn, CB_T_REVISIONS, key, 8, data, size, true);
    if (rc) {
        if (rc == 1)
            cb_req_fail (req, CB_E_INTERNAL, "revision %u of d%u exists already", number,
                         draft_id);
        else
            cb_req_check_store (req);
        return 0;
    }
    if (cb_history_put (req, draft_id, number, rev))
        return 0;
    cb_value_set_int (draft, "revs", number);
    bool mainline = false;
    cb_value_get_bool (rev, "mainline", &mainline);
    if (mainline) {
        cb_value_set_int (draft, "head", number);
        //  A final draft's new mainline revision amends it (with a reason,
        //  marked amends_final) and is the final OKR from now on: final_rev
        //  follows it, so it never names a revision that was replaced
        if (streq (cb_value_get_str (draft, "state"), "final"))
            cb_value_set_int (draft, "final_rev", number);
        cb_value_t *content = cb_value_get (rev, "content");
        cb_value_set_str (draft, "objective", cb_value_get_str (content, "objective"));
    }
    cb_value_set_int (draft, "updated", req->now);
    if (cb_draft_save (req, draft_id, draft))
        return 0;
    if (mainline) {
        //  The event log shows a draft with its head content: give it the
        //  content in hand, so the log need not read the revision back.
        char name [32];
        snprintf (name, sizeof (name), "draft/%s", cb_value_get_str (draft, "id"));
        cb_value_t *object = cb_value_get (req->changed, name);
        cb_value_t *content = cb_value_dup (cb_value_get (rev, "content"));
        cb_value_set (object, "content", &content);
    }
    return number;
}

int
cb_draft_check_alignment (cb_req_t *req, const cb_value_t *content, uint32_t self_id)
{
    cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
    if (!aligned)
        return 0;
    uint32_t target = cb_id_parse (cb_value_get_str (aligned, "draft"), 'd');
    if (target == self_id)
        return cb_req_fail (req, CB_E_BAD_FIELD, "a draft cannot align to itself");
    cb_value_t *draft = cb_draft_load (req, target);
    if (!draft)
        return -1;
    const char *kr = cb_value_get_str (aligned, "kr");
    int rc = 0;
    if (kr) {
        cb_value_t *head = cb_rev_load (req, target, (uint32_t) cb_int (draft, "head"));
        bool found = cb_content_kr (cb_value_get (head, "content"), kr) != NULL;
        if (!found && !req->code)
            //  Also how a draft whose link was broken (links.c) learns it
            //  must re-align.
            rc = cb_req_fail (req, CB_E_NOT_FOUND, "aligned_to: d%u has no key result %s (now): "
                              "align to one it has, or to d%u as a whole", target, kr, target);
        if (!head)
            rc = -1;
        cb_value_destroy (&head);
    }
    cb_value_destroy (&draft);
    return rc;
}

static void
s_reply_rev (cb_req_t *req, uint32_t draft, uint32_t rev)
{
    char id [16];
    cb_value_set_str (req->reply, "draft", cb_id_format (id, 'd', draft));
    cb_value_set_int (req->reply, "rev", rev);
}

//  --------------------------------------------------------------------------
//  Creating a draft: draft.new here, draft.import (imports.c) many at once

cb_value_t *
cb_draft_check_new (cb_req_t *req, const cb_value_t *content, const char *cycle,
                    int64_t *next_kr)
{
    cb_value_t *checked = cb_validate_content (req, content, cycle, NULL, next_kr);
    if (!checked)
        return NULL;
    //  A new draft shares nothing yet: only an agreed ask or offer does.
    if (cb_links_shared (req, 0, checked, NULL, true)
    ||  cb_draft_check_alignment (req, checked, 0))
        cb_value_destroy (&checked);
    return checked;
}

uint32_t
cb_draft_create (cb_req_t *req, cb_value_t **content_p, const char *message, int64_t next_kr)
{
    cb_value_t *content = *content_p;
    *content_p = NULL;
    uint32_t id = cb_req_next_id (req, "draft");
    if (!id) {
        cb_value_destroy (&content);
        return 0;
    }
    char idbuf [16];
    cb_value_t *draft = cb_value_new_map ();
    cb_value_set_str (draft, "id", cb_id_format (idbuf, 'd', id));
    cb_value_set_str (draft, "owner", req->node);
    cb_value_set_str (draft, "cycle", cb_value_get_str (content, "cycle"));
    cb_value_set_str (draft, "state", "drafting");
    cb_value_set_int (draft, "head", 0);
    cb_value_set_int (draft, "revs", 0);
    cb_value_set_int (draft, "next_kr", next_kr);
    cb_value_set_nil (draft, "round");
    cb_value_set_nil (draft, "last_round");
    cb_value_set_int (draft, "created", req->now);
    cb_value_set_nil (draft, "final_rev");
    cb_value_set_nil (draft, "vote");
    cb_value_t *votes = cb_value_new_array ();
    cb_value_set (draft, "votes", &votes);
    cb_value_t *rounds = cb_value_new_array ();
    cb_value_set (draft, "rounds", &rounds);

    cb_value_t *rev = cb_value_new_map ();
    cb_value_set_bool (rev, "mainline", true);
    cb_value_set_nil (rev, "parent");
    cb_value_set_str (rev, "message", message && *message ? message : "first draft");
    cb_value_set (rev, "content", &content);
    uint32_t number = cb_rev_append (req, id, draft, rev);
    if (number
    &&  cb_notify_revision (req, id, req->node, NULL, cb_value_get (rev, "content"), number,
                            NULL))
        number = 0;
    cb_value_destroy (&rev);
    cb_value_destroy (&draft);
    return number ? id : 0;
}

//  draft.new {content} -> {draft, rev}

int
cb_handle_draft_new (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "content", "message", NULL };
    if (cb_check_fields (req, body, "draft.new", fields))
        return -1;
    const char *message = cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    int64_t next_kr = 1;
    cb_value_t *content = cb_draft_check_new (req, cb_value_get (body, "content"), NULL,
                                              &next_kr);
    cb_value_t *coach = content ? cb_coaching_check (req, content) : NULL;
    if (!coach) {
        cb_value_destroy (&content);
        return -1;
    }
    uint32_t id = cb_draft_create (req, &content, message, next_kr);
    if (!id) {
        cb_value_destroy (&coach);
        return -1;
    }
    s_reply_rev (req, id, 1);
    cb_value_set (req->reply, "coach", &coach);
    return 0;
}

//  --------------------------------------------------------------------------
//  Checks the addressed response ids all belong to this draft, and copies
//  them into the revision record.

static int
s_addresses (cb_req_t *req, const cb_value_t *body, uint32_t draft_id, cb_value_t *rev)
{
    cb_value_t *list = cb_value_get (body, "addresses");
    cb_value_t *out = cb_value_new_array ();
    if (list && cb_value_type (list) != CB_NIL) {
        if (cb_value_type (list) != CB_ARRAY || cb_value_size (list) > 100)
            cb_req_fail (req, CB_E_BAD_FIELD, "'addresses' must be a list of response ids");
        for (size_t i = 0; !req->code && i < cb_value_size (list); i++) {
            const char *id = cb_value_str (cb_value_at (list, i));
            cb_value_t *response = cb_response_load (req, id);
            if (response && cb_id_parse (cb_value_get_str (response, "draft"), 'd') != draft_id)
                cb_req_fail (req, CB_E_BAD_FIELD, "%s answers another draft", id);
            cb_value_destroy (&response);
            if (!req->code) {
                cb_value_t *copy = cb_value_new_str (id);
                cb_value_push (out, &copy);
            }
        }
    }
    cb_value_set (rev, "addresses", &out);
    return req->code ? -1 : 0;
}

//  Loads a draft the sender owns and may change now: no open round; if
//  final, a message (the reason) is required. NULL on failure.
static cb_value_t *
s_draft_for_change (cb_req_t *req, uint32_t id, const char *message, bool *amends_final)
{
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft || cb_draft_check_owner (req, draft)) {
        cb_value_destroy (&draft);
        return NULL;
    }
    const char *state = cb_value_get_str (draft, "state");
    if (cb_value_get_str (draft, "round"))
        cb_req_fail (req, CB_E_ROUND_OPEN, "round %s of d%u is open: close it first",
                     cb_value_get_str (draft, "round"), id);
    else
    if (streq (state, "final") && (!message || !*message))
        cb_req_fail (req, CB_E_DRAFT_FINAL,
                     "d%u is final: a change needs a reason in 'message'", id);
    if (req->code) {
        cb_value_destroy (&draft);
        return NULL;
    }
    *amends_final = streq (state, "final");
    return draft;
}

//  --------------------------------------------------------------------------
//  draft.revise {draft, content, message?, addresses?, unlink?: {reason}}
//      -> {draft, rev}

int
cb_handle_draft_revise (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = {
        "draft", "content", "message", "addresses", "unlink", NULL
    };
    if (cb_check_fields (req, body, "draft.revise", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    const char *message = req->code ? NULL
                        : cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
    const char *unlink = req->code ? NULL : cb_field_unlink (req, body);
    if (req->code)
        return -1;
    bool amends_final;
    cb_value_t *draft = s_draft_for_change (req, id, message, &amends_final);
    if (!draft)
        return -1;
    int64_t next_kr = cb_int (draft, "next_kr");
    cb_value_t *head = cb_rev_load (req, id, (uint32_t) cb_int (draft, "head"));
    cb_value_t *base = cb_value_get (head, "content");
    cb_value_t *content = head ? cb_validate_content (req, cb_value_get (body, "content"),
                                                      cb_value_get_str (draft, "cycle"),
                                                      base, &next_kr)
                               : NULL;
    cb_value_t *rev = cb_value_new_map ();
    cb_value_t *breaks = NULL, *coach = NULL;
    if (content && !cb_links_shared (req, id, content, base, true)
    &&  !cb_draft_check_alignment (req, content, id)
    &&  !cb_links_check (req, id, base, content, unlink, &breaks)
    &&  (coach = cb_coaching_check (req, content))
    &&  !s_addresses (req, body, id, rev)) {
        cb_value_set_int (draft, "next_kr", next_kr);
        cb_value_set_bool (rev, "mainline", true);
        cb_value_set_int (rev, "parent", cb_int (draft, "head"));
        cb_value_set_str (rev, "message", message ? message : "");
        const char *round = cb_value_get_str (draft, "last_round");
        if (round)
            cb_value_set_str (rev, "round", round);
        if (amends_final)
            cb_value_set_bool (rev, "amends_final", true);
        cb_links_record (rev, unlink, breaks);
        cb_value_set (rev, "content", &content);
        uint32_t number = cb_rev_append (req, id, draft, rev);
        if (number
        &&  !cb_links_tell (req, cb_value_get_str (draft, "id"), number, req->node, unlink, breaks)
        &&  !cb_notify_revision (req, id, cb_value_get_str (draft, "owner"), base,
                                 cb_value_get (rev, "content"), number, breaks)) {
            s_reply_rev (req, id, number);
            cb_value_set (req->reply, "coach", &coach);
        }
    }
    cb_value_destroy (&coach);
    cb_value_destroy (&breaks);
    cb_value_destroy (&head);
    cb_value_destroy (&content);
    cb_value_destroy (&rev);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  A proposal's key result whose id the mainline has removed since the
//  revision it was built on would bring that id back: it gets a new id
//  (ids are never reused). The ids the proposal gave its new key results
//  stay. Returns the draft's next_kr, updated.

static int64_t
s_renew_ids (cb_value_t *content, const cb_value_t *head, const cb_value_t *built_on,
             int64_t next_kr)
{
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        const char *id = cb_value_get_str (kr, "id");
        if (!cb_content_kr (head, id) && cb_content_kr (built_on, id)) {
            char fresh [24];
            snprintf (fresh, sizeof (fresh), "kr%lld", (long long) next_kr++);
            cb_value_set_str (kr, "id", fresh);
            cb_value_remove (kr, "shared_with");
        }
    }
    return next_kr;
}

//  proposal.adopt {proposal, message?, unlink?: {reason}} -> {draft, rev}

int
cb_handle_proposal_adopt (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "proposal", "message", "unlink", NULL };
    if (cb_check_fields (req, body, "proposal.adopt", fields))
        return -1;
    const char *pid = cb_field_str (req, body, "proposal", 1, 16, true);
    const char *message = req->code ? NULL
                        : cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
    const char *unlink = req->code ? NULL : cb_field_unlink (req, body);
    if (req->code)
        return -1;
    if (pid [0] != 'p')
        return cb_req_fail (req, CB_E_NOT_PROPOSAL, "%s is not a counter-proposal (p1, p2...)",
                            pid);
    cb_value_t *response = cb_response_load (req, pid);
    if (!response)
        return -1;
    uint32_t id = cb_id_parse (cb_value_get_str (response, "draft"), 'd');
    bool amends_final;
    cb_value_t *draft = s_draft_for_change (req, id, message, &amends_final);
    cb_value_t *proposal = draft
        ? cb_rev_load (req, id, (uint32_t) cb_int (response, "proposal_rev")) : NULL;
    //  The alignment was checked when proposed; the draft aligned to may
    //  have changed since.
    if (proposal && cb_draft_check_alignment (req, cb_value_get (proposal, "content"), id))
        cb_value_destroy (&proposal);
    cb_value_t *head = proposal ? cb_rev_load (req, id, (uint32_t) cb_int (draft, "head")) : NULL;
    cb_value_t *built_on = head ? cb_rev_load (req, id, (uint32_t) cb_int (proposal, "parent"))
                                : NULL;
    cb_value_t *base = cb_value_get (head, "content");
    cb_value_t *content = built_on ? cb_value_dup (cb_value_get (proposal, "content")) : NULL;
    cb_value_t *breaks = NULL;
    //  shared_with is the head's, never the proposal's: the links may have
    //  changed since it was made.
    if (content) {
        cb_value_set_int (draft, "next_kr",
                          s_renew_ids (content, base, cb_value_get (built_on, "content"),
                                       cb_int (draft, "next_kr")));
        if (cb_links_shared (req, id, content, base, false)
        ||  cb_links_check (req, id, base, content, unlink, &breaks))
            cb_value_destroy (&content);
    }
    if (content) {
        cb_value_t *rev = cb_value_new_map ();
        cb_value_set_bool (rev, "mainline", true);
        cb_value_set_int (rev, "parent", cb_int (draft, "head"));
        const char *proposer = cb_value_get_str (response, "author");
        cb_value_set_str (rev, "message", message && *message ? message : "adopted counter-proposal");
        cb_value_set_str (rev, "round", cb_value_get_str (response, "round"));
        cb_value_t *addresses = cb_value_new_array ();
        cb_value_t *p = cb_value_new_str (pid);
        cb_value_push (addresses, &p);
        cb_value_set (rev, "addresses", &addresses);
        cb_value_set_str (rev, "proposal", pid);
        cb_value_set_str (rev, "proposer", proposer);
        cb_value_set_int (rev, "adopted_from", cb_int (proposal, "rev"));
        if (amends_final)
            cb_value_set_bool (rev, "amends_final", true);
        cb_links_record (rev, unlink, breaks);
        cb_value_set (rev, "content", &content);
        uint32_t number = cb_rev_append (req, id, draft, rev);
        if (number
        &&  (cb_links_tell (req, cb_value_get_str (draft, "id"), number, req->node, unlink, breaks)
        ||   cb_notify_revision (req, id, cb_value_get_str (draft, "owner"), base,
                                 cb_value_get (rev, "content"), number, breaks)))
            number = 0;
        cb_value_destroy (&rev);
        if (number) {
            s_reply_rev (req, id, number);
            cb_value_t *note = cb_value_new_map ();
            cb_value_set_str (note, "proposal", pid);
            cb_value_set_str (note, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_int (note, "rev", number);
            cb_value_set_str (note, "by", req->node);
            if (!cb_inbox_push (req, proposer, "proposal.adopted", &note))
                cb_req_check_store (req);
        }
    }
    cb_value_destroy (&breaks);
    cb_value_destroy (&built_on);
    cb_value_destroy (&head);
    cb_value_destroy (&proposal);
    cb_value_destroy (&draft);
    cb_value_destroy (&response);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  draft.show {draft, rev?} -> {draft: record, revision: record}

int
cb_handle_draft_show (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "rev", NULL };
    if (cb_check_fields (req, body, "draft.show", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    int64_t number = 0;
    if (req->code || cb_field_int (req, body, "rev", 1, UINT32_MAX, false, &number) < 0)
        return -1;
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft)
        return -1;
    if (!number)
        number = cb_int (draft, "head");
    cb_value_t *rev = cb_rev_load (req, id, (uint32_t) number);
    if (rev) {
        cb_value_set (req->reply, "draft", &draft);
        cb_value_set (req->reply, "revision", &rev);
    }
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  draft.list {owner?, cycle?, limit?, after?} -> {drafts: [record], next}
//  A filter is checked on the stored bytes (cb_codec_peek_str): a draft it
//  rejects is never decoded, and a match goes into the reply as stored.

int
cb_handle_draft_list (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "owner", "cycle", "limit", "after", NULL };
    if (cb_check_fields (req, body, "draft.list", fields))
        return -1;
    cb_page_t page;
    const char *owner = cb_field_str (req, body, "owner", 1, 64, false);
    const char *cycle = req->code ? NULL
                      : cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, false);
    if (req->code || cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    return cb_page_list (req, &page, CB_T_DRAFTS, 'd', "drafts", owner, cycle);
}

//  --------------------------------------------------------------------------
//  draft.finalize {draft, override?: {reason}} -> {draft, rev}
//  Needs no open round and a revealed confidence vote on the head revision
//  that passed (votes.c), or the owner's override with a reason, which the
//  draft keeps for its history. Every node a round of this draft was ever
//  thrown to is told.

int
cb_handle_draft_finalize (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "override", NULL };
    if (cb_check_fields (req, body, "draft.finalize", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    const char *override = req->code ? NULL : cb_field_reason (req, body, "override");
    if (req->code)
        return -1;
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft || cb_draft_check_owner (req, draft)) {
        cb_value_destroy (&draft);
        return -1;
    }
    int64_t head = cb_int (draft, "head");
    if (cb_value_get_str (draft, "round"))
        cb_req_fail (req, CB_E_ROUND_OPEN, "round %s is open: close it first",
                     cb_value_get_str (draft, "round"));
    else
    if (streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_DRAFT_FINAL, "d%u is final already", id);
    else
        cb_vote_check_final (req, draft, override);
    if (!req->code) {
        cb_value_set_str (draft, "state", "final");
        cb_value_set_int (draft, "final_rev", head);
        cb_value_set_int (draft, "finalized", req->now);
        cb_value_set_int (draft, "updated", req->now);
        if (!cb_draft_save (req, id, draft)) {
            s_reply_rev (req, id, (uint32_t) head);
            cb_checkins_finalized (req, draft);
            //  Tell everyone the draft was ever thrown to.
            zhashx_t *told = zhashx_new ();
            cb_value_t *ids = cb_value_get_array (draft, "rounds");
            for (size_t r = 0; r < cb_value_size (ids) && !req->code; r++) {
                cb_value_t *round = cb_round_get (req->txn, cb_value_str (cb_value_at (ids, r)));
                cb_value_t *to = cb_value_get_array (round, "recipients");
                for (size_t i = 0; i < cb_value_size (to) && !req->code; i++) {
                    const char *node = cb_value_str (cb_value_at (to, i));
                    if (zhashx_insert (told, node, (void *) 1) == 0) {
                        cb_value_t *note = cb_value_new_map ();
                        cb_value_set_str (note, "draft", cb_value_get_str (draft, "id"));
                        cb_value_set_int (note, "rev", head);
                        cb_value_set_str (note, "objective",
                                          cb_value_get_str (draft, "objective"));
                        cb_value_t *o = cb_value_get_map (draft, "override");
                        if (o) {
                            o = cb_value_dup (o);
                            cb_value_set (note, "override", &o);
                        }
                        if (!cb_inbox_push (req, node, "draft.final", &note))
                            cb_req_check_store (req);
                    }
                }
                cb_value_destroy (&round);
            }
            zhashx_destroy (&told);
        }
    }
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}
