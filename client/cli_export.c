/*  =========================================================================
    cli_export - catchball export: every draft of a cycle as CSV (import's
    columns, so that it imports again), Markdown (for a wiki) or JSON; and
    a draft's history as a Markdown transcript (history --format md)

    Export reads the cycle's graph (cycle.graph, every page): each draft
    of the cycle with its head content, and the asks and offers of the
    cycle's events. A final draft's head is its final OKR (PROTOCOL.md:
    final_rev follows every amendment), so the head is both the current
    and the final revision, and `state` and `final_rev` say which it is.
    =========================================================================
*/
#include <csv.h>

#include "cb_coach.h"
#include "cb_coach_value.h"
#include "cli_cmd.h"

//  --------------------------------------------------------------------------
//  The coach's findings on each draft (the same as catchball lint and the
//  broker give), as a value list per draft id; NULL without word lists.

static cb_value_t *
s_findings (const cb_value_t *drafts)
{
    char error [512];
    cb_coach_t *coach = cb_coach_new (NULL, error, sizeof (error));
    if (!coach) {
        fprintf (stderr, "catchball: export without the coach's findings: %s\n", error);
        return NULL;
    }
    cb_value_t *all = cb_value_new_map ();
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *draft = cb_value_at (drafts, i);
        cb_coach_findings_t *f = cb_coach_check_content (coach, cb_value_get_map (draft, "content"));
        cb_value_t *list = cb_coach_findings_value (f);
        cb_coach_findings_destroy (&f);
        cb_value_set (all, cli_str (draft, "id"), &list);
    }
    cb_coach_destroy (&coach);
    return all;
}

//  The codes of the findings about `about` ("kr2", or "" for the
//  objective's and the draft's), comma-separated, into buf.
static const char *
s_codes (const cb_value_t *findings, const char *about, char *buf, size_t size)
{
    buf [0] = 0;
    for (size_t i = 0; i < cb_value_size (findings); i++) {
        cb_value_t *f = cb_value_at (findings, i);
        const char *on = cli_str (f, "about");
        bool whole = streq (on, "objective") || streq (on, "draft");
        if (*about ? !streq (on, about) : !whole)
            continue;
        size_t len = strlen (buf);
        snprintf (buf + len, size - len, "%s%s%s%s", len ? ", " : "", whole ? on : "",
                  whole ? " " : "", cli_str (f, "code"));
    }
    return buf;
}

//  --------------------------------------------------------------------------
//  CSV

//  One cell, always quoted (libcsv doubles the quotes inside), and its
//  delimiter or the row's end.
static void
s_cell (FILE *out, const char *text, bool last)
{
    csv_fwrite (out, text ? text : "", text ? strlen (text) : 0);
    fputs (last ? "\r\n" : ",", out);
}

//  "d1/kr2" or "d1" of a {draft, kr?} map, into buf; "" if none.
static const char *
s_link (const cb_value_t *link, char *buf, size_t size)
{
    const char *draft = cb_value_get_str (link, "draft");
    const char *kr = cb_value_get_str (link, "kr");
    snprintf (buf, size, "%s%s%s", draft ? draft : "", kr ? "/" : "", kr ? kr : "");
    return buf;
}

//  A key result's cells as export writes them, in both formats.
typedef struct {
    char baseline [CLI_NUMBER_MAX];     //  "" if none
    char target [CLI_NUMBER_MAX];
    char leads [400];                   //  "ana, bo"
    char shared [64];                   //  "d3/kr2", or ""
} s_kr_cells_t;

static void
s_kr_cells (const cb_value_t *kr, s_kr_cells_t *cells)
{
    cells->baseline [0] = cells->leads [0] = 0;
    if (cb_value_get (kr, "baseline"))
        cli_number (cb_value_get (kr, "baseline"), cells->baseline, sizeof (cells->baseline));
    cli_number (cb_value_get (kr, "target"), cells->target, sizeof (cells->target));
    cb_value_t *list = cb_value_get_array (kr, "leads");
    for (size_t l = 0; l < cb_value_size (list); l++)
        snprintf (cells->leads + strlen (cells->leads), sizeof (cells->leads)
                  - strlen (cells->leads), "%s%s", l ? ", " : "",
                  cb_value_str (cb_value_at (list, l)));
    s_link (cb_value_get_map (kr, "shared_with"), cells->shared, sizeof (cells->shared));
}

static void
s_export_csv (FILE *out, const cb_value_t *drafts, const cb_value_t *coach)
{
    for (int c = 0; cli_import_column (c); c++)
        s_cell (out, cli_import_column (c), !cli_import_column (c + 1));
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *draft = cb_value_at (drafts, i);
        cb_value_t *content = cb_value_get_map (draft, "content");
        cb_value_t *krs = cb_value_get_array (content, "key_results");
        char aligned [64], rev [24];
        s_link (cb_value_get_map (content, "aligned_to"), aligned, sizeof (aligned));
        snprintf (rev, sizeof (rev), "%lld", (long long) cli_int (draft, "head"));
        for (size_t k = 0; k < cb_value_size (krs); k++) {
            cb_value_t *kr = cb_value_at (krs, k);
            s_kr_cells_t cells;
            s_kr_cells (kr, &cells);
            //  In the order of cli_import.c's columns
            s_cell (out, cli_str (draft, "id"), false);
            s_cell (out, cli_str (content, "objective"), false);
            s_cell (out, cli_str (content, "narrative"), false);
            s_cell (out, aligned, false);
            s_cell (out, cli_str (kr, "id"), false);
            s_cell (out, cli_str (kr, "text"), false);
            s_cell (out, cells.baseline, false);
            s_cell (out, cells.target, false);
            s_cell (out, cli_str (kr, "unit"), false);
            s_cell (out, cells.leads, false);
            s_cell (out, cells.shared, false);
            s_cell (out, cli_str (draft, "owner"), false);
            s_cell (out, cli_str (draft, "state"), false);
            s_cell (out, rev, false);
            //  The key result's findings; the objective's on its first row
            cb_value_t *findings = cb_value_get_array (coach, cli_str (draft, "id"));
            char codes [400], whole [200] = "";
            s_codes (findings, cli_str (kr, "id"), codes, sizeof (codes));
            if (k == 0 && *s_codes (findings, "", whole, sizeof (whole))) {
                size_t len = strlen (codes);
                snprintf (codes + len, sizeof (codes) - len, "%s%s", len ? ", " : "", whole);
            }
            s_cell (out, codes, true);
        }
    }
}

//  --------------------------------------------------------------------------
//  Markdown

//  Text for a Markdown table cell: '|' escaped, newlines as <br>.
static void
s_md_cell (FILE *out, const char *text)
{
    for (; text && *text; text++)
        if (*text == '|')
            fputs ("\\|", out);
        else
        if (*text == '\n')
            fputs ("<br>", out);
        else
        if (*text != '\r')
            fputc (*text, out);
}

//  The asks of a list that concern a draft (asked of it or for it).
static void
s_md_asks (FILE *out, const cb_value_t *asks, const char *draft)
{
    bool any = false;
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *ask = cb_value_at (asks, i);
        if (!streq (cli_str (ask, "draft"), draft) && !streq (cli_str (ask, "helper_draft"), draft))
            continue;
        if (!any)
            fprintf (out, "\n| ask | event | kind | from | to | for | need | state |\n"
                          "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        any = true;
        fprintf (out, "| %s | %s | %s | %s | %s | %s/%s | ", cli_str (ask, "id"),
                 cli_str (ask, "event"), cli_str (ask, "kind"), cli_str (ask, "from"),
                 cli_str (ask, "to"), cli_str (ask, "draft"), cli_str (ask, "kr"));
        s_md_cell (out, *cli_str (ask, "need") ? cli_str (ask, "need") : cli_str (ask, "text"));
        fprintf (out, " | %s |\n", cli_str (ask, "state"));
    }
}

//  The coach's findings on a draft, as a list.
static void
s_md_coach (FILE *out, const cb_value_t *findings)
{
    if (cb_value_size (findings))
        fprintf (out, "\nThe coach:\n\n");
    for (size_t i = 0; i < cb_value_size (findings); i++) {
        cb_value_t *f = cb_value_at (findings, i);
        fprintf (out, "- %s: %s `%s`: ", cli_str (f, "about"), cli_str (f, "level"),
                 cli_str (f, "code"));
        s_md_cell (out, cli_str (f, "evidence"));
        if (*cli_str (f, "suggestion")) {
            fprintf (out, ". Try: \"");
            s_md_cell (out, cli_str (f, "suggestion"));
            fprintf (out, "\"");
        }
        fprintf (out, "\n");
    }
}

static void
s_export_md (FILE *out, const char *cycle, const cb_value_t *drafts, const cb_value_t *asks,
             const cb_value_t *coach)
{
    fprintf (out, "# OKRs of cycle %s\n", cycle);
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *draft = cb_value_at (drafts, i);
        cb_value_t *content = cb_value_get_map (draft, "content");
        const char *state = cli_str (draft, "state");
        fprintf (out, "\n## %s: ", cli_str (draft, "id"));
        s_md_cell (out, cli_str (content, "objective"));
        fprintf (out, "\n\nOwner %s; %s at revision %lld%s.\n", cli_str (draft, "owner"),
                 streq (state, "final") ? "final (the agreed OKR)"
                 : streq (state, "in_round") ? "in a round" : "drafting",
                 (long long) cli_int (draft, "head"),
                 streq (state, "final") ? "" : " (not final yet)");
        cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
        if (aligned) {
            char link [64];
            fprintf (out, "Aligned to %s.\n", s_link (aligned, link, sizeof (link)));
        }
        if (*cli_str (content, "narrative"))
            fprintf (out, "\n%s\n", cli_str (content, "narrative"));
        fprintf (out, "\n| id | key result | baseline | target | unit | leads | shared with |\n"
                      "| --- | --- | --- | --- | --- | --- | --- |\n");
        cb_value_t *krs = cb_value_get_array (content, "key_results");
        for (size_t k = 0; k < cb_value_size (krs); k++) {
            cb_value_t *kr = cb_value_at (krs, k);
            s_kr_cells_t cells;
            s_kr_cells (kr, &cells);
            fprintf (out, "| %s | ", cli_str (kr, "id"));
            s_md_cell (out, cli_str (kr, "text"));
            fprintf (out, " | %s | %s | ", cells.baseline, cells.target);
            s_md_cell (out, cli_str (kr, "unit"));
            fprintf (out, " | ");
            s_md_cell (out, cells.leads);
            fprintf (out, " | %s |\n", cells.shared);
        }
        s_md_coach (out, cb_value_get_array (coach, cli_str (draft, "id")));
        s_md_asks (out, asks, cli_str (draft, "id"));
    }
}

//  --------------------------------------------------------------------------
//  catchball export --cycle C [--format csv|md|json]

int
cli_export (cli_t *cli, cli_args_t *a)
{
    const char *cycle = a->o [CLI_O_CYCLE];
    const char *format = a->o [CLI_O_FORMAT] ? a->o [CLI_O_FORMAT] : "csv";
    if (!cycle)
        return cli_fail_usage ("%s: --cycle C is required", "export");
    if (!streq (format, "csv") && !streq (format, "md") && !streq (format, "json"))
        return cli_fail_usage ("--format is csv, md or json, not '%s'", format);
    int status = 0;
    cb_value_t *body = cli_body ("cycle", cycle);
    cb_value_t *graph = cli_request (cli, "cycle.graph", &body, &status);
    if (!graph)
        return status;
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    cb_value_t *asks = cb_value_get_array (graph, "asks");
    if (cb_value_size (drafts) == 0) {
        fprintf (stderr, "catchball: cycle %s has no drafts: nothing to export "
                         "(catchball draft list shows each draft's cycle)\n", cycle);
        cb_value_destroy (&graph);
        return 1;
    }
    cb_value_t *coach = s_findings (drafts);
    if (streq (format, "csv"))
        s_export_csv (stdout, drafts, coach);
    else
    if (streq (format, "md"))
        s_export_md (stdout, cycle, drafts, asks, coach);
    else {
        cb_value_t *doc = cb_value_new_map ();
        cb_value_set_str (doc, "cycle", cycle);
        cb_value_t *copy = cb_value_dup (drafts);
        //  Each draft with its findings (nil without the coach's words)
        for (size_t i = 0; i < cb_value_size (copy); i++) {
            cb_value_t *d = cb_value_at (copy, i);
            cb_value_t *findings = cb_value_dup (cb_value_get (coach, cli_str (d, "id")));
            if (!findings)
                findings = cb_value_new_nil ();
            cb_value_set (d, "coach", &findings);
        }
        cb_value_set (doc, "drafts", &copy);
        copy = cb_value_dup (asks ? asks : NULL);
        if (!copy)
            copy = cb_value_new_array ();
        cb_value_set (doc, "asks", &copy);
        cli_json_print (stdout, doc, false);
        cb_value_destroy (&doc);
    }
    cb_value_destroy (&coach);
    cb_value_destroy (&graph);
    return fflush (stdout) ? 1 : 0;
}

//  --------------------------------------------------------------------------
//  history DRAFT --format md: the negotiation as a transcript

//  A time for the transcript: local, with its offset.
static const char *
s_when (const cb_value_t *map, const char *key, char *buf)
{
    return cli_time (cli_int (map, key), CLI_TIME_LOCAL, buf, CLI_TIME_MAX);
}

//  One answer to a round, as a list item.
static void
s_md_response (FILE *out, const cb_value_t *r)
{
    char t [CLI_TIME_MAX];
    const char *type = cli_str (r, "type");
    fprintf (out, "- %s, **%s** (%s): ", s_when (r, "time", t), cli_str (r, "author"),
             cli_str (r, "id"));
    if (streq (type, "feedback")) {
        fprintf (out, "%s", cli_str (r, "kind"));
        if (*cli_str (r, "on"))
            fprintf (out, " on %s", cli_str (r, "on"));
        fprintf (out, ": %s", cli_str (r, "text"));
    }
    else
    if (streq (type, "counter"))
        fprintf (out, "counter-proposal, revision %lld: %s",
                 (long long) cli_int (r, "proposal_rev"), cli_str (r, "message"));
    else
    if (streq (type, "endorse")) {
        fprintf (out, "endorses, confidence %lld", (long long) cli_int (r, "confidence"));
        if (*cli_str (r, "text"))
            fprintf (out, ": %s", cli_str (r, "text"));
    }
    bool final = true;
    cb_value_get_bool (r, "final", &final);
    fprintf (out, "%s\n", final ? "" : " (more to come)");
}

static void
s_md_round (FILE *out, const cb_value_t *round)
{
    char t [CLI_TIME_MAX];
    fprintf (out, "\n### Round %s: revision %lld thrown to ", cli_str (round, "id"),
             (long long) cli_int (round, "rev"));
    cb_value_t *to = cb_value_get_array (round, "recipients");
    for (size_t i = 0; i < cb_value_size (to); i++)
        fprintf (out, "%s%s", i ? ", " : "", cb_value_str (cb_value_at (to, i)));
    fprintf (out, "\n\nOpened %s", s_when (round, "opened", t));
    if (*cli_str (round, "question"))
        fprintf (out, ", asking: \"%s\"", cli_str (round, "question"));
    fprintf (out, ".\n\n");
    cb_value_t *responses = cb_value_get_array (round, "responses");
    for (size_t i = 0; i < cb_value_size (responses); i++)
        s_md_response (out, cb_value_at (responses, i));
    if (streq (cli_str (round, "state"), "closed"))
        fprintf (out, "%sClosed %s (%s).\n", cb_value_size (responses) ? "\n" : "",
                 s_when (round, "closed", t), cli_str (round, "closed_by"));
    else
        fprintf (out, "%sStill open.\n", cb_value_size (responses) ? "\n" : "");
}

void
cli_history_markdown (FILE *out, const cb_value_t *reply)
{
    cli_render_init (false);
    cb_value_t *draft = cb_value_get_map (reply, "draft");
    cb_value_t *revisions = cb_value_get_array (reply, "revisions");
    cb_value_t *rounds = cb_value_get_array (reply, "rounds");
    char t [CLI_TIME_MAX];
    fprintf (out, "# %s: %s\n\nCycle %s, owner %s, %s", cli_str (draft, "id"),
             cli_str (draft, "objective"), cli_str (draft, "cycle"), cli_str (draft, "owner"),
             cli_str (draft, "state"));
    if (streq (cli_str (draft, "state"), "final"))
        fprintf (out, " at revision %lld", (long long) cli_int (draft, "final_rev"));
    fprintf (out, ". Times are local.\n");
    for (size_t i = 0; i < cb_value_size (revisions); i++) {
        cb_value_t *rev = cb_value_at (revisions, i);
        bool mainline = false;
        cb_value_get_bool (rev, "mainline", &mainline);
        fprintf (out, "\n## %s %lld: %s, %s\n", mainline ? "Revision" : "Counter-proposal",
                 (long long) cli_int (rev, "rev"), s_when (rev, "time", t),
                 cli_str (rev, "author"));
        //  What the revision is, in a paragraph of its own if anything
        char facts [512] = "";
        size_t n = 0;
        if (!mainline)
            n += snprintf (facts + n, sizeof (facts) - n, "Proposed as %s in round %s, on "
                           "revision %lld. ", cli_str (rev, "proposal"), cli_str (rev, "round"),
                           (long long) cli_int (rev, "parent"));
        else
        if (*cli_str (rev, "proposer"))
            n += snprintf (facts + n, sizeof (facts) - n, "Adopts %s, proposed by %s (revision "
                           "%lld). ", cli_str (rev, "proposal"), cli_str (rev, "proposer"),
                           (long long) cli_int (rev, "adopted_from"));
        else
        if (*cli_str (rev, "round"))
            n += snprintf (facts + n, sizeof (facts) - n, "In answer to round %s. ",
                           cli_str (rev, "round"));
        if (*cli_str (rev, "ask") && n < sizeof (facts))
            n += snprintf (facts + n, sizeof (facts) - n, "Written by the agreement of %s. ",
                           cli_str (rev, "ask"));
        bool amends = false;
        if (cb_value_get_bool (rev, "amends_final", &amends) && amends && n < sizeof (facts))
            n += snprintf (facts + n, sizeof (facts) - n, "Amends the final OKR. ");
        if (n && n < sizeof (facts))
            facts [n - 1] = 0;      //  The last space
        if (*facts)
            fprintf (out, "\n%s\n", facts);
        if (*cli_str (rev, "message"))
            fprintf (out, "\n> %s\n", cli_str (rev, "message"));
        cb_value_t *addresses = cb_value_get_array (rev, "addresses");
        if (cb_value_size (addresses)) {
            fprintf (out, "\nAddresses ");
            for (size_t j = 0; j < cb_value_size (addresses); j++)
                fprintf (out, "%s%s", j ? ", " : "", cb_value_str (cb_value_at (addresses, j)));
            fprintf (out, ".\n");
        }
        cb_value_t *changes = cb_value_get_array (rev, "changes");
        if (cb_value_size (changes)) {
            fprintf (out, "\nChanges:\n\n```\n");
            cli_render_changes (out, changes, "");
            fprintf (out, "```\n");
        }
        for (size_t j = 0; mainline && j < cb_value_size (rounds); j++)
            if (cli_int (cb_value_at (rounds, j), "rev") == cli_int (rev, "rev"))
                s_md_round (out, cb_value_at (rounds, j));
    }
    cb_value_t *votes = cb_value_get_array (draft, "votes");
    if (cb_value_size (votes))
        fprintf (out, "\n## Votes\n\n");
    for (size_t i = 0; i < cb_value_size (votes); i++) {
        cb_value_t *vote = cb_value_at (votes, i);
        fprintf (out, "- %s, **%s** on revision %lld: confidence %lld", s_when (vote, "time", t),
                 cli_str (vote, "node"), (long long) cli_int (vote, "rev"),
                 (long long) cli_int (vote, "confidence"));
        if (*cli_str (vote, "comment"))
            fprintf (out, " (%s)", cli_str (vote, "comment"));
        fprintf (out, "\n");
    }
}
