/*  =========================================================================
    validate - checks on what a client sends: fields, types, limits, and
    the content of a draft

    Every limit is here, and in proto/PROTOCOL.md. Lengths count Unicode
    characters. Unknown fields are refused, so that a typo ("tagret") is
    an error rather than a silently missing value.
    =========================================================================
*/
#ifndef CB_VALIDATE_H_INCLUDED
#define CB_VALIDATE_H_INCLUDED

#include "records.h"

#define CB_MAX_CYCLE        16
#define CB_MAX_OBJECTIVE    280
#define CB_MAX_NARRATIVE    4000
#define CB_MIN_KRS          1
#define CB_MAX_KRS          7
#define CB_MAX_KR_TEXT      200
#define CB_MAX_UNIT         16
#define CB_MAX_LEADS        4
#define CB_MAX_LEAD         64
#define CB_MAX_MESSAGE      500
#define CB_MAX_QUESTION     500
#define CB_MAX_FEEDBACK     2000
#define CB_MAX_RECIPIENTS   100
#define CB_MAX_RESPONSES    20                  //  per recipient and round
#define CB_MAX_VOTES        100                 //  per draft
#define CB_MAX_VOTERS       20                  //  per confidence vote
#define CB_VOTE_THRESHOLD   3                   //  the median a vote needs, by default
#define CB_MAX_DEADLINE     (30 * 24 * 3600)    //  seconds
#define CB_MAX_NUMBER       1e15                //  |baseline|, |target|

//  Refuse any key of `body` not in the NULL-terminated list. 0 or -1.
int cb_check_fields (cb_req_t *req, const cb_value_t *body, const char *where,
                     const char *const *allowed);

//  A string field of `min`..`max` characters. Returns it (lent), or NULL:
//  with the request failed if it was required or of the wrong type or
//  length, without failing if it was optional and absent.
const char *cb_field_str (cb_req_t *req, const cb_value_t *body, const char *key,
                          size_t min, size_t max, bool required);
//  An integer field in [min, max]. 1 if present and valid, 0 if optional
//  and absent, -1 (request failed) otherwise.
int cb_field_int (cb_req_t *req, const cb_value_t *body, const char *key, int64_t min,
                  int64_t max, bool required, int64_t *out);
//  An id field ("d12"): its number, or 0 with the request failed.
uint32_t cb_field_id (cb_req_t *req, const cb_value_t *body, const char *key, char letter);

//  The key result of draft content with this id (lent), or NULL.
cb_value_t *cb_content_kr (const cb_value_t *content, const char *id);

//  The reason of an optional `unlink: {reason: str 1..500}` (lent), or
//  NULL: absent, or with the request failed if malformed.
const char *cb_field_unlink (cb_req_t *req, const cb_value_t *body);
//  The same for another key holding {reason} (draft.finalize's override).
const char *cb_field_reason (cb_req_t *req, const cb_value_t *body, const char *key);

//  Validate draft content and return a normalised copy. `cycle` is the
//  draft's cycle, or NULL for a new draft; `base` the content of the
//  revision this one builds on, or NULL. Key result ids: one the client
//  gives must be the id of a key result of `base` (with no base, below
//  *next_kr): an id removed once never comes back; a KR without an id takes the id of the base's KR with the same
//  text, if no other KR claims it, else the next new id (*next_kr is
//  updated). NULL, request failed, on any problem.
cb_value_t *cb_validate_content (cb_req_t *req, const cb_value_t *content,
                                 const char *cycle, const cb_value_t *base,
                                 int64_t *next_kr);

//  Check one key result on its own (as a reflect's new KR): its fields,
//  types and limits, as in draft content. 0, or -1 with the request failed.
int cb_validate_kr (cb_req_t *req, const cb_value_t *kr, const char *where);

//  True if a cycle's name has only letters, digits, '-', '_' and '.'.
bool cb_cycle_name_valid (const char *s);
//  Number of Unicode characters of a valid UTF-8 string.
size_t cb_utf8_length (const char *s);

#endif
