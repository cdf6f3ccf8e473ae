/*  =========================================================================
    cb_clock - the broker's time: the wall clock, or a file's (for tests)

    Everything the broker records or schedules takes its time from here:
    the `time` of records and deliveries, round and vote deadlines, event
    time boxes, check-in cadences and cycle states. By default that is the
    wall clock (zclock_time). `catchballd --clock FILE` makes it the time
    written in FILE, so that a test can play a whole quarter in seconds:
    the time stands still until the file changes, and never goes back (a
    file that says an earlier time is refused, with a warning, and the
    clock stays where it was). The file holds one time, as milliseconds
    since 1970 or as UTC ISO 8601 ("2027-01-04T09:00:00Z").

    A broker restarted on the same file (after a crash, say) starts at the
    time the file says, so its timers fire as they would have.
    =========================================================================
*/
#ifndef CB_CLOCK_H_INCLUDED
#define CB_CLOCK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _cb_clock_t cb_clock_t;

//  The wall clock (file NULL), or the time in `file`. NULL, with the
//  reason in `error`, if the file cannot be read or holds no time.
cb_clock_t *cb_clock_new (const char *file, char *error, size_t size);
void cb_clock_destroy (cb_clock_t **self_p);

//  Milliseconds since 1970, UTC: the file's, read again when it changed.
int64_t cb_clock_now (cb_clock_t *self);

//  True if the time comes from a file: it moves only when the file does,
//  so the broker must look at it often (and not sleep until a deadline).
bool cb_clock_is_file (cb_clock_t *self);

//  A time as the file may hold it: milliseconds since 1970, or UTC ISO 8601
//  "YYYY-MM-DDTHH:MM:SS[.mmm]Z". -1 if `text` is neither.
int64_t cb_clock_parse (const char *text);

#endif
