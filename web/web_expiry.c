/*  =========================================================================
    web_expiry - sessions end by themselves: an idle and an absolute lifetime

    A session cookie left in a browser at the event (a shared laptop, a
    lost phone) must not speak for its node for ever. A session ends when
    it has not been used for the idle lifetime, or when it is older than
    the absolute one, whichever comes first; then its file goes, and the
    person joins again with a new link.

    Both times are the session file's own (web_tokens.c writes it once):
    its modification time is when it was made, and its access time when
    it was last used, which web_session_expired sets itself (utimensat, at
    most once a minute, so a page's requests are not a write each). An
    open live page uses its session every few seconds, so a board on the
    projector stays joined however long the event. Nothing to migrate:
    the files as they were already hold both. A test back-dates the times
    (os.utime) instead of waiting.

    Reading a session's file must not move its access time, which the
    kernel would do now and then (relatime: after a change of the file's
    status, or once a day), so web_tokens.c reads it with O_NOATIME.

    The serving gateway keeps its lifetimes in DIR/session-lifetimes for
    `sessions` and `revoke`, which then leave out (and remove) what has
    expired, with the same lifetimes whatever options they were given.
    =========================================================================
*/
#define _GNU_SOURCE             //  O_NOATIME
#include <czmq.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "web.h"

//  A session's access time is written when it is older than this.
#define S_TOUCH_S       60

static int64_t s_idle = WEB_SESSION_IDLE;
static int64_t s_max = WEB_SESSION_MAX;

int
web_session_lifetimes (int64_t idle, int64_t max, char *why, size_t why_size)
{
    //  Less than two minutes is shorter than the access time's precision.
    if (idle < 2 * S_TOUCH_S || max < idle) {
        snprintf (why, why_size, "session lifetimes: idle %llds, max %llds: the idle one "
                  "must be 2 minutes or more, and no longer than the max",
                  (long long) idle, (long long) max);
        return -1;
    }
    s_idle = idle;
    s_max = max;
    return 0;
}

int64_t
web_duration (const char *text)
{
    char *end = NULL;
    long long value = text ? strtoll (text, &end, 10) : -1;
    if (!text || end == text || value < 0 || value > 100000000)
        return -1;
    int64_t unit = streq (end, "") || streq (end, "s") ? 1 : streq (end, "m") ? 60
                 : streq (end, "h") ? 3600 : streq (end, "d") ? 86400 : 0;
    return unit ? value * unit : -1;
}

bool
web_session_expired (const char *path, bool use)
{
    struct stat st;
    if (stat (path, &st))
        return true;            //  Gone: revoked, or never made
    time_t now = time (NULL);
    if (now - st.st_mtime > s_max || now - st.st_atime > s_idle) {
        unlink (path);
        return true;
    }
    if (use && now - st.st_atime >= S_TOUCH_S) {
        struct timespec times [2] = { { now, 0 }, { 0, UTIME_OMIT } };
        utimensat (AT_FDCWD, path, times, 0);
    }
    return false;
}

int
web_session_lifetimes_save (const char *dir, char *why, size_t why_size)
{
    char path [4200], temp [4200];
    snprintf (path, sizeof (path), "%s/session-lifetimes", dir);
    snprintf (temp, sizeof (temp), "%s/session-lifetimes.new", dir);
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (why, why_size, "cannot make %s: %s", dir, strerror (errno));
        return -1;
    }
    FILE *file = fopen (temp, "w");
    bool written = file && fprintf (file, "%lld %lld\n", (long long) s_idle,
                                    (long long) s_max) > 0;
    if (!file || fclose (file) || !written || rename (temp, path)) {
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (errno));
        unlink (temp);
        return -1;
    }
    return 0;
}

FILE *
web_expiry_fopen (const char *path)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOATIME);
    //  O_NOATIME is for the file's owner only; others read it the usual way.
    if (fd < 0 && errno == EPERM)
        fd = open (path, O_RDONLY | O_CLOEXEC);
    FILE *file = fd < 0 ? NULL : fdopen (fd, "r");
    if (!file && fd >= 0)
        close (fd);
    return file;
}

void
web_session_lifetimes_load (const char *dir)
{
    char path [4200], why [256];
    snprintf (path, sizeof (path), "%s/session-lifetimes", dir);
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    long long idle, max;
    if (fscanf (file, "%lld %lld", &idle, &max) == 2)
        web_session_lifetimes (idle, max, why, sizeof (why));
    fclose (file);
}
