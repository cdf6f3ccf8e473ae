/*  =========================================================================
    cli_progress - where a key result stands, from its check-ins: the one
    computation `catchball progress` and the facilitator console share

    A key result's progress is its check-ins in the order they were made
    (PROTOCOL.md 6.2): the last one's value against the baseline and the
    target, the share of the way covered, the confidence of each, and how
    old the last one is. Ages are differences of two broker times: a
    check-in's `time` is the broker's clock, so "now" must be the broker's
    clock too, estimated from a `ping` (its reply is `{time}`), never the
    terminal's clock alone, which may be hours or months away from it.
    =========================================================================
*/
#ifndef CB_CLI_PROGRESS_H_INCLUDED
#define CB_CLI_PROGRESS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cli_value.h"

//  True if the check-in is about key result kr of draft (made on it, or on
//  the other draft's copy of a shared key result).
bool cli_checkin_about (const cb_value_t *checkin, const char *draft, const char *kr);

//  One key result (a KeyResult of draft's head) as it stands after the
//  check-ins given (in the order they were made; those about other key
//  results are skipped), at `now` on the broker's clock. The caller's:
//  {draft, kr, text, unit, baseline, target (nil if none), checkins: int,
//  confidence: [int] (one a check-in), current (the last value, nil if
//  none), share (nil without a baseline, a check-in or a way to go: else
//  (current - baseline) / (target - baseline), negative when it went back,
//  above 1 past the target, also for a target below the baseline),
//  last, last_by, last_time, age_ms (nil, nil... with no check-in)}.
cb_value_t *cli_progress_kr (const char *draft, const cb_value_t *kr,
                             const cb_value_t *checkins, int64_t now);

//  Big enough for what the writers below write.
#define CLI_PROGRESS_MAX 64

//  A share of the way as a percentage to a tenth, "33.3%" for 1/3, "-"
//  if it is not a number. Writes into buf and returns it.
const char *cli_progress_percent (const cb_value_t *share, char *buf, size_t size);

//  The confidence trend, "3 -> 4 -> 2", and as a sparkline, one bar a
//  check-in, 0 the lowest and 5 the highest ("▃▆▂"). The trend writes the
//  latest ones only if they do not all fit (sparkline included), so that
//  the end, the news, is always there.
const char *cli_progress_trend (const cb_value_t *confidence, char *buf, size_t size);
const char *cli_progress_sparkline (const cb_value_t *confidence, char *buf, size_t size);

//  An age in ms, coarse, for people: "3d 4h ago", "2h 5m ago", "12m ago",
//  "just now" (also for a negative age: a clock estimate a little off).
const char *cli_progress_age (int64_t ms, char *buf, size_t size);

//  The broker's clock minus ours, from a `ping` sent at `sent` and
//  answered at `received` (our clock) with the broker's `time`: the broker
//  read its clock between the two, the middle is the best guess (off by at
//  most half the round trip). Our time plus this is the broker's now.
int64_t cli_progress_clock_offset (int64_t broker_time, int64_t sent, int64_t received);

#endif
