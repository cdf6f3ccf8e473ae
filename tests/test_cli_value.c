/*  =========================================================================
    test_cli_value - how the command line writes numbers and times

    - cli_number: integers plainly, floats exactly in the fewest digits
      that read back to the same double (1234567.5, not %g's 1.23457e+06),
      round floats without a decimal point, non-numbers as 0;
    - cli_time: ISO 8601, local with its offset for people, UTC with Z for
      reports, the time of day for the console, in a zone that is not UTC
      (and one with a half-hour offset, so an offset written without its
      minutes would show);
    - the renderers use them: a draft's key result of 1234567.5 shows as
      such in `draft show`, and its revision's time in local ISO 8601.

    It never sleeps.
    =========================================================================
*/
#include <czmq.h>
#include <math.h>
#include <time.h>

#include "cli.h"
#include "testutil.h"

//  2026-11-25 00:00 UTC
#define S_DAY 1795564800000LL

static const char *
s_float (double d, char *buf, size_t size)
{
    cb_value_t *v = cb_value_new_float (d);
    cli_number (v, buf, size);
    cb_value_destroy (&v);
    return buf;
}

static void
s_test_number (void)
{
    char buf [CLI_NUMBER_MAX];
    CHECK_STR (s_float (1234567.5, buf, sizeof (buf)), "1234567.5");
    CHECK_STR (s_float (0.1, buf, sizeof (buf)), "0.1");
    CHECK_STR (s_float (0.25, buf, sizeof (buf)), "0.25");
    CHECK_STR (s_float (-3.75, buf, sizeof (buf)), "-3.75");
    CHECK_STR (s_float (60.0, buf, sizeof (buf)), "60");
    CHECK_STR (s_float (1e15, buf, sizeof (buf)), "1000000000000000");
    CHECK_STR (s_float (1e-7, buf, sizeof (buf)), "1e-07");
    //  Needs 17 digits: 15 would read back as another double.
    CHECK_STR (s_float (0.1 + 0.2, buf, sizeof (buf)), "0.30000000000000004");
    CHECK_STR (s_float (1.0 / 3.0, buf, sizeof (buf)), "0.3333333333333333");
    //  Every one reads back to the same double.
    double samples [] = { 1234567.5, 0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 123456789.123456789,
                          5e-324, 1.7976931348623157e308, 9.9e18, -0.001 };
    for (size_t i = 0; i < sizeof (samples) / sizeof (samples [0]); i++)
        CHECK (strtod (s_float (samples [i], buf, sizeof (buf)), NULL) == samples [i]);

    cb_value_t *v = cb_value_new_int (-42);
    CHECK_STR (cli_number (v, buf, sizeof (buf)), "-42");
    cb_value_destroy (&v);
    v = cb_value_new_int (INT64_MAX);
    CHECK_STR (cli_number (v, buf, sizeof (buf)), "9223372036854775807");
    cb_value_destroy (&v);
    v = cb_value_new_str ("ten");
    CHECK_STR (cli_number (v, buf, sizeof (buf)), "0");
    cb_value_destroy (&v);
    CHECK_STR (cli_number (NULL, buf, sizeof (buf)), "0");
    CHECK_STR (cli_number_double (2.5, buf, sizeof (buf)), "2.5");
}

static void
s_test_time (void)
{
    char buf [CLI_TIME_MAX];
    int64_t t = S_DAY + (9 * 60 + 41) * 60000LL + 7000;     //  09:41:07 UTC
    //  IST-5:30 (set in main): local is UTC + 5:30.
    CHECK_STR (cli_time (t, CLI_TIME_UTC, buf, sizeof (buf)), "2026-11-25T09:41Z");
    CHECK_STR (cli_time (t, CLI_TIME_LOCAL, buf, sizeof (buf)), "2026-11-25T15:11+05:30");
    CHECK_STR (cli_time (t, CLI_TIME_CLOCK, buf, sizeof (buf)), "15:11:07");
    //  Across midnight in local time, not in UTC.
    int64_t late = S_DAY + 20 * 3600000LL;
    CHECK_STR (cli_time (late, CLI_TIME_UTC, buf, sizeof (buf)), "2026-11-25T20:00Z");
    CHECK_STR (cli_time (late, CLI_TIME_LOCAL, buf, sizeof (buf)), "2026-11-26T01:30+05:30");
    //  West of Greenwich, the offset is negative.
    setenv ("TZ", "EST5", 1);
    tzset ();
    CHECK_STR (cli_time (t, CLI_TIME_LOCAL, buf, sizeof (buf)), "2026-11-25T04:41-05:00");
    CHECK_STR (cli_time (t, CLI_TIME_UTC, buf, sizeof (buf)), "2026-11-25T09:41Z");
    setenv ("TZ", "IST-5:30", 1);
    tzset ();
}

//  draft show of a draft whose key result has a large fractional target.
static void
s_test_render_draft (void)
{
    cb_value_t *reply = cb_value_new_map ();
    cb_value_t *draft = cb_value_new_map ();
    cb_value_set_str (draft, "id", "d1");
    cb_value_set_str (draft, "state", "draft");
    cb_value_set_int (draft, "head", 1);
    cb_value_set_int (draft, "revs", 1);
    cb_value_set (reply, "draft", &draft);
    cb_value_t *kr = cb_value_new_map ();
    cb_value_set_str (kr, "id", "kr1");
    cb_value_set_str (kr, "text", "Revenue");
    cb_value_t *n = cb_value_new_float (0.1);
    cb_value_set (kr, "baseline", &n);
    n = cb_value_new_float (1234567.5);
    cb_value_set (kr, "target", &n);
    cb_value_t *krs = cb_value_new_array ();
    cb_value_push (krs, &kr);
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "objective", "Grow");
    cb_value_set (content, "key_results", &krs);
    cb_value_t *rev = cb_value_new_map ();
    cb_value_set_int (rev, "rev", 1);
    cb_value_set_int (rev, "time", S_DAY);
    cb_value_set_str (rev, "author", "team-a");
    cb_value_set (rev, "content", &content);
    cb_value_set (reply, "revision", &rev);

    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    cli_render_init (false);
    cli_render_draft (out, reply);
    fclose (out);
    CHECK (strstr (text, "kr1  Revenue: 0.1 -> 1234567.5\n"));
    CHECK (strstr (text, "by team-a, 2026-11-25T05:30+05:30\n"));
    CHECK (!strstr (text, "e+06"));
    free (text);
    cb_value_destroy (&reply);
}

int
main (void)
{
    //  A local time zone that is not UTC, with a half-hour offset (a POSIX
    //  rule, no tzdata needed).
    setenv ("TZ", "IST-5:30", 1);
    tzset ();
    s_test_number ();
    s_test_time ();
    s_test_render_draft ();
    return TEST_DONE ();
}
