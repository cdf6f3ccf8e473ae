/*  =========================================================================
    rounds - catchball rounds: throw a revision to recipients, take their
    answers (feedback, counter-proposals, endorsements), close the round

    A round opens when the owner throws the draft's head revision; every
    recipient finds it in its inbox. Each recipient gives one answer, made
    of one or more responses: a response with final=false says "more to
    come", the first with final=true (the default) completes its answer, and
    after that it may not respond again in this round. The owner receives
    each response as it arrives. The round closes when every recipient has
    answered, when the owner closes it, or when its deadline passes; owner
    and recipients then receive its summary.

    Round record: {id, draft, rev, owner, recipients, question, deadline
    (ms or nil), state: open|closed, opened, closed, closed_by:
    answered|owner|deadline, answered: [nodes], responses: [ids]}
    Response record: {id, round, draft, rev, author, time, type:
    feedback|counter|endorse, final, and per type: on, kind, text |
    proposal_rev, message | confidence, text}
    =========================================================================
*/
#include "coaching.h"
#include "handlers.h"
#include "inbox.h"
#include "timers.h"
#include "validate.h"

static bool
s_contains (const cb_value_t *list, const char *s)
{
    for (size_t i = 0; i < cb_value_size (list); i++)
        if (streq (cb_value_str (cb_value_at (list, i)), s))
            return true;
    return false;
}

static void
s_push_str (cb_value_t *list, const char *s)
{
    cb_value_t *v = cb_value_new_str (s);
    cb_value_push (list, &v);
}

static cb_value_t *
s_round_load (cb_req_t *req, uint32_t id)
{
    return cb_obj_load (req, CB_T_ROUNDS, 'r', id);
}

cb_value_t *
cb_round_get (cb_txn_t *txn, const char *id)
{
    uint8_t key [4];
    cb_key_u32 (key, cb_id_parse (id, 'r'));
    return cb_rec_get (txn, CB_T_ROUNDS, key, 4);
}

cb_value_t *
cb_response_load (cb_req_t *req, const char *id)
{
    uint32_t n = 0;
    if (id && (id [0] == 'f' || id [0] == 'p' || id [0] == 'e'))
        n = cb_id_parse (id, id [0]);
    if (!n) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'%s' is not a response id (f1, p1 or e1)",
                     id ? id : "");
        return NULL;
    }
    uint8_t key [5];
    key [0] = (uint8_t) id [0];
    cb_put_u32 (key + 1, n);
    cb_value_t *record = cb_rec_get (req->txn, CB_T_RESPONSES, key, 5);
    if (!record && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_NOT_FOUND, "no response %s", id);
    return record;
}

int
cb_response_put (cb_req_t *req, char letter, cb_value_t *response)
{
    char counter [2] = { letter, 0 };
    uint32_t n = cb_req_next_id (req, counter);
    if (!n)
        return -1;
    char id [16];
    cb_value_set_str (response, "id", cb_id_format (id, letter, n));
    uint8_t key [5];
    key [0] = (uint8_t) letter;
    cb_put_u32 (key + 1, n);
    if (cb_rec_put (req->txn, CB_T_RESPONSES, key, 5, response))
        return cb_req_check_store (req);
    return 0;
}

static int
s_round_save (cb_req_t *req, uint32_t id, const cb_value_t *round)
{
    return cb_obj_save (req, CB_T_ROUNDS, 'r', id, round);
}

//  A new open round of the draft's revision `rev`.
static cb_value_t *
s_round_new (cb_req_t *req, const char *rid, const cb_value_t *draft, const cb_value_t *rev,
             const cb_value_t *recipients, const char *question, int64_t deadline)
{
    cb_value_t *round = cb_value_new_map ();
    cb_value_set_str (round, "id", rid);
    cb_value_set_str (round, "draft", cb_value_get_str (draft, "id"));
    cb_value_set_int (round, "rev", cb_int (rev, "rev"));
    cb_value_set_str (round, "owner", req->node);
    cb_value_t *copy = cb_value_dup (recipients);
    cb_value_set (round, "recipients", &copy);
    cb_value_set_str (round, "question", question ? question : "");
    if (deadline)
        cb_value_set_int (round, "deadline", deadline);
    else
        cb_value_set_nil (round, "deadline");
    cb_value_set_str (round, "state", "open");
    cb_value_set_int (round, "opened", req->now);
    cb_value_set_nil (round, "closed");
    cb_value_set_nil (round, "closed_by");
    cb_value_t *answered = cb_value_new_array ();
    cb_value_set (round, "answered", &answered);
    cb_value_t *responses = cb_value_new_array ();
    cb_value_set (round, "responses", &responses);
    return round;
}

//  --------------------------------------------------------------------------
//  round.throw {draft, to: [nodes], question?, deadline? (seconds)}
//      -> {round, draft, rev, deadline}

int
cb_handle_round_throw (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "to", "question", "deadline", NULL };
    if (cb_check_fields (req, body, "round.throw", fields))
        return -1;
    uint32_t draft_id = cb_field_id (req, body, "draft", 'd');
    const char *question = req->code ? NULL
        : cb_field_str (req, body, "question", 0, CB_MAX_QUESTION, false);
    int64_t seconds = 0;
    if (req->code || cb_field_int (req, body, "deadline", 1, CB_MAX_DEADLINE, false, &seconds) < 0)
        return -1;
    cb_value_t *to = cb_value_get (body, "to");
    if (cb_value_type (to) != CB_ARRAY || cb_value_size (to) < 1
    ||  cb_value_size (to) > CB_MAX_RECIPIENTS)
        return cb_req_fail (req, CB_E_BAD_FIELD, "'to' must list 1 to %d nodes",
                            CB_MAX_RECIPIENTS);
    cb_value_t *draft = cb_draft_load (req, draft_id);
    if (!draft || cb_draft_check_owner (req, draft)) {
        cb_value_destroy (&draft);
        return -1;
    }
    if (cb_value_get_str (draft, "round"))
        cb_req_fail (req, CB_E_ROUND_OPEN, "round %s of d%u is open already",
                     cb_value_get_str (draft, "round"), draft_id);
    else
    //  A final draft is never thrown again, amended or not: its rounds are
    //  over, and an amendment is a revision with a reason, not a new round
    if (streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_DRAFT_FINAL,
                     "d%u is final: it cannot be thrown again (amend it with a "
                     "revision and a reason)", draft_id);
    cb_value_t *recipients = cb_node_list_check (req, to, "to",
        "a draft is thrown to others, not to its owner", "answer a round");
    uint32_t round_id = req->code ? 0 : cb_req_next_id (req, "round");
    cb_value_t *rev = req->code ? NULL
        : cb_rev_load (req, draft_id, (uint32_t) cb_int (draft, "head"));
    if (rev) {
        char rid [16];
        cb_id_format (rid, 'r', round_id);
        int64_t deadline = seconds ? req->now + seconds * 1000 : 0;
        cb_value_t *round = s_round_new (req, rid, draft, rev, recipients, question, deadline);
        cb_value_t *copy;

        cb_value_set_str (draft, "state", "in_round");
        cb_value_set_str (draft, "round", rid);
        cb_value_set_str (draft, "last_round", rid);
        cb_value_t *rounds = cb_value_get_array (draft, "rounds");
        s_push_str (rounds, rid);
        cb_value_set_int (draft, "updated", req->now);

        if (!s_round_save (req, round_id, round) && !cb_draft_save (req, draft_id, draft)
        &&  (!deadline || cb_timer_set (req, CB_T_DEADLINES, deadline, round_id) == 0)) {
            //  The same note for every recipient: stored once.
            cb_value_t *note = cb_value_new_map ();
            cb_value_set_str (note, "round", rid);
            cb_value_set_str (note, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_int (note, "rev", cb_int (rev, "rev"));
            cb_value_set_str (note, "owner", req->node);
            cb_value_set_str (note, "question", question ? question : "");
            copy = cb_value_dup (cb_value_get (round, "deadline"));
            cb_value_set (note, "deadline", &copy);
            copy = cb_value_dup (cb_value_get (rev, "content"));
            cb_value_set (note, "content", &copy);
            //  What the coach finds, once for every recipient: they see it
            //  while they answer. Never a refusal here: the revision was
            //  written before, and strict mode checked it then.
            cb_value_t *coach = cb_coaching_findings (cb_value_get (rev, "content"));
            cb_value_set (note, "coach", &coach);
            if (cb_inbox_push_all (req, recipients, "round.thrown", &note)
            &&  !cb_req_check_store (req))
                cb_req_fail (req, CB_E_INTERNAL, "inbox: a delivery of %s exists already", rid);
            cb_value_set_str (req->reply, "round", rid);
            cb_value_set_str (req->reply, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_int (req->reply, "rev", cb_int (rev, "rev"));
            copy = cb_value_dup (cb_value_get (round, "deadline"));
            cb_value_set (req->reply, "deadline", &copy);
            if (deadline && (!req->deadline || deadline < req->deadline))
                req->deadline = deadline;
        }
        else
            cb_req_check_store (req);
        cb_value_destroy (&round);
    }
    cb_value_destroy (&rev);
    cb_value_destroy (&recipients);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  Close a round: record why, free the draft, tell owner and recipients.

static int
s_round_close (cb_req_t *req, uint32_t round_id, cb_value_t *round, const char *why)
{
    uint32_t draft_id = cb_id_parse (cb_value_get_str (round, "draft"), 'd');
    cb_value_t *draft = cb_draft_load (req, draft_id);
    if (!draft)
        return -1;
    cb_value_set_str (round, "state", "closed");
    cb_value_set_int (round, "closed", req->now);
    cb_value_set_str (round, "closed_by", why);
    cb_value_set_str (draft, "state", "drafting");
    cb_value_set_nil (draft, "round");
    cb_value_set_int (draft, "updated", req->now);
    int64_t deadline = 0;
    if (cb_value_get_int (round, "deadline", &deadline))
        cb_timer_clear (req, CB_T_DEADLINES, deadline, round_id);
    if (!req->code && !s_round_save (req, round_id, round) && !cb_draft_save (req, draft_id, draft)) {
        cb_value_t *recipients = cb_value_get_array (round, "recipients");
        cb_value_t *answered = cb_value_get_array (round, "answered");
        cb_value_t *missing = cb_value_new_array ();
        for (size_t i = 0; i < cb_value_size (recipients); i++) {
            const char *node = cb_value_str (cb_value_at (recipients, i));
            if (!s_contains (answered, node))
                s_push_str (missing, node);
        }
        cb_value_t *summary = cb_value_new_map ();
        cb_value_set_str (summary, "round", cb_value_get_str (round, "id"));
        cb_value_set_str (summary, "draft", cb_value_get_str (round, "draft"));
        cb_value_set_int (summary, "rev", cb_int (round, "rev"));
        cb_value_set_str (summary, "closed_by", why);
        cb_value_t *copy = cb_value_dup (answered);
        cb_value_set (summary, "answered", &copy);
        cb_value_set (summary, "missing", &missing);
        copy = cb_value_dup (cb_value_get (round, "responses"));
        cb_value_set (summary, "responses", &copy);
        //  The owner first, then each recipient.
        for (ssize_t i = -1; i < (ssize_t) cb_value_size (recipients) && !req->code; i++) {
            const char *node = i < 0 ? cb_value_get_str (round, "owner")
                                     : cb_value_str (cb_value_at (recipients, (size_t) i));
            cb_value_t *note = cb_value_dup (summary);
            if (!cb_inbox_push (req, node, "round.closed", &note))
                cb_req_check_store (req);
        }
        cb_value_destroy (&summary);
    }
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  How many responses the sender has given in the round.
static int
s_responses_of (cb_req_t *req, const cb_value_t *round)
{
    cb_value_t *ids = cb_value_get_array (round, "responses");
    int count = 0;
    for (size_t i = 0; i < cb_value_size (ids); i++) {
        cb_value_t *response = cb_response_load (req, cb_value_str (cb_value_at (ids, i)));
        if (response && streq (cb_value_get_str (response, "author"), req->node))
            count++;
        cb_value_destroy (&response);
    }
    return count;
}

//  --------------------------------------------------------------------------
//  What every response shares: the round must be open, the sender one of
//  its recipients that has not answered yet. Returns the round, or NULL.

static cb_value_t *
s_round_for_response (cb_req_t *req, const cb_value_t *body, uint32_t *round_id,
                      bool *final)
{
    *round_id = cb_field_id (req, body, "round", 'r');
    *final = true;
    cb_value_t *f = cb_value_get (body, "final");
    if (f && cb_value_type (f) != CB_BOOL && cb_value_type (f) != CB_NIL)
        cb_req_fail (req, CB_E_BAD_FIELD, "'final' must be true or false");
    else
    if (f && cb_value_type (f) == CB_BOOL)
        *final = cb_value_bool (f);
    if (req->code)
        return NULL;
    cb_value_t *round = s_round_load (req, *round_id);
    if (!round)
        return NULL;
    if (!s_contains (cb_value_get_array (round, "recipients"), req->node))
        cb_req_fail (req, CB_E_NOT_RECIPIENT, "round r%u was not thrown to %s", *round_id,
                     req->node);
    else
    if (!streq (cb_value_get_str (round, "state"), "open"))
        cb_req_fail (req, CB_E_ROUND_CLOSED, "round r%u is closed (%s)", *round_id,
                     cb_value_get_str (round, "closed_by"));
    else
    if (s_contains (cb_value_get_array (round, "answered"), req->node))
        cb_req_fail (req, CB_E_ALREADY_ANSWERED, "%s has already answered round r%u",
                     req->node, *round_id);
    else
    if (s_responses_of (req, round) >= CB_MAX_RESPONSES - (*final ? 0 : 1))
        cb_req_fail (req, CB_E_BAD_FIELD,
                     "an answer holds at most %d responses: make this one final",
                     CB_MAX_RESPONSES);
    if (req->code)
        cb_value_destroy (&round);
    return round;
}

//  Stores a response (filled with its type's fields) under id letter+n (n
//  is taken from the letter's counter when 0), adds it to the round, tells
//  the owner, and closes the round if every recipient has answered.
static int
s_respond (cb_req_t *req, uint32_t round_id, cb_value_t *round, bool final, char letter,
           uint32_t n, cb_value_t *response)
{
    char counter [2] = { letter, 0 };
    if (!n)
        n = cb_req_next_id (req, counter);
    if (!n)
        return -1;
    char id [16];
    cb_id_format (id, letter, n);
    cb_value_set_str (response, "id", id);
    cb_value_set_str (response, "round", cb_value_get_str (round, "id"));
    cb_value_set_str (response, "draft", cb_value_get_str (round, "draft"));
    cb_value_set_int (response, "rev", cb_int (round, "rev"));
    cb_value_set_str (response, "author", req->node);
    cb_value_set_int (response, "time", req->now);
    cb_value_set_bool (response, "final", final);
    uint8_t key [5];
    key [0] = (uint8_t) letter;
    cb_put_u32 (key + 1, n);
    if (cb_rec_put (req->txn, CB_T_RESPONSES, key, 5, response))
        return cb_req_check_store (req);

    s_push_str (cb_value_get_array (round, "responses"), id);
    if (final)
        s_push_str (cb_value_get_array (round, "answered"), req->node);
    if (s_round_save (req, round_id, round))
        return -1;
    cb_value_t *note = cb_value_new_map ();
    cb_value_set_str (note, "round", cb_value_get_str (round, "id"));
    cb_value_set_str (note, "draft", cb_value_get_str (round, "draft"));
    cb_value_t *copy = cb_value_dup (response);
    cb_value_set (note, "response", &copy);
    if (!cb_inbox_push (req, cb_value_get_str (round, "owner"), "round.response", &note))
        return cb_req_check_store (req);
    cb_value_set_str (req->reply, "id", id);
    cb_value_set_str (req->reply, "round", cb_value_get_str (round, "id"));
    if (cb_value_size (cb_value_get_array (round, "answered"))
        == cb_value_size (cb_value_get_array (round, "recipients"))) {
        cb_value_set_bool (req->reply, "round_closed", true);
        return s_round_close (req, round_id, round, "answered");
    }
    cb_value_set_bool (req->reply, "round_closed", false);
    return 0;
}

//  --------------------------------------------------------------------------
//  round.feedback {round, on?, kind, text, final?} -> {id, round, round_closed}

int
cb_handle_round_feedback (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "round", "on", "kind", "text", "final", NULL };
    static const char *const kinds [] = {
        "suggestion", "concern", "support", "cannot-align", NULL
    };
    if (cb_check_fields (req, body, "round.feedback", fields))
        return -1;
    const char *on = cb_field_str (req, body, "on", 1, 16, false);
    const char *kind = cb_field_str (req, body, "kind", 1, 16, true);
    const char *text = cb_field_str (req, body, "text", 1, CB_MAX_FEEDBACK, true);
    if (req->code)
        return -1;
    const char *const *k;
    for (k = kinds; *k && !streq (*k, kind); k++)
        ;
    if (!*k)
        return cb_req_fail (req, CB_E_BAD_FIELD,
                            "'kind' must be suggestion, concern, support or cannot-align");
    uint32_t round_id;
    bool final;
    cb_value_t *round = s_round_for_response (req, body, &round_id, &final);
    if (!round)
        return -1;
    //  'on' names the objective, the narrative or a KR of the thrown
    //  revision: anything else is a bad field, a KR id the revision does
    //  not have is not found (as for aligned_to and asks)
    if (on && !streq (on, "objective") && !streq (on, "narrative")
    &&  (strncmp (on, "kr", 2) != 0 || cb_id_parse (on + 1, 'r') == 0))
        cb_req_fail (req, CB_E_BAD_FIELD, "'on' must be objective, narrative or a key "
                     "result id like kr1, not '%s'", on);
    else
    if (on && !streq (on, "objective") && !streq (on, "narrative")) {
        uint32_t draft_id = cb_id_parse (cb_value_get_str (round, "draft"), 'd');
        cb_value_t *rev = cb_rev_load (req, draft_id, (uint32_t) cb_int (round, "rev"));
        cb_value_t *krs = cb_value_get_array (cb_value_get (rev, "content"), "key_results");
        bool found = false;
        for (size_t i = 0; i < cb_value_size (krs); i++)
            if (streq (on, cb_value_get_str (cb_value_at (krs, i), "id")))
                found = true;
        if (rev && !found)
            cb_req_fail (req, CB_E_NOT_FOUND, "revision %lld has no key result %s",
                         (long long) cb_int (round, "rev"), on);
        cb_value_destroy (&rev);
    }
    if (!req->code) {
        cb_value_t *response = cb_value_new_map ();
        cb_value_set_str (response, "type", "feedback");
        if (on)
            cb_value_set_str (response, "on", on);
        cb_value_set_str (response, "kind", kind);
        cb_value_set_str (response, "text", text);
        s_respond (req, round_id, round, final, 'f', 0, response);
        cb_value_destroy (&response);
    }
    cb_value_destroy (&round);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  round.counter {round, content, message?, final?}
//      -> {id, round, round_closed, draft, rev}
//  The counter-proposal is kept as its own revision, off the mainline,
//  whose parent is the revision thrown.

int
cb_handle_round_counter (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "round", "content", "message", "final", NULL };
    if (cb_check_fields (req, body, "round.counter", fields))
        return -1;
    const char *message = cb_field_str (req, body, "message", 0, CB_MAX_MESSAGE, false);
    if (req->code)
        return -1;
    uint32_t round_id;
    bool final;
    cb_value_t *round = s_round_for_response (req, body, &round_id, &final);
    if (!round)
        return -1;
    uint32_t draft_id = cb_id_parse (cb_value_get_str (round, "draft"), 'd');
    cb_value_t *draft = cb_draft_load (req, draft_id);
    cb_value_t *thrown = draft ? cb_rev_load (req, draft_id, (uint32_t) cb_int (round, "rev"))
                               : NULL;
    cb_value_t *content = NULL, *coach = NULL;
    if (thrown) {
        int64_t next_kr = cb_int (draft, "next_kr");
        content = cb_validate_content (req, cb_value_get (body, "content"),
                                       cb_value_get_str (draft, "cycle"),
                                       cb_value_get (thrown, "content"), &next_kr);
        //  KRs a proposal adds get ids now, so the ids stay stable if the
        //  owner adopts it.
        cb_value_set_int (draft, "next_kr", next_kr);
        if (content && (cb_links_shared (req, draft_id, content, cb_value_get (thrown, "content"),
                                         true)
                        || cb_draft_check_alignment (req, content, draft_id)
                        || !(coach = cb_coaching_check (req, content))))
            cb_value_destroy (&content);
    }
    if (content) {
        //  The revision names its proposal: take the proposal's id first.
        uint32_t pn = cb_req_next_id (req, "p");
        char pid [16];
        cb_id_format (pid, 'p', pn);
        cb_value_t *rev = cb_value_new_map ();
        cb_value_set_bool (rev, "mainline", false);
        cb_value_set_int (rev, "parent", cb_int (round, "rev"));
        cb_value_set_str (rev, "message", message ? message : "");
        cb_value_set_str (rev, "round", cb_value_get_str (round, "id"));
        cb_value_set_str (rev, "proposal", pid);
        cb_value_set_str (rev, "proposer", req->node);
        cb_value_set (rev, "content", &content);
        uint32_t number = pn ? cb_rev_append (req, draft_id, draft, rev) : 0;
        cb_value_destroy (&rev);
        if (number) {
            cb_value_t *response = cb_value_new_map ();
            cb_value_set_str (response, "type", "counter");
            cb_value_set_int (response, "proposal_rev", number);
            cb_value_set_str (response, "message", message ? message : "");
            if (!req->code && !s_respond (req, round_id, round, final, 'p', pn, response)) {
                cb_value_set_str (req->reply, "draft", cb_value_get_str (round, "draft"));
                cb_value_set_int (req->reply, "rev", number);
                cb_value_set (req->reply, "coach", &coach);
            }
            cb_value_destroy (&response);
        }
    }
    cb_value_destroy (&coach);
    cb_value_destroy (&content);
    cb_value_destroy (&thrown);
    cb_value_destroy (&draft);
    cb_value_destroy (&round);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  round.endorse {round, confidence 0..5, text?, final?} -> {id, round, round_closed}

int
cb_handle_round_endorse (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "round", "confidence", "text", "final", NULL };
    if (cb_check_fields (req, body, "round.endorse", fields))
        return -1;
    int64_t confidence = 0;
    if (cb_field_int (req, body, "confidence", 0, 5, true, &confidence) < 0)
        return -1;
    const char *text = cb_field_str (req, body, "text", 0, CB_MAX_FEEDBACK, false);
    if (req->code)
        return -1;
    uint32_t round_id;
    bool final;
    cb_value_t *round = s_round_for_response (req, body, &round_id, &final);
    if (!round)
        return -1;
    cb_value_t *response = cb_value_new_map ();
    cb_value_set_str (response, "type", "endorse");
    cb_value_set_int (response, "confidence", confidence);
    if (text)
        cb_value_set_str (response, "text", text);
    s_respond (req, round_id, round, final, 'e', 0, response);
    cb_value_destroy (&response);
    cb_value_destroy (&round);
    return req->code ? -1 : 0;
}

//  The round a body of the one field {round} names, into *id; NULL with
//  the request failed.
static cb_value_t *
s_round_only (cb_req_t *req, const cb_value_t *body, const char *type, uint32_t *id)
{
    static const char *const fields [] = { "round", NULL };
    if (cb_check_fields (req, body, type, fields))
        return NULL;
    *id = cb_field_id (req, body, "round", 'r');
    return req->code ? NULL : s_round_load (req, *id);
}

//  --------------------------------------------------------------------------
//  round.show {round} -> {round, responses: [full records]}

int
cb_handle_round_show (cb_req_t *req, const cb_value_t *body)
{
    uint32_t round_id;
    cb_value_t *round = s_round_only (req, body, "round.show", &round_id);
    if (!round)
        return -1;
    cb_value_t *ids = cb_value_get_array (round, "responses");
    cb_value_t *full = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (ids) && !req->code; i++) {
        cb_value_t *response = cb_response_load (req, cb_value_str (cb_value_at (ids, i)));
        if (response)
            cb_value_push (full, &response);
    }
    cb_value_set (req->reply, "round", &round);
    cb_value_set (req->reply, "responses", &full);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  round.close {round} -> {round, closed_by}

int
cb_handle_round_close (cb_req_t *req, const cb_value_t *body)
{
    uint32_t round_id;
    cb_value_t *round = s_round_only (req, body, "round.close", &round_id);
    if (!round)
        return -1;
    if (!streq (cb_value_get_str (round, "owner"), req->node))
        cb_req_fail (req, CB_E_NOT_OWNER, "round r%u belongs to %s", round_id,
                     cb_value_get_str (round, "owner"));
    else
    if (!streq (cb_value_get_str (round, "state"), "open"))
        cb_req_fail (req, CB_E_ROUND_CLOSED, "round r%u is closed already", round_id);
    else
    if (!s_round_close (req, round_id, round, "owner")) {
        cb_value_set_str (req->reply, "round", cb_value_get_str (round, "id"));
        cb_value_set_str (req->reply, "closed_by", "owner");
    }
    cb_value_destroy (&round);
    return req->code ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  Deadlines (timers.c)

//  Closes a round whose deadline is due, if it is still open.
static int
s_deadline_fire (cb_req_t *req, uint32_t id, int64_t when, void *arg)
{
    (void) when, (void) arg;
    cb_value_t *round = s_round_load (req, id);
    int rc = round ? 0 : -1;
    if (round && streq (cb_value_get_str (round, "state"), "open"))
        rc = s_round_close (req, id, round, "deadline") ? -1 : 1;
    //  Otherwise a stale timer: the round closed some other way.
    cb_value_destroy (&round);
    return rc;
}

int
cb_rounds_expire (cb_req_t *req)
{
    return cb_timers_fire (req, CB_T_DEADLINES, s_deadline_fire, NULL);
}

int64_t
cb_rounds_next_deadline (cb_txn_t *txn)
{
    return cb_timer_next (txn, CB_T_DEADLINES);
}
