/*  =========================================================================
    cli_render - what a person reads: drafts, lists, histories, diffs,
    rounds and inbox deliveries, as text

    Colour only on a terminal (and never with NO_COLOR set). Every
    renderer takes the broker's reply body as it came, so that what is
    printed and what --json prints are the same facts.
    =========================================================================
*/
#include <math.h>
#include <stdarg.h>
#include <time.h>

#include "cli.h"

static bool s_color = false;

#define C_BOLD  "\033[1m"
#define C_DIM   "\033[2m"
#define C_RED   "\033[31m"
#define C_GREEN "\033[32m"
#define C_YEL   "\033[33m"
#define C_CYAN  "\033[36m"
#define C_OFF   "\033[0m"

static const char *
s_c (const char *code)
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
    fprintf (out, "%s%s%-4s%s %s", indent, s_c (C_BOLD), cli_str (kr, "id"), s_c (C_OFF),
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
        fprintf (out, "%s   leads: ", s_c (C_DIM));
        for (size_t i = 0; i < cb_value_size (leads); i++)
            fprintf (out, "%s%s", i ? ", " : "", cb_value_str (cb_value_at (leads, i)));
        fprintf (out, "%s", s_c (C_OFF));
    }
    fprintf (out, "\n");
}

static void
s_content (FILE *out, const cb_value_t *content, const char *indent)
{
    fprintf (out, "%s%sObjective:%s %s\n", indent, s_c (C_BOLD), s_c (C_OFF),
             cli_str (content, "objective"));
    if (*cli_str (content, "narrative"))
        fprintf (out, "%s%s%s%s\n", indent, s_c (C_DIM), cli_str (content, "narrative"),
                 s_c (C_OFF));
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
static const char *
s_time (int64_t ms, char *buf, size_t size)
{
    return cli_time (ms, CLI_TIME_LOCAL, buf, size);
}

static const char *
s_state_color (const char *state)
{
    if (streq (state, "final"))
        return s_c (C_GREEN);
    if (streq (state, "in_round") || streq (state, "open"))
        return s_c (C_YEL);
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
    fprintf (out, "%s%s%s  %s  owner %s  %s%s%s", s_c (C_BOLD), cli_str (draft, "id"),
             s_c (C_OFF), cli_str (draft, "cycle"), cli_str (draft, "owner"),
             s_state_color (state), s_state_name (state), s_c (C_OFF));
    if (*cli_str (draft, "round"))
        fprintf (out, " (%s)", cli_str (draft, "round"));
    fprintf (out, "\n");
    bool mainline = false;
    cb_value_get_bool (rev, "mainline", &mainline);
    fprintf (out, "revision %lld of %lld%s, by %s, %s", (long long) cli_int (rev, "rev"),
             (long long) cli_int (draft, "revs"),
             mainline ? (cli_int (rev, "rev") == cli_int (draft, "head") ? " (head)" : "")
                      : " (counter-proposal)",
             cli_str (rev, "author"), s_time (cli_int (rev, "time"), t, sizeof (t)));
    if (*cli_str (rev, "message"))
        fprintf (out, ": %s", cli_str (rev, "message"));
    fprintf (out, "\n\n");
    s_content (out, cb_value_get_map (rev, "content"), "");
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
    fprintf (out, "%s%-6s %-9s %-16s %-9s %4s  %s%s\n", s_c (C_DIM), "DRAFT", "CYCLE", "OWNER",
             "STATE", "REV", "OBJECTIVE", s_c (C_OFF));
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        const char *state = cli_str (d, "state");
        fprintf (out, "%-6s %-9s %-16s %s%-9s%s %4lld  %s\n", cli_str (d, "id"), cli_str (d, "cycle"),
                 cli_str (d, "owner"), s_state_color (state), s_state_name (state), s_c (C_OFF),
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
            fprintf (out, "%s%s", indent, s_c (added ? C_GREEN : C_RED));
            s_key_result (out, cb_value_get (c, "value"), added ? "+ " : "- ");
            fprintf (out, "%s", s_c (C_OFF));
            continue;
        }
        cb_value_t *fields = cb_value_get_array (c, "fields");
        fprintf (out, "%s%s~ %s%s", indent, s_c (C_YEL), cli_str (c, "kr"), s_c (C_OFF));
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
                 s_c (appears ? C_GREEN : goes ? C_RED : C_YEL),
                 appears ? "+" : goes ? "-" : "~", field, s_c (C_OFF));
        if (appears || goes)
            s_scalar (out, appears ? to : from);
        else
        if (cb_value_len (from) + cb_value_len (to) > 60) {
            //  Long texts: old and new on lines of their own.
            fprintf (out, "\n%s    %s- ", indent, s_c (C_RED));
            s_scalar (out, from);
            fprintf (out, "%s\n%s    %s+ ", s_c (C_OFF), indent, s_c (C_GREEN));
            s_scalar (out, to);
            fprintf (out, "%s", s_c (C_OFF));
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
    fprintf (out, "%s%s: revision %lld -> %lld%s\n", s_c (C_BOLD), cli_str (reply, "draft"),
             (long long) cli_int (reply, "from"), (long long) cli_int (reply, "to"), s_c (C_OFF));
    if (cb_value_size (changes) == 0)
        fprintf (out, "  no changes\n");
    cli_render_changes (out, changes, "  ");
}

//  --------------------------------------------------------------------------
//  Responses, in a round or a history

static void
s_response (FILE *out, const cb_value_t *r, const char *indent)
{
    const char *type = cli_str (r, "type");
    fprintf (out, "%s%s%-4s%s %-12s ", indent, s_c (C_BOLD), cli_str (r, "id"), s_c (C_OFF),
             cli_str (r, "author"));
    if (streq (type, "feedback")) {
        const char *kind = cli_str (r, "kind");
        const char *color = streq (kind, "cannot-align") ? C_RED
                          : streq (kind, "concern") ? C_YEL
                          : streq (kind, "support") ? C_GREEN : C_CYAN;
        fprintf (out, "%s%s%s", s_c (color), kind, s_c (C_OFF));
        if (*cli_str (r, "on"))
            fprintf (out, " on %s", cli_str (r, "on"));
        fprintf (out, ": %s", cli_str (r, "text"));
    }
    else
    if (streq (type, "counter")) {
        fprintf (out, "%scounter-proposal%s -> revision %lld", s_c (C_CYAN), s_c (C_OFF),
                 (long long) cli_int (r, "proposal_rev"));
        if (*cli_str (r, "message"))
            fprintf (out, ": %s", cli_str (r, "message"));
    }
    else {
        fprintf (out, "%sendorses%s with confidence %lld/5", s_c (C_GREEN), s_c (C_OFF),
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
    fprintf (out, "%s%sround %s%s of revision %lld, thrown %s to ", indent, s_c (C_BOLD),
             cli_str (round, "id"), s_c (C_OFF), (long long) cli_int (round, "rev"),
             s_time (cli_int (round, "opened"), t, sizeof (t)));
    cb_value_t *to = cb_value_get_array (round, "recipients");
    for (size_t i = 0; i < cb_value_size (to); i++)
        fprintf (out, "%s%s", i ? ", " : "", cb_value_str (cb_value_at (to, i)));
    const char *state = cli_str (round, "state");
    const char *by = cli_str (round, "closed_by");
    fprintf (out, ": %s%s%s", s_state_color (state), state, s_c (C_OFF));
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
        fprintf (out, ", deadline %s", s_time (cli_int (round, "deadline"), t, sizeof (t)));
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
    fprintf (out, "%s%s%s, owned by %s\n", s_c (C_BOLD), cli_str (round, "draft"), s_c (C_OFF),
             cli_str (round, "owner"));
    s_round_line (out, round, "");
    cb_value_t *responses = cb_value_get_array (reply, "responses");
    for (size_t i = 0; i < cb_value_size (responses); i++)
        s_response (out, cb_value_at (responses, i), "  ");
    s_round_missing (out, round, "  ");
}

//  vote show: an open vote says who has voted (never how) and who it waits
//  for; a revealed one, every vote, as vote.revealed does.
static void s_vote_revealed (FILE *out, const cb_value_t *vote);

void
cli_render_vote (FILE *out, const cb_value_t *reply)
{
    cb_value_t *vote = cb_value_get_map (reply, "vote");
    if (streq (cli_str (vote, "state"), "revealed")) {
        s_vote_revealed (out, vote);
        return;
    }
    char t [32];
    cb_value_t *voters = cb_value_get_array (vote, "voters"), *voted = cb_value_get_array (vote, "voted");
    fprintf (out, "vote %s%s%s on %s revision %lld, opened by %s: open, sealed; it needs a median "
             "of %lld and no 0 or 1\n", s_c (C_BOLD), cli_str (vote, "id"), s_c (C_OFF),
             cli_str (vote, "draft"), (long long) cli_int (vote, "rev"), cli_str (vote, "owner"),
             (long long) cli_int (vote, "threshold"));
    fprintf (out, "  voted: %zu of %zu", cb_value_size (voted), cb_value_size (voters));
    size_t waiting = 0;
    for (size_t i = 0; i < cb_value_size (voters); i++) {
        const char *who = cb_value_str (cb_value_at (voters, i));
        if (!cli_has (voted, who))
            fprintf (out, "%s%s", waiting++ ? ", " : "; waiting for ", who);
    }
    fprintf (out, "\n");
    if (cli_int (vote, "deadline"))
        fprintf (out, "  revealed when all have voted, or at %s\n",
                 s_time (cli_int (vote, "deadline"), t, sizeof (t)));
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
        fprintf (out, "\n%sretrospective%s %s  %s, on revision %lld:", s_c (C_BOLD), s_c (C_OFF),
                 s_time (cli_int (retro, "time"), t, sizeof (t)), cli_str (retro, "node"),
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
static void
s_checkin_line (FILE *out, const cb_value_t *c, const char *indent)
{
    char v [CLI_NUMBER_MAX];
    fprintf (out, "%s%s%s %s%s at %s, confidence %lld/5 (%s)%s%s\n", indent, s_c (C_BOLD),
             cli_str (c, "draft"), cli_str (c, "kr"), s_c (C_OFF),
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
    fprintf (out, "%s%s%s  %s  owner %s  %s%s%s", s_c (C_BOLD), cli_str (draft, "id"), s_c (C_OFF),
             cli_str (draft, "cycle"), cli_str (draft, "owner"), s_state_color (state),
             s_state_name (state), s_c (C_OFF));
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
        fprintf (out, "\n%s%s%srevision %lld%s  %s  %s", indent, s_c (C_BOLD),
                 mainline ? "" : "counter-proposal ", (long long) cli_int (rev, "rev"),
                 s_c (C_OFF), s_time (cli_int (rev, "time"), t, sizeof (t)),
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
            fprintf (out, "%s  %samends the final OKR%s\n", indent, s_c (C_RED), s_c (C_OFF));
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
                s_response (out, cb_value_at (responses, k), "    ");
            s_round_missing (out, round, "    ");
        }
        //  Votes on this revision
        cb_value_t *votes = cb_value_get_array (draft, "votes");
        for (size_t j = 0; j < cb_value_size (votes); j++) {
            cb_value_t *v = cb_value_at (votes, j);
            if (cli_int (v, "rev") == cli_int (rev, "rev"))
                fprintf (out, "%s  %sconfidence vote%s by %s: %lld/5%s%s\n", indent, s_c (C_CYAN),
                         s_c (C_OFF), cli_str (v, "node"), (long long) cli_int (v, "confidence"),
                         *cli_str (v, "comment") ? " - " : "", cli_str (v, "comment"));
        }
        if (streq (state, "final") && mainline && cli_int (rev, "rev") == cli_int (draft, "final_rev")) {
            fprintf (out, "  %sfinal%s", s_c (C_GREEN), s_c (C_OFF));
            cb_value_t *override = cb_value_get_map (draft, "override");
            if (override)
                fprintf (out, " %sby override%s (%s): %s", s_c (C_YEL), s_c (C_OFF),
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
        fprintf (out, "\n%sraised%s %s  %s from %s to %s (revision %lld)\n", s_c (C_BOLD),
                 s_c (C_OFF), s_time (cli_int (r, "time"), t, sizeof (t)),
                 to_us ? "to us" : "by us", cli_str (r, "from_draft"), cli_str (r, "draft"),
                 (long long) cli_int (r, "rev"));
        s_response (out, r, "  ");
    }
    //  Its check-ins, after finalize (checkin.new)
    cb_value_t *checkins = cb_value_get_array (reply, "checkins");
    for (size_t i = 0; i < cb_value_size (checkins); i++) {
        cb_value_t *c = cb_value_at (checkins, i);
        fprintf (out, "\n%scheck-in%s %s  by %s\n", s_c (C_BOLD), s_c (C_OFF),
                 s_time (cli_int (c, "time"), t, sizeof (t)), cli_str (c, "author"));
        s_checkin_line (out, c, "  ");
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
        fprintf (out, "%scoach: %s: %s%s %s%s: %s.", indent, cli_str (f, "about"), s_c (color),
                 level, cli_str (f, "code"), s_c (C_OFF), cli_str (f, "evidence"));
        if (*cli_str (f, "suggestion"))
            fprintf (out, " Try: \"%s\"", cli_str (f, "suggestion"));
        fprintf (out, "\n");
    }
}

//  --------------------------------------------------------------------------
//  Inbox deliveries: each kind as a sentence, in local time; each that
//  wants an answer ends with the commands that give it, ready to type
//  (the words in capitals are the person's to fill in).

//  "  answer: catchball ..." for the first, "      or: catchball ..." after.
static void
s_answer (FILE *out, bool first, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (out, "  %s%s%scatchball ", s_c (C_DIM), first ? "answer: " : "    or: ", s_c (C_OFF));
    vfprintf (out, format, args);
    fprintf (out, "\n");
    va_end (args);
}

//  What a reflect does to the helper's draft, as a clause.
static void
s_reflect (FILE *out, const cb_value_t *reflect)
{
    const char *type = cli_str (reflect, "type");
    char n [CLI_NUMBER_MAX];
    cb_value_t *kr = cb_value_get (reflect, "kr");
    if (streq (type, "raise_target"))
        fprintf (out, "raise %s's target to %s", cb_value_str (kr) ? cb_value_str (kr) : "",
                 cli_number (cb_value_get (reflect, "target"), n, sizeof (n)));
    else
    if (streq (type, "new_kr") || streq (type, "shared_kr")) {
        fprintf (out, "%s key result \"%s\", target %s", streq (type, "new_kr") ? "add the"
                                                                              : "share the",
                 cli_str (kr, "text"), cli_number (cb_value_get (kr, "target"), n, sizeof (n)));
        if (*cli_str (kr, "unit"))
            fprintf (out, " %s", cli_str (kr, "unit"));
    }
    else
        cli_json_print (out, reflect, true);
}

//  "d2 kr1 "Activation rate"": the key result an ask is about.
static void
s_ask_kr (FILE *out, const cb_value_t *ask)
{
    fprintf (out, "%s %s", cli_str (ask, "draft"), cli_str (ask, "kr"));
    if (*cli_str (ask, "kr_text"))
        fprintf (out, " \"%s\"", cli_str (ask, "kr_text"));
}

//  ask.new: an ask to the helper, or an offer to the team helped.
static void
s_ask_new (FILE *out, const cb_value_t *ask)
{
    const char *id = cli_str (ask, "id");
    bool offer = streq (cli_str (ask, "kind"), "offer");
    const char *event = cli_str (ask, "event");
    fprintf (out, "  %s%s%s %s (%s %s%s%s, %s%s) with ", s_c (C_BOLD), cli_str (ask, "from"),
             s_c (C_OFF), offer ? "offers you help" : "asks you for help",
             offer ? "offer" : "ask", s_c (C_BOLD), id, s_c (C_OFF),
             *event ? "event " : "outside any event", event);
    s_ask_kr (out, ask);
    fprintf (out, ":\n  %s", offer ? cli_str (ask, "text") : cli_str (ask, "need"));
    if (*cli_str (ask, "by"))
        fprintf (out, " (by %s)", cli_str (ask, "by"));
    fprintf (out, "\n");
    if (offer) {
        fprintf (out, "  if you take it, %s's draft %s will ", cli_str (ask, "from"),
                 cli_str (ask, "helper_draft"));
        s_reflect (out, cb_value_get_map (ask, "reflect"));
        fprintf (out, "\n");
        s_answer (out, true, "ask take %s", id);
        s_answer (out, false, "ask refuse %s --reason R", id);
    }
    else {
        s_answer (out, true, "ask accept %s " CLI_ANSWER_REFLECT, id);
        s_answer (out, false, "ask counter %s --text T " CLI_ANSWER_REFLECT, id);
        s_answer (out, false, "ask decline %s --reason R", id);
    }
}

//  ask.update: what the other side did, read from the ask's last history
//  entry; a counter asks the asking team to take or refuse it.
static void
s_ask_update (FILE *out, const cb_value_t *ask)
{
    const char *id = cli_str (ask, "id");
    bool offer = streq (cli_str (ask, "kind"), "offer");
    cb_value_t *history = cb_value_get_array (ask, "history");
    size_t entries = cb_value_size (history);
    cb_value_t *last = entries ? cb_value_at (history, entries - 1) : NULL;
    const char *action = last ? cli_str (last, "action") : "";
    const char *node = last ? cli_str (last, "node") : "";
    const char *what = offer ? "offer" : "ask";
    fprintf (out, "  %s%s%s ", s_c (C_BOLD), node, s_c (C_OFF));
    if (streq (action, "accept"))
        fprintf (out, "%saccepted%s your ask %s", s_c (C_GREEN), s_c (C_OFF), id);
    else
    if (streq (action, "decline"))
        fprintf (out, "%sdeclined%s your ask %s", s_c (C_RED), s_c (C_OFF), id);
    else
    if (streq (action, "counter"))
        fprintf (out, "%scountered%s your ask %s", s_c (C_YEL), s_c (C_OFF), id);
    else
    if (streq (action, "take"))
        fprintf (out, "%stook%s your %s %s", s_c (C_GREEN), s_c (C_OFF),
                 offer ? "offer" : "counter on ask", id);
    else
    if (streq (action, "refuse"))
        fprintf (out, "%srefused%s your %s %s", s_c (C_RED), s_c (C_OFF),
                 offer ? "offer" : "counter on ask", id);
    else
        fprintf (out, "changed %s %s", what, id);
    fprintf (out, " (for ");
    s_ask_kr (out, ask);
    fprintf (out, "), now %s", cli_str (ask, "state"));
    if (last && *cli_str (last, "text"))
        fprintf (out, ":\n  %s", cli_str (last, "text"));
    fprintf (out, "\n");
    cb_value_t *revisions = cb_value_get_array (ask, "revisions");
    for (size_t i = 0; i < cb_value_size (revisions); i++) {
        cb_value_t *r = cb_value_at (revisions, i);
        fprintf (out, "  %s revision %lld writes it in: catchball diff %s %lld %lld\n",
                 cli_str (r, "draft"), (long long) cli_int (r, "rev"), cli_str (r, "draft"),
                 (long long) cli_int (r, "parent"), (long long) cli_int (r, "rev"));
    }
    if (streq (cli_str (ask, "state"), "countered")) {
        fprintf (out, "  if you take it, %s's draft %s will ", node, cli_str (ask, "helper_draft"));
        s_reflect (out, cb_value_get_map (ask, "reflect"));
        fprintf (out, "\n");
        s_answer (out, true, "ask take %s", id);
        s_answer (out, false, "ask refuse %s --reason R", id);
    }
}

//  A delivery's one key result change (`diff`, may be NULL), as draft.diff
//  shows it.
static void
s_one_change (FILE *out, const cb_value_t *diff)
{
    cb_value_t *changes = cb_value_new_array ();
    cb_value_t *copy = diff ? cb_value_dup (diff) : NULL;
    if (copy)
        cb_value_push (changes, &copy);
    cli_render_changes (out, changes, "  ");
    cb_value_destroy (&changes);
}

//  link.broken: another draft's revision broke a link of one of ours,
//  with its reason and the change; answered by re-aligning ours.
static void
s_link_broken (FILE *out, const cb_value_t *body)
{
    cb_value_t *dependent = cb_value_get_map (body, "dependent");
    const char *mine = cli_str (dependent, "draft"), *change = cli_str (body, "change");
    bool shared = streq (cli_str (dependent, "link"), "shared_with");
    fprintf (out, "  %s%s%s %s%s%s %s %s in revision %lld, which your %s ", s_c (C_BOLD),
             cli_str (body, "by"), s_c (C_OFF), s_c (C_RED), change, s_c (C_OFF),
             cli_str (body, "draft"), cli_str (body, "kr"), (long long) cli_int (body, "rev"),
             mine);
    if (shared)
        fprintf (out, "shares (your %s)", cli_str (dependent, "kr"));
    else
        fprintf (out, "aligns to");
    fprintf (out, ":\n  %s\n", cli_str (body, "reason"));
    s_one_change (out, cb_value_get_map (body, "diff"));
    if (shared)
        fprintf (out, "  the two copies no longer agree: %s's next revision drops the link\n", mine);
    else
    if (streq (change, "removed"))
        fprintf (out, "  re-align %s to another key result, or to %s as a whole\n", mine,
                 cli_str (body, "draft"));
    else
        fprintf (out, "  %s still aligns to it, as it now reads\n", mine);
    s_answer (out, true, "draft revise %s FILE --message M", mine);
}

//  draft.raised: a team says it cannot align its draft with yours.
static void
s_raised (FILE *out, const cb_value_t *body)
{
    cb_value_t *r = cb_value_get_map (body, "response");
    fprintf (out, "  %s%s%s cannot align %s with your %s%s%s (%s%s%s):\n  %s\n",
             s_c (C_BOLD), cli_str (r, "author"), s_c (C_OFF), cli_str (body, "from_draft"),
             cli_str (body, "draft"), *cli_str (r, "on") ? " " : "", cli_str (r, "on"),
             s_c (C_RED), cli_str (r, "id"), s_c (C_OFF), cli_str (r, "text"));
    s_answer (out, true, "draft revise %s FILE --addresses %s --message M",
              cli_str (body, "draft"), cli_str (r, "id"));
}

//  "   see: catchball ..." for news that needs no answer, only a look.
static void
s_see (FILE *out, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (out, "  %s   see: %scatchball ", s_c (C_DIM), s_c (C_OFF));
    vfprintf (out, format, args);
    fprintf (out, "\n");
    va_end (args);
}

//  checkin.dropped: confidence fell on a key result one of our drafts
//  aligns to. Our promise leans on it: see where it stands, and say so
//  if we can no longer align.
static void
s_checkin_dropped (FILE *out, const cb_value_t *body)
{
    const cb_value_t *c = cb_value_get_map (body, "checkin");
    const char *mine = cli_str (cb_value_get_map (body, "dependent"), "draft");
    fprintf (out, "  %s%s%s's confidence in %s %s fell ", s_c (C_BOLD), cli_str (c, "author"),
             s_c (C_OFF), cli_str (c, "draft"), cli_str (c, "kr"));
    if (cb_value_is_number (cb_value_get (body, "previous")))
        fprintf (out, "%lld -> ", (long long) cli_int (body, "previous"));
    fprintf (out, "%s%lld/5%s, and your %s aligns to it:\n", s_c (C_RED),
             (long long) cli_int (c, "confidence"), s_c (C_OFF), mine);
    s_checkin_line (out, c, "  ");
    s_answer (out, true, "progress --draft %s", cli_str (c, "draft"));
    s_answer (out, false, "raise %s --cannot-align TEXT --kr %s", mine, cli_str (c, "kr"));
}

//  checkin.due: key results not checked in for a cadence (or more); to
//  the owner, who owes the check-in, or escalated to the owner of the
//  draft it aligns to, who may want to ask.
static void
s_checkin_due (FILE *out, const cb_value_t *body)
{
    bool escalated = false;
    cb_value_get_bool (body, "escalated", &escalated);
    const char *draft = cli_str (body, "draft");
    if (escalated)
        fprintf (out, "  %s%s%s's %s, aligned to your %s, is late with its check-ins (cycle "
                 "%s, every %lld days):\n", s_c (C_BOLD), cli_str (body, "owner"), s_c (C_OFF),
                 draft, cli_str (body, "aligned_to"), cli_str (body, "cycle"),
                 (long long) cli_int (body, "cadence_days"));
    else
        fprintf (out, "  check-ins due on %s (cycle %s, every %lld days):\n", draft,
                 cli_str (body, "cycle"), (long long) cli_int (body, "cadence_days"));
    cb_value_t *krs = cb_value_get_array (body, "krs");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        fprintf (out, "  %s%s%s %s: %s%lld cadence(s) without a check-in%s%s%s\n", s_c (C_BOLD),
                 cli_str (kr, "kr"), s_c (C_OFF), cli_str (kr, "text"), s_c (C_YEL),
                 (long long) cli_int (kr, "missed"), s_c (C_OFF),
                 *cli_str (kr, "last") ? ", the last " : "", cli_str (kr, "last"));
    }
    if (escalated)
        s_see (out, "progress --draft %s", draft);
    else
        s_answer (out, true, "checkin %s %s --value N --confidence 0-5", draft,
                  cli_str (cb_value_at (krs, 0), "kr"));
}

//  checkin.new: a lead checked in on our key result, or the other team on
//  one we share. News: the command shows where it stands.
static void
s_checkin_new (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s%s%s checked in", s_c (C_BOLD), cli_str (body, "author"), s_c (C_OFF));
    if (*cli_str (body, "shared_draft"))
        fprintf (out, " on the key result your %s %s shares", cli_str (body, "shared_draft"),
                 cli_str (body, "shared_kr"));
    fprintf (out, ":\n");
    s_checkin_line (out, body, "  ");
    s_see (out, "progress --draft %s", *cli_str (body, "shared_draft")
                                       ? cli_str (body, "shared_draft") : cli_str (body, "draft"));
}

//  draft.aligned: another team now aligns a draft to one of ours. News,
//  not a request (nothing in todo): the command reads their draft.
static void
s_draft_aligned (FILE *out, const cb_value_t *body)
{
    cb_value_t *to = cb_value_get_map (body, "aligned_to");
    cb_value_t *was = cb_value_get_map (body, "was");
    const char *draft = cli_str (body, "draft"), *kr = cli_str (to, "kr");
    fprintf (out, "  %s%s%s aligned %s revision %lld to your %s%s%s%s", s_c (C_BOLD),
             cli_str (body, "by"), s_c (C_OFF), draft, (long long) cli_int (body, "rev"),
             cli_str (to, "draft"), *kr ? " " : "", kr, *kr ? "" : " as a whole");
    if (was)
        fprintf (out, " (was %s%s%s)", cli_str (was, "draft"), *cli_str (was, "kr") ? " " : "",
                 cli_str (was, "kr"));
    fprintf (out, ":\n  %s\n", cli_str (body, "objective"));
    s_see (out, "draft show %s", draft);
}

//  parent.changed: a key result one of our drafts aligns to was changed
//  (not broken: the link holds), with the diff; ours may want to follow.
static void
s_parent_changed (FILE *out, const cb_value_t *body)
{
    const char *mine = cli_str (cb_value_get_map (body, "dependent"), "draft");
    fprintf (out, "  %s%s%s changed %s %s in revision %lld, which your %s aligns to:\n",
             s_c (C_BOLD), cli_str (body, "by"), s_c (C_OFF), cli_str (body, "draft"),
             cli_str (body, "kr"), (long long) cli_int (body, "rev"), mine);
    s_one_change (out, cb_value_get_map (body, "diff"));
    fprintf (out, "  %s still aligns to it; revise %s if it should follow\n", mine, mine);
    s_answer (out, true, "draft revise %s FILE --message M", mine);
}

//  vote.opened: a sealed vote to cast, by its deadline if it has one.
static void
s_vote_opened (FILE *out, const cb_value_t *vote)
{
    char t [32];
    const char *draft = cli_str (vote, "draft");
    fprintf (out, "  %s%s%s asks your confidence in %s revision %lld (vote %s%s%s): %s\n",
             s_c (C_BOLD), cli_str (vote, "owner"), s_c (C_OFF), draft,
             (long long) cli_int (vote, "rev"), s_c (C_BOLD), cli_str (vote, "id"), s_c (C_OFF),
             cli_str (vote, "objective"));
    fprintf (out, "  sealed: nobody sees a vote until all %zu voters have voted",
             cb_value_size (cb_value_get_array (vote, "voters")));
    if (cli_int (vote, "deadline"))
        fprintf (out, " or %s passes", s_time (cli_int (vote, "deadline"), t, sizeof (t)));
    fprintf (out, "\n");
    s_answer (out, true, "vote %s --confidence 0-5 [--comment C]", draft);
}

//  vote.revealed: every vote at once, the minimum, median and spread, and
//  what the owner may do now.
static void
s_vote_revealed (FILE *out, const cb_value_t *vote)
{
    char n [CLI_NUMBER_MAX];
    const char *draft = cli_str (vote, "draft"), *by = cli_str (vote, "closed_by");
    cb_value_t *result = cb_value_get_map (vote, "result");
    cb_value_t *votes = cb_value_get_array (result, "votes");
    bool passed = false;
    cb_value_get_bool (result, "passed", &passed);
    fprintf (out, "  vote %s%s%s on %s revision %lld revealed (%s): ", s_c (C_BOLD),
             cli_str (vote, "id"), s_c (C_OFF), draft, (long long) cli_int (vote, "rev"),
             streq (by, "voted") ? "everyone voted" : streq (by, "deadline")
             ? "its deadline passed" : "the owner finalised");
    if (cb_value_size (votes))
        fprintf (out, "minimum %lld, median %s, spread %lld; %s%s%s\n",
                 (long long) cli_int (result, "min"),
                 cli_number (cb_value_get (result, "median"), n, sizeof (n)),
                 (long long) cli_int (result, "spread"), s_c (passed ? C_GREEN : C_RED),
                 passed ? "passed" : "not passed", s_c (C_OFF));
    else
        fprintf (out, "nobody voted; %snot passed%s\n", s_c (C_RED), s_c (C_OFF));
    for (size_t i = 0; i < cb_value_size (votes); i++) {
        cb_value_t *v = cb_value_at (votes, i);
        fprintf (out, "    %s: %lld/5%s%s\n", cli_str (v, "node"),
                 (long long) cli_int (v, "confidence"), *cli_str (v, "comment") ? " - " : "",
                 cli_str (v, "comment"));
    }
    cb_value_t *missing = cb_value_get_array (result, "missing");
    for (size_t i = 0; i < cb_value_size (missing); i++)
        fprintf (out, "%s%s", i ? ", " : "    no vote from ", cb_value_str (cb_value_at (missing, i)));
    if (cb_value_size (missing))
        fprintf (out, "\n");
    if (streq (by, "finalize"))
        return;
    const char *owner = cli_str (vote, "owner");
    if (passed) {
        fprintf (out, "  %s may finalise %s now:\n", owner, draft);
        s_answer (out, true, "finalize %s", draft);
    }
    else {
        fprintf (out, "  it needed a median of %lld and no 0 or 1: %s may revise and vote again, "
                 "or finalise anyway, saying why:\n", (long long) cli_int (vote, "threshold"),
                 owner);
        s_answer (out, true, "vote open %s --voters NODE,...", draft);
        s_answer (out, false, "finalize %s --override --reason TEXT", draft);
    }
}

static void
s_round_thrown (FILE *out, const cb_value_t *body)
{
    char t [32];
    const char *round = cli_str (body, "round");
    fprintf (out, "  %s%s%s threw %s revision %lld to you in round %s%s%s\n", s_c (C_BOLD),
             cli_str (body, "owner"), s_c (C_OFF), cli_str (body, "draft"),
             (long long) cli_int (body, "rev"), s_c (C_BOLD), round, s_c (C_OFF));
    if (*cli_str (body, "question"))
        fprintf (out, "  question: %s\n", cli_str (body, "question"));
    if (cli_int (body, "deadline"))
        fprintf (out, "  answer by %s\n", s_time (cli_int (body, "deadline"), t, sizeof (t)));
    s_content (out, cb_value_get_map (body, "content"), "  ");
    cli_render_coach (out, cb_value_get_array (body, "coach"), "  ");
    s_answer (out, true, CLI_ANSWER_FEEDBACK, round);
    s_answer (out, false, CLI_ANSWER_COUNTER, round);
    s_answer (out, false, CLI_ANSWER_ENDORSE, round);
}

static void
s_round_response (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  answer in round %s on %s:\n", cli_str (body, "round"), cli_str (body, "draft"));
    s_response (out, cb_value_get_map (body, "response"), "  ");
}

static void
s_round_closed (FILE *out, const cb_value_t *body)
{
    const char *by = cli_str (body, "closed_by");
    fprintf (out, "  round %s on %s closed (%s): %zu response(s)",
             cli_str (body, "round"), cli_str (body, "draft"),
             streq (by, "answered") ? "everyone answered" : by,
             cb_value_size (cb_value_get_array (body, "responses")));
    cb_value_t *missing = cb_value_get_array (body, "missing");
    for (size_t i = 0; i < cb_value_size (missing); i++)
        fprintf (out, "%s%s", i ? ", " : "; no answer from ", cb_value_str (cb_value_at (missing, i)));
    fprintf (out, "\n");
}

static void
s_proposal_adopted (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s adopted your counter-proposal %s as %s revision %lld\n",
             cli_str (body, "by"), cli_str (body, "proposal"), cli_str (body, "draft"),
             (long long) cli_int (body, "rev"));
}

static void
s_draft_final (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s is final at revision %lld: %s\n", cli_str (body, "draft"),
             (long long) cli_int (body, "rev"), cli_str (body, "objective"));
    cb_value_t *override = cb_value_get_map (body, "override");
    if (override)
        fprintf (out, "  %sfinalised by override%s, without a vote that passed: %s\n",
                 s_c (C_YEL), s_c (C_OFF), cli_str (override, "reason"));
}

static void
s_event_phase (FILE *out, const cb_value_t *body)
{
    char t [32];
    const char *event = cli_str (body, "event"), *phase = cli_str (body, "phase");
    fprintf (out, "  event %s \"%s\" ", event, cli_str (body, "name"));
    if (streq (phase, "closed")) {
        fprintf (out, "is %sclosed%s; its record: catchball report %s\n", s_c (C_BOLD),
                 s_c (C_OFF), event);
        return;
    }
    fprintf (out, "is in its %s%s%s phase", s_c (C_BOLD), phase, s_c (C_OFF));
    if (cli_int (body, "ends"))
        fprintf (out, " until %s", s_time (cli_int (body, "ends"), t, sizeof (t)));
    fprintf (out, "\n");
    if (streq (phase, "share"))
        fprintf (out, "  share your draft: catchball event share %s DRAFT\n", event);
    else
    if (streq (phase, "negotiate"))
        fprintf (out, "  ask for help: catchball ask new %s --to NODE --kr KR --need TEXT\n",
                 event);
    else
    if (streq (phase, "commit"))
        fprintf (out, "  answer the asks still open: catchball event show %s\n", event);
}

static void
s_event_nudge (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s%s%s nudges you in event %s \"%s\"", s_c (C_BOLD),
             cli_str (body, "by"), s_c (C_OFF), cli_str (body, "event"),
             cli_str (body, "name"));
    if (*cli_str (body, "text"))
        fprintf (out, ": %s", cli_str (body, "text"));
    fprintf (out, "\n  what waits for you: catchball todo\n");
}

static void
s_ask_new_body (FILE *out, const cb_value_t *body)
{
    s_ask_new (out, cb_value_get_map (body, "ask"));
}

static void
s_ask_update_body (FILE *out, const cb_value_t *body)
{
    s_ask_update (out, cb_value_get_map (body, "ask"));
}

static void
s_cycle_closed (FILE *out, const cb_value_t *body)
{
    cb_value_t *drafts = cb_value_get_array (body, "drafts");
    fprintf (out, "  cycle %s%s%s is closed: score your final OKR%s", s_c (C_BOLD),
             cli_str (body, "cycle"), s_c (C_OFF), cb_value_size (drafts) > 1 ? "s" : "");
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        fprintf (out, "%s%s", i ? ", " : " ", cb_value_str (cb_value_at (drafts, i)));
    fprintf (out, "\n");
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        s_answer (out, i == 0, "retro %s --score KR=0..1,... --learned TEXT",
                  cb_value_str (cb_value_at (drafts, i)));
}

//  Each delivery kind and what says it.
static const struct {
    const char *kind;
    void (*render) (FILE *out, const cb_value_t *body);
} s_deliveries [] = {
    { "round.thrown", s_round_thrown },         { "round.response", s_round_response },
    { "round.closed", s_round_closed },         { "proposal.adopted", s_proposal_adopted },
    { "draft.final", s_draft_final },           { "vote.opened", s_vote_opened },
    { "vote.revealed", s_vote_revealed },       { "event.phase", s_event_phase },
    { "event.nudge", s_event_nudge },           { "ask.new", s_ask_new_body },
    { "ask.update", s_ask_update_body },        { "link.broken", s_link_broken },
    { "draft.raised", s_raised },               { "cycle.closed", s_cycle_closed },
    { "draft.aligned", s_draft_aligned },       { "parent.changed", s_parent_changed },
    { "checkin.new", s_checkin_new },           { "checkin.dropped", s_checkin_dropped },
    { "checkin.due", s_checkin_due },
};

void
cli_render_delivery (FILE *out, const cb_value_t *delivery)
{
    const char *kind = cli_str (delivery, "kind");
    cb_value_t *body = cb_value_get_map (delivery, "body");
    char t [32];
    fprintf (out, "%s#%lld %s%s  %s\n", s_c (C_DIM), (long long) cli_int (delivery, "seq"),
             s_time (cli_int (delivery, "time"), t, sizeof (t)), s_c (C_OFF), kind);
    for (size_t i = 0; i < sizeof (s_deliveries) / sizeof (s_deliveries [0]); i++)
        if (streq (kind, s_deliveries [i].kind)) {
            s_deliveries [i].render (out, body);
            return;
        }
    //  A kind newer than this client: the facts as they came.
    cli_json_print (out, body, false);
}

//  --------------------------------------------------------------------------
//  A log entry (catchball watch): who changed what, one line, each object
//  it names in a few words

static void
s_log_object (FILE *out, const char *key, const cb_value_t *object)
{
    const char *id = cli_str (object, "id");
    if (strncmp (key, "draft/", 6) == 0)
        fprintf (out, "%s%s%s revision %lld \"%s\" (%s%s%s)", s_c (C_BOLD), id, s_c (C_OFF),
                 (long long) cli_int (object, "head"), cli_str (object, "objective"),
                 s_state_color (cli_str (object, "state")), cli_str (object, "state"),
                 s_c (C_OFF));
    else
    if (strncmp (key, "round/", 6) == 0)
        fprintf (out, "round %s%s%s on %s: %s%s%s", s_c (C_BOLD), id, s_c (C_OFF),
                 cli_str (object, "draft"), cli_str (object, "state"),
                 *cli_str (object, "closed_by") ? ", closed by " : "",
                 cli_str (object, "closed_by"));
    else
    if (strncmp (key, "event/", 6) == 0)
        fprintf (out, "event %s%s%s \"%s\": %s", s_c (C_BOLD), id, s_c (C_OFF),
                 cli_str (object, "name"), cli_str (object, "phase"));
    else
    if (strncmp (key, "ask/", 4) == 0)
        fprintf (out, "%s %s%s%s from %s to %s: %s", cli_str (object, "kind"), s_c (C_BOLD), id,
                 s_c (C_OFF), cli_str (object, "from"), cli_str (object, "to"),
                 cli_str (object, "state"));
    else
    if (strncmp (key, "cycle/", 6) == 0)
        fprintf (out, "cycle %s%s%s%s", s_c (C_BOLD), cli_str (object, "name"), s_c (C_OFF),
                 cli_int (object, "closed") ? " closed" : "");
    else
    if (strncmp (key, "checkin/", 8) == 0) {
        char v [CLI_NUMBER_MAX];
        fprintf (out, "check-in %s%s%s on %s %s: %s, confidence %lld/5", s_c (C_BOLD), id,
                 s_c (C_OFF), cli_str (object, "draft"), cli_str (object, "kr"),
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
    fprintf (out, "%s#%lld %s%s  %s%s%s %s:", s_c (C_DIM), (long long) cli_int (entry, "seq"),
             s_time (cli_int (entry, "time"), t, sizeof (t)), s_c (C_OFF), s_c (C_BOLD),
             cli_str (entry, "node"), s_c (C_OFF), cli_str (entry, "kind"));
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
            fprintf (out, "answer round %s%s%s: %s threw %s to you", s_c (C_BOLD), id, s_c (C_OFF),
                     cli_str (item, "from"), cli_str (item, "draft"));
        else
        if (streq (what, "ask"))
            fprintf (out, "answer ask %s%s%s from %s for %s %s: %s", s_c (C_BOLD), id, s_c (C_OFF),
                     cli_str (item, "from"), cli_str (item, "draft"), cli_str (item, "kr"),
                     cli_str (item, "text"));
        else
        if (streq (what, "counter"))
            fprintf (out, "take or refuse %s's counter on ask %s%s%s: %s", cli_str (item, "from"),
                     s_c (C_BOLD), id, s_c (C_OFF), cli_str (item, "text"));
        else
        if (streq (what, "offer"))
            fprintf (out, "take or refuse offer %s%s%s from %s for %s %s: %s", s_c (C_BOLD), id,
                     s_c (C_OFF), cli_str (item, "from"), cli_str (item, "draft"),
                     cli_str (item, "kr"), cli_str (item, "text"));
        else
        if (streq (what, "link"))
            fprintf (out, "re-align %s%s%s: %s", s_c (C_BOLD), id, s_c (C_OFF),
                     cli_str (item, "text"));
        else
        if (streq (what, "retro"))
            fprintf (out, "score %s%s%s, final OKR of closed cycle %s: its retrospective",
                     s_c (C_BOLD), id, s_c (C_OFF), cli_str (item, "cycle"));
        else
        if (streq (what, "raised"))
            fprintf (out, "answer %s%s%s: %s cannot align %s with your %s: %s", s_c (C_BOLD), id,
                     s_c (C_OFF), cli_str (item, "from"), cli_str (item, "from_draft"),
                     cli_str (item, "draft"), cli_str (item, "text"));
        else
        if (streq (what, "checkin"))
            fprintf (out, "check in on %s%s%s: %s", s_c (C_BOLD), id, s_c (C_OFF),
                     cli_str (item, "text"));
        else
        if (streq (what, "dropped"))
            fprintf (out, "check %s%s%s's alignment: %s", s_c (C_BOLD), id, s_c (C_OFF),
                     cli_str (item, "text"));
        else
        if (streq (what, "vote"))
            fprintf (out, "cast your sealed confidence vote on %s%s%s (%s's, vote %s)",
                     s_c (C_BOLD), id, s_c (C_OFF), cli_str (item, "from"),
                     cli_str (item, "vote"));
        else
        if (streq (what, "open-vote"))
            fprintf (out, "open a sealed confidence vote on %s%s%s: its rounds are done",
                     s_c (C_BOLD), id, s_c (C_OFF));
        else
        if (streq (what, "finalize") && s_flag (item, "passed"))
            fprintf (out, "finalise %s%s%s: vote %s on its head revision passed", s_c (C_BOLD),
                     id, s_c (C_OFF), cli_str (item, "vote"));
        else
            fprintf (out, "finalise %s%s%s or vote again: vote %s on its head revision did "
                     "not pass", s_c (C_BOLD), id, s_c (C_OFF), cli_str (item, "vote"));
        if (*cli_str (item, "event"))
            fprintf (out, " (event %s)", cli_str (item, "event"));
        if (cli_int (item, "deadline"))
            fprintf (out, "\n  %sby %s%s\n", s_c (C_YEL),
                     s_time (cli_int (item, "deadline"), t, sizeof (t)), s_c (C_OFF));
        else
            fprintf (out, "\n  no deadline\n");
        cb_value_t *commands = cb_value_get_array (item, "commands");
        for (size_t j = 0; j < cb_value_size (commands); j++)
            fprintf (out, "  %s%s\n", j ? "  or: " : "  do: ",
                     cb_value_str (cb_value_at (commands, j)));
    }
}
