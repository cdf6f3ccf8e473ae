/*  =========================================================================
    logtime - the broker's log lines with their time in ISO 8601

    A stdio stream (glibc's fopencookie) in front of the broker's stdout:
    czmq writes each log line and flushes, and the cookie rewrites the
    two-digit-year stamp czmq made into ISO 8601. See logtime.h.
    =========================================================================
*/
#define _GNU_SOURCE
#include <czmq.h>
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "logtime.h"

//  True if `s` is czmq's stamp "dd-dd-dd dd:dd:dd" followed by a space.
static bool
s_czmq_stamp (const char *s, size_t len)
{
    static const char shape [] = "00-00-00 00:00:00 ";
    if (len < sizeof (shape) - 1)
        return false;
    for (size_t i = 0; i < sizeof (shape) - 1; i++)
        if (shape [i] == '0' ? !isdigit ((unsigned char) s [i]) : s [i] != shape [i])
            return false;
    return true;
}

size_t
cb_logtime_line (const char *line, size_t len, long gmtoff, char *out, size_t size)
{
    //  "L: " then, if czmq has a log ident, "(ident) "
    size_t at = 3;
    if (len > at && line [1] == ':' && line [2] == ' ' && line [at] == '(') {
        const char *close = memchr (line + at, ')', len - at);
        at = close && close + 1 < line + len && close [1] == ' ' ? (size_t) (close - line) + 2 : 0;
    }
    if (len < 3 || line [1] != ':' || line [2] != ' ' || !at
    ||  !s_czmq_stamp (line + at, len - at))
        return (size_t) snprintf (out, size, "%.*s", (int) len, line);
    //  The stamp's century is the current one: the line was written now.
    //  Offsets are within a day: the hours take two digits
    char zone [24] = "Z";
    long east = labs (gmtoff) % 86400;
    if (east)
        snprintf (zone, sizeof (zone), "%c%02ld:%02ld", gmtoff < 0 ? '-' : '+',
                  east / 3600, east % 3600 / 60);
    const char *s = line + at;
    int n = snprintf (out, size, "%.*s20%.8sT%.8s%s%.*s", (int) at, line, s, s + 9, zone,
                      (int) (len - at - 17), s + 17);
    return n < 0 ? 0 : (size_t) n < size ? (size_t) n : size - 1;
}

//  The cookie: the sink, and whether the next byte starts a line.
typedef struct {
    FILE *sink;
    bool line_start;
} s_cookie_t;

static ssize_t
s_write (void *cookie, const char *buf, size_t size)
{
    s_cookie_t *self = (s_cookie_t *) cookie;
    time_t now = time (NULL);
    struct tm tm;
    long gmtoff = localtime_r (&now, &tm) ? tm.tm_gmtoff : 0;
    size_t done = 0;
    while (done < size) {
        const char *nl = memchr (buf + done, '\n', size - done);
        size_t len = nl ? (size_t) (nl - (buf + done)) + 1 : size - done;
        char line [1200];
        //  czmq's lines are at most 1,024 bytes: a longer piece, or the
        //  rest of a line cut by the stream's buffer, goes out as it is.
        if (self->line_start && len + 16 < sizeof (line)) {
            size_t n = cb_logtime_line (buf + done, len, gmtoff, line, sizeof (line));
            fwrite (line, 1, n, self->sink);
        }
        else
            fwrite (buf + done, 1, len, self->sink);
        self->line_start = nl != NULL;
        done += len;
    }
    fflush (self->sink);
    return (ssize_t) size;
}

static int
s_close (void *cookie)
{
    free (cookie);
    return 0;
}

//  czmq's own fork handler gives a child process (the store check runs in
//  one) the default log stream again: ours runs after it and sets ours.
static FILE *s_stream;

static void
s_atfork_child (void)
{
    if (s_stream)
        zsys_set_logstream (s_stream);
}

FILE *
cb_logtime_stream (FILE *sink)
{
    s_cookie_t *self = (s_cookie_t *) calloc (1, sizeof (s_cookie_t));
    if (!self)
        return NULL;
    self->sink = sink;
    self->line_start = true;
    cookie_io_functions_t io = { .read = NULL, .write = s_write, .seek = NULL, .close = s_close };
    FILE *stream = fopencookie (self, "w", io);
    if (!stream) {
        free (self);
        return NULL;
    }
    //  A line at a time, so the sink gets each line as it is logged.
    setvbuf (stream, NULL, _IOLBF, 4096);
    static bool registered;
    if (!registered && pthread_atfork (NULL, NULL, s_atfork_child) == 0)
        registered = true;
    s_stream = stream;
    return stream;
}
