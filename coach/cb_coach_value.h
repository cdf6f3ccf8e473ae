/*  =========================================================================
    cb_coach_value - the coach on a draft's content, and its findings as a
    value tree

    The one place that reads a Content value (PROTOCOL.md: objective,
    key_results with text, baseline, target, unit, leads, id) into the
    coach's plain structs, and turns findings into the value a reply or a
    delivery carries, so that the command line's --json and the broker
    (which is to attach findings to draft.new, draft.revise, round.counter
    and round.thrown) say the same thing in the same shape:

      [{code: str, level: "info"|"warning"|"error", about: "krN"|"objective"|
        "draft", evidence: str, why: str, suggestion: str|nil}]

    cb_coach.c itself knows no value tree: this file is the bridge.
    =========================================================================
*/
#ifndef CB_COACH_VALUE_H_INCLUDED
#define CB_COACH_VALUE_H_INCLUDED

#include "catchball/cb_value.h"
#include "cb_coach.h"

//  The findings on content (a Content map), the caller's. A field of the
//  wrong type counts as absent: validation is the broker's, not the coach's.
cb_coach_findings_t *cb_coach_check_content (cb_coach_t *coach, const cb_value_t *content);

//  The findings as an array of maps (the shape above), the caller's.
cb_value_t *cb_coach_findings_value (const cb_coach_findings_t *findings);

#endif
