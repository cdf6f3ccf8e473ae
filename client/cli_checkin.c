/*  =========================================================================
    cli_checkin - after finalize: cycles, check-ins and progress (issue 14,
    items 1 and 2)

    catchball cycle new C --start DATE --end DATE [--cadence DAYS]
    catchball cycle close C, catchball cycle show C
    catchball checkin D KR --value N --confidence 0-5 [--note TEXT]
    catchball progress [--cycle C | --draft D]

    progress reads the drafts (draft.show for their head's key results) and
    their check-ins (checkin.list, every page) and works out, per key
    result, what a team would otherwise do on a spreadsheet: where it
    started, where it is (the last check-in), where it goes, the share of
    the way covered (also when the target is below the baseline: fewer
    incidents), how confidence moved, and how old the last check-in is,
    computed by cli_progress as the facilitator console does. Ages are
    against the broker's clock (a ping), not this machine's. Numbers are
    printed exactly (cli_number): 0.1 stays 0.1.
    =========================================================================
*/
#include <math.h>

#include "cli_cmd.h"

//  --------------------------------------------------------------------------
//  cycle new C --start DATE --end DATE [--cadence DAYS]; close; show

//  YYYY-MM-DD as ms since the epoch at that day's start (UTC), plus `days`
//  days: 0, or -1 if it is no such date.
static int
s_date (const char *text, int days, int64_t *ms)
{
    struct tm tm = { 0 };
    char *end = text ? strptime (text, "%Y-%m-%d", &tm) : NULL;
    if (!end || *end)
        return -1;
    int month = tm.tm_mon, day = tm.tm_mday;
    time_t t = timegm (&tm);
    if (t == (time_t) -1 || tm.tm_mon != month || tm.tm_mday != day)
        return -1;              //  2027-02-30 normalised into March
    *ms = ((int64_t) t + (int64_t) days * 86400) * 1000;
    return 0;
}

static void
s_render_cycle (FILE *out, const cb_value_t *reply)
{
    const cb_value_t *c = cb_value_get_map (reply, "cycle");
    char start [CLI_TIME_MAX], end [CLI_TIME_MAX];
    fprintf (out, "cycle %s: %s, from %s until %s, check-ins every %lld days; created by %s",
             cli_str (c, "name"), cli_str (c, "state"),
             cli_time (cli_int (c, "start"), CLI_TIME_UTC, start, sizeof (start)),
             cli_time (cli_int (c, "end"), CLI_TIME_UTC, end, sizeof (end)),
             (long long) cli_int (c, "cadence_days"), cli_str (c, "created_by"));
    if (*cli_str (c, "closed_by"))
        fprintf (out, ", closed by %s", cli_str (c, "closed_by"));
    fprintf (out, "\n");
}

static int
s_cycle_new (cli_t *cli, cli_args_t *a)
{
    int64_t start, end, cadence = 0;
    //  The last day is the cycle's: it ends when the day after begins.
    if (s_date (a->o [CLI_O_START], 0, &start) || s_date (a->o [CLI_O_END], 1, &end))
        return cli_fail_usage ("%s: --start and --end take dates, like 2027-01-01",
                               "cycle new");
    if (a->o [CLI_O_CADENCE] && cli_int_arg (a->o [CLI_O_CADENCE], &cadence))
        return cli_fail_usage ("cycle new: --cadence takes a number of days, not '%s'",
                               a->o [CLI_O_CADENCE]);
    cb_value_t *body = cli_body ("name", a->argv [0]);
    cb_value_set_int (body, "start", start);
    cb_value_set_int (body, "end", end);
    if (a->o [CLI_O_CADENCE])
        cb_value_set_int (body, "cadence_days", cadence);
    return cli_send (cli, "cycle.new", &body, s_render_cycle, NULL);
}

static void
s_render_cycles (FILE *out, const cb_value_t *reply)
{
    cb_value_t *cycles = cb_value_get_array (reply, "cycles");
    if (!cb_value_size (cycles))
        fprintf (out, "no cycles with dates (catchball cycle new creates one)\n");
    for (size_t i = 0; i < cb_value_size (cycles); i++) {
        cb_value_t *one = cb_value_new_map ();
        cb_value_t *copy = cb_value_dup (cb_value_at (cycles, i));
        cb_value_set (one, "cycle", &copy);
        s_render_cycle (out, one);
        cb_value_destroy (&one);
    }
}

static int
s_cycle_list (cli_t *cli, cli_args_t *a)
{
    (void) a;
    cb_value_t *body = cb_value_new_map ();
    return cli_send (cli, "cycle.list", &body, s_render_cycles, NULL);
}

static int
s_cycle_close (cli_t *cli, cli_args_t *a)
{
    return cli_send_one (cli, "cycle.close", "cycle", a->argv [0], s_render_cycle, NULL);
}

static int
s_cycle_show (cli_t *cli, cli_args_t *a)
{
    return cli_send_one (cli, "cycle.show", "cycle", a->argv [0], s_render_cycle, NULL);
}

//  --------------------------------------------------------------------------
//  checkin D KR --value N --confidence 0-5 [--note TEXT]

static int
s_checkin (cli_t *cli, cli_args_t *a)
{
    const char *value = a->o [CLI_O_VALUE], *confidence = a->o [CLI_O_CONFIDENCE];
    int64_t n, c;
    char *end = NULL;
    double d = value ? strtod (value, &end) : 0;
    if (!value || !*value || *end || !isfinite (d))
        return cli_fail_usage ("checkin: --value takes a number, like 42 or 0.5, not '%s'",
                               value ? value : "");
    if (!confidence || cli_int_arg (confidence, &c))
        return cli_fail_usage ("%s: --confidence 0-5 is required", "checkin");
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set_str (body, "kr", a->argv [1]);
    //  An integer goes as one, so that it reads back as it was written.
    if (cli_int_arg (value, &n) == 0)
        cb_value_set_int (body, "value", n);
    else {
        cb_value_t *v = cb_value_new_float (d);
        cb_value_set (body, "value", &v);
    }
    cb_value_set_int (body, "confidence", c);
    if (a->o [CLI_O_NOTE])
        cb_value_set_str (body, "note", a->o [CLI_O_NOTE]);
    return cli_send (cli, "checkin.new", &body, NULL, "checked in %s on %s %s", "id", "draft",
                     "kr");
}

//  --------------------------------------------------------------------------
//  progress [--cycle C | --draft D]

static void
s_render_progress (FILE *out, const cb_value_t *reply)
{
    cb_value_t *list = cb_value_get_array (reply, "progress");
    if (!cb_value_size (list))
        fprintf (out, "no final drafts here: progress follows finalize\n");
    const char *draft = "";
    for (size_t i = 0; i < cb_value_size (list); i++) {
        const cb_value_t *p = cb_value_at (list, i);
        if (!streq (draft, cli_str (p, "draft"))) {
            draft = cli_str (p, "draft");
            fprintf (out, "%s%s\n", i ? "\n" : "", draft);
        }
        char b [CLI_NUMBER_MAX], c [CLI_NUMBER_MAX], t [CLI_NUMBER_MAX];
        const char *unit = cli_str (p, "unit");
        fprintf (out, "  %s %s\n", cli_str (p, "kr"), cli_str (p, "text"));
        const cb_value_t *baseline = cb_value_get (p, "baseline");
        fprintf (out, "    baseline %s, current %s, target %s%s%s\n",
                 cb_value_is_number (baseline) ? cli_number (baseline, b, sizeof (b)) : "none",
                 cli_int (p, "checkins") ? cli_number (cb_value_get (p, "current"), c, sizeof (c))
                                          : "none",
                 cli_number (cb_value_get (p, "target"), t, sizeof (t)), *unit ? " " : "",
                 unit);
        if (!cli_int (p, "checkins")) {
            fprintf (out, "    no check-in yet\n");
            continue;
        }
        //  Every check-in of a long cycle, not the latest few as the console.
        char share [CLI_PROGRESS_MAX], trend [2048], bars [1024], age [CLI_PROGRESS_MAX];
        if (cb_value_is_number (cb_value_get (p, "share")))
            fprintf (out, "    covered %s of the way\n",
                     cli_progress_percent (cb_value_get (p, "share"), share, sizeof (share)));
        cb_value_t *confidence = cb_value_get_array (p, "confidence");
        fprintf (out, "    confidence %s  %s\n",
                 cli_progress_trend (confidence, trend, sizeof (trend)),
                 cli_progress_sparkline (confidence, bars, sizeof (bars)));
        fprintf (out, "    last check-in %s by %s, %s\n", cli_str (p, "last"),
                 cli_str (p, "last_by"),
                 cli_progress_age (cli_int (p, "age_ms"), age, sizeof (age)));
    }
}

static int
s_progress (cli_t *cli, cli_args_t *a)
{
    const char *cycle = a->o [CLI_O_CYCLE], *draft = a->o [CLI_O_DRAFT];
    if (cycle && draft)
        return cli_fail_usage ("%s: --cycle or --draft, not both", "progress");
    int status = 0;
    cb_value_t *reply = cli_progress_list (cli, cycle, draft, false, &status);
    if (!reply)
        return status;
    cli_print (cli, &reply, s_render_progress, NULL);
    return 0;
}

const cli_command_t cli_checkin_commands [] = {
    { "cycle", "new", "cycle new C --start DATE --end DATE [--cadence DAYS]",
      "a cycle with dates (leadership)",
      "Creates cycle C, from the start of its first day to the end of its last (UTC), with "
      "a check-in every DAYS days (weekly by default). It is planning until it starts, then "
      "running until leadership closes it; check-ins on its drafts are made while it runs. "
      "Drafts of a cycle nobody created work as before.",
      1, false, { { CLI_O_START, "its first day, YYYY-MM-DD (UTC) (required)" },
                  { CLI_O_END, "its last day, YYYY-MM-DD (UTC) (required)" },
                  { CLI_O_CADENCE, "" } },
      s_cycle_new },
    { "cycle", "close", "cycle close C", "close a cycle (leadership)",
      "Closes cycle C: no more check-ins on its drafts.",
      1, false, { { 0 } }, s_cycle_close },
    { "cycle", "list", "cycle list", "the cycles with dates, and their states",
      "Lists the cycles leadership created, in name order, each with its dates, cadence "
      "and state. A cycle only named by drafts is not one of them.",
      0, false, { { 0 } }, s_cycle_list },
    { "cycle", "show", "cycle show C", "a cycle's dates, cadence and state",
      "Shows cycle C: its dates, its check-in cadence and its state (planning, running or "
      "closed).",
      1, false, { { 0 } }, s_cycle_show },
    { "checkin", NULL, "checkin DRAFT KR --value N --confidence 0-5 [--note TEXT]",
      "record a key result's current value and your confidence",
      "Records where key result KR of the final DRAFT stands now (--value, in its unit) and "
      "the team's confidence, 0 to 5, that it will be reached. The draft's owner or a lead "
      "of the key result (a node named in its leads) checks in; a key result shared with "
      "another draft reaches both teams. Check-ins are kept, never changed: they are the "
      "key result's progress over the cycle (catchball progress).",
      2, false, { { CLI_O_VALUE, "the key result's current value, a number (required)" },
                  { CLI_O_CONFIDENCE, "your confidence it will be reached, 0-5 (required)" },
                  { CLI_O_NOTE, "" } },
      s_checkin },
    { "progress", NULL, "progress [--cycle C | --draft D]",
      "where each key result stands, from its check-ins",
      "For each key result of the final drafts (of cycle C, or draft D alone): its baseline, "
      "current value (the last check-in) and target, the share of the way covered (also "
      "for a target below the baseline), the confidence trend (3 -> 4 -> 2) and the last "
      "check-in's age. Numbers print exactly; --json gives the same as data.",
      0, false, { { CLI_O_CYCLE, "only the drafts of this cycle" },
                  { CLI_O_DRAFT, "only this draft" } },
      s_progress },
    { NULL }
};
