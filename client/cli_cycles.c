/*  =========================================================================
    cli_cycles - the cycle as an object and its end: cycle new, close,
    show and list; a final OKR's retrospective; its carry-over into the
    next cycle (PROTOCOL.md: cycle.*, draft.retro, draft.carry)
    =========================================================================
*/
#include <time.h>

#include "cli_cmd.h"

//  A date YYYY-MM-DD as ms since 1970 at its start (UTC); -1 if it is
//  not one.
static int64_t
s_date (const char *text)
{
    struct tm tm;
    memset (&tm, 0, sizeof (tm));
    const char *end = text ? strptime (text, "%Y-%m-%d", &tm) : NULL;
    if (!end || *end)
        return -1;
    return (int64_t) timegm (&tm) * 1000;
}

//  One line per cycle: name, state, dates (UTC), cadence.
static void
s_render_cycles (FILE *out, const cb_value_t *reply)
{
    cb_value_t *cycles = cb_value_get_array (reply, "cycles");
    cb_value_t *one = cb_value_get_map (reply, "cycle");
    if (!cycles && !one)
        return;
    if (cycles && !cb_value_size (cycles))
        fprintf (out, "no cycles (catchball cycle new defines one)\n");
    size_t count = cycles ? cb_value_size (cycles) : 1;
    for (size_t i = 0; i < count; i++) {
        cb_value_t *c = cycles ? cb_value_at (cycles, i) : one;
        char start [CLI_TIME_MAX], end [CLI_TIME_MAX];
        fprintf (out, "%-12s %-9s %s to %s, check-ins every %lld days", cli_str (c, "name"),
                 cli_str (c, "state"), cli_time (cli_int (c, "start"), CLI_TIME_UTC, start,
                                                 sizeof (start)),
                 cli_time (cli_int (c, "end"), CLI_TIME_UTC, end, sizeof (end)),
                 (long long) cli_int (c, "cadence_days"));
        if (streq (cli_str (c, "state"), "closed"))
            fprintf (out, ", closed by %s", cli_str (c, "closed_by"));
        fprintf (out, "\n");
    }
    cb_value_t *missing = cb_value_get_array (reply, "missing");
    for (size_t i = 0; i < cb_value_size (missing); i++)
        fprintf (out, "%s%s", i ? ", " : "retrospectives asked for: ",
                 cb_value_str (cb_value_at (missing, i)));
    if (cb_value_size (missing))
        fprintf (out, "\n");
}

static int
s_cycle_new (cli_t *cli, cli_args_t *a)
{
    int64_t start = s_date (a->o [CLI_O_START]), end = s_date (a->o [CLI_O_END]);
    if (start < 0 || end < 0)
        return cli_fail_usage ("%s: --start and --end take dates like 2027-01-01",
                               "cycle new");
    cb_value_t *body = cli_body ("name", a->argv [0]);
    cb_value_set_int (body, "start", start);
    cb_value_set_int (body, "end", end);
    if (a->o [CLI_O_CADENCE]) {
        int64_t days = 0;
        if (cli_int_arg (a->o [CLI_O_CADENCE], &days)) {
            cb_value_destroy (&body);
            return cli_fail_usage ("--cadence takes a number of days, not '%s'",
                                   a->o [CLI_O_CADENCE]);
        }
        cb_value_set_int (body, "cadence_days", days);
    }
    return cli_send (cli, "cycle.new", &body, s_render_cycles, NULL);
}

static int
s_cycle_close (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cli_body ("cycle", a->argv [0]);
    return cli_send (cli, "cycle.close", &body, s_render_cycles, NULL);
}

static int
s_cycle_show (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cli_body ("cycle", a->argv [0]);
    return cli_send (cli, "cycle.show", &body, s_render_cycles, NULL);
}

static int
s_cycle_list (cli_t *cli, cli_args_t *a)
{
    (void) a;
    return cli_send (cli, "cycle.list", NULL, s_render_cycles, NULL);
}

//  retro DRAFT --score kr1=0.7,kr2=0.4 --learned TEXT: the final OKR's
//  retrospective (PROTOCOL.md, draft.retro).
static int
s_retro (cli_t *cli, cli_args_t *a)
{
    const char *spec = a->o [CLI_O_SCORE], *learned = a->o [CLI_O_LEARNED];
    if (!spec || !learned)
        return cli_fail_usage ("%s: --score KR=0..1,... and --learned TEXT are required", "retro");
    cb_value_t *scores = cb_value_new_map ();
    char *copy = strdup (spec), *save = NULL;
    int status = 0;
    for (char *item = strtok_r (copy, ",", &save); item && !status;
         item = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (item, '='), *end = NULL;
        double score = eq ? strtod (eq + 1, &end) : 0;
        if (!eq || eq == item || end == eq + 1 || *end)
            status = cli_fail_usage ("--score takes KR=NUMBER pairs like kr1=0.7,kr2=0.4, "
                                     "not '%s'", item);
        else {
            *eq = 0;
            cb_value_t *number = cb_value_new_float (score);
            cb_value_set (scores, item, &number);
        }
    }
    free (copy);
    if (status) {
        cb_value_destroy (&scores);
        return status;
    }
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set (body, "scores", &scores);
    cb_value_set_str (body, "learned", learned);
    return cli_send (cli, "draft.retro", &body, NULL, "%s: retrospective kept (revision %s)",
                     "draft", "rev");
}

//  carry DRAFT --to-cycle C: the next cycle's draft, from this one.
static int
s_carry (cli_t *cli, cli_args_t *a)
{
    if (!a->o [CLI_O_TO_CYCLE])
        return cli_fail_usage ("%s: --to-cycle C is required", "carry");
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set_str (body, "cycle", a->o [CLI_O_TO_CYCLE]);
    return cli_send (cli, "draft.carry", &body, NULL, "draft %s created (revision %s), "
                     "carried over", "draft", "rev");
}

//  --------------------------------------------------------------------------
//  The table

const cli_command_t cli_cycles_commands [] = {
    { "cycle", "new", "cycle new NAME --start DATE --end DATE [--cadence DAYS]",
      "define a cycle: its dates and check-in cadence (leadership)",
      "Defines cycle NAME (2027-Q1) from --start to --end (dates, UTC), with check-ins "
      "every --cadence days (7 by default). Drafts of a cycle nobody defined work as they "
      "are; a cycle may be defined after its drafts.",
      1, false, { { CLI_O_START, "its first day, 2027-01-01 (required)" },
                  { CLI_O_END, "its end, 2027-04-01 (required)" },
                  { CLI_O_CADENCE, "days between check-ins (default 7)" } },
      s_cycle_new },
    { "cycle", "close", "cycle close NAME", "close a cycle (leadership)",
      "Closes cycle NAME: the owner of every final draft of it that has no retrospective "
      "is asked for one.",
      1, false, { { 0 } }, s_cycle_close },
    { "cycle", "show", "cycle show NAME", "a cycle, with its state",
      "Shows cycle NAME: its dates, cadence and state (planning, running or closed).",
      1, false, { { 0 } }, s_cycle_show },
    { "cycle", "list", "cycle list", "every cycle defined",
      "Lists the cycles defined, by name, with their state.",
      0, false, { { 0 } }, s_cycle_list },
    { "retro", NULL, "retro DRAFT --score KR=0..1,... --learned TEXT",
      "score a final OKR at the end of its cycle",
      "Scores each key result of DRAFT's final revision, from 0 to 1 (the share of it "
      "achieved), and says what was learned: the retrospective, once per draft.",
      1, false, { { CLI_O_SCORE, "every key result's score: kr1=0.7,kr2=1 (required)" },
                  { CLI_O_LEARNED, "what the team learned (required)" } },
      s_retro },
    { "carry", NULL, "carry DRAFT --to-cycle C",
      "start the next cycle's draft from this one",
      "Creates a draft of cycle C from DRAFT's head: its objective, narrative and key "
      "results (with new ids; no alignment or shared key result, which the next cycle's "
      "drafts decide anew), naming DRAFT as its origin in both histories.",
      1, false, { { CLI_O_TO_CYCLE, "the next cycle (required)" } }, s_carry },
    { NULL }
};
