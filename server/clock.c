/*  =========================================================================
    cb_clock - the broker's time: the wall clock, or a file's (for tests)

    See clock.h. The file is looked at on every reading: a test writes the
    new time aside and renames it into place, or writes it in place;
    either is seen (a same-length write within the kernel's mtime tick
    too: its text is compared).
    =========================================================================
*/
#define _GNU_SOURCE
#include <czmq.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"

struct _cb_clock_t {
    char *file;                 //  The file, or NULL: the wall clock
    int64_t now;                //  The file's time, as last read
    int64_t last_read;          //  What the file said then (may be before now)
    struct stat seen;           //  The file as it was then
};

int64_t
cb_clock_parse (const char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    const char *s = text;
    if (isdigit ((unsigned char) *s)) {
        int64_t ms = 0;
        while (isdigit ((unsigned char) *s) && ms < INT64_MAX / 100)
            ms = ms * 10 + (*s++ - '0');
        const char *rest = s;
        while (isspace ((unsigned char) *rest))
            rest++;
        if (!*rest)
            return ms;
    }
    struct tm tm = { 0 };
    s = strptime (text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!s)
        return -1;
    int month = tm.tm_mon, day = tm.tm_mday;
    int64_t ms = 0;
    if (*s == '.') {
        s++;
        int digits = 0;
        for (; isdigit ((unsigned char) *s); s++, digits++)
            if (digits < 3)
                ms = ms * 10 + (*s - '0');
        if (digits == 0)
            return -1;
        for (; digits < 3; digits++)
            ms *= 10;
    }
    if (*s++ != 'Z')
        return -1;
    while (isspace ((unsigned char) *s))
        s++;
    time_t t = timegm (&tm);
    //  timegm normalises 2027-02-30 into March: refuse it
    if (*s || t == (time_t) -1 || t < 0 || tm.tm_mon != month || tm.tm_mday != day)
        return -1;
    return (int64_t) t * 1000 + ms;
}

//  The time in the file now; -1 if it cannot be read or holds none.
static int64_t
s_read (const char *file, struct stat *st, char *error, size_t size)
{
    FILE *in = fopen (file, "r");
    if (!in || fstat (fileno (in), st)) {
        snprintf (error, size, "%s: %s", file, strerror (errno));
        if (in)
            fclose (in);
        return -1;
    }
    char text [64] = "";
    size_t n = fread (text, 1, sizeof (text) - 1, in);
    fclose (in);
    text [n] = 0;
    int64_t t = cb_clock_parse (text);
    if (t < 0)
        snprintf (error, size, "%s: holds no time (milliseconds since 1970, or "
                  "UTC ISO 8601 like 2027-01-04T09:00:00Z)", file);
    return t;
}

cb_clock_t *
cb_clock_new (const char *file, char *error, size_t size)
{
    cb_clock_t *self = (cb_clock_t *) zmalloc (sizeof (cb_clock_t));
    if (file) {
        self->now = self->last_read = s_read (file, &self->seen, error, size);
        if (self->now < 0) {
            free (self);
            return NULL;
        }
        self->file = strdup (file);
    }
    return self;
}

void
cb_clock_destroy (cb_clock_t **self_p)
{
    if (!*self_p)
        return;
    free ((*self_p)->file);
    free (*self_p);
    *self_p = NULL;
}

bool
cb_clock_is_file (cb_clock_t *self)
{
    return self->file != NULL;
}

static bool
s_changed (const struct stat *a, const struct stat *b)
{
    return a->st_ino != b->st_ino || a->st_size != b->st_size
        || a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

int64_t
cb_clock_now (cb_clock_t *self)
{
    if (!self->file)
        return zclock_time ();
    //  Read whenever it may have changed: a new inode, size or time, or
    //  a file written in place within the clock's tick (the kernel's
    //  mtime is coarse: two same-length writes 1 ms apart look alike),
    //  which only its text tells; it is a few bytes, for tests only.
    struct stat st;
    if (stat (self->file, &st))
        return self->now;
    if (!s_changed (&st, &self->seen)) {
        char error [256];
        struct stat again;
        int64_t t = s_read (self->file, &again, error, sizeof (error));
        if (t < 0 || t == self->last_read)
            return self->now;
    }
    char error [256];
    int64_t t = s_read (self->file, &st, error, sizeof (error));
    //  Seen, whatever it says: one warning per change, not per reading
    self->seen = st;
    self->last_read = t;
    if (t < 0)
        zsys_warning ("clock: %s; the time stays %lld", error, (long long) self->now);
    else
    if (t < self->now)
        zsys_warning ("clock: %s says %lld, before %lld: the time never goes back",
                      self->file, (long long) t, (long long) self->now);
    else {
        if (t > self->now)
            zsys_info ("clock: %lld (+%lld ms, from %s)", (long long) t,
                       (long long) (t - self->now), self->file);
        self->now = t;
    }
    return self->now;
}
