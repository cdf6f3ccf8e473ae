/*  =========================================================================
    raise - "we cannot align", said at once: a team tells the owner of the
    draft its own draft aligns to, without waiting for a round (seed 003,
    steps 3.2 and 3.3; issue 13)

    draft.raise {draft, text, kr?} -> {id, draft, to}

    The raise is feedback of kind cannot-align, kept as a response record
    (fN, like a round's feedback) that belongs to no round: on the draft
    aligned to, at its head revision, naming the team's draft it comes
    from (`from_draft`). Both drafts list it under `raised`, so both
    histories show it (draft.history's `raised`). The owner answers it as
    any feedback, with a revision that `addresses` it, and is told by a
    draft.raised delivery. PROTOCOL.md, section 6.
    =========================================================================
*/
#include "handlers.h"
#include "inbox.h"
#include "validate.h"

//  Appends the response id to the draft's `raised` list and saves it.
static int
s_list_raise (cb_req_t *req, uint32_t id, cb_value_t *draft, const char *response)
{
    cb_value_t *v = cb_value_new_str (response);
    cb_value_push (cb_value_want_array (draft, "raised"), &v);
    return cb_draft_save (req, id, draft);
}

//  The draft the sender's draft aligns to, checked: its number, the key
//  result raised about into kr (the one given, else the aligned one; ""
//  for the draft as a whole), and the target's record in *target_p.
static uint32_t
s_target (cb_req_t *req, const cb_value_t *own, uint32_t own_id, const char *given,
          char *kr, size_t size, cb_value_t **target_p)
{
    cb_value_t *head = cb_rev_load (req, own_id, (uint32_t) cb_int (own, "head"));
    cb_value_t *aligned = cb_value_get_map (cb_value_get_map (head, "content"), "aligned_to");
    const char *target_id = cb_value_get_str (aligned, "draft");
    const char *aligned_kr = cb_value_get_str (aligned, "kr");
    uint32_t id = target_id ? cb_id_parse (target_id, 'd') : 0;
    snprintf (kr, size, "%s", given ? given : aligned_kr ? aligned_kr : "");
    cb_value_t *target = NULL;
    if (head && !id)
        cb_req_fail (req, CB_E_BAD_FIELD, "d%u is aligned to nothing: a raise goes to the "
                     "owner of the draft it aligns to (align it first)", own_id);
    else
    if (id && (target = cb_draft_load (req, id))
    &&  streq (cb_value_get_str (target, "owner"), req->node))
        cb_req_fail (req, CB_E_BAD_FIELD, "d%u aligns to d%u, a draft of your own", own_id, id);
    else
    if (target && *kr) {
        cb_value_t *top = cb_rev_load (req, id, (uint32_t) cb_int (target, "head"));
        if (top && !cb_content_kr (cb_value_get (top, "content"), kr))
            cb_req_fail (req, CB_E_NOT_FOUND, "d%u has no key result %s", id, kr);
        cb_value_destroy (&top);
    }
    cb_value_destroy (&head);
    if (req->code) {
        cb_value_destroy (&target);
        return 0;
    }
    *target_p = target;
    return id;
}

int
cb_handle_draft_raise (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "draft", "text", "kr", NULL };
    if (cb_check_fields (req, body, "draft.raise", fields))
        return -1;
    uint32_t own_id = cb_field_id (req, body, "draft", 'd');
    const char *text = req->code ? NULL
                     : cb_field_str (req, body, "text", 1, CB_MAX_FEEDBACK, true);
    const char *given = req->code ? NULL : cb_field_str (req, body, "kr", 1, 16, false);
    cb_value_t *own = req->code ? NULL : cb_draft_load (req, own_id);
    if (own && !streq (cb_value_get_str (own, "owner"), req->node))
        cb_req_fail (req, CB_E_NOT_OWNER, "d%u is %s's: raise from a draft of your own",
                     own_id, cb_value_get_str (own, "owner"));
    char kr [32] = "";
    cb_value_t *target = NULL;
    uint32_t target_id = own && !req->code
                       ? s_target (req, own, own_id, given, kr, sizeof (kr), &target) : 0;
    if (target_id) {
        char own_name [16], target_name [16];
        cb_id_format (own_name, 'd', own_id);
        cb_id_format (target_name, 'd', target_id);
        cb_value_t *response = cb_value_new_map ();
        cb_value_set_str (response, "type", "feedback");
        cb_value_set_str (response, "kind", "cannot-align");
        if (*kr)
            cb_value_set_str (response, "on", kr);
        cb_value_set_str (response, "text", text);
        cb_value_set_nil (response, "round");
        cb_value_set_str (response, "draft", target_name);
        cb_value_set_int (response, "rev", cb_int (target, "head"));
        cb_value_set_str (response, "from_draft", own_name);
        cb_value_set_str (response, "author", req->node);
        cb_value_set_int (response, "time", req->now);
        cb_value_set_bool (response, "final", true);
        const char *owner = cb_value_get_str (target, "owner");
        if (!cb_response_put (req, 'f', response)
        &&  !s_list_raise (req, target_id, target, cb_value_get_str (response, "id"))
        &&  !s_list_raise (req, own_id, own, cb_value_get_str (response, "id"))) {
            cb_value_t *note = cb_value_new_map ();
            cb_value_set_str (note, "draft", target_name);
            cb_value_set_str (note, "from_draft", own_name);
            cb_value_t *copy = cb_value_dup (response);
            cb_value_set (note, "response", &copy);
            if (!cb_inbox_push (req, owner, "draft.raised", &note))
                cb_req_check_store (req);
            cb_value_set_str (req->reply, "id", cb_value_get_str (response, "id"));
            cb_value_set_str (req->reply, "draft", target_name);
            cb_value_set_str (req->reply, "to", owner);
        }
        cb_value_destroy (&response);
    }
    cb_value_destroy (&target);
    cb_value_destroy (&own);
    return req->code ? -1 : 0;
}
