/*  =========================================================================
    diff - the field-level difference between two revisions of a draft

    See diff.h for the shape of the result.
    =========================================================================
*/
#include <string.h>

#include "diff.h"

static const char *s_content_fields [] = { "objective", "narrative", "aligned_to", NULL };
static const char *s_kr_fields [] = {
    "text", "baseline", "target", "unit", "leads", "shared_with", NULL
};

static cb_value_t *
s_copy_or_nil (const cb_value_t *v)
{
    return v ? cb_value_dup (v) : cb_value_new_nil ();
}

//  Appends {field, from, to} to `list` when the field differs.
static void
s_field_change (cb_value_t *list, const char *field, const cb_value_t *from,
                const cb_value_t *to)
{
    if (cb_value_equal (from, to))
        return;
    cb_value_t *change = cb_value_new_map ();
    cb_value_set_str (change, "field", field);
    cb_value_t *f = s_copy_or_nil (from), *t = s_copy_or_nil (to);
    cb_value_set (change, "from", &f);
    cb_value_set (change, "to", &t);
    cb_value_push (list, &change);
}

static const cb_value_t *
s_find_kr (const cb_value_t *krs, const char *id)
{
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        const char *kid = cb_value_get_str (cb_value_at (krs, i), "id");
        if (kid && strcmp (kid, id) == 0)
            return cb_value_at (krs, i);
    }
    return NULL;
}

static void
s_kr_change (cb_value_t *list, const char *id, const char *what, const cb_value_t *kr)
{
    cb_value_t *change = cb_value_new_map ();
    cb_value_set_str (change, "kr", id);
    cb_value_set_str (change, "change", what);
    cb_value_t *copy = cb_value_dup (kr);
    cb_value_set (change, "value", &copy);
    cb_value_push (list, &change);
}

cb_value_t *
cb_diff_content (const cb_value_t *a, const cb_value_t *b)
{
    cb_value_t *list = cb_value_new_array ();
    for (const char **f = s_content_fields; *f; f++)
        s_field_change (list, *f, cb_value_get (a, *f), cb_value_get (b, *f));

    const cb_value_t *akrs = cb_value_get (a, "key_results");
    const cb_value_t *bkrs = cb_value_get (b, "key_results");
    for (size_t i = 0; i < cb_value_size (bkrs); i++) {
        const cb_value_t *bkr = cb_value_at (bkrs, i);
        const char *id = cb_value_get_str (bkr, "id");
        const cb_value_t *akr = s_find_kr (akrs, id);
        if (!akr) {
            s_kr_change (list, id, "added", bkr);
            continue;
        }
        cb_value_t *fields = cb_value_new_array ();
        for (const char **f = s_kr_fields; *f; f++)
            s_field_change (fields, *f, cb_value_get (akr, *f), cb_value_get (bkr, *f));
        if (cb_value_size (fields)) {
            cb_value_t *change = cb_value_new_map ();
            cb_value_set_str (change, "kr", id);
            cb_value_set_str (change, "change", "changed");
            cb_value_set (change, "fields", &fields);
            cb_value_push (list, &change);
        }
        cb_value_destroy (&fields);
    }
    for (size_t i = 0; i < cb_value_size (akrs); i++) {
        const cb_value_t *akr = cb_value_at (akrs, i);
        const char *id = cb_value_get_str (akr, "id");
        if (!s_find_kr (bkrs, id))
            s_kr_change (list, id, "removed", akr);
    }
    return list;
}

cb_value_t *
cb_diff_kr (const cb_value_t *was, const cb_value_t *now)
{
    //  The diff of two contents holding that key result alone: the same
    //  rules as draft.diff, so a delivery shows what draft.diff would.
    cb_value_t *a = cb_value_new_map (), *b = cb_value_new_map ();
    cb_value_t *la = cb_value_new_array (), *lb = cb_value_new_array ();
    if (was) {
        cb_value_t *copy = cb_value_dup (was);
        cb_value_push (la, &copy);
    }
    if (now) {
        cb_value_t *copy = cb_value_dup (now);
        cb_value_push (lb, &copy);
    }
    cb_value_set (a, "key_results", &la);
    cb_value_set (b, "key_results", &lb);
    cb_value_t *diff = cb_diff_content (a, b);
    cb_value_t *one = cb_value_size (diff) ? cb_value_dup (cb_value_at (diff, 0)) : NULL;
    cb_value_destroy (&diff);
    cb_value_destroy (&a);
    cb_value_destroy (&b);
    return one;
}
