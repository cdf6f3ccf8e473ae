/*  =========================================================================
    cli_value - numbers and times as the command line writes them

    One place for both, so that the draft, the report, the graph and the
    console agree: a key result's target of 1234567.5 is 1234567.5 in each
    of them (not 1.23457e+06), and a time says which zone it is in.
    =========================================================================
*/
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli_value.h"

//  --------------------------------------------------------------------------
//  A double exactly, in the fewest digits that read back to it

const char *
cli_number_double (double number, char *buf, size_t size)
{
    //  Integers print whole: %.17g would write 1e+15 for a round
    //  quadrillion, and people read targets, not exponents.
    if (isfinite (number) && number == floor (number) && fabs (number) < 9.2e18) {
        snprintf (buf, size, "%lld", (long long) number);
        return buf;
    }
    //  15 significant digits are always exact for a decimal that came in
    //  as text; 16 and 17 cover the doubles that need them.
    for (int precision = 15; precision <= 17; precision++) {
        snprintf (buf, size, "%.*g", precision, number);
        if (strtod (buf, NULL) == number || !isfinite (number))
            break;
    }
    return buf;
}

//  --------------------------------------------------------------------------
//  A number value exactly

const char *
cli_number (const cb_value_t *value, char *buf, size_t size)
{
    if (cb_value_type (value) == CB_FLOAT)
        return cli_number_double (cb_value_float (value), buf, size);
    snprintf (buf, size, "%lld", (long long) cb_value_int (value));
    return buf;
}

//  --------------------------------------------------------------------------
//  A time in ISO 8601

const char *
cli_time (int64_t ms, cli_time_zone_t zone, char *buf, size_t size)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (zone == CLI_TIME_UTC) {
        gmtime_r (&t, &tm);
        strftime (buf, size, "%Y-%m-%dT%H:%MZ", &tm);
        return buf;
    }
    localtime_r (&t, &tm);
    if (zone == CLI_TIME_CLOCK) {
        strftime (buf, size, "%H:%M:%S", &tm);
        return buf;
    }
    //  %z writes +0100; ISO 8601's extended form, which the date and time
    //  use, writes the offset as +01:00.
    char offset [8];
    strftime (offset, sizeof (offset), "%z", &tm);
    char stamp [24];
    strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M", &tm);
    snprintf (buf, size, "%s%.3s:%.2s", stamp, offset, offset + 3);
    return buf;
}

bool
cli_has (const cb_value_t *array, const char *name)
{
    for (size_t i = 0; i < cb_value_size (array); i++) {
        const char *s = cb_value_str (cb_value_at (array, i));
        if (s && strcmp (s, name) == 0)
            return true;
    }
    return false;
}
