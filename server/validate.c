/*  =========================================================================
    validate - checks on what a client sends

    See validate.h.
    =========================================================================
*/
#include <ctype.h>
#include <math.h>

#include "validate.h"

size_t
cb_utf8_length (const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if ((*s & 0xc0) != 0x80)
            n++;
    return n;
}

int
cb_check_fields (cb_req_t *req, const cb_value_t *body, const char *where,
                 const char *const *allowed)
{
    for (size_t i = 0; i < cb_value_size (body); i++) {
        const char *key = cb_value_key_at (body, i);
        const char *const *a;
        for (a = allowed; *a; a++)
            if (streq (*a, key))
                break;
        if (!*a)
            return cb_req_fail (req, CB_E_BAD_FIELD, "%s: unknown field '%s'", where, key);
    }
    return 0;
}

const char *
cb_field_str (cb_req_t *req, const cb_value_t *body, const char *key, size_t min,
              size_t max, bool required)
{
    cb_value_t *v = cb_value_get (body, key);
    if (!v || cb_value_type (v) == CB_NIL) {
        if (required)
            cb_req_fail (req, CB_E_BAD_FIELD, "'%s' is required", key);
        return NULL;
    }
    if (cb_value_type (v) != CB_STR) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'%s' must be a string, not %s", key,
                     cb_value_type_name (cb_value_type (v)));
        return NULL;
    }
    size_t n = cb_utf8_length (cb_value_str (v));
    if (n < min || n > max) {
        if (min > 0 && n < min)
            cb_req_fail (req, CB_E_BAD_FIELD, "'%s' must not be empty", key);
        else
            cb_req_fail (req, CB_E_BAD_FIELD, "'%s' is %zu characters long; at most %zu",
                         key, n, max);
        return NULL;
    }
    return cb_value_str (v);
}

int
cb_field_int (cb_req_t *req, const cb_value_t *body, const char *key, int64_t min,
              int64_t max, bool required, int64_t *out)
{
    cb_value_t *v = cb_value_get (body, key);
    if (!v || cb_value_type (v) == CB_NIL) {
        if (required)
            return cb_req_fail (req, CB_E_BAD_FIELD, "'%s' is required", key);
        return 0;
    }
    if (cb_value_type (v) != CB_INT)
        return cb_req_fail (req, CB_E_BAD_FIELD, "'%s' must be an integer, not %s", key,
                            cb_value_type_name (cb_value_type (v)));
    int64_t n = cb_value_int (v);
    //  One message on either side, with the range: "must be at least 1"
    //  for a number far above the top read as if it were too small
    if (n < min || n > max)
        return cb_req_fail (req, CB_E_BAD_FIELD, "'%s' is out of range (%lld..%lld)", key,
                            (long long) min, (long long) max);
    *out = n;
    return 1;
}

uint32_t
cb_field_id (cb_req_t *req, const cb_value_t *body, const char *key, char letter)
{
    const char *s = cb_field_str (req, body, key, 1, 16, true);
    if (!s)
        return 0;
    uint32_t id = cb_id_parse (s, letter);
    if (!id)
        cb_req_fail (req, CB_E_BAD_FIELD, "'%s' must be an id like %c1, not '%s'", key,
                     letter, s);
    return id;
}

//  --------------------------------------------------------------------------
//  Draft content

bool
cb_cycle_name_valid (const char *s)
{
    for (; *s; s++)
        if (!(isalnum ((unsigned char) *s) || *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

//  A number field (integer or float), finite and within CB_MAX_NUMBER.
static int
s_number (cb_req_t *req, const cb_value_t *kr, const char *key, bool required,
          const char *where, cb_value_t *into)
{
    cb_value_t *v = cb_value_get (kr, key);
    if (!v || cb_value_type (v) == CB_NIL) {
        if (required)
            return cb_req_fail (req, CB_E_BAD_FIELD, "%s: '%s' is required", where, key);
        return 0;
    }
    if (!cb_value_is_number (v))
        return cb_req_fail (req, CB_E_BAD_FIELD, "%s: '%s' must be a number", where, key);
    double d = cb_value_float (v);
    if (!isfinite (d) || fabs (d) > CB_MAX_NUMBER)
        return cb_req_fail (req, CB_E_BAD_FIELD, "%s: '%s' is out of range", where, key);
    cb_value_t *copy = cb_value_dup (v);
    cb_value_set (into, key, &copy);
    return 0;
}

//  The id of the base's key result with this text that no KR of the new
//  content claims, or NULL.
static const char *
s_id_by_text (const cb_value_t *base, const cb_value_t *krs, const char *text, zhashx_t *seen)
{
    cb_value_t *list = cb_value_get_array (base, "key_results");
    for (size_t i = 0; text && i < cb_value_size (list); i++) {
        cb_value_t *kr = cb_value_at (list, i);
        const char *id = cb_value_get_str (kr, "id");
        if (!streq (text, cb_value_get_str (kr, "text") ? cb_value_get_str (kr, "text") : "")
        ||  zhashx_lookup (seen, id))
            continue;
        //  Not if a KR of the new content names that id itself.
        bool claimed = false;
        for (size_t j = 0; j < cb_value_size (krs); j++) {
            const char *other = cb_value_get_str (cb_value_at (krs, j), "id");
            if (other && streq (other, id))
                claimed = true;
        }
        if (!claimed)
            return id;
    }
    return NULL;
}

cb_value_t *
cb_content_kr (const cb_value_t *content, const char *id)
{
    cb_value_t *list = cb_value_get_array (content, "key_results");
    for (size_t i = 0; id && i < cb_value_size (list); i++) {
        const char *other = cb_value_get_str (cb_value_at (list, i), "id");
        if (other && streq (other, id))
            return cb_value_at (list, i);
    }
    return NULL;
}

static cb_value_t *
s_key_result (cb_req_t *req, const cb_value_t *kr, size_t index, int64_t *next_kr,
              zhashx_t *seen, const cb_value_t *base, const cb_value_t *krs)
{
    static const char *const fields [] = {
        "id", "text", "baseline", "target", "unit", "leads", "shared_with", NULL
    };
    char where [48];
    snprintf (where, sizeof (where), "key_results[%zu]", index);
    if (cb_value_type (kr) != CB_MAP) {
        cb_req_fail (req, CB_E_BAD_FIELD, "%s must be a map", where);
        return NULL;
    }
    if (cb_check_fields (req, kr, where, fields))
        return NULL;
    cb_value_t *out = cb_value_new_map ();
    const char *id = cb_field_str (req, kr, "id", 1, 16, false);
    char idbuf [16];
    if (id) {
        uint32_t n = 0;
        if (strncmp (id, "kr", 2) != 0 || (n = cb_id_parse (id + 1, 'r')) == 0)
            cb_req_fail (req, CB_E_BAD_FIELD, "%s: id must be like kr1, not '%s'", where, id);
        else
        if (base ? !cb_content_kr (base, id) : (int64_t) n >= *next_kr)
            //  One rule: an id names one key result for the draft's whole
            //  life. It is kept from the revision built on, never brought
            //  back once removed (a key result that comes back is new).
            cb_req_fail (req, CB_E_BAD_FIELD,
                         "%s: '%s' is not a key result of the revision this one builds on "
                         "(ids are never reused); leave id out for a new one", where, id);
    }
    else
    if (!req->code) {
        id = s_id_by_text (base, krs, cb_value_get_str (kr, "text"), seen);
        if (!id) {
            snprintf (idbuf, sizeof (idbuf), "kr%lld", (long long) (*next_kr)++);
            id = idbuf;
        }
    }
    if (!req->code && zhashx_lookup (seen, id))
        cb_req_fail (req, CB_E_BAD_FIELD, "%s: id '%s' appears twice", where, id);
    if (req->code) {
        cb_value_destroy (&out);
        return NULL;
    }
    zhashx_insert (seen, id, (void *) 1);
    cb_value_set_str (out, "id", id);

    const char *text = cb_field_str (req, kr, "text", 1, CB_MAX_KR_TEXT, true);
    if (text)
        cb_value_set_str (out, "text", text);
    s_number (req, kr, "baseline", false, where, out);
    s_number (req, kr, "target", true, where, out);
    const char *unit = cb_field_str (req, kr, "unit", 0, CB_MAX_UNIT, false);
    if (unit)
        cb_value_set_str (out, "unit", unit);
    cb_value_t *leads = cb_value_get (kr, "leads");
    if (leads && cb_value_type (leads) != CB_NIL) {
        if (cb_value_type (leads) != CB_ARRAY || cb_value_size (leads) > CB_MAX_LEADS)
            cb_req_fail (req, CB_E_BAD_FIELD, "%s: leads must be a list of at most %d names",
                         where, CB_MAX_LEADS);
        else {
            for (size_t i = 0; i < cb_value_size (leads); i++) {
                const char *lead = cb_value_str (cb_value_at (leads, i));
                if (!lead || !*lead || cb_utf8_length (lead) > CB_MAX_LEAD)
                    cb_req_fail (req, CB_E_BAD_FIELD,
                                 "%s: each lead must be a name of 1 to %d characters", where,
                                 CB_MAX_LEAD);
            }
            cb_value_t *copy = cb_value_dup (leads);
            cb_value_set (out, "leads", &copy);
        }
    }
    cb_value_t *shared = cb_value_get (kr, "shared_with");
    if (!req->code && shared && cb_value_type (shared) != CB_NIL) {
        static const char *const sfields [] = { "draft", "kr", NULL };
        const char *d = cb_value_get_str (shared, "draft");
        const char *k = cb_value_get_str (shared, "kr");
        if (cb_value_type (shared) != CB_MAP || cb_check_fields (req, shared, where, sfields)
        ||  !cb_id_parse (d, 'd') || !k || strncmp (k, "kr", 2) || !cb_id_parse (k + 1, 'r'))
            cb_req_fail (req, CB_E_BAD_FIELD, "%s: shared_with must be {draft: \"dN\", kr: \"krN\"}",
                         where);
        else {
            cb_value_t *copy = cb_value_new_map ();
            cb_value_set_str (copy, "draft", d);
            cb_value_set_str (copy, "kr", k);
            cb_value_set (out, "shared_with", &copy);
        }
    }
    if (req->code)
        cb_value_destroy (&out);
    return out;
}

int
cb_validate_kr (cb_req_t *req, const cb_value_t *kr, const char *where)
{
    int64_t next_kr = INT32_MAX;
    zhashx_t *seen = zhashx_new ();
    cb_value_t *out = s_key_result (req, kr, 0, &next_kr, seen, NULL, NULL);
    zhashx_destroy (&seen);
    if (!out) {
        //  The message names the KR as in content: say where it was.
        if (req->code == CB_E_BAD_FIELD && strncmp (req->message, "key_results[0]", 14) == 0) {
            char text [sizeof (req->message)];
            snprintf (text, sizeof (text), "%s%s", where, req->message + 14);
            snprintf (req->message, sizeof (req->message), "%s", text);
        }
        return -1;
    }
    cb_value_destroy (&out);
    return 0;
}

cb_value_t *
cb_validate_content (cb_req_t *req, const cb_value_t *content, const char *cycle,
                     const cb_value_t *base, int64_t *next_kr)
{
    static const char *const fields [] = {
        "cycle", "objective", "narrative", "aligned_to", "key_results", NULL
    };
    if (cb_value_type (content) != CB_MAP) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'content' must be a map");
        return NULL;
    }
    if (cb_check_fields (req, content, "content", fields))
        return NULL;
    cb_value_t *out = cb_value_new_map ();

    const char *c = cb_field_str (req, content, "cycle", 1, CB_MAX_CYCLE, cycle == NULL);
    if (c && !cb_cycle_name_valid (c))
        cb_req_fail (req, CB_E_BAD_FIELD,
                     "'cycle' may hold letters, digits, '-', '_' and '.', like 2027-Q1");
    else
    if (c && cycle && !streq (c, cycle))
        cb_req_fail (req, CB_E_BAD_FIELD, "'cycle' of a draft cannot change (it is %s)", cycle);
    if (req->code) {
        cb_value_destroy (&out);
        return NULL;
    }
    cb_value_set_str (out, "cycle", c ? c : cycle);

    const char *objective = cb_field_str (req, content, "objective", 1, CB_MAX_OBJECTIVE, true);
    if (objective)
        cb_value_set_str (out, "objective", objective);
    const char *narrative = cb_field_str (req, content, "narrative", 0, CB_MAX_NARRATIVE, false);
    if (narrative)
        cb_value_set_str (out, "narrative", narrative);

    cb_value_t *aligned = cb_value_get (content, "aligned_to");
    if (!req->code && aligned && cb_value_type (aligned) != CB_NIL) {
        static const char *const afields [] = { "draft", "kr", NULL };
        if (cb_value_type (aligned) != CB_MAP)
            cb_req_fail (req, CB_E_BAD_FIELD, "'aligned_to' must be a map {draft, kr}");
        else
        if (!cb_check_fields (req, aligned, "aligned_to", afields)) {
            cb_value_t *a = cb_value_new_map ();
            const char *d = cb_field_str (req, aligned, "draft", 1, 16, true);
            const char *k = cb_field_str (req, aligned, "kr", 1, 16, false);
            if (d && !cb_id_parse (d, 'd'))
                cb_req_fail (req, CB_E_BAD_FIELD, "aligned_to: 'draft' must be like d1");
            if (d)
                cb_value_set_str (a, "draft", d);
            if (k)
                cb_value_set_str (a, "kr", k);
            cb_value_set (out, "aligned_to", &a);
        }
    }

    cb_value_t *krs = cb_value_get (content, "key_results");
    if (!req->code) {
        if (!krs || cb_value_type (krs) != CB_ARRAY)
            cb_req_fail (req, CB_E_BAD_FIELD, "'key_results' is required: a list of %d to %d",
                         CB_MIN_KRS, CB_MAX_KRS);
        else
        if (cb_value_size (krs) < CB_MIN_KRS || cb_value_size (krs) > CB_MAX_KRS)
            cb_req_fail (req, CB_E_BAD_FIELD, "a draft has %d to %d key results, not %zu",
                         CB_MIN_KRS, CB_MAX_KRS, cb_value_size (krs));
    }
    if (!req->code) {
        cb_value_t *list = cb_value_new_array ();
        zhashx_t *seen = zhashx_new ();
        for (size_t i = 0; i < cb_value_size (krs) && !req->code; i++) {
            cb_value_t *kr = s_key_result (req, cb_value_at (krs, i), i, next_kr, seen, base, krs);
            if (kr)
                cb_value_push (list, &kr);
        }
        zhashx_destroy (&seen);
        cb_value_set (out, "key_results", &list);
    }
    if (req->code)
        cb_value_destroy (&out);
    return out;
}

const char *
cb_field_unlink (cb_req_t *req, const cb_value_t *body)
{
    static const char *const fields [] = { "reason", NULL };
    cb_value_t *unlink = cb_value_get (body, "unlink");
    if (!unlink || cb_value_type (unlink) == CB_NIL)
        return NULL;
    if (cb_value_type (unlink) != CB_MAP) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'unlink' must be a map {reason}");
        return NULL;
    }
    if (cb_check_fields (req, unlink, "unlink", fields))
        return NULL;
    return cb_field_str (req, unlink, "reason", 1, CB_MAX_MESSAGE, true);
}

//  override: {reason} (draft.finalize), as unlink above.
const char *
cb_field_reason (cb_req_t *req, const cb_value_t *body, const char *key)
{
    static const char *const fields [] = { "reason", NULL };
    cb_value_t *map = cb_value_get (body, key);
    if (!map || cb_value_type (map) == CB_NIL)
        return NULL;
    if (cb_value_type (map) != CB_MAP) {
        cb_req_fail (req, CB_E_BAD_FIELD, "'%s' must be a map {reason}", key);
        return NULL;
    }
    if (cb_check_fields (req, map, key, fields))
        return NULL;
    return cb_field_str (req, map, "reason", 1, CB_MAX_MESSAGE, true);
}
