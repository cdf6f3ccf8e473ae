/*  =========================================================================
    diff - the field-level difference between two revisions of a draft

    Computed by the broker so every client, in any language, shows the
    same thing. The result is a list of changes, in this order: objective,
    narrative, aligned_to, then key results by id (in the order of the
    newer revision, then the removed ones):

      {field: "objective", from: "...", to: "..."}        (from/to nil if absent)
      {kr: "kr2", change: "added", value: {the key result}}
      {kr: "kr1", change: "removed", value: {the key result}}
      {kr: "kr3", change: "changed", fields: [{field: "target", from: 60, to: 70}]}
    KR fields compared: text, baseline, target, unit, leads, shared_with.
    =========================================================================
*/
#ifndef CB_DIFF_H_INCLUDED
#define CB_DIFF_H_INCLUDED

#include "catchball/cb_value.h"

//  A new array of the changes from content `a` to content `b`.
cb_value_t *cb_diff_content (const cb_value_t *a, const cb_value_t *b);

//  The one change from key result `was` to `now` (either may be NULL: an
//  added or removed key result), as cb_diff_content gives it; a new value,
//  or NULL if they are the same.
cb_value_t *cb_diff_kr (const cb_value_t *was, const cb_value_t *now);

#endif
