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
#include "paging.h"
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
//  In an event, the two drafts are the ones the teams shared into it;
//  outside one (PROTOCOL.md 11, "Outside an event"), the request names
//  the draft helped, and the helper's draft is named or found.

//  True if the body has the field (nil counts as absent).
static bool
s_given (const cb_value_t *body, const char *key)
{
    return cb_value_type (cb_value_get (body, key)) != CB_NIL;
}

typedef struct {
    cb_value_t *event;          //  The event, or NULL outside one
    char helped [16];           //  The draft helped: the one `kr` belongs to
    char helper [16];           //  The helper's draft, which a reflect changes
    char cycle [CB_MAX_CYCLE + 1];  //  Their cycle
} s_sides_t;

//  In an event: participants, then phase, then shared drafts, in that
//  order (PROTOCOL.md 8). 0, or -1 with the request failed.
static int
s_sides_event (cb_req_t *req, const cb_value_t *body, bool offer, const char *to,
               s_sides_t *sides)
{
    uint32_t event_id = cb_field_id (req, body, "event", 'e');
    if (req->code)
        return -1;
    if (s_given (body, "draft") || s_given (body, "helper_draft"))
        return cb_req_fail (req, CB_E_BAD_FIELD, "in an event the drafts are the ones the "
                            "teams shared: leave out 'draft' and 'helper_draft'");
    cb_value_t *event = cb_event_load (req, event_id);
    if (!event)
        return -1;
    const char *mine = NULL, *theirs = NULL;
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
    if ((mine = s_shared (req, event, req->node)) && (theirs = s_shared (req, event, to))) {
        snprintf (sides->helped, sizeof (sides->helped), "%s", offer ? theirs : mine);
        snprintf (sides->helper, sizeof (sides->helper), "%s", offer ? mine : theirs);
        snprintf (sides->cycle, sizeof (sides->cycle), "%s", cb_value_get_str (event, "cycle"));
    }
    if (req->code) {
        cb_value_destroy (&event);
        return -1;
    }
    sides->event = event;
    return 0;
}

//  Finding a node's only draft in a cycle.
typedef struct {
    const char *owner, *cycle;
    uint32_t found;             //  The first match
    size_t count;               //  Matches
} s_only_t;

static int
s_only_one (const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
    s_only_t *only = (s_only_t *) arg;
    if (klen == 4 && cb_raw_str_eq (val, vlen, "owner", only->owner)
    &&  cb_raw_str_eq (val, vlen, "cycle", only->cycle) && only->count++ == 0)
        only->found = cb_get_u32 ((const uint8_t *) key);
    return 0;
}

//  The helper's draft outside an event: the one named in `helper_draft`
//  (owned by the helper, in the cycle), else the helper's only draft of
//  the cycle. 0, or -1 with the request failed.
static int
s_helper_direct (cb_req_t *req, const cb_value_t *body, const char *helper, s_sides_t *sides)
{
    if (s_given (body, "helper_draft")) {
        uint32_t id = cb_field_id (req, body, "helper_draft", 'd');
        cb_value_t *draft = id ? cb_draft_load (req, id) : NULL;
        if (draft && !streq (cb_value_get_str (draft, "owner"), helper))
            cb_req_fail (req, CB_E_NOT_OWNER, "d%u is %s's draft, not %s's", id,
                         cb_value_get_str (draft, "owner"), helper);
        else
        if (draft && !streq (cb_value_get_str (draft, "cycle"), sides->cycle))
            cb_req_fail (req, CB_E_BAD_FIELD, "d%u is a draft of %s, not of %s", id,
                         cb_value_get_str (draft, "cycle"), sides->cycle);
        else
        if (draft)
            cb_id_format (sides->helper, 'd', id);
        cb_value_destroy (&draft);
        return req->code ? -1 : 0;
    }
    s_only_t only = { helper, sides->cycle, 0, 0 };
    if (cb_drafts_scan (req->txn, 1, s_only_one, &only) < 0)
        return cb_req_check_store (req);
    if (only.count == 0)
        return cb_req_fail (req, CB_E_NOT_FOUND, "%s has no draft in %s to help with",
                            helper, sides->cycle);
    if (only.count > 1)
        return cb_req_fail (req, CB_E_BAD_FIELD, "%s has %zu drafts in %s: name the one that "
                            "helps with 'helper_draft'", helper, only.count, sides->cycle);
    cb_id_format (sides->helper, 'd', only.found);
    return 0;
}

//  Outside an event: `draft` is the draft helped (the sender's own for an
//  ask, `to`'s for an offer); `to` a team or leadership node. 0, or -1
//  with the request failed.
static int
s_sides_direct (cb_req_t *req, const cb_value_t *body, bool offer, const char *to,
                s_sides_t *sides)
{
    if (!s_given (body, "draft"))
        return cb_req_fail (req, CB_E_BAD_FIELD, "outside an event, 'draft' names the draft "
                            "the help is for (or give 'event')");
    uint32_t id = cb_field_id (req, body, "draft", 'd');
    if (streq (to, req->node))
        return cb_req_fail (req, CB_E_BAD_FIELD, "asks and offers go to another team");
    cb_value_t *node = req->code ? NULL : cb_node_get (req->txn, to);
    if (!req->code && !node && !cb_req_check_store (req))
        cb_req_fail (req, CB_E_UNKNOWN_NODE, "no node '%s' has ever said hello: check the name",
                     to);
    else
    if (node && !streq (cb_value_get_str (node, "role"), "team")
    &&  !streq (cb_value_get_str (node, "role"), "leadership"))
        cb_req_fail (req, CB_E_BAD_FIELD, "%s is a %s node: asks and offers are between "
                     "teams and leadership", to, cb_value_get_str (node, "role"));
    cb_value_destroy (&node);
    cb_value_t *draft = req->code ? NULL : cb_draft_load (req, id);
    const char *owner = offer ? to : req->node;
    if (draft && !streq (cb_value_get_str (draft, "owner"), owner))
        cb_req_fail (req, CB_E_NOT_OWNER, offer
                     ? "d%u is %s's draft: an offer helps a draft of the node it goes to"
                     : "d%u is %s's draft: an ask is for a key result of your own draft",
                     id, cb_value_get_str (draft, "owner"));
    else
    if (draft) {
        cb_id_format (sides->helped, 'd', id);
        snprintf (sides->cycle, sizeof (sides->cycle), "%s", cb_value_get_str (draft, "cycle"));
        s_helper_direct (req, body, offer ? req->node : to, sides);
    }
    cb_value_destroy (&draft);
    return req->code ? -1 : 0;
}

static int
s_create (cb_req_t *req, const cb_value_t *body, bool offer)
{
    static const char *const ask_fields [] = { "event", "to", "kr", "need", "by", "draft",
                                               "helper_draft", NULL };
    static const char *const offer_fields [] = { "event", "to", "kr", "text", "reflect", "draft",
                                                 "helper_draft", NULL };
    if (cb_check_fields (req, body, offer ? "offer.new" : "ask.new",
                         offer ? offer_fields : ask_fields))
        return -1;
    const char *to = cb_field_str (req, body, "to", 1, CB_MAX_NODE, true);
    const char *kr = req->code ? NULL : cb_field_str (req, body, "kr", 1, 16, true);
    const char *text = req->code ? NULL
        : cb_field_str (req, body, offer ? "text" : "need", 1, CB_MAX_MESSAGE, true);
    const char *by = req->code || offer ? NULL : cb_field_str (req, body, "by", 0, 40, false);
    if (req->code || (offer && s_check_reflect (req, cb_value_get (body, "reflect"))))
        return -1;
    s_sides_t sides = { NULL, "", "", "" };
    if (s_given (body, "event") ? s_sides_event (req, body, offer, to, &sides)
                 : s_sides_direct (req, body, offer, to, &sides))
        return -1;
    char kr_text [CB_MAX_KR_TEXT * 4 + 1] = "";
    if (s_has_kr (req, sides.helped, kr, kr_text, sizeof (kr_text)) && offer)
        s_check_raise (req, cb_value_get (body, "reflect"), sides.helper);
    uint32_t id = req->code ? 0 : cb_req_next_id (req, "ask");
    if (id) {
        char aid [16];
        cb_value_t *ask = cb_value_new_map ();
        cb_value_set_str (ask, "id", cb_id_format (aid, 'a', id));
        if (sides.event)
            cb_value_set_str (ask, "event", cb_value_get_str (sides.event, "id"));
        else
            cb_value_set_nil (ask, "event");
        cb_value_set_str (ask, "cycle", sides.cycle);
        cb_value_set_str (ask, "kind", offer ? "offer" : "ask");
        cb_value_set_str (ask, "from", req->node);
        cb_value_set_str (ask, "to", to);
        cb_value_set_str (ask, "kr", kr);
        cb_value_set_str (ask, "kr_text", kr_text);
        cb_value_set_str (ask, "draft", sides.helped);
        cb_value_set_str (ask, "helper_draft", sides.helper);
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
        if (sides.event) {
            cb_value_t *v = cb_value_new_str (aid);
            cb_value_push (cb_value_get_array (sides.event, "asks"), &v);
        }
        if (!s_ask_save (req, ask) && (!sides.event || !cb_event_save (req, sides.event))) {
            s_tell (req, to, "ask.new", ask);
            cb_value_set_str (req->reply, "ask", aid);
        }
        cb_value_destroy (&ask);
    }
    cb_value_destroy (&sides.event);
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
    //  An ask made in an event is answered in its negotiate and commit
    //  phases; one made outside any event, at any time.
    const char *event_id = cb_value_get_str (ask, "event");
    cb_value_t *event = event_id ? cb_event_load (req, cb_id_parse (event_id, 'e')) : NULL;
    if (event) {
        const char *phase = cb_value_get_str (event, "phase");
        if (!streq (phase, "negotiate") && !streq (phase, "commit"))
            cb_req_fail (req, CB_E_WRONG_PHASE, "asks are answered in the negotiate and commit phases; %s is %s",
                         cb_value_get_str (event, "id"), phase);
    }
    if (req->code || !ask || (event_id && !event)) {
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

//  --------------------------------------------------------------------------
//  Reading: ask.list, and the scan that cycle.graph uses.

int
cb_asks_scan (cb_txn_t *txn, uint32_t from, cb_scan_fn *fn, void *arg)
{
    uint8_t key [4];
    cb_key_u32 (key, from);
    return cb_txn_scan (txn, CB_T_ASKS, NULL, 0, key, 4, fn, arg);
}

bool
cb_ask_in_cycle (cb_req_t *req, const void *ask, size_t size, const char *cycle)
{
    size_t len;
    if (cb_codec_peek_str (ask, size, "cycle", &len))
        return cb_raw_str_eq (ask, size, "cycle", cycle);
    //  An ask made before asks carried their cycle: its draft's
    const char *draft_id = cb_codec_peek_str (ask, size, "draft", &len);
    char id [16];
    snprintf (id, sizeof (id), "%.*s", (int) (len < 15 ? len : 15), draft_id ? draft_id : "");
    cb_value_t *draft = draft_id ? cb_draft_get (req->txn, cb_id_parse (id, 'd')) : NULL;
    bool in = draft && streq (cb_value_get_str (draft, "cycle"), cycle);
    cb_value_destroy (&draft);
    return in;
}

//  ask.list's filters, each NULL for any.
typedef struct {
    cb_req_t *req;
    const char *cycle, *node, *draft, *state, *event;
} s_filter_t;

static bool
s_matches (const void *val, size_t vlen, void *arg)
{
    s_filter_t *f = (s_filter_t *) arg;
    return (!f->node || cb_raw_str_eq (val, vlen, "from", f->node)
                     || cb_raw_str_eq (val, vlen, "to", f->node))
        && (!f->draft || cb_raw_str_eq (val, vlen, "draft", f->draft)
                      || cb_raw_str_eq (val, vlen, "helper_draft", f->draft))
        && (!f->state || cb_raw_str_eq (val, vlen, "state", f->state))
        && (!f->event || cb_raw_str_eq (val, vlen, "event", f->event))
        && (!f->cycle || cb_ask_in_cycle (f->req, val, vlen, f->cycle));
}

//  ask.list {cycle?, node?, draft?, state?, event?, limit?, after?}
//      -> {asks, next}
int
cb_handle_ask_list (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "cycle", "node", "draft", "state", "event", "limit",
                                           "after", NULL };
    static const char *const states [] = { "open", "countered", "accepted", "declined", NULL };
    if (cb_check_fields (req, body, "ask.list", fields))
        return -1;
    cb_page_t page;
    s_filter_t f = { req, NULL, NULL, NULL, NULL, NULL };
    f.cycle = cb_field_str (req, body, "cycle", 1, CB_MAX_CYCLE, false);
    f.node = req->code ? NULL : cb_field_str (req, body, "node", 1, CB_MAX_NODE, false);
    f.draft = req->code ? NULL : cb_field_str (req, body, "draft", 1, 16, false);
    f.state = req->code ? NULL : cb_field_str (req, body, "state", 1, 16, false);
    f.event = req->code ? NULL : cb_field_str (req, body, "event", 1, 16, false);
    const char *const *state = states;
    while (f.state && *state && !streq (*state, f.state))
        state++;
    if (!req->code && f.state && !*state)
        cb_req_fail (req, CB_E_BAD_FIELD, "'state' must be open, countered, accepted or "
                     "declined, not '%s'", f.state);
    if (req->code || cb_page_init (req, body, CB_PAGE_LIMIT, &page))
        return -1;
    return cb_page_list_match (req, &page, CB_T_ASKS, 'a', "asks", s_matches, &f);
}
