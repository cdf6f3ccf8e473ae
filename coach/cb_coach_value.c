/*  =========================================================================
    cb_coach_value - the coach on a draft's content, and its findings as a
    value tree (cb_coach_value.h says why they live here)
    =========================================================================
*/
#include <stdlib.h>

#include "cb_coach_value.h"

//  A number field, if it is one.
static bool
s_number (const cb_value_t *map, const char *key, double *out)
{
    const cb_value_t *value = cb_value_get (map, key);
    if (!value || !cb_value_is_number (value))
        return false;
    *out = cb_value_float (value);
    return true;
}

cb_coach_findings_t *
cb_coach_check_content (cb_coach_t *coach, const cb_value_t *content)
{
    cb_value_t *list = cb_value_get_array (content, "key_results");
    size_t count = list ? cb_value_size (list) : 0;
    //  The strings stay content's: the coach copies what it keeps.
    cb_coach_kr_t *krs = calloc (count ? count : 1, sizeof (cb_coach_kr_t));
    if (!krs)
        abort ();
    for (size_t k = 0; k < count; k++) {
        const cb_value_t *item = cb_value_at (list, k);
        cb_coach_kr_t *kr = &krs [k];
        kr->id = cb_value_get_str (item, "id");
        kr->text = cb_value_get_str_or (item, "text", "");
        kr->has_baseline = s_number (item, "baseline", &kr->baseline);
        kr->has_target = s_number (item, "target", &kr->target);
        kr->unit = cb_value_get_str (item, "unit");
        cb_value_t *leads = cb_value_get_array (item, "leads");
        kr->leads = leads ? cb_value_size (leads) : 0;
    }
    cb_coach_okr_t okr = { cb_value_get_str (content, "objective"), krs, count };
    cb_coach_findings_t *findings = cb_coach_check (coach, &okr);
    free (krs);
    return findings;
}

cb_value_t *
cb_coach_findings_value (const cb_coach_findings_t *findings)
{
    cb_value_t *list = cb_value_new_array ();
    for (size_t i = 0; i < cb_coach_findings_size (findings); i++) {
        const cb_coach_finding_t *f = cb_coach_findings_get (findings, i);
        cb_value_t *item = cb_value_new_map ();
        cb_value_set_str (item, "code", f->code);
        cb_value_set_str (item, "level", cb_coach_level_name (f->level));
        cb_value_set_str (item, "about", f->about);
        cb_value_set_str (item, "evidence", f->evidence);
        cb_value_set_str (item, "why", f->why);
        if (f->suggestion)
            cb_value_set_str (item, "suggestion", f->suggestion);
        else
            cb_value_set_nil (item, "suggestion");
        cb_value_push (list, &item);
    }
    return list;
}
