/*  =========================================================================
    drafts - drafts and their revisions: create, revise, show, list,
    history, diff, confidence vote, finalise, adopt a counter-proposal

    A draft record holds what changes (state, head, open round, votes); the
    content lives only in revisions, which are immutable once written: a
    change is always a new revision with its author, time, message, the
    round it answers and the feedback it addresses. Counter-proposals are
    revisions too, off the mainline, built on the revision thrown.

    draft.list and draft.history reply a page at a time (paging.c).

    Draft record: {id, owner, cycle, state: drafting|in_round|final, head,
    revs, next_kr, round (open round id or nil), last_round, rounds: [ids],
    objective, created, updated, final_rev, votes: [{node, rev, confidence,
    comment, time}]}
    =========================================================================
*/
#include <ctype.h>

#include "diff.h"
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

//  A revision as draft.history shows it: without its content, with its
//  objective and "changes", the diff from its parent's content (from
//  nothing for the first). New, or NULL if the parent cannot be read.
static cb_value_t *
s_history_entry (const cb_value_t *rev, const cb_value_t *parent_content)
{
    const cb_value_t *content = cb_value_get (rev, "content");
    cb_value_t *entry = cb_value_new_map ();
    for (size_t i = 0; i < cb_value_size (rev); i++)
        if (!streq (cb_value_key_at (rev, i), "content")) {
            cb_value_t *copy = cb_value_dup (cb_value_val_at (rev, i));
            cb_value_set (entry, cb_value_key_at (rev, i), &copy);
        }
    cb_value_t *empty = cb_value_new_map ();
    cb_value_t *changes = cb_diff_content (parent_content ? parent_content : empty, content);
    cb_value_destroy (&empty);
    cb_value_set (entry, "changes", &changes);
    cb_value_set_str (entry, "objective", cb_value_get_str (content, "objective"));
    return entry;
}

//  Stores a new revision's history entry, computed once here rather than
//  on every draft.history: a long history is then sent from stored bytes.
static int
s_history_put (cb_req_t *req, uint32_t draft_id, uint32_t number, const cb_value_t *rev)
{
    int64_t parent = 0;
    cb_value_t *base = NULL;
    if (cb_value_get_int (rev, "parent", &parent)
    &&  !(base = cb_rev_load (req, draft_id, (uint32_t) parent)))
        return -1;
    cb_value_t *entry = s_history_entry (rev, cb_value_get (base, "content"));
    cb_value_destroy (&base);
    uint8_t key [8];
    cb_key_rev (key, draft_id, number);
    size_t size;
    const void *data = cb_codec_encode_scratch (entry, &size);
    cb_value_destroy (&entry);
    int rc = cb_txn_put (req->txn, CB_T_HISTORY, key, 8, data, size, true);
    if (rc == 1)
        return cb_req_fail (req, CB_E_INTERNAL, "history of d%u has a revision %u already",
                            draft_id, number);
    return rc ? cb_req_check_store (req) : 0;
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
    if (s_history_put (req, draft_id, number, rev))
        return 0;
    cb_value_set_int (draft, "revs", number);
    bool mainline = false;
    cb_value_get_bool (rev, "mainline", &mainline);
    if (mainline) {
        cb_value_set_int (draft, "head", number);
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
        cb_value_t *krs = head ? cb_value_get_array (cb_value_get (head, "content"), "key_results") : NULL;
        bool found = false;
        for (size_t i = 0; i < cb_value_size (krs); i++)
            if (streq (kr, cb_value_get_str (cb_value_at (krs, i), "id")))
                found = true;
        if (!found && !req->code)
            rc = cb_req_fail (req, CB_E_NOT_FOUND, "draft d%u has no key result %s", target, kr);
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
    cb_value_t *content = cb_validate_content (req, cb_value_get (body, "content"), NULL,
                                               NULL, &next_kr);
    if (!content)
        return -1;
    if (cb_draft_check_alignment (req, content, 0)) {
        cb_value_destroy (&content);
        return -1;
    }
    uint32_t id = cb_req_next_id (req, "draft");
    if (!id) {
        cb_value_destroy (&content);
        return -1;
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
    cb_value_destroy (&rev);
    cb_value_destroy (&draft);
    if (!number)
        return -1;
    s_reply_rev (req, id, number);
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
//  draft.revise {draft, content, message, addresses} -> {draft, rev}

int
cb_handle_draft_revise (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = {
        "draft", "content", "message", "addresses", NULL
    };
    if (cb_check_fields (req, body, "draft.revise", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    const char *message = cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    bool amends_final;
    cb_value_t *draft = s_draft_for_change (req, id, message, &amends_final);
    if (!draft)
        return -1;
    int64_t next_kr = cb_int (draft, "next_kr");
    cb_value_t *head = cb_rev_load (req, id, (uint32_t) cb_int (draft, "head"));
    cb_value_t *content = head ? cb_validate_content (req, cb_value_get (body, "content"),
                                                      cb_value_get_str (draft, "cycle"),
                                                      cb_value_get (head, "content"), &next_kr)
                               : NULL;
    cb_value_destroy (&head);
    cb_value_t *rev = cb_value_new_map ();
    if (content && !cb_draft_check_alignment (req, content, id)
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
        cb_value_set (rev, "content", &content);
        uint32_t number = cb_rev_append (req, id, draft, rev);
        if (number)
            s_reply_rev (req, id, number);
    }
    cb_value_destroy (&content);
    cb_value_destroy (&rev);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  proposal.adopt {proposal, message} -> {draft, rev}

int
cb_handle_proposal_adopt (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "proposal", "message", NULL };
    if (cb_check_fields (req, body, "proposal.adopt", fields))
        return -1;
    const char *pid = cb_field_str (req, body, "proposal", 1, 16, true);
    const char *message = cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
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
    if (proposal) {
        //  The proposal's KR ids are ids of this draft: given when proposed.
        cb_value_t *rev = cb_value_new_map ();
        cb_value_set_bool (rev, "mainline", true);
        cb_value_set_int (rev, "parent", cb_int (draft, "head"));
        char text [CB_MAX_MESSAGE + 64];
        const char *proposer = cb_value_get_str (response, "author");
        snprintf (text, sizeof (text), "%s", message && *message ? message : "adopted counter-proposal");
        cb_value_set_str (rev, "message", text);
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
        cb_value_t *content = cb_value_dup (cb_value_get (proposal, "content"));
        cb_value_set (rev, "content", &content);
        uint32_t number = cb_rev_append (req, id, draft, rev);
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
//  draft.history {draft} -> {draft, revisions: [...], rounds: [...]}
//  Each revision comes without its content, with "changes": the diff from
//  its parent (from nothing for the first). Each round comes with its
//  responses in full.

typedef struct {
    cb_req_t *req;              //  The request
    uint32_t draft;             //  Which draft
    int64_t since, until;       //  Keep revisions made in this time
    cb_value_t *revisions;      //  Revisions, in order
    zhashx_t *contents;         //  rev number (as string) -> content, for diffs
} s_history_t;

static void
s_content_free (void **item_p)
{
    cb_value_destroy ((cb_value_t **) item_p);
}

//  From the revisions themselves, for a store written before the history
//  table existed: each revision decoded and diffed against its parent.
static int
s_history_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (void) key;
    (void) klen;
    s_history_t *h = (s_history_t *) arg;
    cb_value_t *rev = cb_codec_decode (val, vlen, NULL, 0);
    if (!rev)
        return 0;
    char number [16];
    snprintf (number, sizeof (number), "%lld", (long long) cb_int (rev, "rev"));
    int64_t parent = 0;
    cb_value_t *base = NULL;
    if (cb_value_get_int (rev, "parent", &parent)) {
        char pkey [16];
        snprintf (pkey, sizeof (pkey), "%lld", (long long) parent);
        base = (cb_value_t *) zhashx_lookup (h->contents, pkey);
    }
    cb_value_t *entry = s_history_entry (rev, base);
    cb_value_t *content = cb_value_dup (cb_value_get (rev, "content"));
    zhashx_update (h->contents, number, content);
    int64_t time = cb_int (rev, "time");
    if (time >= h->since && time <= h->until)
        cb_value_push (h->revisions, &entry);
    cb_value_destroy (&entry);
    cb_value_destroy (&rev);
    return 0;
}

//  From the history table: entries as stored, as raw bytes for the whole
//  history (nothing decoded), decoded when a time range must be checked.
typedef struct {
    s_history_t *h;             //  What is being built
    uint32_t count;             //  Entries seen
    bool whole;                 //  No time range: every entry, raw
} s_stored_t;

static int
s_stored_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    (void) key;
    (void) klen;
    s_stored_t *st = (s_stored_t *) arg;
    st->count++;
    if (st->whole) {
        //  The stored bytes themselves: the reply is encoded before the
        //  request's transaction ends (dispatch.c), so they stay valid.
        cb_value_t *raw = cb_value_new_raw_ref (val, vlen);
        cb_value_push (st->h->revisions, &raw);
        return 0;
    }
    cb_value_t *entry = cb_codec_decode (val, vlen, NULL, 0);
    int64_t time = cb_int (entry, "time");
    if (entry && time >= st->h->since && time <= st->h->until)
        cb_value_push (st->h->revisions, &entry);
    cb_value_destroy (&entry);
    return 0;
}

cb_value_t *
cb_draft_revisions (cb_req_t *req, uint32_t draft, int64_t since, int64_t until)
{
    cb_value_t *record = cb_draft_load (req, draft);
    if (!record)
        return NULL;
    uint32_t revs = (uint32_t) cb_int (record, "revs");
    cb_value_destroy (&record);
    s_history_t h = { req, draft, since, until, cb_value_new_array (), NULL };
    uint8_t prefix [4];
    cb_key_u32 (prefix, draft);
    s_stored_t st = { &h, 0, since <= 0 && until == INT64_MAX };
    int rc = cb_txn_scan (req->txn, CB_T_HISTORY, prefix, 4, NULL, 0, s_stored_one, &st);
    if (rc >= 0 && st.count != revs) {
        //  Not all in the history table (an older store): from the revisions.
        cb_value_destroy (&h.revisions);
        h.revisions = cb_value_new_array ();
        h.contents = zhashx_new ();
        zhashx_set_destructor (h.contents, s_content_free);
        rc = cb_txn_scan (req->txn, CB_T_REVISIONS, prefix, 4, NULL, 0, s_history_one, &h);
        zhashx_destroy (&h.contents);
    }
    if (rc < 0) {
        cb_value_destroy (&h.revisions);
        cb_req_check_store (req);
    }
    return h.revisions;
}

//  draft.history {draft, limit?, after?} -> {draft, revisions, rounds, next}
//  One page of the history: its items are the revisions in order, then
//  the rounds in order. The cursor says where the page ended: "rev.N"
//  after revision N, "round.K" after the draft's first K rounds.

typedef struct {
    cb_page_t *page;            //  The page being filled
    cb_value_t *list;           //  Revisions of the page
    uint32_t last;              //  The last revision in it
    bool more;                  //  Stopped before the last revision
    bool gap;                   //  A revision missing from the history table
} s_hpage_t;

static int
s_hpage_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_hpage_t *hp = (s_hpage_t *) arg;
    if (klen != 8 || cb_get_u32 ((const uint8_t *) key + 4) != hp->last + 1) {
        hp->gap = true;
        return 1;
    }
    if (!cb_page_room (hp->page, vlen)) {
        hp->more = true;
        return 1;
    }
    //  As stored, as for the whole history (s_stored_one).
    cb_value_t *raw = cb_value_new_raw_ref (val, vlen);
    cb_value_push (hp->list, &raw);
    cb_page_add (hp->page, vlen);
    hp->last++;
    return 0;
}

//  The revisions after hp->last (up to `revs`) that fit in the page, into
//  hp->list.
static int
s_history_page (cb_req_t *req, uint32_t draft, uint32_t revs, s_hpage_t *hp)
{
    uint32_t after = hp->last;
    cb_page_t start = *hp->page;
    uint8_t key [8];
    cb_key_rev (key, draft, after + 1);
    if (cb_txn_scan (req->txn, CB_T_HISTORY, key, 4, key, 8, s_hpage_one, hp) < 0)
        return cb_req_check_store (req);
    if (!hp->gap && (hp->more || hp->last == revs))
        return 0;
    //  Entries missing (a store older than the history table): the whole
    //  history computed (as cb_draft_revisions does), then paged.
    cb_value_destroy (&hp->list);
    hp->list = cb_value_new_array ();
    *hp->page = start;
    hp->last = after;
    hp->more = false;
    cb_value_t *all = cb_draft_revisions (req, draft, 0, INT64_MAX);
    if (!all)
        return -1;
    for (size_t i = 0; i < cb_value_size (all) && !hp->more; i++) {
        cb_value_t *entry = cb_value_at (all, i);
        uint32_t number = (uint32_t) cb_int (entry, "rev");
        if (number <= after)
            continue;
        size_t size;
        cb_codec_encode_scratch (entry, &size);
        if (!cb_page_room (hp->page, size))
            hp->more = true;
        else {
            cb_value_t *copy = cb_value_dup (entry);
            cb_value_push (hp->list, &copy);
            cb_page_add (hp->page, size);
            hp->last = number;
        }
    }
    cb_value_destroy (&all);
    return 0;
}

int
cb_handle_draft_history (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "limit", "after", NULL };
    if (cb_check_fields (req, body, "draft.history", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    cb_page_t page;
    if (req->code || cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    //  Where the last page ended.
    uint64_t after_rev = 0, after_round = 0;
    bool in_rounds = false;
    if (page.after) {
        const char *end = NULL;
        if (strncmp (page.after, "rev.", 4) == 0)
            end = cb_page_number (page.after + 4, UINT32_MAX, &after_rev);
        else
        if (strncmp (page.after, "round.", 6) == 0) {
            end = cb_page_number (page.after + 6, UINT32_MAX, &after_round);
            in_rounds = true;
        }
        if (!end || *end)
            return cb_page_fail (req, page.after);
    }
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft)
        return -1;
    size_t size;
    cb_codec_encode_scratch (draft, &size);
    page.bytes += size;
    uint32_t revs = (uint32_t) cb_int (draft, "revs");
    s_hpage_t hp = { &page, cb_value_new_array (), (uint32_t) after_rev, false, false };
    int rc = 0;
    if (!in_rounds && after_rev < revs)
        rc = s_history_page (req, id, revs, &hp);

    //  Then the rounds of this draft, each with its responses in full.
    cb_value_t *rounds = cb_value_new_array ();
    cb_value_t *ids = cb_value_get_array (draft, "rounds");
    size_t index = (size_t) after_round;
    bool more = hp.more;
    for (; rc >= 0 && !more && index < cb_value_size (ids) && !req->code; index++) {
        cb_value_t *round = cb_round_get (req->txn, cb_value_str (cb_value_at (ids, index)));
        if (!round)
            break;
        cb_value_t *rids = cb_value_get_array (round, "responses");
        cb_value_t *full = cb_value_new_array ();
        for (size_t j = 0; j < cb_value_size (rids); j++) {
            cb_value_t *response = cb_response_load (req, cb_value_str (cb_value_at (rids, j)));
            if (response)
                cb_value_push (full, &response);
        }
        cb_value_set (round, "responses", &full);
        const void *data = cb_codec_encode_scratch (round, &size);
        if (!cb_page_room (&page, size)) {
            more = true;
            index--;            //  This round starts the next page
        }
        else {
            cb_value_t *raw = cb_value_new_raw (data, size);
            cb_value_push (rounds, &raw);
            cb_page_add (&page, size);
        }
        cb_value_destroy (&round);
    }
    if (rc < 0 || cb_req_check_store (req) || req->code) {
        cb_value_destroy (&hp.list);
        cb_value_destroy (&rounds);
        cb_value_destroy (&draft);
        return -1;
    }
    char next [32];
    if (hp.more)
        snprintf (next, sizeof (next), "rev.%u", hp.last);
    else
        snprintf (next, sizeof (next), "round.%zu", index);
    cb_value_set (req->reply, "draft", &draft);
    cb_value_set (req->reply, "revisions", &hp.list);
    cb_value_set (req->reply, "rounds", &rounds);
    cb_page_next (req, more ? next : NULL);
    return 0;
}

//  --------------------------------------------------------------------------
//  draft.diff {draft, from, to} -> {draft, from, to, changes}

int
cb_handle_draft_diff (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "from", "to", NULL };
    if (cb_check_fields (req, body, "draft.diff", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    int64_t from = 0, to = 0;
    if (req->code || cb_field_int (req, body, "from", 1, UINT32_MAX, true, &from) < 0
    ||  cb_field_int (req, body, "to", 1, UINT32_MAX, true, &to) < 0)
        return -1;
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft)
        return -1;
    cb_value_destroy (&draft);
    cb_value_t *a = cb_rev_load (req, id, (uint32_t) from);
    cb_value_t *b = a ? cb_rev_load (req, id, (uint32_t) to) : NULL;
    if (a && b) {
        cb_value_t *changes = cb_diff_content (cb_value_get (a, "content"),
                                               cb_value_get (b, "content"));
        char idbuf [16];
        cb_value_set_str (req->reply, "draft", cb_id_format (idbuf, 'd', id));
        cb_value_set_int (req->reply, "from", from);
        cb_value_set_int (req->reply, "to", to);
        cb_value_set (req->reply, "changes", &changes);
    }
    cb_value_destroy (&a);
    cb_value_destroy (&b);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  draft.vote {draft, confidence, comment?} -> {draft, rev, votes}
//  The confidence vote (fist of five, 0 to 5) on the head revision: by the
//  owner or by any leadership node. A node's later vote on the same
//  revision is added, not replaced: the history keeps both.

int
cb_handle_draft_vote (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "confidence", "comment", NULL };
    if (cb_check_fields (req, body, "draft.vote", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    int64_t confidence = 0;
    if (req->code || cb_field_int (req, body, "confidence", 0, 5, true, &confidence) < 0)
        return -1;
    const char *comment = cb_field_str (req, body, "comment", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft)
        return -1;
    if (!streq (req->role, "leadership") && cb_draft_check_owner (req, draft))
        ;   //  Failed: neither leadership nor the owner.
    else
    if (cb_value_get_str (draft, "round"))
        cb_req_fail (req, CB_E_ROUND_OPEN, "round %s is open: vote when it has closed",
                     cb_value_get_str (draft, "round"));
    else
    if (streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_DRAFT_FINAL, "d%u is final already", id);
    else
    if (cb_value_size (cb_value_get_array (draft, "votes")) >= CB_MAX_VOTES)
        cb_req_fail (req, CB_E_BAD_FIELD, "d%u has %d votes already, the most a draft keeps",
                     id, CB_MAX_VOTES);
    if (!req->code) {
        cb_value_t *vote = cb_value_new_map ();
        cb_value_set_str (vote, "node", req->node);
        cb_value_set_int (vote, "rev", cb_int (draft, "head"));
        cb_value_set_int (vote, "confidence", confidence);
        if (comment)
            cb_value_set_str (vote, "comment", comment);
        cb_value_set_int (vote, "time", req->now);
        cb_value_push (cb_value_get_array (draft, "votes"), &vote);
        cb_value_set_int (draft, "updated", req->now);
        if (!cb_draft_save (req, id, draft)) {
            s_reply_rev (req, id, (uint32_t) cb_int (draft, "head"));
            cb_value_t *votes = cb_value_dup (cb_value_get (draft, "votes"));
            cb_value_set (req->reply, "votes", &votes);
        }
    }
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  draft.finalize {draft} -> {draft, rev}
//  Needs no open round and at least one vote on the head revision. Every
//  node a round of this draft was ever thrown to is told.

int
cb_handle_draft_finalize (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", NULL };
    if (cb_check_fields (req, body, "draft.finalize", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    if (req->code)
        return -1;
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft || cb_draft_check_owner (req, draft)) {
        cb_value_destroy (&draft);
        return -1;
    }
    int64_t head = cb_int (draft, "head");
    cb_value_t *votes = cb_value_get_array (draft, "votes");
    bool voted = false;
    for (size_t i = 0; i < cb_value_size (votes); i++)
        if (cb_int (cb_value_at (votes, i), "rev") == head)
            voted = true;
    if (cb_value_get_str (draft, "round"))
        cb_req_fail (req, CB_E_ROUND_OPEN, "round %s is open: close it first",
                     cb_value_get_str (draft, "round"));
    else
    if (streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_DRAFT_FINAL, "d%u is final already", id);
    else
    if (!voted)
        cb_req_fail (req, CB_E_NO_VOTE, "no confidence vote on revision %lld yet",
                     (long long) head);
    if (!req->code) {
        cb_value_set_str (draft, "state", "final");
        cb_value_set_int (draft, "final_rev", head);
        cb_value_set_int (draft, "updated", req->now);
        if (!cb_draft_save (req, id, draft)) {
            s_reply_rev (req, id, (uint32_t) head);
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
