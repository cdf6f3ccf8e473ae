/*  =========================================================================
    cli_progress - where a key result stands, from its check-ins

    See cli_progress.h. `catchball progress` (cli_checkin.c) and the
    facilitator console (cli_console_state.c, cli_console_view.c) both
    call these, so that a key result reads the same in the terminal and on
    the projector: the same share, to the same tenth, the same trend and
    the same age.
    =========================================================================
*/
#include <math.h>

#include "cli.h"
#include "cli_progress.h"

bool
cli_checkin_about (const cb_value_t *checkin, const char *draft, const char *kr)
{
    return (streq (cli_str (checkin, "draft"), draft) && streq (cli_str (checkin, "kr"), kr))
        || (streq (cli_str (checkin, "shared_draft"), draft)
            && streq (cli_str (checkin, "shared_kr"), kr));
}

//  --------------------------------------------------------------------------
//  One key result's progress

cb_value_t *
cli_progress_kr (const char *draft, const cb_value_t *kr, const cb_value_t *checkins,
                 int64_t now)
{
    cb_value_t *p = cb_value_new_map ();
    cb_value_set_str (p, "draft", draft);
    cb_value_set_str (p, "kr", cli_str (kr, "id"));
    cb_value_set_str (p, "text", cli_str (kr, "text"));
    cb_value_set_str (p, "unit", cli_str (kr, "unit"));
    const cb_value_t *baseline = cb_value_get (kr, "baseline");
    const cb_value_t *target = cb_value_get (kr, "target");
    cb_value_t *copy = baseline ? cb_value_dup (baseline) : cb_value_new_nil ();
    cb_value_set (p, "baseline", &copy);
    copy = target ? cb_value_dup (target) : cb_value_new_nil ();
    cb_value_set (p, "target", &copy);
    cb_value_t *trend = cb_value_new_array ();
    const cb_value_t *last = NULL;
    for (size_t i = 0; i < cb_value_size (checkins); i++) {
        const cb_value_t *c = cb_value_at (checkins, i);
        if (!cli_checkin_about (c, draft, cli_str (kr, "id")))
            continue;
        cb_value_t *confidence = cb_value_new_int (cli_int (c, "confidence"));
        cb_value_push (trend, &confidence);
        last = c;
    }
    cb_value_set_int (p, "checkins", (int64_t) cb_value_size (trend));
    cb_value_set (p, "confidence", &trend);
    copy = last ? cb_value_dup (cb_value_get (last, "value")) : cb_value_new_nil ();
    cb_value_set (p, "current", &copy);
    //  No share without a baseline, a check-in, or a way to go (a target
    //  equal to the baseline): none is better than a division by zero.
    if (last && cb_value_is_number (baseline) && cb_value_is_number (target)
    &&  cb_value_float (target) != cb_value_float (baseline)) {
        double from = cb_value_float (baseline);
        cb_value_t *share = cb_value_new_float ((cb_value_float (cb_value_get (last, "value"))
                                                 - from) / (cb_value_float (target) - from));
        cb_value_set (p, "share", &share);
    }
    else
        cb_value_set_nil (p, "share");
    if (last) {
        cb_value_set_str (p, "last", cli_str (last, "id"));
        cb_value_set_str (p, "last_by", cli_str (last, "author"));
        cb_value_set_int (p, "last_time", cli_int (last, "time"));
        cb_value_set_int (p, "age_ms", now - cli_int (last, "time"));
    }
    else {
        cb_value_set_nil (p, "last");
        cb_value_set_nil (p, "age_ms");
    }
    return p;
}

//  --------------------------------------------------------------------------
//  Writing it for people

const char *
cli_progress_percent (const cb_value_t *share, char *buf, size_t size)
{
    if (!cb_value_is_number (share)) {
        snprintf (buf, size, "-");
        return buf;
    }
    //  To a tenth: 1/3 reads 33.3%, not 33.33333333333333%.
    char number [CLI_NUMBER_MAX];
    snprintf (buf, size, "%s%%",
              cli_number_double (round (cb_value_float (share) * 1000) / 10, number,
                                 sizeof (number)));
    return buf;
}

const char *
cli_progress_trend (const cb_value_t *confidence, char *buf, size_t size)
{
    //  From the end backwards, as many as fit (keeping room for "... -> "
    //  in front while some are left): the latest matter most.
    size_t count = cb_value_size (confidence), first = count, need = 0;
    while (first > 0) {
        char one [24];
        size_t item = (size_t) snprintf (one, sizeof (one), "%lld", (long long) cb_value_int (
                                             cb_value_at (confidence, first - 1)))
                    + (first < count ? 4 : 0);
        if (need + item + (first > 1 ? 7 : 0) + 1 > size)
            break;
        need += item;
        first--;
    }
    size_t len = 0;
    buf [0] = 0;
    if (first > 0)
        len += (size_t) snprintf (buf, size, "... -> ");
    for (size_t i = first; i < count && len < size; i++)
        len += (size_t) snprintf (buf + len, size - len, "%s%lld", i > first ? " -> " : "",
                                  (long long) cb_value_int (cb_value_at (confidence, i)));
    return buf;
}

const char *
cli_progress_sparkline (const cb_value_t *confidence, char *buf, size_t size)
{
    static const char *const bars [] = { "▁", "▂", "▃", "▅", "▆", "█" };
    size_t count = cb_value_size (confidence), bar = strlen (bars [0]);
    //  The latest ones if they do not all fit.
    size_t first = count > (size - 1) / bar ? count - (size - 1) / bar : 0;
    size_t len = 0;
    buf [0] = 0;
    for (size_t i = first; i < count; i++) {
        int64_t level = cb_value_int (cb_value_at (confidence, i));
        len += (size_t) snprintf (buf + len, size - len, "%s",
                                  bars [level < 0 ? 0 : level > 5 ? 5 : level]);
    }
    return buf;
}

const char *
cli_progress_age (int64_t ms, char *buf, size_t size)
{
    int64_t m = ms / 60000, h = m / 60, days = h / 24;
    if (ms < 60000)
        snprintf (buf, size, "just now");
    else
    if (days)
        snprintf (buf, size, "%lldd %lldh ago", (long long) days, (long long) (h % 24));
    else
    if (h)
        snprintf (buf, size, "%lldh %lldm ago", (long long) h, (long long) (m % 60));
    else
        snprintf (buf, size, "%lldm ago", (long long) m);
    return buf;
}

int64_t
cli_progress_clock_offset (int64_t broker_time, int64_t sent, int64_t received)
{
    return broker_time - (sent + (received - sent) / 2);
}
