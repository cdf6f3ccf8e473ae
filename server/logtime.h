/*  =========================================================================
    logtime - the broker's log lines with their time in ISO 8601

    czmq 4.2.1 stamps each log line itself, "I: 26-12-04 18:26:42 text",
    and offers no way to change the format: only the stream the lines go
    to (zsys_set_logstream). So the broker gives it a stream of ours that
    rewrites each line's stamp as "I: 2026-12-04T18:26:42+01:00 text" (the
    local time with its offset, "Z" for UTC) and passes it on.
    =========================================================================
*/
#ifndef CB_LOGTIME_H_INCLUDED
#define CB_LOGTIME_H_INCLUDED

#include <stdio.h>
#include <stddef.h>

//  One czmq log line ("L: yy-mm-dd HH:MM:SS text", or with "(ident) "
//  before the stamp) with its stamp in ISO 8601 at UTC offset `gmtoff`
//  (seconds east), into `out` (`size` bytes, NUL-terminated). A line of
//  another shape is copied as it is. Returns the length written.
size_t cb_logtime_line (const char *line, size_t len, long gmtoff, char *out, size_t size);

//  A stream that writes every line to `sink` through cb_logtime_line, at
//  the offset of the local time then: give it to zsys_set_logstream.
//  NULL if it cannot be made (then log to `sink` as it is). Call it after
//  zsys_init: a child process made by fork gets it back as its log
//  stream (czmq's fork handler, registered by zsys_init, resets it).
FILE *cb_logtime_stream (FILE *sink);

#endif
