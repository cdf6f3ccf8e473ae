/*  =========================================================================
    coaching - the coach's findings on content, for the broker's replies
    and deliveries, and its strict mode (see coaching.h)
    =========================================================================
*/
#include "coaching.h"
#include "cb_coach.h"
#include "cb_coach_value.h"

static cb_coach_t *s_coach;
static bool s_strict;

void
cb_coaching_set (cb_coach_t *coach, bool strict)
{
    s_coach = coach;
    s_strict = strict;
}

cb_value_t *
cb_coaching_check (cb_req_t *req, const cb_value_t *content)
{
    if (!s_coach)
        return cb_value_new_nil ();
    cb_coach_findings_t *findings = cb_coach_check_content (s_coach, content);
    if (s_strict && cb_coach_findings_max_level (findings) == CB_COACH_ERROR) {
        //  Each error's code and what it is about, in order.
        char codes [400] = "";
        size_t used = 0;
        for (size_t i = 0; i < cb_coach_findings_size (findings); i++) {
            const cb_coach_finding_t *f = cb_coach_findings_get (findings, i);
            if (f->level == CB_COACH_ERROR && used < sizeof (codes))
                used += (size_t) snprintf (codes + used, sizeof (codes) - used, "%s%s %s",
                                           used ? ", " : "", f->code, f->about);
        }
        cb_coach_findings_destroy (&findings);
        cb_req_fail (req, CB_E_COACH_REFUSED, "the coach refuses it (catchballd --coach "
                     "strict): %s; see catchball lint for why and what to write instead",
                     codes);
        return NULL;
    }
    cb_value_t *value = cb_coach_findings_value (findings);
    cb_coach_findings_destroy (&findings);
    return value;
}

cb_value_t *
cb_coaching_findings (const cb_value_t *content)
{
    if (!s_coach)
        return cb_value_new_nil ();
    cb_coach_findings_t *findings = cb_coach_check_content (s_coach, content);
    cb_value_t *value = cb_coach_findings_value (findings);
    cb_coach_findings_destroy (&findings);
    return value;
}
