/*  =========================================================================
    asks - asks and offers between the teams of a marketplace event, and
    how an agreed one is reflected in the helping team's draft

    An ask is from the team that needs help, for one of its key results,
    to the team that can help. The helper accepts (its draft changes at
    once: a new key result, a raised target, or a key result both drafts
    carry in full), declines with a reason, or counters with something
    different, which the asking team takes or refuses. An offer is help
    nobody asked for, from the helper, answered by the team helped. Every
    step is in the ask's history; the revisions it produced are linked.
    See PROTOCOL.md, section 11.

    Ask record: {id, event, kind: ask|offer, from, to, kr, draft (the
    draft kr belongs to), helper_draft, need|text, by, state, created,
    reflect, reason, counter, revisions: [{draft, rev}], history: [...]}
    =========================================================================
*/
#include "handlers.h"
#include "inbox.h"
#include "validate.h"

cb_value_t *
cb_ask_load (cb_req_t *req, uint32_t id)
{
    return cb_obj_load (req, CB_T_ASKS, 'a', id);
}

static int
s_ask_save (cb_req_t *req, const cb_value_t *ask)
{
    uint32_t id = cb_id_parse (cb_value_get_str (ask, "id"), 'a');
    return cb_obj_save (req, CB_T_ASKS, 'a', id, ask);
}

static void
s_history_add (cb_req_t *req, cb_value_t *ask, const char *action, const char *text)
{
    cb_value_t *step = cb_value_new_map ();
    cb_value_set_int (step, "time", req->now);
    cb_value_set_str (step, "node", req->node);
    cb_value_set_str (step, "action", action);
    if (text)
        cb_value_set_str (step, "text", text);
    cb_value_push (cb_value_get_array (ask, "history"), &step);
}

//  Tells `node` about the ask as it now is.
static void
s_tell (cb_req_t *req, const char *node, const char *kind, const cb_value_t *ask)
{
    cb_value_t *note = cb_value_new_map ();
    cb_value_t *copy = cb_value_dup (ask);
    cb_value_set (note, "ask", &copy);
    if (!cb_inbox_push (req, node, kind, &note))
        cb_req_check_store (req);
}

//  The draft `node` shared into the event, or NULL with NOT_SHARED.
static const char *
s_shared (cb_req_t *req, const cb_value_t *event, const char *node)
{
    const char *draft = cb_value_get_str (cb_value_get_map (event, "shared"), node);
    if (!draft)
        cb_req_fail (req, CB_E_NOT_SHARED, "%s has not shared a draft into %s", node,
                     cb_value_get_str (event, "id"));
    return draft;
}

//  True if the draft's head has key result `kr`; its text goes to text
//  (size bytes). False with the request failed otherwise.
static bool
s_has_kr (cb_req_t *req, const char *draft_id, const char *kr, char *text, size_t size)
{
    uint32_t id = cb_id_parse (draft_id, 'd');
    cb_value_t *draft = cb_draft_load (req, id);
    cb_value_t *head = draft ? cb_rev_load (req, id, (uint32_t) cb_int (draft, "head")) : NULL;
    cb_value_t *krs = cb_value_get_array (cb_value_get (head, "content"), "key_results");
    bool found = false;
    for (size_t i = 0; i < cb_value_size (krs); i++)
        if (streq (kr, cb_value_get_str (cb_value_at (krs, i), "id"))) {
            found = true;
            snprintf (text, size, "%s", cb_value_get_str (cb_value_at (krs, i), "text"));
        }
    if (head && !found)
        cb_req_fail (req, CB_E_NOT_FOUND, "%s has no key result %s", draft_id, kr);
    cb_value_destroy (&head);
    cb_value_destroy (&draft);
    return found;
}

//  Checks the shape of a Reflect. 0 or -1.
static int
s_check_reflect (cb_req_t *req, const cb_value_t *reflect)
{
    static const char *const kr_fields [] = { "type", "kr", NULL };
    static const char *const raise_fields [] = { "type", "kr", "target", NULL };
    const char *type = cb_value_get_str (reflect, "type");
    if (cb_value_type (reflect) != CB_MAP || !type)
        return cb_req_fail (req, CB_E_BAD_FIELD,
                            "'reflect' must be {type: new_kr|raise_target|shared_kr, ...}");
    if (streq (type, "new_kr") || streq (type, "shared_kr")) {
        if (cb_check_fields (req, reflect, "reflect", kr_fields))
            return -1;
        if (!cb_value_get_map (reflect, "kr"))
            return cb_req_fail (req, CB_E_BAD_FIELD, "reflect: 'kr' must be a key result");
        //  Checked now as it will be when applied: a proposal that could
        //  never be taken is refused when it is made.
        return cb_validate_kr (req, cb_value_get (reflect, "kr"), "reflect.kr");
    }
    if (streq (type, "raise_target")) {
        if (cb_check_fields (req, reflect, "reflect", raise_fields))
            return -1;
        if (!cb_value_get_str (reflect, "kr") || !cb_value_is_number (cb_value_get (reflect, "target")))
            return cb_req_fail (req, CB_E_BAD_FIELD,
                                "reflect: raise_target needs 'kr' (an id) and 'target' (a number)");
        double target = cb_value_float (cb_value_get (reflect, "target"));
        if (!(target >= -CB_MAX_NUMBER && target <= CB_MAX_NUMBER))
            return cb_req_fail (req, CB_E_BAD_FIELD, "reflect: 'target' must be a number of at "
                                "most %g in size", CB_MAX_NUMBER);
        return 0;
    }
    return cb_req_fail (req, CB_E_BAD_FIELD, "reflect: 'type' must be new_kr, raise_target or shared_kr");
}

//  A raise_target reflect must name a key result of the helper's draft.
//  0 or -1.
static int
s_check_raise (cb_req_t *req, const cb_value_t *reflect, const char *helper_draft)
{
    const char *type = cb_value_get_str (reflect, "type");
    char text [CB_MAX_KR_TEXT * 4 + 1];
    if (!req->code && type && streq (type, "raise_target") && helper_draft
    &&  !s_has_kr (req, helper_draft, cb_value_get_str (reflect, "kr"), text, sizeof (text)))
        return -1;
    return req->code ? -1 : 0;
}

//  A new revision of a draft, checked and built but not yet written: an
//  agreement that changes two drafts checks both before writing either,
//  so a refusal leaves the store as it was.
typedef struct {
    uint32_t id;                //  The draft
    cb_value_t *draft;          //  Its record, to be updated
    cb_value_t *rev;            //  The revision to append
} s_revision_t;

static void
s_revision_drop (s_revision_t *self)
{
    cb_value_destroy (&self->draft);
    cb_value_destroy (&self->rev);
}

//  Builds the revision of draft `draft_id` with one key result added (kr,
//  given shared_with) or one target raised. 0, or -1 with req failed.
static int
s_revision_prepare (cb_req_t *req, const char *draft_id, const cb_value_t *reflect,
                    const cb_value_t *shared_with, const char *message, const char *ask_id,
                    uint32_t *parent, s_revision_t *self)
{
    memset (self, 0, sizeof (*self));
    uint32_t id = cb_id_parse (draft_id, 'd');
    cb_value_t *draft = cb_draft_load (req, id);
    if (!draft)
        return -1;
    if (cb_value_get_str (draft, "round")) {
        cb_req_fail (req, CB_E_ROUND_OPEN, "%s has round %s open: it must close first",
                     draft_id, cb_value_get_str (draft, "round"));
        cb_value_destroy (&draft);
        return -1;
    }
    cb_value_t *head = cb_rev_load (req, id, (uint32_t) cb_int (draft, "head"));
    cb_value_t *content = head ? cb_value_dup (cb_value_get (head, "content")) : NULL;
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    const char *type = cb_value_get_str (reflect, "type");
    if (content && streq (type, "raise_target")) {
        cb_value_t *kr = NULL;
        for (size_t i = 0; i < cb_value_size (krs); i++)
            if (streq (cb_value_get_str (cb_value_at (krs, i), "id"), cb_value_get_str (reflect, "kr")))
                kr = cb_value_at (krs, i);
        if (!kr)
            cb_req_fail (req, CB_E_NOT_FOUND, "%s has no key result %s", draft_id,
                         cb_value_get_str (reflect, "kr"));
        else {
            cb_value_t *target = cb_value_dup (cb_value_get (reflect, "target"));
            cb_value_set (kr, "target", &target);
        }
    }
    else
    if (content) {
        //  The new key result has no id: it gets the draft's next one.
        cb_value_t *kr = cb_value_dup (cb_value_get (reflect, "kr"));
        cb_value_remove (kr, "id");
        cb_value_remove (kr, "shared_with");
        if (shared_with) {
            cb_value_t *copy = cb_value_dup (shared_with);
            cb_value_set (kr, "shared_with", &copy);
        }
        cb_value_push (krs, &kr);
    }
    int64_t next_kr = cb_int (draft, "next_kr");
    cb_value_t *valid = content && !req->code
        ? cb_validate_content (req, content, cb_value_get_str (draft, "cycle"),
                               cb_value_get (head, "content"), &next_kr)
        : NULL;
    //  A reflect only adds a key result or raises a target: what it may
    //  break is a shared key result's other copy. It never unlinks: the
    //  helper revises its draft with unlink first.
    cb_value_t *breaks = NULL;
    if (valid && cb_links_check (req, id, cb_value_get (head, "content"), valid, NULL, &breaks))
        cb_value_destroy (&valid);
    cb_value_destroy (&breaks);
    if (valid) {
        cb_value_set_int (draft, "next_kr", next_kr);
        cb_value_t *rev = cb_value_new_map ();
        cb_value_set_bool (rev, "mainline", true);
        *parent = (uint32_t) cb_int (draft, "head");
        cb_value_set_int (rev, "parent", *parent);
        cb_value_set_str (rev, "message", message);
        //  No "round": the revision answers the ask or offer, not the
        //  draft's last round, whatever that round was about
        cb_value_set_str (rev, "ask", ask_id);
        //  A draft's revisions are its owner's: the ask only says why.
        cb_value_set_str (rev, "author", cb_value_get_str (draft, "owner"));
        if (streq (cb_value_get_str (draft, "state"), "final"))
            cb_value_set_bool (rev, "amends_final", true);
        cb_value_set (rev, "content", &valid);
        self->id = id;
        self->draft = draft;
        self->rev = rev;
        draft = NULL;
    }
    cb_value_destroy (&content);
    cb_value_destroy (&head);
    cb_value_destroy (&draft);
    return self->rev ? 0 : -1;
}

//  Writes a prepared revision. Returns its number, or 0.
static uint32_t
s_revision_write (cb_req_t *req, s_revision_t *self)
{
    //  A raised target is news to the drafts aligned to it (notify.c).
    cb_value_t *head = cb_rev_load (req, self->id, (uint32_t) cb_int (self->draft, "head"));
    uint32_t number = head ? cb_rev_append (req, self->id, self->draft, self->rev) : 0;
    if (number
    &&  cb_notify_revision (req, self->id, cb_value_get_str (self->draft, "owner"),
                            cb_value_get (head, "content"), cb_value_get (self->rev, "content"),
                            number, NULL))
        number = 0;
    cb_value_destroy (&head);
    s_revision_drop (self);
    return number;
}

static void
s_link (cb_value_t *ask, const char *draft, uint32_t rev, uint32_t parent)
{
    cb_value_t *link = cb_value_new_map ();
    cb_value_set_str (link, "draft", draft);
    cb_value_set_int (link, "rev", rev);
    cb_value_set_int (link, "parent", parent);
    cb_value_push (cb_value_get_array (ask, "revisions"), &link);
}

//  The draft's next key result id, as the one a new key result will get.
static void
s_next_kr_id (cb_req_t *req, const char *draft_id, char *buf, size_t size)
{
    cb_value_t *draft = cb_draft_load (req, cb_id_parse (draft_id, 'd'));
    snprintf (buf, size, "kr%lld", (long long) cb_int (draft, "next_kr"));
    cb_value_destroy (&draft);
}

//  Applies the reflect in the helper's draft (and, for a shared key
//  result, in the helped team's too), links the revisions, and marks the
//  ask accepted.
static int
s_agree (cb_req_t *req, cb_value_t *ask, const cb_value_t *reflect, const char *action)
{
    const char *helper = cb_value_get_str (ask, "helper_draft");
    const char *helped = cb_value_get_str (ask, "draft");
    char message [CB_MAX_MESSAGE + 1];
    bool offer = streq (cb_value_get_str (ask, "kind"), "offer");
    const char *counter = cb_value_get_str (ask, "counter");
    snprintf (message, sizeof (message), "agreed %s %s %s %s: %s%s%s",
              offer ? "offer" : "ask", cb_value_get_str (ask, "id"), offer ? "to" : "from",
              cb_value_get_str (ask, offer ? "to" : "from"),
              offer ? cb_value_get_str (ask, "text") : cb_value_get_str (ask, "need"),
              counter ? "; as countered: " : "", counter ? counter : "");
    if (streq (cb_value_get_str (reflect, "type"), "shared_kr")) {
        char helper_kr [16], helped_kr [16];
        s_next_kr_id (req, helper, helper_kr, sizeof (helper_kr));
        s_next_kr_id (req, helped, helped_kr, sizeof (helped_kr));
        cb_value_t *to_helped = cb_value_new_map ();
        cb_value_set_str (to_helped, "draft", helped);
        cb_value_set_str (to_helped, "kr", helped_kr);
        cb_value_t *to_helper = cb_value_new_map ();
        cb_value_set_str (to_helper, "draft", helper);
        cb_value_set_str (to_helper, "kr", helper_kr);
        uint32_t pa = 0, pb = 0;
        s_revision_t ra, rb;
        const char *ask_id = cb_value_get_str (ask, "id");
        int rc = s_revision_prepare (req, helper, reflect, to_helped, message, ask_id, &pa, &ra);
        if (rc == 0 && s_revision_prepare (req, helped, reflect, to_helper, message, ask_id,
                                           &pb, &rb))
            rc = -1, s_revision_drop (&ra);
        cb_value_destroy (&to_helped);
        cb_value_destroy (&to_helper);
        if (rc)
            return -1;
        uint32_t a = s_revision_write (req, &ra);
        uint32_t b = a ? s_revision_write (req, &rb) : 0;
        if (!a)
            s_revision_drop (&rb);
        if (!b)
            return -1;
        s_link (ask, helper, a, pa);
        s_link (ask, helped, b, pb);
    }
    else {
        uint32_t pa = 0;
        s_revision_t ra;
        if (s_revision_prepare (req, helper, reflect, NULL, message, cb_value_get_str (ask, "id"),
                                &pa, &ra))
            return -1;
        uint32_t a = s_revision_write (req, &ra);
        if (!a)
            return -1;
        s_link (ask, helper, a, pa);
    }
    cb_value_t *copy = cb_value_dup (reflect);
    cb_value_set (ask, "reflect", &copy);
    cb_value_set_str (ask, "state", "accepted");
    s_history_add (req, ask, action, NULL);
    return 0;
}

//  --------------------------------------------------------------------------
//  Creating: ask.new and offer.new share everything but who helps whom.

static int
s_create (cb_req_t *req, const cb_value_t *body, bool offer)
{
    static const char *const ask_fields [] = { "event", "to", "kr", "need", "by", NULL };
    static const char *const offer_fields [] = { "event", "to", "kr", "text", "reflect", NULL };
    if (cb_check_fields (req, body, offer ? "offer.new" : "ask.new",
                         offer ? offer_fields : ask_fields))
        return -1;
    uint32_t event_id = cb_field_id (req, body, "event", 'e');
    const char *to = req->code ? NULL : cb_field_str (req, body, "to", 1, CB_MAX_NODE, true);
    const char *kr = req->code ? NULL : cb_field_str (req, body, "kr", 1, 16, true);
    const char *text = req->code ? NULL
        : cb_field_str (req, body, offer ? "text" : "need", 1, CB_MAX_MESSAGE, true);
    const char *by = req->code || offer ? NULL : cb_field_str (req, body, "by", 0, 40, false);
    if (req->code || (offer && s_check_reflect (req, cb_value_get (body, "reflect"))))
        return -1;
    cb_value_t *event = cb_event_load (req, event_id);
    if (!event)
        return -1;
    const char *mine = NULL, *theirs = NULL;
    char kr_text [CB_MAX_KR_TEXT * 4 + 1] = "";
    if (!cb_event_has (event, req->node))
        cb_req_fail (req, CB_E_NOT_PARTICIPANT, "%s is not a participant of e%u", req->node, event_id);
    else
    if (!cb_event_has (event, to))
        cb_req_fail (req, CB_E_NOT_PARTICIPANT, "%s is not a participant of e%u", to, event_id);
    else
    if (streq (to, req->node))
        cb_req_fail (req, CB_E_BAD_FIELD, "asks and offers go to another team");
    else
    if (!streq (cb_value_get_str (event, "phase"), "negotiate"))
        cb_req_fail (req, CB_E_WRONG_PHASE, "asks and offers are made in the negotiate phase; e%u is %s",
                     event_id, cb_value_get_str (event, "phase"));
    else
    if ((mine = s_shared (req, event, req->node)) && (theirs = s_shared (req, event, to))
    &&  s_has_kr (req, offer ? theirs : mine, kr, kr_text, sizeof (kr_text)) && offer)
        s_check_raise (req, cb_value_get (body, "reflect"), mine);
    uint32_t id = req->code ? 0 : cb_req_next_id (req, "ask");
    if (id) {
        char aid [16];
        cb_value_t *ask = cb_value_new_map ();
        cb_value_set_str (ask, "id", cb_id_format (aid, 'a', id));
        cb_value_set_str (ask, "event", cb_value_get_str (event, "id"));
        cb_value_set_str (ask, "kind", offer ? "offer" : "ask");
        cb_value_set_str (ask, "from", req->node);
        cb_value_set_str (ask, "to", to);
        cb_value_set_str (ask, "kr", kr);
        cb_value_set_str (ask, "kr_text", kr_text);
        cb_value_set_str (ask, "draft", offer ? theirs : mine);
        cb_value_set_str (ask, "helper_draft", offer ? mine : theirs);
        cb_value_set_str (ask, offer ? "text" : "need", text);
        cb_value_set_str (ask, "by", by ? by : "");
        cb_value_set_str (ask, "state", "open");
        cb_value_set_int (ask, "created", req->now);
        cb_value_t *reflect = offer ? cb_value_dup (cb_value_get (body, "reflect")) : cb_value_new_nil ();
        cb_value_set (ask, "reflect", &reflect);
        cb_value_set_nil (ask, "reason");
        cb_value_set_nil (ask, "counter");
        cb_value_t *list = cb_value_new_array ();
        cb_value_set (ask, "revisions", &list);
        list = cb_value_new_array ();
        cb_value_set (ask, "history", &list);
        s_history_add (req, ask, offer ? "offer" : "ask", text);
        cb_value_t *v = cb_value_new_str (aid);
        cb_value_push (cb_value_get_array (event, "asks"), &v);
        if (!s_ask_save (req, ask) && !cb_event_save (req, event)) {
            s_tell (req, to, "ask.new", ask);
            cb_value_set_str (req->reply, "ask", aid);
        }
        cb_value_destroy (&ask);
    }
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

int
cb_handle_ask_new (cb_req_t *req, const cb_value_t *body)
{
    return s_create (req, body, false);
}

int
cb_handle_offer_new (cb_req_t *req, const cb_value_t *body)
{
    return s_create (req, body, true);
}

//  --------------------------------------------------------------------------
//  Answering. Each answer names the ask; `by` says which side may answer
//  ("to" or "from"), `states` which states it answers.

static cb_value_t *
s_ask_for_answer (cb_req_t *req, const cb_value_t *body, const char *const *fields,
                  const char *type, cb_value_t **event_p)
{
    if (cb_check_fields (req, body, type, fields))
        return NULL;
    uint32_t id = cb_field_id (req, body, "ask", 'a');
    cb_value_t *ask = id ? cb_ask_load (req, id) : NULL;
    cb_value_t *event = ask ? cb_event_load (req, cb_id_parse (cb_value_get_str (ask, "event"), 'e')) : NULL;
    if (event) {
        const char *phase = cb_value_get_str (event, "phase");
        if (!streq (phase, "negotiate") && !streq (phase, "commit"))
            cb_req_fail (req, CB_E_WRONG_PHASE, "asks are answered in the negotiate and commit phases; %s is %s",
                         cb_value_get_str (event, "id"), phase);
    }
    if (req->code || !event) {
        cb_value_destroy (&ask);
        cb_value_destroy (&event);
        return NULL;
    }
    *event_p = event;
    return ask;
}

//  Fails unless the sender is `side` of the ask and the ask is in `state`
//  (and of `kind`, if given).
static int
s_check_answer (cb_req_t *req, const cb_value_t *ask, const char *side, const char *kind,
                const char *state)
{
    if (!streq (cb_value_get_str (ask, side), req->node))
        return cb_req_fail (req, CB_E_NOT_RECIPIENT, "only %s answers %s %s here",
                            cb_value_get_str (ask, side), cb_value_get_str (ask, "kind"),
                            cb_value_get_str (ask, "id"));
    if ((kind && !streq (cb_value_get_str (ask, "kind"), kind))
    ||  !streq (cb_value_get_str (ask, "state"), state))
        return cb_req_fail (req, CB_E_ASK_STATE, "%s %s is %s", cb_value_get_str (ask, "kind"),
                            cb_value_get_str (ask, "id"), cb_value_get_str (ask, "state"));
    return 0;
}

//  Saves the ask, tells the other side, replies.
static int
s_answered (cb_req_t *req, const cb_value_t *ask, const char *other)
{
    if (s_ask_save (req, ask))
        return -1;
    s_tell (req, other, "ask.update", ask);
    cb_value_set_str (req->reply, "ask", cb_value_get_str (ask, "id"));
    cb_value_set_str (req->reply, "state", cb_value_get_str (ask, "state"));
    cb_value_t *revisions = cb_value_dup (cb_value_get (ask, "revisions"));
    cb_value_set (req->reply, "revisions", &revisions);
    return req->code ? -1 : 0;
}

//  ask.accept {ask, reflect} -> {ask, state, revisions}
int
cb_handle_ask_accept (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "ask", "reflect", NULL };
    cb_value_t *event = NULL;
    cb_value_t *ask = s_ask_for_answer (req, body, fields, "ask.accept", &event);
    if (ask && !s_check_answer (req, ask, "to", "ask", "open")
    &&  !s_check_reflect (req, cb_value_get (body, "reflect"))
    &&  !s_agree (req, ask, cb_value_get (body, "reflect"), "accept"))
        s_answered (req, ask, cb_value_get_str (ask, "from"));
    cb_value_destroy (&ask);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  ask.decline {ask, reason} -> {ask, state}
int
cb_handle_ask_decline (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "ask", "reason", NULL };
    cb_value_t *event = NULL;
    cb_value_t *ask = s_ask_for_answer (req, body, fields, "ask.decline", &event);
    const char *reason = ask ? cb_field_str (req, body, "reason", 1, CB_MAX_MESSAGE, true) : NULL;
    if (reason && !s_check_answer (req, ask, "to", "ask", "open")) {
        cb_value_set_str (ask, "state", "declined");
        cb_value_set_str (ask, "reason", reason);
        s_history_add (req, ask, "decline", reason);
        s_answered (req, ask, cb_value_get_str (ask, "from"));
    }
    cb_value_destroy (&ask);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  ask.counter {ask, text, reflect} -> {ask, state}
int
cb_handle_ask_counter (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "ask", "text", "reflect", NULL };
    cb_value_t *event = NULL;
    cb_value_t *ask = s_ask_for_answer (req, body, fields, "ask.counter", &event);
    const char *text = ask ? cb_field_str (req, body, "text", 1, CB_MAX_MESSAGE, true) : NULL;
    if (text && !s_check_answer (req, ask, "to", "ask", "open")
    &&  !s_check_reflect (req, cb_value_get (body, "reflect"))
    &&  !s_check_raise (req, cb_value_get (body, "reflect"),
                        cb_value_get_str (ask, "helper_draft"))) {
        cb_value_set_str (ask, "state", "countered");
        cb_value_set_str (ask, "counter", text);
        cb_value_t *reflect = cb_value_dup (cb_value_get (body, "reflect"));
        cb_value_set (ask, "reflect", &reflect);
        s_history_add (req, ask, "counter", text);
        s_answered (req, ask, cb_value_get_str (ask, "from"));
    }
    cb_value_destroy (&ask);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  The side answering a proposal: the asker for a counter, the team helped
//  for an offer.
static int
s_check_proposal (cb_req_t *req, const cb_value_t *ask, const char **other)
{
    bool offer = streq (cb_value_get_str (ask, "kind"), "offer");
    *other = cb_value_get_str (ask, offer ? "from" : "to");
    return s_check_answer (req, ask, offer ? "to" : "from", NULL, offer ? "open" : "countered");
}

//  ask.take {ask} -> {ask, state, revisions}
int
cb_handle_ask_take (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "ask", NULL };
    cb_value_t *event = NULL;
    cb_value_t *ask = s_ask_for_answer (req, body, fields, "ask.take", &event);
    const char *other = NULL;
    if (ask && !s_check_proposal (req, ask, &other)) {
        cb_value_t *reflect = cb_value_dup (cb_value_get (ask, "reflect"));
        if (!s_agree (req, ask, reflect, "take"))
            s_answered (req, ask, other);
        cb_value_destroy (&reflect);
    }
    cb_value_destroy (&ask);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}

//  ask.refuse {ask, reason} -> {ask, state}
int
cb_handle_ask_refuse (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "ask", "reason", NULL };
    cb_value_t *event = NULL;
    cb_value_t *ask = s_ask_for_answer (req, body, fields, "ask.refuse", &event);
    const char *reason = ask ? cb_field_str (req, body, "reason", 1, CB_MAX_MESSAGE, true) : NULL;
    const char *other = NULL;
    if (reason && !s_check_proposal (req, ask, &other)) {
        cb_value_set_str (ask, "state", "declined");
        cb_value_set_str (ask, "reason", reason);
        s_history_add (req, ask, "refuse", reason);
        s_answered (req, ask, other);
    }
    cb_value_destroy (&ask);
    cb_value_destroy (&event);
    return req->code ? -1 : 0;
}
