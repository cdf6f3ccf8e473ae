/*  =========================================================================
    coaching - the coach (coach/cb_coach.h) in the broker: its findings
    attached to the replies that carry content, and, under --coach strict,
    findings at error level refused

    The broker loads the word lists once, at start, and sets them here
    (one coach per process, as one broker per process); the handlers that
    take content call cb_coaching_check once the content is valid and
    before they write, so that a refusal stores nothing. PROTOCOL.md,
    section 6.1 ("The coach").
    =========================================================================
*/
#ifndef CB_COACHING_H_INCLUDED
#define CB_COACHING_H_INCLUDED

#include "records.h"

typedef struct _cb_coach_t cb_coach_t;

//  The coach the handlers use (lent: the caller keeps it alive), or NULL
//  to run without one; with strict, findings at error level refuse.
void cb_coaching_set (cb_coach_t *coach, bool strict);

//  The findings on content (a valid Content map), as a value: an array
//  of Finding maps, or nil when the broker runs without the coach. Under
//  strict, a finding at error level fails the request (COACH_REFUSED,
//  naming the codes) and returns NULL.
cb_value_t *cb_coaching_check (cb_req_t *req, const cb_value_t *content);

//  The findings on content, never a refusal (for what is already
//  written, such as the revision a round throws): as above, or nil.
cb_value_t *cb_coaching_findings (const cb_value_t *content);

#endif
