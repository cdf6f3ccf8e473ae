/*  =========================================================================
    votes - the sealed confidence vote (fist of five) on a draft's head
    revision: vote.open, each voter's draft.vote, the reveal, vote.show,
    and what draft.finalize asks of it

    Issue 14: a vote that every reply showed biased the later voters, and
    any single vote (the owner's own 0 too) let the draft be finalised.
    Now the owner opens a vote for named voters; each voter's vote is
    answered only "counted" and kept sealed in the vote record, which never
    leaves the broker with its ballots while the vote is open (replies,
    deliveries, the event log and vote.show get the public view, without
    them). When the last voter has voted, or at the deadline (a timer in
    the store, so it survives a restart, as round deadlines do), every
    vote is revealed at once with the minimum, the median and the spread,
    to the voters, the owner and the log; the revealed votes join the
    draft's `votes`, where the history shows them.

    Vote record (table votes): {id, draft, rev, owner, voters: [str],
    threshold, deadline: int|nil, state: open|revealed, opened,
    revealed: int|nil, closed_by: voted|deadline|finalize|nil,
    voted: [str], ballots: [{node, confidence, comment?, time}] (sealed:
    never sent), result: nil|{votes: [{node, confidence, comment?}],
    missing: [str], min, median, spread, passed}}
    =========================================================================
*/
#include "handlers.h"
#include "inbox.h"
#include "timers.h"
#include "validate.h"

//  --------------------------------------------------------------------------
//  Records

static cb_value_t *
s_vote_load (cb_req_t *req, uint32_t id)
{
    uint8_t key [4];
    cb_key_u32 (key, id);
    cb_value_t *record = cb_rec_get (req->txn, CB_T_VOTES, key, 4);
    if (!record && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_NOT_FOUND, "no vote v%u", id);
    return record;
}

//  What anyone may see of a vote: all of it but the sealed ballots.
static cb_value_t *
s_public (const cb_value_t *vote)
{
    cb_value_t *copy = cb_value_dup (vote);
    cb_value_remove (copy, "ballots");
    return copy;
}

//  Saves the vote and notes its public view for the event log.
static int
s_vote_save (cb_req_t *req, uint32_t id, const cb_value_t *vote)
{
    uint8_t key [4];
    cb_key_u32 (key, id);
    if (cb_rec_put (req->txn, CB_T_VOTES, key, 4, vote))
        return cb_req_check_store (req);
    cb_value_t *view = s_public (vote);
    cb_req_changed (req, "vote", cb_value_get_str (vote, "id"), view);
    cb_value_destroy (&view);
    return 0;
}

static bool
s_has (const cb_value_t *list, const char *name)
{
    for (size_t i = 0; i < cb_value_size (list); i++)
        if (streq (cb_value_str (cb_value_at (list, i)), name))
            return true;
    return false;
}

static void
s_push_str (cb_value_t *list, const char *text)
{
    cb_value_t *item = cb_value_new_str (text);
    cb_value_push (list, &item);
}

//  The draft's latest vote (its `vote` field), or NULL (with the request
//  failed only on a store error or a vote that is missing).
static cb_value_t *
s_vote_of (cb_req_t *req, const cb_value_t *draft, uint32_t *id)
{
    *id = cb_id_parse (cb_value_get_str (draft, "vote"), 'v');
    return *id ? s_vote_load (req, *id) : NULL;
}

//  --------------------------------------------------------------------------
//  The voters named in vote.open: 1 to CB_MAX_VOTERS distinct leadership
//  or team nodes that have said hello, never the owner: the vote asks the
//  others' confidence in the owner's draft (the owner's own 0 used to be
//  enough to finalise it).

static cb_value_t *
s_voters (cb_req_t *req, const cb_value_t *body)
{
    cb_value_t *list = cb_value_get (body, "voters");
    if (cb_value_type (list) != CB_ARRAY || cb_value_size (list) < 1
    ||  cb_value_size (list) > CB_MAX_VOTERS) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'voters' must list 1 to %d nodes", CB_MAX_VOTERS);
        return NULL;
    }
    return cb_node_list_check (req, list, "voters",
                               "the owner does not vote on its own draft: name the others",
                               "vote");
}

//  A new open vote `vid` of the draft's head revision.
static cb_value_t *
s_vote_new (cb_req_t *req, const char *vid, const cb_value_t *draft, const cb_value_t *voters,
            int64_t threshold, int64_t deadline)
{
    cb_value_t *vote = cb_value_new_map ();
    cb_value_set_str (vote, "id", vid);
    cb_value_set_str (vote, "draft", cb_value_get_str (draft, "id"));
    cb_value_set_int (vote, "rev", cb_int (draft, "head"));
    cb_value_set_str (vote, "owner", req->node);
    cb_value_t *copy = cb_value_dup (voters);
    cb_value_set (vote, "voters", &copy);
    cb_value_set_int (vote, "threshold", threshold);
    if (deadline)
        cb_value_set_int (vote, "deadline", deadline);
    else
        cb_value_set_nil (vote, "deadline");
    cb_value_set_str (vote, "state", "open");
    cb_value_set_int (vote, "opened", req->now);
    cb_value_set_nil (vote, "revealed");
    cb_value_set_nil (vote, "closed_by");
    copy = cb_value_new_array ();
    cb_value_set (vote, "voted", &copy);
    copy = cb_value_new_array ();
    cb_value_set (vote, "ballots", &copy);
    cb_value_set_nil (vote, "result");
    return vote;
}

//  --------------------------------------------------------------------------
//  vote.open {draft, voters: [str], deadline?: int (s), threshold?: 0..5}
//      -> {vote, draft, rev, voters, threshold, deadline}

int
cb_handle_vote_open (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "voters", "deadline", "threshold", NULL };
    if (cb_check_fields (req, body, "vote.open", fields))
        return -1;
    uint32_t draft_id = cb_field_id (req, body, "draft", 'd');
    int64_t seconds = 0, threshold = CB_VOTE_THRESHOLD;
    if (req->code
    ||  cb_field_int (req, body, "deadline", 1, CB_MAX_DEADLINE, false, &seconds) < 0
    ||  cb_field_int (req, body, "threshold", 0, 5, false, &threshold) < 0)
        return -1;
    cb_value_t *draft = cb_draft_load (req, draft_id);
    if (!draft || cb_draft_check_owner (req, draft)) {
        cb_value_destroy (&draft);
        return -1;
    }
    cb_value_t *voters = s_voters (req, body);
    uint32_t last_id = 0;
    cb_value_t *last = voters ? s_vote_of (req, draft, &last_id) : NULL;
    if (req->code)
        ;
    else
    if (cb_value_get_str (draft, "round"))
        cb_req_fail (req, CB_E_ROUND_OPEN, "round %s of d%u is open: vote when it has closed",
                     cb_value_get_str (draft, "round"), draft_id);
    else
    if (streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_DRAFT_FINAL, "d%u is final already", draft_id);
    else
    if (last && streq (cb_value_get_str (last, "state"), "open"))
        cb_req_fail (req, CB_E_VOTE_OPEN, "vote v%u on d%u is still open (%zu of %zu voted): "
                     "it is revealed when all have voted or at its deadline", last_id,
                     draft_id, cb_value_size (cb_value_get_array (last, "voted")),
                     cb_value_size (cb_value_get_array (last, "voters")));
    else
    if (cb_value_size (cb_value_get_array (draft, "votes")) + cb_value_size (voters)
        > CB_MAX_VOTES)
        cb_req_fail (req, CB_E_BAD_FIELD, "d%u keeps at most %d votes: %zu are kept already",
                     draft_id, CB_MAX_VOTES,
                     cb_value_size (cb_value_get_array (draft, "votes")));
    uint32_t id = req->code ? 0 : cb_req_next_id (req, "vote");
    if (id) {
        char vid [16];
        cb_id_format (vid, 'v', id);
        int64_t deadline = seconds ? req->now + seconds * 1000 : 0;
        cb_value_t *vote = s_vote_new (req, vid, draft, voters, threshold, deadline);
        cb_value_t *copy;
        cb_value_set_str (draft, "vote", vid);
        cb_value_set_int (draft, "updated", req->now);
        if (!s_vote_save (req, id, vote) && !cb_draft_save (req, draft_id, draft)
        &&  (!deadline || cb_timer_set (req, CB_T_VOTE_DEADLINES, deadline, id) == 0)) {
            cb_value_t *note = s_public (vote);
            cb_value_remove (note, "result");
            cb_value_set_str (note, "objective", cb_value_get_str (draft, "objective"));
            if (cb_inbox_push_all (req, voters, "vote.opened", &note)
            &&  !cb_req_check_store (req))
                cb_req_fail (req, CB_E_INTERNAL, "inbox: a delivery of %s exists already", vid);
            cb_value_set_str (req->reply, "vote", vid);
            cb_value_set_str (req->reply, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_int (req->reply, "rev", cb_int (draft, "head"));
            copy = cb_value_dup (voters);
            cb_value_set (req->reply, "voters", &copy);
            cb_value_set_int (req->reply, "threshold", threshold);
            copy = cb_value_dup (cb_value_get (vote, "deadline"));
            cb_value_set (req->reply, "deadline", &copy);
            if (deadline && (!req->deadline || deadline < req->deadline))
                req->deadline = deadline;
        }
        cb_value_destroy (&vote);
    }
    cb_value_destroy (&last);
    cb_value_destroy (&voters);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  The reveal: every ballot at once, with the minimum, the median and the
//  spread; the vote passes with a median at or above its threshold and no
//  vote of 0 or 1 (a fist or one finger is a blocker, whatever the rest
//  say). The revealed votes join the draft's `votes`.

static int
s_compare (const void *a, const void *b)
{
    return (int) (*(const int64_t *) a - *(const int64_t *) b);
}

//  The vote's result: every ballot (without its time), who did not vote,
//  the minimum, median and spread, and whether it passed.
static cb_value_t *
s_result (const cb_value_t *vote)
{
    cb_value_t *ballots = cb_value_get_array (vote, "ballots");
    size_t count = cb_value_size (ballots);
    int64_t sorted [CB_MAX_VOTERS];
    cb_value_t *result = cb_value_new_map ();
    cb_value_t *list = cb_value_new_array ();
    for (size_t i = 0; i < count && i < CB_MAX_VOTERS; i++) {
        cb_value_t *ballot = cb_value_at (ballots, i);
        sorted [i] = cb_int (ballot, "confidence");
        cb_value_t *shown = cb_value_dup (ballot);
        cb_value_remove (shown, "time");
        cb_value_push (list, &shown);
    }
    cb_value_set (result, "votes", &list);
    cb_value_t *missing = cb_value_new_array ();
    cb_value_t *voters = cb_value_get_array (vote, "voters");
    for (size_t i = 0; i < cb_value_size (voters); i++) {
        const char *node = cb_value_str (cb_value_at (voters, i));
        if (!s_has (cb_value_get_array (vote, "voted"), node))
            s_push_str (missing, node);
    }
    cb_value_set (result, "missing", &missing);
    bool passed = false;
    if (count) {
        qsort (sorted, count, sizeof (sorted [0]), s_compare);
        cb_value_set_int (result, "min", sorted [0]);
        cb_value_set_int (result, "spread", sorted [count - 1] - sorted [0]);
        //  An even count's median is the mean of the middle two: 3.5 is
        //  shown as such, never rounded either way
        int64_t twice = count % 2 ? 2 * sorted [count / 2]
                                  : sorted [count / 2 - 1] + sorted [count / 2];
        cb_value_t *median = twice % 2 ? cb_value_new_float (twice / 2.0)
                                       : cb_value_new_int (twice / 2);
        cb_value_set (result, "median", &median);
        passed = twice >= 2 * cb_int (vote, "threshold") && sorted [0] >= 2;
    }
    else {
        cb_value_set_nil (result, "min");
        cb_value_set_nil (result, "median");
        cb_value_set_nil (result, "spread");
    }
    cb_value_set_bool (result, "passed", passed);
    return result;
}

static int
s_reveal (cb_req_t *req, uint32_t id, cb_value_t *vote, const char *why)
{
    uint32_t draft_id = cb_id_parse (cb_value_get_str (vote, "draft"), 'd');
    cb_value_t *draft = cb_draft_load (req, draft_id);
    if (!draft)
        return -1;
    //  The draft keeps the revealed votes, as it kept votes before issue 14.
    cb_value_t *ballots = cb_value_get_array (vote, "ballots");
    cb_value_t *kept = cb_value_get_array (draft, "votes");
    for (size_t i = 0; kept && i < cb_value_size (ballots); i++) {
        cb_value_t *entry = cb_value_dup (cb_value_at (ballots, i));
        cb_value_set_int (entry, "rev", cb_int (vote, "rev"));
        cb_value_set_str (entry, "vote", cb_value_get_str (vote, "id"));
        cb_value_push (kept, &entry);
    }
    cb_value_t *result = s_result (vote);
    cb_value_set (vote, "result", &result);
    cb_value_set_str (vote, "state", "revealed");
    cb_value_set_int (vote, "revealed", req->now);
    cb_value_set_str (vote, "closed_by", why);
    int64_t deadline = 0;
    if (cb_value_get_int (vote, "deadline", &deadline) && deadline)
        cb_timer_clear (req, CB_T_VOTE_DEADLINES, deadline, id);
    cb_value_set_int (draft, "updated", req->now);
    if (!req->code && !s_vote_save (req, id, vote) && !cb_draft_save (req, draft_id, draft)) {
        //  The owner first, then each voter: one note, stored once.
        cb_value_t *nodes = cb_value_new_array ();
        s_push_str (nodes, cb_value_get_str (vote, "owner"));
        cb_value_t *voters = cb_value_get_array (vote, "voters");
        for (size_t i = 0; i < cb_value_size (voters); i++)
            s_push_str (nodes, cb_value_str (cb_value_at (voters, i)));
        cb_value_t *note = s_public (vote);
        cb_value_set_str (note, "objective", cb_value_get_str (draft, "objective"));
        if (cb_inbox_push_all (req, nodes, "vote.revealed", &note) && !cb_req_check_store (req))
            cb_req_fail (req, CB_E_INTERNAL, "inbox: a delivery of %s exists already",
                         cb_value_get_str (vote, "id"));
        cb_value_destroy (&nodes);
    }
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  draft.vote {draft, confidence, comment?} -> {draft, rev, vote, counted: true}
//  A voter's sealed vote in the draft's open vote: the reply says it was
//  counted and nothing else; the last voter's vote reveals them all.

int
cb_handle_draft_vote (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "confidence", "comment", NULL };
    if (cb_check_fields (req, body, "draft.vote", fields))
        return -1;
    uint32_t draft_id = cb_field_id (req, body, "draft", 'd');
    int64_t confidence = 0;
    if (req->code || cb_field_int (req, body, "confidence", 0, 5, true, &confidence) < 0)
        return -1;
    const char *comment = cb_field_str (req, body, "comment", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    cb_value_t *draft = cb_draft_load (req, draft_id);
    uint32_t id = 0;
    cb_value_t *vote = draft ? s_vote_of (req, draft, &id) : NULL;
    if (!draft || req->code)
        ;
    else
    if (!vote || !s_has (cb_value_get_array (vote, "voters"), req->node))
        cb_req_fail (req, CB_E_NOT_VOTER, vote
                     ? "%s is not a voter of v%u on d%u: its voters are named by the owner"
                     : "%s: d%u has no confidence vote: its owner opens one (vote.open)",
                     req->node, vote ? id : draft_id, draft_id);
    else
    if (!streq (cb_value_get_str (vote, "state"), "open"))
        cb_req_fail (req, CB_E_VOTE_CLOSED, "v%u on d%u is revealed: it takes no more votes",
                     id, draft_id);
    else
    if (s_has (cb_value_get_array (vote, "voted"), req->node))
        cb_req_fail (req, CB_E_ALREADY_VOTED, "%s has voted in v%u already: a vote is cast once",
                     req->node, id);
    if (!req->code) {
        cb_value_t *ballot = cb_value_new_map ();
        cb_value_set_str (ballot, "node", req->node);
        cb_value_set_int (ballot, "confidence", confidence);
        if (comment)
            cb_value_set_str (ballot, "comment", comment);
        cb_value_set_int (ballot, "time", req->now);
        cb_value_push (cb_value_get_array (vote, "ballots"), &ballot);
        s_push_str (cb_value_get_array (vote, "voted"), req->node);
        bool all = cb_value_size (cb_value_get_array (vote, "voted"))
                == cb_value_size (cb_value_get_array (vote, "voters"));
        if (all ? !s_reveal (req, id, vote, "voted") : !s_vote_save (req, id, vote)) {
            cb_value_set_str (req->reply, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_int (req->reply, "rev", cb_int (vote, "rev"));
            cb_value_set_str (req->reply, "vote", cb_value_get_str (vote, "id"));
            cb_value_set_bool (req->reply, "counted", true);
        }
    }
    cb_value_destroy (&vote);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  vote.show {vote} -> {vote: the public view}

int
cb_handle_vote_show (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "vote", NULL };
    if (cb_check_fields (req, body, "vote.show", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "vote", 'v');
    cb_value_t *vote = req->code ? NULL : s_vote_load (req, id);
    if (vote) {
        cb_value_t *view = s_public (vote);
        cb_value_set (req->reply, "vote", &view);
    }
    cb_value_destroy (&vote);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  What draft.finalize asks: a revealed vote on the head revision that
//  passed, or the owner's override with a reason. An open vote is
//  revealed by the finalise (closed_by "finalize") so that its voters are
//  not left owing a vote on a final draft. Sets the draft's final_vote and
//  override. 0, or -1 with the request failed (NO_CONFIDENCE).

//  Why the draft may not be finalised on this vote without an override:
//  fails the request with NO_CONFIDENCE, or returns 0.
static int
s_refuse_final (cb_req_t *req, const cb_value_t *draft, uint32_t id, const cb_value_t *vote,
                bool on_head, bool open, bool passed)
{
    const cb_value_t *result = cb_value_get_map (vote, "result");
    int64_t head = cb_int (draft, "head");
    if (!vote || !on_head)
        return cb_req_fail (req, CB_E_NO_CONFIDENCE, "d%u has no confidence vote on revision "
                            "%lld: open one (vote open), or finalise with an override and a "
                            "reason", cb_id_parse (cb_value_get_str (draft, "id"), 'd'),
                            (long long) head);
    if (open)
        return cb_req_fail (req, CB_E_NO_CONFIDENCE, "v%u is not revealed yet (%zu of %zu voted)",
                            id, cb_value_size (cb_value_get_array (vote, "voted")),
                            cb_value_size (cb_value_get_array (vote, "voters")));
    if (!passed && cb_int (result, "min") < 2 && cb_value_size (cb_value_get (result, "votes")))
        return cb_req_fail (req, CB_E_NO_CONFIDENCE, "v%u has a vote of %lld: a 0 or a 1 "
                            "blocks the finalise (override with a reason if you must)", id,
                            (long long) cb_int (result, "min"));
    if (!passed)
        return cb_req_fail (req, CB_E_NO_CONFIDENCE, "v%u's median is below its threshold of "
                            "%lld (override with a reason if you must)", id,
                            (long long) cb_int (vote, "threshold"));
    return 0;
}

int
cb_vote_check_final (cb_req_t *req, cb_value_t *draft, const char *override)
{
    uint32_t id = 0;
    cb_value_t *vote = s_vote_of (req, draft, &id);
    if (req->code)
        return -1;
    int64_t head = cb_int (draft, "head");
    bool open = vote && streq (cb_value_get_str (vote, "state"), "open");
    bool on_head = vote && cb_int (vote, "rev") == head;
    cb_value_t *result = cb_value_get_map (vote, "result");
    bool passed = false;
    cb_value_get_bool (result, "passed", &passed);
    if (!override)
        s_refuse_final (req, draft, id, vote, on_head, open, passed);
    if (!req->code && open && !s_reveal (req, id, vote, "finalize")) {
        //  The reveal rewrote the draft's votes: take them in.
        cb_value_t *fresh = cb_draft_load (req, cb_id_parse (cb_value_get_str (draft, "id"), 'd'));
        if (fresh) {
            cb_value_t *votes = cb_value_dup (cb_value_get (fresh, "votes"));
            cb_value_set (draft, "votes", &votes);
        }
        cb_value_destroy (&fresh);
    }
    if (!req->code) {
        if (vote && on_head)
            cb_value_set_str (draft, "final_vote", cb_value_get_str (vote, "id"));
        else
            cb_value_set_nil (draft, "final_vote");
        if (override) {
            cb_value_t *o = cb_value_new_map ();
            cb_value_set_str (o, "reason", override);
            cb_value_set_str (o, "node", req->node);
            cb_value_set_int (o, "time", req->now);
            cb_value_set_bool (o, "passed", passed && on_head);
            cb_value_set (draft, "override", &o);
        }
    }
    cb_value_destroy (&vote);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  Deadlines (timers.c)

static int
s_deadline_fire (cb_req_t *req, uint32_t id, int64_t when, void *arg)
{
    (void) when, (void) arg;
    cb_value_t *vote = s_vote_load (req, id);
    int rc = vote ? 0 : -1;
    if (vote && streq (cb_value_get_str (vote, "state"), "open"))
        rc = s_reveal (req, id, vote, "deadline") ? -1 : 1;
    //  Otherwise a stale timer: the vote was revealed some other way.
    cb_value_destroy (&vote);
    return rc;
}

int
cb_votes_expire (cb_req_t *req)
{
    return cb_timers_fire (req, CB_T_VOTE_DEADLINES, s_deadline_fire, NULL);
}

int64_t
cb_votes_next_deadline (cb_txn_t *txn)
{
    return cb_timer_next (txn, CB_T_VOTE_DEADLINES);
}
