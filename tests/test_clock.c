/*  =========================================================================
    test_clock - the broker's time source (server/clock.c)

    Covers: the two spellings a clock file may hold, and what is refused
    (an impossible date, a local time, trailing words); a file clock
    stands still until the file changes, follows it when it does (written
    in place or renamed into place), and never goes back; a file with no
    time is refused at the start and ignored, with the time kept, later;
    the wall clock without a file.
    =========================================================================
*/
#include <czmq.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "testutil.h"

static void
s_write (const char *path, const char *text)
{
    char aside [300];
    snprintf (aside, sizeof (aside), "%s.new", path);
    FILE *out = fopen (aside, "w");
    REQUIRE (out);
    fputs (text, out);
    fclose (out);
    REQUIRE (rename (aside, path) == 0);
}

int
main (void)
{
    //  Spellings
    CHECK_INT (cb_clock_parse ("0"), 0);
    CHECK_INT (cb_clock_parse ("1799053200000\n"), 1799053200000LL);
    CHECK_INT (cb_clock_parse ("2027-01-04T09:00:00Z"), 1799053200000LL);
    CHECK_INT (cb_clock_parse (" 2027-01-04T09:00:00.5Z\n"), 1799053200500LL);
    CHECK_INT (cb_clock_parse ("2027-01-04T09:00:00.123456Z"), 1799053200123LL);
    CHECK_INT (cb_clock_parse ("2027-02-30T09:00:00Z"), -1);
    CHECK_INT (cb_clock_parse ("2027-01-04T09:00:00"), -1);
    CHECK_INT (cb_clock_parse ("2027-01-04T09:00:00+01:00"), -1);
    CHECK_INT (cb_clock_parse ("2027-01-04T09:00:00.Z"), -1);
    CHECK_INT (cb_clock_parse ("12 o'clock"), -1);
    CHECK_INT (cb_clock_parse (""), -1);

    //  The wall clock
    char error [256] = "";
    cb_clock_t *wall = cb_clock_new (NULL, error, sizeof (error));
    REQUIRE (wall);
    CHECK (!cb_clock_is_file (wall));
    int64_t before = zclock_time ();
    int64_t now = cb_clock_now (wall);
    CHECK (now >= before && now <= zclock_time ());
    cb_clock_destroy (&wall);
    CHECK (wall == NULL);

    char dir [] = "/tmp/test_clock.XXXXXX";
    REQUIRE (mkdtemp (dir));
    char path [256];
    snprintf (path, sizeof (path), "%s/clock", dir);

    //  No file, or one with no time: refused, said why
    cb_clock_t *clock = cb_clock_new (path, error, sizeof (error));
    CHECK (clock == NULL);
    CHECK (strstr (error, "No such file"));
    s_write (path, "soon");
    clock = cb_clock_new (path, error, sizeof (error));
    CHECK (clock == NULL);
    CHECK (strstr (error, "holds no time"));

    //  Stands still, then follows the file
    s_write (path, "2027-01-04T09:00:00Z");
    clock = cb_clock_new (path, error, sizeof (error));
    REQUIRE (clock);
    CHECK (cb_clock_is_file (clock));
    CHECK_INT (cb_clock_now (clock), 1799053200000LL);
    CHECK_INT (cb_clock_now (clock), 1799053200000LL);
    s_write (path, "2027-01-11T09:00:00Z");
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 7 * 86400000LL);
    //  Written in place (same inode, new size)
    FILE *out = fopen (path, "w");
    REQUIRE (out);
    fprintf (out, "%lld\n", 1799053200000LL + 8 * 86400000LL);
    fclose (out);
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 8 * 86400000LL);

    //  Written in place with the same length and the same modification
    //  time (as two writes within the kernel's mtime tick look): seen
    struct stat st;
    REQUIRE (stat (path, &st) == 0);
    out = fopen (path, "w");
    REQUIRE (out);
    fprintf (out, "%lld\n", 1799053200000LL + 8 * 86400000LL + 60000);
    fclose (out);
    struct timespec times [2] = { st.st_atim, st.st_mtim };
    REQUIRE (utimensat (AT_FDCWD, path, times, 0) == 0);
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 8 * 86400000LL + 60000);

    //  Never back; nonsense keeps the time
    s_write (path, "2027-01-04T09:00:00Z");
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 8 * 86400000LL + 60000);
    s_write (path, "tomorrow");
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 8 * 86400000LL + 60000);
    s_write (path, "2027-01-13T09:00:00Z");
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 9 * 86400000LL);
    cb_clock_destroy (&clock);

    //  A restart on the same file starts where the file says
    clock = cb_clock_new (path, error, sizeof (error));
    REQUIRE (clock);
    CHECK_INT (cb_clock_now (clock), 1799053200000LL + 9 * 86400000LL);
    cb_clock_destroy (&clock);

    unlink (path);
    rmdir (dir);
    return TEST_DONE ();
}
