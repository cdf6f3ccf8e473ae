/*  =========================================================================
    history - a draft's past: the history table, draft.history (paged),
    draft.diff, and the revisions made in a span (for event.report)

    Each revision's history entry (its fields without the content, with
    the changes from its parent) is computed once, when the revision is
    written (cb_history_put, from drafts.c's cb_rev_append), and kept in
    its own table: a long history is then sent from stored bytes.
    =========================================================================
*/
#include "diff.h"
#include "handlers.h"
#include "validate.h"

//  --------------------------------------------------------------------------
//  The history table

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
int
cb_history_put (cb_req_t *req, uint32_t draft_id, uint32_t number, const cb_value_t *rev)
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

//  draft.history {draft, limit?, after?}
//      -> {draft, revisions, rounds, raised, checkins, next}
//  One page of the history: its items are the revisions in order, then
//  the rounds in order, then what was raised to or from the draft
//  (draft.raise) in order, then its check-ins (checkin.new) in order.
//  The cursor says where the page ended: "rev.N" after revision N,
//  "round.K" after the draft's first K rounds, "raised.K" after its first
//  K raises, "checkins.K" after its first K check-ins.

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

//  Loads a record by id; NULL if there is none.
typedef cb_value_t *(s_load_fn) (cb_req_t *req, const char *id);

static cb_value_t *
s_checkin_load (cb_req_t *req, const char *id)
{
    return cb_checkin_get (req->txn, id);
}

//  The records a draft lists by id (`raised`, `checkins`), in full, from
//  *index on, into list while the page has room; once it is full, *more
//  is set and *index is the one that starts the next page.
static void
s_page_ids (cb_req_t *req, cb_page_t *page, const cb_value_t *ids, s_load_fn *load,
            cb_value_t *list, size_t *index, bool *more)
{
    for (; !*more && *index < cb_value_size (ids) && !req->code; (*index)++) {
        cb_value_t *record = load (req, cb_value_str (cb_value_at (ids, *index)));
        if (!record)
            break;
        size_t size;
        const void *data = cb_codec_encode_scratch (record, &size);
        cb_value_destroy (&record);
        if (!cb_page_room (page, size)) {
            *more = true;
            break;
        }
        cb_value_t *raw = cb_value_new_raw (data, size);
        cb_value_push (list, &raw);
        cb_page_add (page, size);
    }
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
    uint64_t after_rev = 0, after_round = 0, after_raised = 0, after_checkins = 0;
    bool in_rounds = false, in_raised = false, in_checkins = false;
    if (page.after) {
        const char *end = NULL;
        if (strncmp (page.after, "rev.", 4) == 0)
            end = cb_page_number (page.after + 4, UINT32_MAX, &after_rev);
        else
        if (strncmp (page.after, "round.", 6) == 0) {
            end = cb_page_number (page.after + 6, UINT32_MAX, &after_round);
            in_rounds = true;
        }
        else
        if (strncmp (page.after, "raised.", 7) == 0) {
            end = cb_page_number (page.after + 7, UINT32_MAX, &after_raised);
            in_rounds = in_raised = true;
        }
        else
        if (strncmp (page.after, "checkins.", 9) == 0) {
            end = cb_page_number (page.after + 9, UINT32_MAX, &after_checkins);
            in_rounds = in_raised = in_checkins = true;
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
    size_t index = in_raised ? cb_value_size (ids) : (size_t) after_round;
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
    //  Then the raises, then the check-ins, in full.
    bool rounds_done = !more;
    cb_value_t *raised = cb_value_new_array ();
    cb_value_t *rids = cb_value_get_array (draft, "raised");
    size_t rindex = in_checkins ? cb_value_size (rids) : (size_t) after_raised;
    if (rc >= 0)
        s_page_ids (req, &page, rids, cb_response_load, raised, &rindex, &more);
    bool raised_done = !more;
    cb_value_t *checkins = cb_value_new_array ();
    size_t cindex = (size_t) after_checkins;
    if (rc >= 0)
        s_page_ids (req, &page, cb_value_get_array (draft, "checkins"), s_checkin_load,
                    checkins, &cindex, &more);
    if (rc < 0 || cb_req_check_store (req) || req->code) {
        cb_value_destroy (&hp.list);
        cb_value_destroy (&rounds);
        cb_value_destroy (&raised);
        cb_value_destroy (&checkins);
        cb_value_destroy (&draft);
        return -1;
    }
    char next [32];
    if (hp.more)
        snprintf (next, sizeof (next), "rev.%u", hp.last);
    else
    if (!rounds_done)
        snprintf (next, sizeof (next), "round.%zu", index);
    else
    if (!raised_done)
        snprintf (next, sizeof (next), "raised.%zu", rindex);
    else
        snprintf (next, sizeof (next), "checkins.%zu", cindex);
    cb_value_set (req->reply, "draft", &draft);
    cb_value_set (req->reply, "revisions", &hp.list);
    cb_value_set (req->reply, "rounds", &rounds);
    cb_value_set (req->reply, "raised", &raised);
    cb_value_set (req->reply, "checkins", &checkins);
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
