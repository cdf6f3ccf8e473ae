/*  =========================================================================
    retro - the end of a cycle: a final OKR's retrospective, and its
    carry-over into the next cycle (issue 14, section 4; seed 004's Check
    and Adjust)

    draft.retro {draft, scores?: {krN: 0..1}, learned} -> {draft, rev}
        The owner scores each key result of the final revision (0 to 1,
        the share of it achieved) and says what was learned, once. A key
        result without a score takes the share of the way its last
        check-in covered. Kept in the draft's record (`retro`), so it is
        in the log and the history.

    draft.carry {draft, cycle} -> {draft, rev, origin}
        The owner starts the next cycle's draft from this one's head: a new
        draft of `cycle` whose record names its origin ({draft, rev}); the
        old draft lists it in `carried_to`. Key results get new ids (a new
        draft's), and neither `aligned_to` (the next cycle's parents are
        new drafts) nor `shared_with` (only an agreed ask sets it) comes
        along. PROTOCOL.md, section 6.
    =========================================================================
*/
#include "handlers.h"
#include "validate.h"

//  The owner's draft, loaded; NULL with NOT_FOUND or NOT_OWNER.
static cb_value_t *
s_own_draft (cb_req_t *req, uint32_t id)
{
    cb_value_t *draft = cb_draft_load (req, id);
    if (draft && !streq (cb_value_get_str (draft, "owner"), req->node)) {
        cb_req_fail (req, CB_E_NOT_OWNER, "d%u is %s's draft", id,
                     cb_value_get_str (draft, "owner"));
        cb_value_destroy (&draft);
    }
    return draft;
}

//  The score a key result gets without one given: the share of the way
//  from its baseline to its target its last check-in covered, within 0..1
//  (the same share as catchball progress); -1 if there is none to take
//  (no check-in, no baseline, or no way to go).
static double
s_default_score (cb_req_t *req, const cb_value_t *draft, const cb_value_t *kr)
{
    cb_value_t *last = cb_checkin_last (req, draft, cb_value_get_str (kr, "id"));
    const cb_value_t *baseline = cb_value_get (kr, "baseline");
    const cb_value_t *target = cb_value_get (kr, "target");
    double score = -1;
    if (last && cb_value_is_number (baseline) && cb_value_is_number (target)
    &&  cb_value_float (target) != cb_value_float (baseline)) {
        double from = cb_value_float (baseline);
        score = (cb_value_float (cb_value_get (last, "value")) - from)
              / (cb_value_float (target) - from);
        score = score < 0 ? 0 : score > 1 ? 1 : score;
    }
    cb_value_destroy (&last);
    return score;
}

//  The scores map, checked against the revision's key results: a number
//  from 0 to 1 for each of them (given, or taken from its last check-in,
//  listed in *defaulted), and nothing else. A new map, or NULL.
static cb_value_t *
s_scores (cb_req_t *req, const cb_value_t *given, const cb_value_t *content,
          const cb_value_t *draft, cb_value_t *defaulted)
{
    if (cb_value_type (given) != CB_MAP) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'scores' must be a map: key result id -> 0..1");
        return NULL;
    }
    for (size_t i = 0; i < cb_value_size (given); i++)
        if (!cb_content_kr (content, cb_value_key_at (given, i))) {
            cb_req_fail (req, CB_E_NOT_FOUND, "the final revision has no key result %s",
                         cb_value_key_at (given, i));
            return NULL;
        }
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    cb_value_t *scores = cb_value_new_map ();
    for (size_t i = 0; i < cb_value_size (krs) && !req->code; i++) {
        const char *id = cb_value_get_str (cb_value_at (krs, i), "id");
        cb_value_t *score = cb_value_get (given, id);
        double value = cb_value_is_number (score) ? cb_value_float (score) : -1;
        double taken = score ? -1 : s_default_score (req, draft, cb_value_at (krs, i));
        if (!score && taken >= 0) {
            cb_value_t *number = cb_value_new_float (taken);
            cb_value_set (scores, id, &number);
            cb_value_t *name = cb_value_new_str (id);
            cb_value_push (defaulted, &name);
        }
        else
        if (!score)
            cb_req_fail (req, CB_E_BAD_FIELD, "'scores' has no score for %s, and none can be "
                         "taken from a check-in (it needs one, and a baseline): score it", id);
        else
        if (!(value >= 0 && value <= 1))
            cb_req_fail (req, CB_E_BAD_FIELD, "the score of %s must be a number from 0 to 1", id);
        else {
            cb_value_t *copy = cb_value_dup (score);
            cb_value_set (scores, id, &copy);
        }
    }
    if (req->code)
        cb_value_destroy (&scores);
    return scores;
}

int
cb_handle_draft_retro (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "scores", "learned", NULL };
    if (cb_check_fields (req, body, "draft.retro", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    const char *learned = req->code ? NULL
                        : cb_field_str (req, body, "learned", 1, CB_MAX_FEEDBACK, true);
    cb_value_t *draft = req->code ? NULL : s_own_draft (req, id);
    if (draft && !streq (cb_value_get_str (draft, "state"), "final"))
        cb_req_fail (req, CB_E_NOT_FINAL, "d%u is not final: a retrospective scores the final "
                     "OKR at the end of its cycle", id);
    else
    if (draft && cb_value_get_map (draft, "retro"))
        cb_req_fail (req, CB_E_ALREADY_DONE, "d%u has its retrospective already", id);
    uint32_t rev = draft && !req->code ? (uint32_t) cb_int (draft, "final_rev") : 0;
    cb_value_t *final = rev ? cb_rev_load (req, id, rev) : NULL;
    cb_value_t *defaulted = cb_value_new_array ();
    cb_value_t *given = cb_value_get (body, "scores");
    cb_value_t *empty = given ? NULL : cb_value_new_map ();
    cb_value_t *scores = final ? s_scores (req, given ? given : empty,
                                           cb_value_get (final, "content"), draft, defaulted)
                               : NULL;
    cb_value_destroy (&empty);
    if (scores) {
        cb_value_t *retro = cb_value_new_map ();
        cb_value_set (retro, "scores", &scores);
        cb_value_set (retro, "from_checkins", &defaulted);
        cb_value_set_str (retro, "learned", learned);
        cb_value_set_int (retro, "rev", rev);
        cb_value_set_str (retro, "node", req->node);
        cb_value_set_int (retro, "time", req->now);
        cb_value_set (draft, "retro", &retro);
        cb_value_set_int (draft, "updated", req->now);
        if (!cb_draft_save (req, id, draft)) {
            cb_value_set_str (req->reply, "draft", cb_value_get_str (draft, "id"));
            cb_value_set_int (req->reply, "rev", rev);
        }
    }
    cb_value_destroy (&defaulted);
    cb_value_destroy (&final);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

//  The head's content for the next cycle: its cycle, no key result ids, no
//  shared_with, no aligned_to. A new tree.
static cb_value_t *
s_carried_content (const cb_value_t *content, const char *cycle)
{
    cb_value_t *copy = cb_value_dup (content);
    cb_value_set_str (copy, "cycle", cycle);
    cb_value_remove (copy, "aligned_to");
    cb_value_t *krs = cb_value_get_array (copy, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_remove (cb_value_at (krs, i), "id");
        cb_value_remove (cb_value_at (krs, i), "shared_with");
    }
    return copy;
}

int
cb_handle_draft_carry (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "cycle", NULL };
    if (cb_check_fields (req, body, "draft.carry", fields))
        return -1;
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    const char *cycle = req->code ? NULL
                      : cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, true);
    cb_value_t *draft = req->code ? NULL : s_own_draft (req, id);
    if (draft && streq (cb_value_get_str (draft, "cycle"), cycle))
        cb_req_fail (req, CB_E_BAD_FIELD, "d%u is of %s already: carry it into another cycle",
                     id, cycle);
    uint32_t head = draft && !req->code ? (uint32_t) cb_int (draft, "head") : 0;
    cb_value_t *rev = head ? cb_rev_load (req, id, head) : NULL;
    cb_value_t *carried = rev ? s_carried_content (cb_value_get (rev, "content"), cycle) : NULL;
    int64_t next_kr = 1;
    cb_value_t *content = carried ? cb_draft_check_new (req, carried, NULL, &next_kr) : NULL;
    char message [96];
    snprintf (message, sizeof (message), "carried over from d%u revision %u", id, head);
    uint32_t new_id = content ? cb_draft_create (req, &content, message, next_kr) : 0;
    cb_value_t *created = new_id ? cb_draft_load (req, new_id) : NULL;
    if (created) {
        char name [16];
        cb_value_t *origin = cb_value_new_map ();
        cb_value_set_str (origin, "draft", cb_id_format (name, 'd', id));
        cb_value_set_int (origin, "rev", head);
        cb_value_set (created, "origin", &origin);
        cb_value_t *v = cb_value_new_str (cb_id_format (name, 'd', new_id));
        cb_value_push (cb_value_want_array (draft, "carried_to"), &v);
        if (!cb_draft_save (req, new_id, created) && !cb_draft_save (req, id, draft)) {
            cb_value_set_str (req->reply, "draft", name);
            cb_value_set_int (req->reply, "rev", 1);
            cb_value_t *copy = cb_value_dup (cb_value_get (created, "origin"));
            cb_value_set (req->reply, "origin", &copy);
        }
    }
    cb_value_destroy (&created);
    cb_value_destroy (&content);
    cb_value_destroy (&carried);
    cb_value_destroy (&rev);
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}
