/*  =========================================================================
    cli_render - what a person reads: drafts, lists, histories, diffs,
    rounds, log entries and todo, as text (inbox deliveries and votes:
    cli_render_inbox.c)

    Colour only on a terminal (and never with NO_COLOR set). Every
    renderer takes the broker's reply body as it came, so that what is
    printed and what --json prints are the same facts.
    =========================================================================
*/
#include <math.h>
#include <stdarg.h>
#include <time.h>

#include "cli.h"
#include "cli_render_int.h"

static bool s_color = false;


const char *
cli_c (const char *code)
{
    return s_color ? code : "";
}

void
cli_render_init (bool color)
{
    s_color = color;
}

//  A scalar as text: numbers without needless decimals, strings quoted.
static void
s_scalar (FILE *out, const cb_value_t *v)
{
    char n [CLI_NUMBER_MAX];
    switch (cb_value_type (v)) {
        case CB_NIL:   fprintf (out, "(none)"); break;
        case CB_BOOL:  fprintf (out, "%s", cb_value_bool (v) ? "yes" : "no"); break;
        case CB_INT:   fprintf (out, "%lld", (long long) cb_value_int (v)); break;
        case CB_FLOAT: fprintf (out, "%s", cli_number (v, n, sizeof (n))); break;
        case CB_STR:   fprintf (out, "\"%s\"", cb_value_str (v)); break;
        case CB_ARRAY:
            for (size_t i = 0; i < cb_value_size (v); i++) {
                fprintf (out, "%s", i ? ", " : "");
                s_scalar (out, cb_value_at (v, i));
            }
            if (cb_value_size (v) == 0)
                fprintf (out, "(none)");
            break;
        case CB_MAP: {
            //  aligned_to {draft, kr}
            const char *d = cb_value_get_str (v, "draft");
            const char *k = cb_value_get_str (v, "kr");
            if (d)
                fprintf (out, "%s%s%s", d, k ? "/" : "", k ? k : "");
            else
                cli_json_print (out, v, true);
            break;
        }
    }
}

//  "kr2  Activation rate: 40 -> 60 %   leads: ana, bo"
static void
s_key_result (FILE *out, const cb_value_t *kr, const char *indent)
{
    char n [CLI_NUMBER_MAX];
    fprintf (out, "%s%s%-4s%s %s", indent, cli_c (C_BOLD), cli_str (kr, "id"), cli_c (C_OFF),
             cli_str (kr, "text"));
    cb_value_t *baseline = cb_value_get (kr, "baseline");
    fprintf (out, ": ");
    if (cb_value_is_number (baseline)) {
        fprintf (out, "%s", cli_number (baseline, n, sizeof (n)));
        fprintf (out, " -> ");
    }
    fprintf (out, "%s", cli_number (cb_value_get (kr, "target"), n, sizeof (n)));
    if (*cli_str (kr, "unit"))
        fprintf (out, " %s", cli_str (kr, "unit"));
    cb_value_t *leads = cb_value_get_array (kr, "leads");
    if (cb_value_size (leads)) {
        fprintf (out, "%s   leads: ", cli_c (C_DIM));
        for (size_t i = 0; i < cb_value_size (leads); i++)
            fprintf (out, "%s%s", i ? ", " : "", cb_value_str (cb_value_at (leads, i)));
        fprintf (out, "%s", cli_c (C_OFF));
    }
    fprintf (out, "\n");
}

void
cli_render_content (FILE *out, const cb_value_t *content, const char *indent)
{
    fprintf (out, "%s%sObjective:%s %s\n", indent, cli_c (C_BOLD), cli_c (C_OFF),
             cli_str (content, "objective"));
    if (*cli_str (content, "narrative"))
        fprintf (out, "%s%s%s%s\n", indent, cli_c (C_DIM), cli_str (content, "narrative"),
                 cli_c (C_OFF));
    cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
    if (aligned) {
        fprintf (out, "%sAligned to: ", indent);
        s_scalar (out, aligned);
        fprintf (out, "\n");
    }
    fprintf (out, "%sKey results:\n", indent);
    char deeper [32];
    snprintf (deeper, sizeof (deeper), "%s  ", indent);
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++)
        s_key_result (out, cb_value_at (krs, i), deeper);
}

//  "in_round" reads "in round".
static const char *
s_state_name (const char *state)
{
    return streq (state, "in_round") ? "in round" : state;
}

//  Times for people at this machine: local, with the offset from UTC.
const char *
cli_render_time (int64_t ms, char *buf, size_t size)
{
    return cli_time (ms, CLI_TIME_LOCAL, buf, size);
}

static const char *
s_state_color (const char *state)
{
    if (streq (state, "final"))
        return cli_c (C_GREEN);
    if (streq (state, "in_round") || streq (state, "open"))
        return cli_c (C_YEL);
    return "";
}

//  --------------------------------------------------------------------------
//  draft show

void
cli_render_draft (FILE *out, const cb_value_t *reply)
{
    cb_value_t *draft = cb_value_get_map (reply, "draft");
    cb_value_t *rev = cb_value_get_map (reply, "revision");
    char t [32];
    const char *state = cli_str (draft, "state");
    fprintf (out, "%s%s%s  %s  owner %s  %s%s%s", cli_c (C_BOLD), cli_str (draft, "id"),
             cli_c (C_OFF), cli_str (draft, "cycle"), cli_str (draft, "owner"),
             s_state_color (state), s_state_name (state), cli_c (C_OFF));
    if (*cli_str (draft, "round"))
        fprintf (out, " (%s)", cli_str (draft, "round"));
    fprintf (out, "\n");
    bool mainline = false;
    cb_value_get_bool (rev, "mainline", &mainline);
    fprintf (out, "revision %lld of %lld%s, by %s, %s", (long long) cli_int (rev, "rev"),
             (long long) cli_int (draft, "revs"),
             mainline ? (cli_int (rev, "rev") == cli_int (draft, "head") ? " (head)" : "")
                      : " (counter-proposal)",
             cli_str (rev, "author"), cli_render_time (cli_int (rev, "time"), t, sizeof (t)));
    if (*cli_str (rev, "message"))
        fprintf (out, ": %s", cli_str (rev, "message"));
    fprintf (out, "\n\n");
    cli_render_content (out, cb_value_get_map (rev, "content"), "");
}

//  --------------------------------------------------------------------------
//  draft list

void
cli_render_list (FILE *out, const cb_value_t *reply)
{
    cb_value_t *drafts = cb_value_get_array (reply, "drafts");
    if (cb_value_size (drafts) == 0) {
        fprintf (out, "no drafts\n");
        return;
    }
    fprintf (out, "%s%-6s %-9s %-16s %-9s %4s  %s%s\n", cli_c (C_DIM), "DRAFT", "CYCLE", "OWNER",
             "STATE", "REV", "OBJECTIVE", cli_c (C_OFF));
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        const char *state = cli_str (d, "state");
        fprintf (out, "%-6s %-9s %-16s %s%-9s%s %4lld  %s\n", cli_str (d, "id"),
                 cli_str (d, "cycle"),
                 cli_str (d, "owner"), s_state_color (state), s_state_name (state), cli_c (C_OFF),
                 (long long) cli_int (d, "head"), cli_str (d, "objective"));
    }
}

//  --------------------------------------------------------------------------
//  Changes, as in a diff or a history entry

//  One KR change of the given kind ("changed", "removed", "added").
static void
s_kr_changes (FILE *out, const cb_value_t *changes, const char *what, const char *indent)
{
    for (size_t i = 0; i < cb_value_size (changes); i++) {
        cb_value_t *c = cb_value_at (changes, i);
        if (cb_value_get_str (c, "field") || !streq (cli_str (c, "change"), what))
            continue;
        if (!streq (what, "changed")) {
            bool added = streq (what, "added");
            fprintf (out, "%s%s", indent, cli_c (added ? C_GREEN : C_RED));
            s_key_result (out, cb_value_get (c, "value"), added ? "+ " : "- ");
            fprintf (out, "%s", cli_c (C_OFF));
            continue;
        }
        cb_value_t *fields = cb_value_get_array (c, "fields");
        fprintf (out, "%s%s~ %s%s", indent, cli_c (C_YEL), cli_str (c, "kr"), cli_c (C_OFF));
        for (size_t j = 0; j < cb_value_size (fields); j++) {
            cb_value_t *f = cb_value_at (fields, j);
            fprintf (out, "%s %s: ", j ? "," : "", cli_str (f, "field"));
            s_scalar (out, cb_value_get (f, "from"));
            fprintf (out, " -> ");
            s_scalar (out, cb_value_get (f, "to"));
        }
        fprintf (out, "\n");
    }
}

//  Objective, narrative and alignment first; then key results changed,
//  removed, added. A field that appears reads "+ field: value".
void
cli_render_changes (FILE *out, const cb_value_t *changes, const char *indent)
{
    for (size_t i = 0; i < cb_value_size (changes); i++) {
        cb_value_t *c = cb_value_at (changes, i);
        const char *field = cb_value_get_str (c, "field");
        if (!field)
            continue;
        cb_value_t *from = cb_value_get (c, "from"), *to = cb_value_get (c, "to");
        bool appears = cb_value_type (from) == CB_NIL;
        bool goes = cb_value_type (to) == CB_NIL;
        fprintf (out, "%s%s%s %s%s: ", indent,
                 cli_c (appears ? C_GREEN : goes ? C_RED : C_YEL),
                 appears ? "+" : goes ? "-" : "~", field, cli_c (C_OFF));
        if (appears || goes)
            s_scalar (out, appears ? to : from);
        else
        if (cb_value_len (from) + cb_value_len (to) > 60) {
            //  Long texts: old and new on lines of their own.
            fprintf (out, "\n%s    %s- ", indent, cli_c (C_RED));
            s_scalar (out, from);
            fprintf (out, "%s\n%s    %s+ ", cli_c (C_OFF), indent, cli_c (C_GREEN));
            s_scalar (out, to);
            fprintf (out, "%s", cli_c (C_OFF));
        }
        else {
            s_scalar (out, from);
            fprintf (out, " -> ");
            s_scalar (out, to);
        }
        fprintf (out, "\n");
    }
    s_kr_changes (out, changes, "changed", indent);
    s_kr_changes (out, changes, "removed", indent);
    s_kr_changes (out, changes, "added", indent);
}

void
cli_render_diff (FILE *out, const cb_value_t *reply)
{
    cb_value_t *changes = cb_value_get_array (reply, "changes");
    fprintf (out, "%s%s: revision %lld -> %lld%s\n", cli_c (C_BOLD), cli_str (reply, "draft"),
             (long long) cli_int (reply, "from"), (long long) cli_int (reply, "to"), cli_c (C_OFF));
    if (cb_value_size (changes) == 0)
        fprintf (out, "  no changes\n");
    cli_render_changes (out, changes, "  ");
}

//  --------------------------------------------------------------------------
//  Responses, in a round or a history

void
cli_render_response (FILE *out, const cb_value_t *r, const char *indent)
{
    const char *type = cli_str (r, "type");
    fprintf (out, "%s%s%-4s%s %-12s ", indent, cli_c (C_BOLD), cli_str (r, "id"), cli_c (C_OFF),
             cli_str (r, "author"));
    if (streq (type, "feedback")) {
        const char *kind = cli_str (r, "kind");
        const char *color = streq (kind, "cannot-align") ? C_RED
                          : streq (kind, "concern") ? C_YEL
                          : streq (kind, "support") ? C_GREEN : C_CYAN;
        fprintf (out, "%s%s%s", cli_c (color), kind, cli_c (C_OFF));
        if (*cli_str (r, "on"))
            fprintf (out, " on %s", cli_str (r, "on"));
        fprintf (out, ": %s", cli_str (r, "text"));
    }
    else
    if (streq (type, "counter")) {
        fprintf (out, "%scounter-proposal%s -> revision %lld", cli_c (C_CYAN), cli_c (C_OFF),
                 (long long) cli_int (r, "proposal_rev"));
        if (*cli_str (r, "message"))
            fprintf (out, ": %s", cli_str (r, "message"));
    }
    else {
        fprintf (out, "%sendorses%s with confidence %lld/5", cli_c (C_GREEN), cli_c (C_OFF),
                 (long long) cli_int (r, "confidence"));
        if (*cli_str (r, "text"))
            fprintf (out, ": %s", cli_str (r, "text"));
    }
    fprintf (out, "\n");
}

static void
s_round_line (FILE *out, const cb_value_t *round, const char *indent)
{
    char t [32];
    fprintf (out, "%s%sround %s%s of revision %lld, thrown %s to ", indent, cli_c (C_BOLD),
             cli_str (round, "id"), cli_c (C_OFF), (long long) cli_int (round, "rev"),
             cli_render_time (cli_int (round, "opened"), t, sizeof (t)));
    cb_value_t *to = cb_value_get_array (round, "recipients");
    for (size_t i = 0; i < cb_value_size (to); i++)
        fprintf (out, "%s%s", i ? ", " : "", cb_value_str (cb_value_at (to, i)));
    const char *state = cli_str (round, "state");
    const char *by = cli_str (round, "closed_by");
    fprintf (out, ": %s%s%s", s_state_color (state), state, cli_c (C_OFF));
    if (streq (by, "answered"))
        fprintf (out, ", everyone answered");
    else
    if (streq (by, "owner"))
        fprintf (out, " by %s", cli_str (round, "owner"));
    else
    if (streq (by, "deadline"))
        fprintf (out, " at its deadline");
    else
    if (cli_int (round, "deadline"))
        fprintf (out, ", deadline %s", cli_render_time (cli_int (round, "deadline"), t,
                 sizeof (t)));
    fprintf (out, "\n");
    if (*cli_str (round, "question"))
        fprintf (out, "%s  question: %s\n", indent, cli_str (round, "question"));
}

//  The recipients of a round who have not answered it: "not answered
//  yet" while it is open, "no answer from" once it is closed.
static void
s_round_missing (FILE *out, const cb_value_t *round, const char *indent)
{
    cb_value_t *to = cb_value_get_array (round, "recipients");
    cb_value_t *answered = cb_value_get_array (round, "answered");
    bool first = true;
    bool open = streq (cli_str (round, "state"), "open");
    for (size_t i = 0; i < cb_value_size (to); i++) {
        const char *node = cb_value_str (cb_value_at (to, i));
        if (cli_has (answered, node))
            continue;
        fprintf (out, "%s%s%s", first ? indent : ", ",
                 first ? (open ? "not answered yet: " : "no answer from: ") : "", node);
        first = false;
    }
    if (!first)
        fprintf (out, "\n");
}

void
cli_render_round (FILE *out, const cb_value_t *reply)
{
    cb_value_t *round = cb_value_get_map (reply, "round");
    fprintf (out, "%s%s%s, owned by %s\n", cli_c (C_BOLD), cli_str (round, "draft"), cli_c (C_OFF),
             cli_str (round, "owner"));
    s_round_line (out, round, "");
    cb_value_t *responses = cb_value_get_array (reply, "responses");
    for (size_t i = 0; i < cb_value_size (responses); i++)
        cli_render_response (out, cb_value_at (responses, i), "  ");
    s_round_missing (out, round, "  ");
}

//  --------------------------------------------------------------------------
//  history: each mainline revision in order, what changed and why; the
//  rounds thrown of it with their answers; counter-proposals indented.

//  The end of a draft's cycle: its retrospective, and where it was carried.
static void
s_history_end (FILE *out, const cb_value_t *draft)
{
    char t [32], n [CLI_NUMBER_MAX];
    cb_value_t *retro = cb_value_get_map (draft, "retro");
    if (retro) {
        fprintf (out, "\n%sretrospective%s %s  %s, on revision %lld:", cli_c (C_BOLD),
                 cli_c (C_OFF),
                 cli_render_time (cli_int (retro, "time"), t, sizeof (t)), cli_str (retro, "node"),
                 (long long) cli_int (retro, "rev"));
        cb_value_t *scores = cb_value_get_map (retro, "scores");
        for (size_t i = 0; i < cb_value_size (scores); i++)
            fprintf (out, "%s %s %s", i ? "," : "", cb_value_key_at (scores, i),
                     cli_number (cb_value_val_at (scores, i), n, sizeof (n)));
        fprintf (out, "\n  learned: %s\n", cli_str (retro, "learned"));
    }
    cb_value_t *carried = cb_value_get_array (draft, "carried_to");
    for (size_t i = 0; i < cb_value_size (carried); i++)
        fprintf (out, "carried over to %s\n", cb_value_str (cb_value_at (carried, i)));
}

//  A check-in in a line: "d1 kr1 at 4, confidence 2/5 (c2): note".
void
cli_render_checkin_line (FILE *out, const cb_value_t *c, const char *indent)
{
    char v [CLI_NUMBER_MAX];
    fprintf (out, "%s%s%s %s%s at %s, confidence %lld/5 (%s)%s%s\n", indent, cli_c (C_BOLD),
             cli_str (c, "draft"), cli_str (c, "kr"), cli_c (C_OFF),
             cli_number (cb_value_get (c, "value"), v, sizeof (v)),
             (long long) cli_int (c, "confidence"), cli_str (c, "id"),
             *cli_str (c, "note") ? ": " : "", cli_str (c, "note"));
}

void
cli_render_history (FILE *out, const cb_value_t *reply)
{
    cb_value_t *draft = cb_value_get_map (reply, "draft");
    cb_value_t *revisions = cb_value_get_array (reply, "revisions");
    cb_value_t *rounds = cb_value_get_array (reply, "rounds");
    const char *state = cli_str (draft, "state");
    fprintf (out, "%s%s%s  %s  owner %s  %s%s%s", cli_c (C_BOLD), cli_str (draft, "id"),
             cli_c (C_OFF), cli_str (draft, "cycle"), cli_str (draft, "owner"),
             s_state_color (state), s_state_name (state), cli_c (C_OFF));
    if (streq (state, "final"))
        fprintf (out, " at revision %lld", (long long) cli_int (draft, "final_rev"));
    fprintf (out, "\n%s\n", cli_str (draft, "objective"));
    cb_value_t *origin = cb_value_get_map (draft, "origin");
    if (origin)
        fprintf (out, "carried over from %s revision %lld\n", cli_str (origin, "draft"),
                 (long long) cli_int (origin, "rev"));
    char t [32];
    for (size_t i = 0; i < cb_value_size (revisions); i++) {
        cb_value_t *rev = cb_value_at (revisions, i);
        bool mainline = false;
        cb_value_get_bool (rev, "mainline", &mainline);
        const char *indent = mainline ? "" : "    ";
        fprintf (out, "\n%s%s%srevision %lld%s  %s  %s", indent, cli_c (C_BOLD),
                 mainline ? "" : "counter-proposal ", (long long) cli_int (rev, "rev"),
                 cli_c (C_OFF), cli_render_time (cli_int (rev, "time"), t, sizeof (t)),
                 cli_str (rev, "author"));
        if (!mainline)
            fprintf (out, " (%s, on revision %lld, round %s)", cli_str (rev, "proposal"),
                     (long long) cli_int (rev, "parent"), cli_str (rev, "round"));
        else
        if (cli_int (rev, "parent"))
            fprintf (out, " (after revision %lld%s%s)", (long long) cli_int (rev, "parent"),
                     *cli_str (rev, "round") ? ", in answer to round " : "", cli_str (rev, "round"));
        fprintf (out, "\n");
        bool amends = false;
        if (cb_value_get_bool (rev, "amends_final", &amends) && amends)
            fprintf (out, "%s  %samends the final OKR%s\n", indent, cli_c (C_RED), cli_c (C_OFF));
        if (mainline && *cli_str (rev, "proposer"))
            fprintf (out, "%s  adopts %s, proposed by %s (revision %lld)\n", indent,
                     cli_str (rev, "proposal"), cli_str (rev, "proposer"),
                     (long long) cli_int (rev, "adopted_from"));
        if (*cli_str (rev, "message"))
            fprintf (out, "%s  \"%s\"\n", indent, cli_str (rev, "message"));
        cb_value_t *addresses = cb_value_get_array (rev, "addresses");
        if (cb_value_size (addresses)) {
            fprintf (out, "%s  addresses ", indent);
            for (size_t j = 0; j < cb_value_size (addresses); j++)
                fprintf (out, "%s%s", j ? ", " : "", cb_value_str (cb_value_at (addresses, j)));
            fprintf (out, "\n");
        }
        char deeper [16];
        snprintf (deeper, sizeof (deeper), "%s  ", indent);
        cli_render_changes (out, cb_value_get_array (rev, "changes"), deeper);
        //  Rounds thrown of this revision
        for (size_t j = 0; mainline && j < cb_value_size (rounds); j++) {
            cb_value_t *round = cb_value_at (rounds, j);
            if (cli_int (round, "rev") != cli_int (rev, "rev"))
                continue;
            s_round_line (out, round, "  ");
            cb_value_t *responses = cb_value_get_array (round, "responses");
            for (size_t k = 0; k < cb_value_size (responses); k++)
                cli_render_response (out, cb_value_at (responses, k), "    ");
            s_round_missing (out, round, "    ");
        }
        //  Votes on this revision
        cb_value_t *votes = cb_value_get_array (draft, "votes");
        for (size_t j = 0; j < cb_value_size (votes); j++) {
            cb_value_t *v = cb_value_at (votes, j);
            if (cli_int (v, "rev") == cli_int (rev, "rev"))
                fprintf (out, "%s  %sconfidence vote%s by %s: %lld/5%s%s\n", indent, cli_c (C_CYAN),
                         cli_c (C_OFF), cli_str (v, "node"), (long long) cli_int (v, "confidence"),
                         *cli_str (v, "comment") ? " - " : "", cli_str (v, "comment"));
        }
        if (streq (state, "final") && mainline && cli_int (rev, "rev") == cli_int (draft, "final_rev")) {
            fprintf (out, "  %sfinal%s", cli_c (C_GREEN), cli_c (C_OFF));
            cb_value_t *override = cb_value_get_map (draft, "override");
            if (override)
                fprintf (out, " %sby override%s (%s): %s", cli_c (C_YEL), cli_c (C_OFF),
                         cli_str (override, "node"), cli_str (override, "reason"));
            fprintf (out, "\n");
        }
    }
    s_history_end (out, draft);
    //  What was raised to this draft, or from it (draft.raise)
    cb_value_t *raised = cb_value_get_array (reply, "raised");
    for (size_t i = 0; i < cb_value_size (raised); i++) {
        cb_value_t *r = cb_value_at (raised, i);
        bool to_us = streq (cli_str (r, "draft"), cli_str (draft, "id"));
        fprintf (out, "\n%sraised%s %s  %s from %s to %s (revision %lld)\n", cli_c (C_BOLD),
                 cli_c (C_OFF), cli_render_time (cli_int (r, "time"), t, sizeof (t)),
                 to_us ? "to us" : "by us", cli_str (r, "from_draft"), cli_str (r, "draft"),
                 (long long) cli_int (r, "rev"));
        cli_render_response (out, r, "  ");
    }
    //  Its check-ins, after finalize (checkin.new)
    cb_value_t *checkins = cb_value_get_array (reply, "checkins");
    for (size_t i = 0; i < cb_value_size (checkins); i++) {
        cb_value_t *c = cb_value_at (checkins, i);
        fprintf (out, "\n%scheck-in%s %s  by %s\n", cli_c (C_BOLD), cli_c (C_OFF),
                 cli_render_time (cli_int (c, "time"), t, sizeof (t)), cli_str (c, "author"));
        cli_render_checkin_line (out, c, "  ");
    }
}

//  --------------------------------------------------------------------------
//  The coach's findings, as the broker attaches them

void
cli_render_coach (FILE *out, const cb_value_t *findings, const char *indent)
{
    for (size_t i = 0; i < cb_value_size (findings); i++) {
        cb_value_t *f = cb_value_at (findings, i);
        const char *level = cli_str (f, "level");
        const char *color = streq (level, "error") ? C_RED : streq (level, "warning") ? C_YEL
                                                                                      : C_DIM;
        fprintf (out, "%scoach: %s: %s%s %s%s: %s.", indent, cli_str (f, "about"), cli_c (color),
                 level, cli_str (f, "code"), cli_c (C_OFF), cli_str (f, "evidence"));
        if (*cli_str (f, "suggestion"))
            fprintf (out, " Try: \"%s\"", cli_str (f, "suggestion"));
        fprintf (out, "\n");
    }
}

//  --------------------------------------------------------------------------
//  A log entry (catchball watch): who changed what, one line, each object
//  it names in a few words

static void
s_log_object (FILE *out, const char *key, const cb_value_t *object)
{
    const char *id = cli_str (object, "id");
    if (strncmp (key, "draft/", 6) == 0)
        fprintf (out, "%s%s%s revision %lld \"%s\" (%s%s%s)", cli_c (C_BOLD), id, cli_c (C_OFF),
                 (long long) cli_int (object, "head"), cli_str (object, "objective"),
                 s_state_color (cli_str (object, "state")), cli_str (object, "state"),
                 cli_c (C_OFF));
    else
    if (strncmp (key, "round/", 6) == 0)
        fprintf (out, "round %s%s%s on %s: %s%s%s", cli_c (C_BOLD), id, cli_c (C_OFF),
                 cli_str (object, "draft"), cli_str (object, "state"),
                 *cli_str (object, "closed_by") ? ", closed by " : "",
                 cli_str (object, "closed_by"));
    else
    if (strncmp (key, "event/", 6) == 0)
        fprintf (out, "event %s%s%s \"%s\": %s", cli_c (C_BOLD), id, cli_c (C_OFF),
                 cli_str (object, "name"), cli_str (object, "phase"));
    else
    if (strncmp (key, "ask/", 4) == 0)
        fprintf (out, "%s %s%s%s from %s to %s: %s", cli_str (object, "kind"), cli_c (C_BOLD), id,
                 cli_c (C_OFF), cli_str (object, "from"), cli_str (object, "to"),
                 cli_str (object, "state"));
    else
    if (strncmp (key, "cycle/", 6) == 0)
        fprintf (out, "cycle %s%s%s%s", cli_c (C_BOLD), cli_str (object, "name"), cli_c (C_OFF),
                 cli_int (object, "closed") ? " closed" : "");
    else
    if (strncmp (key, "checkin/", 8) == 0) {
        char v [CLI_NUMBER_MAX];
        fprintf (out, "check-in %s%s%s on %s %s: %s, confidence %lld/5", cli_c (C_BOLD), id,
                 cli_c (C_OFF), cli_str (object, "draft"), cli_str (object, "kr"),
                 cli_number (cb_value_get (object, "value"), v, sizeof (v)),
                 (long long) cli_int (object, "confidence"));
    }
    else
        fprintf (out, "%s", key);
}

void
cli_render_log_entry (FILE *out, const cb_value_t *entry)
{
    char t [32];
    fprintf (out, "%s#%lld %s%s  %s%s%s %s:", cli_c (C_DIM), (long long) cli_int (entry, "seq"),
             cli_render_time (cli_int (entry, "time"), t, sizeof (t)), cli_c (C_OFF), cli_c (C_BOLD),
             cli_str (entry, "node"), cli_c (C_OFF), cli_str (entry, "kind"));
    cb_value_t *objects = cb_value_get_map (entry, "objects");
    for (size_t i = 0; i < cb_value_size (objects); i++) {
        fprintf (out, "%s", i ? "; " : " ");
        s_log_object (out, cb_value_key_at (objects, i), cb_value_val_at (objects, i));
    }
    fprintf (out, "\n");
}

//  --------------------------------------------------------------------------
//  todo: what this node owes, each with its deadline and its commands

//  A boolean field, false if absent.
static bool
s_flag (const cb_value_t *map, const char *key)
{
    bool flag = false;
    cb_value_get_bool (map, key, &flag);
    return flag;
}

void
cli_render_todo (FILE *out, const cb_value_t *todo)
{
    cb_value_t *items = cb_value_get_array (todo, "todo");
    if (cb_value_size (items) == 0) {
        fprintf (out, "nothing waits for %s\n", cli_str (todo, "node"));
        return;
    }
    char t [32];
    for (size_t i = 0; i < cb_value_size (items); i++) {
        cb_value_t *item = cb_value_at (items, i);
        const char *what = cli_str (item, "what"), *id = cli_str (item, "id");
        fprintf (out, "%s", i ? "\n" : "");
        if (streq (what, "round"))
            fprintf (out, "answer round %s%s%s: %s threw %s to you", cli_c (C_BOLD), id,
                     cli_c (C_OFF), cli_str (item, "from"), cli_str (item, "draft"));
        else
        if (streq (what, "ask"))
            fprintf (out, "answer ask %s%s%s from %s for %s %s: %s", cli_c (C_BOLD), id,
                     cli_c (C_OFF),
                     cli_str (item, "from"), cli_str (item, "draft"), cli_str (item, "kr"),
                     cli_str (item, "text"));
        else
        if (streq (what, "counter"))
            fprintf (out, "take or refuse %s's counter on ask %s%s%s: %s", cli_str (item, "from"),
                     cli_c (C_BOLD), id, cli_c (C_OFF), cli_str (item, "text"));
        else
        if (streq (what, "offer"))
            fprintf (out, "take or refuse offer %s%s%s from %s for %s %s: %s", cli_c (C_BOLD), id,
                     cli_c (C_OFF), cli_str (item, "from"), cli_str (item, "draft"),
                     cli_str (item, "kr"), cli_str (item, "text"));
        else
        if (streq (what, "link"))
            fprintf (out, "re-align %s%s%s: %s", cli_c (C_BOLD), id, cli_c (C_OFF),
                     cli_str (item, "text"));
        else
        if (streq (what, "retro"))
            fprintf (out, "score %s%s%s, final OKR of closed cycle %s: its retrospective",
                     cli_c (C_BOLD), id, cli_c (C_OFF), cli_str (item, "cycle"));
        else
        if (streq (what, "raised"))
            fprintf (out, "answer %s%s%s: %s cannot align %s with your %s: %s", cli_c (C_BOLD), id,
                     cli_c (C_OFF), cli_str (item, "from"), cli_str (item, "from_draft"),
                     cli_str (item, "draft"), cli_str (item, "text"));
        else
        if (streq (what, "checkin"))
            fprintf (out, "check in on %s%s%s: %s", cli_c (C_BOLD), id, cli_c (C_OFF),
                     cli_str (item, "text"));
        else
        if (streq (what, "dropped"))
            fprintf (out, "check %s%s%s's alignment: %s", cli_c (C_BOLD), id, cli_c (C_OFF),
                     cli_str (item, "text"));
        else
        if (streq (what, "vote"))
            fprintf (out, "cast your sealed confidence vote on %s%s%s (%s's, vote %s)",
                     cli_c (C_BOLD), id, cli_c (C_OFF), cli_str (item, "from"),
                     cli_str (item, "vote"));
        else
        if (streq (what, "open-vote"))
            fprintf (out, "open a sealed confidence vote on %s%s%s: its rounds are done",
                     cli_c (C_BOLD), id, cli_c (C_OFF));
        else
        if (streq (what, "finalize") && s_flag (item, "passed"))
            fprintf (out, "finalise %s%s%s: vote %s on its head revision passed", cli_c (C_BOLD),
                     id, cli_c (C_OFF), cli_str (item, "vote"));
        else
            fprintf (out, "finalise %s%s%s or vote again: vote %s on its head revision did "
                     "not pass", cli_c (C_BOLD), id, cli_c (C_OFF), cli_str (item, "vote"));
        if (*cli_str (item, "event"))
            fprintf (out, " (event %s)", cli_str (item, "event"));
        if (cli_int (item, "deadline"))
            fprintf (out, "\n  %sby %s%s\n", cli_c (C_YEL),
                     cli_render_time (cli_int (item, "deadline"), t, sizeof (t)), cli_c (C_OFF));
        else
            fprintf (out, "\n  no deadline\n");
        cb_value_t *commands = cb_value_get_array (item, "commands");
        for (size_t j = 0; j < cb_value_size (commands); j++)
            fprintf (out, "  %s%s\n", j ? "  or: " : "  do: ",
                     cb_value_str (cb_value_at (commands, j)));
    }
}
