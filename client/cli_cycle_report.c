/*  =========================================================================
    cli_cycle_report - catchball report --cycle C: the whole loop of a
    cycle in one document (issue 14): what was agreed (each draft's final
    OKR, its vote or override), progress over time per key result (every
    check-in, value and confidence), the share of the way covered, the
    retrospective's scores and what was learned, and the asks fulfilled.

    Built from the reads the protocol offers (cycle.list, draft.list,
    draft.show, checkin.list, ask.list): a value tree, printed as JSON
    (--format json) or Markdown. Times in UTC, as in the event report, as
    the document is read in many places.
    =========================================================================
*/

#include "cli_cmd.h"

//  A copy of v, or a new nil for none.
static cb_value_t *
s_dup (const cb_value_t *v)
{
    return v ? cb_value_dup (v) : cb_value_new_nil ();
}

//  A key result of a draft's head, with its check-ins (in order) and its
//  retrospective's score.
static cb_value_t *
s_kr_entry (const cb_value_t *kr, const char *draft, const cb_value_t *checkins,
            const cb_value_t *retro)
{
    const char *id = cli_str (kr, "id");
    cb_value_t *entry = cb_value_new_map ();
    cb_value_set_str (entry, "id", id);
    cb_value_set_str (entry, "text", cli_str (kr, "text"));
    const char *fields [] = { "baseline", "target", "unit" };
    for (size_t f = 0; f < 3; f++) {
        cb_value_t *copy = s_dup (cb_value_get (kr, fields [f]));
        cb_value_set (entry, fields [f], &copy);
    }
    cb_value_t *list = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (checkins); i++) {
        cb_value_t *c = cb_value_at (checkins, i);
        bool ours = streq (cli_str (c, "draft"), draft) && streq (cli_str (c, "kr"), id);
        bool shared = streq (cli_str (c, "shared_draft"), draft)
                   && streq (cli_str (c, "shared_kr"), id);
        if (!ours && !shared)
            continue;
        cb_value_t *point = cb_value_new_map ();
        cb_value_set_int (point, "time", cli_int (c, "time"));
        cb_value_t *value = s_dup (cb_value_get (c, "value"));
        cb_value_set (point, "value", &value);
        cb_value_set_int (point, "confidence", cli_int (c, "confidence"));
        cb_value_set_str (point, "author", cli_str (c, "author"));
        if (*cli_str (c, "note"))
            cb_value_set_str (point, "note", cli_str (c, "note"));
        cb_value_push (list, &point);
    }
    cb_value_set (entry, "checkins", &list);
    //  The share of the way from baseline to target, as progress says it
    cb_value_t *progress = cli_progress_kr (draft, kr, checkins, 0);
    cb_value_t *share = s_dup (cb_value_get (progress, "share"));
    cb_value_set (entry, "share", &share);
    cb_value_destroy (&progress);
    cb_value_t *score = s_dup (cb_value_get (cb_value_get_map (retro, "scores"), id));
    cb_value_set (entry, "score", &score);
    return entry;
}

cb_value_t *
cli_cycle_report_gather (cli_t *cli, const char *cycle, int *status)
{
    cb_value_t *doc = cb_value_new_map ();
    cb_value_set_str (doc, "cycle", cycle);
    //  The cycle's object, if defined (an undefined one reports its drafts)
    cb_value_t *cycles = cli_request (cli, "cycle.list", NULL, status);
    cb_value_t *found = NULL;
    for (size_t i = 0; i < cb_value_size (cb_value_get_array (cycles, "cycles")); i++) {
        cb_value_t *c = cb_value_at (cb_value_get_array (cycles, "cycles"), i);
        if (streq (cli_str (c, "name"), cycle))
            found = cb_value_dup (c);
    }
    cb_value_destroy (&cycles);
    if (!found)
        found = cb_value_new_nil ();
    cb_value_set (doc, "definition", &found);
    cb_value_t *body = cli_body ("cycle", cycle);
    cb_value_t *list = *status ? NULL : cli_request (cli, "draft.list", &body, status);
    body = cli_body ("cycle", cycle);
    cb_value_t *checkins = *status ? NULL : cli_request (cli, "checkin.list", &body, status);
    body = cli_body ("cycle", cycle);
    cb_value_set_str (body, "state", "accepted");
    cb_value_t *asks = *status ? NULL : cli_request (cli, "ask.list", &body, status);
    cb_value_t *drafts = cb_value_new_array ();
    cb_value_t *all = cb_value_get_array (list, "drafts");
    for (size_t i = 0; i < cb_value_size (all) && !*status; i++) {
        cb_value_t *d = cb_value_at (all, i);
        body = cli_body ("draft", cli_str (d, "id"));
        cb_value_t *shown = cli_request (cli, "draft.show", &body, status);
        cb_value_t *content = cb_value_get_map (cb_value_get_map (shown, "revision"), "content");
        cb_value_t *entry = cb_value_new_map ();
        const char *keep [] = { "id", "owner", "state", "final_rev", "override", "origin",
                                "carried_to" };
        for (size_t k = 0; k < sizeof (keep) / sizeof (keep [0]); k++)
            if (cb_value_get (d, keep [k])) {
                cb_value_t *copy = cb_value_dup (cb_value_get (d, keep [k]));
                cb_value_set (entry, keep [k], &copy);
            }
        cb_value_set_str (entry, "objective", cli_str (content, "objective"));
        cb_value_t *retro = cb_value_get_map (d, "retro");
        cb_value_t *krs = cb_value_new_array ();
        cb_value_t *head_krs = cb_value_get_array (content, "key_results");
        for (size_t k = 0; k < cb_value_size (head_krs); k++) {
            cb_value_t *kr = s_kr_entry (cb_value_at (head_krs, k), cli_str (d, "id"),
                                         cb_value_get_array (checkins, "checkins"), retro);
            cb_value_push (krs, &kr);
        }
        cb_value_set (entry, "key_results", &krs);
        cb_value_t *learned = retro ? cb_value_new_str (cli_str (retro, "learned"))
                                    : cb_value_new_nil ();
        cb_value_set (entry, "learned", &learned);
        cb_value_push (drafts, &entry);
        cb_value_destroy (&shown);
    }
    cb_value_set (doc, "drafts", &drafts);
    cb_value_t *fulfilled = cb_value_get (asks, "asks") ? cb_value_dup (cb_value_get (asks, "asks"))
                                                       : cb_value_new_array ();
    cb_value_set (doc, "asks_fulfilled", &fulfilled);
    cb_value_destroy (&list);
    cb_value_destroy (&checkins);
    cb_value_destroy (&asks);
    if (*status)
        cb_value_destroy (&doc);
    return doc;
}

static void
s_markdown (FILE *out, const cb_value_t *doc)
{
    char t [CLI_TIME_MAX], n [CLI_NUMBER_MAX], m [CLI_NUMBER_MAX];
    cb_value_t *def = cb_value_get_map (doc, "definition");
    fprintf (out, "# Cycle %s\n\n", cli_str (doc, "cycle"));
    if (def) {
        fprintf (out, "%s, from %s", cli_str (def, "state"),
                 cli_time (cli_int (def, "start"), CLI_TIME_UTC, t, sizeof (t)));
        fprintf (out, " to %s; check-ins every %lld days.\n",
                 cli_time (cli_int (def, "end"), CLI_TIME_UTC, t, sizeof (t)),
                 (long long) cli_int (def, "cadence_days"));
    }
    else
        fprintf (out, "A cycle nobody defined (no dates).\n");
    cb_value_t *drafts = cb_value_get_array (doc, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        fprintf (out, "\n## %s (%s): %s\n\n", cli_str (d, "id"), cli_str (d, "owner"),
                 cli_str (d, "objective"));
        if (streq (cli_str (d, "state"), "final") && cb_value_get_map (d, "override"))
            fprintf (out, "Agreed: final at revision %lld, by override: %s\n",
                     (long long) cli_int (d, "final_rev"),
                     cli_str (cb_value_get_map (d, "override"), "reason"));
        else
        if (streq (cli_str (d, "state"), "final"))
            fprintf (out, "Agreed: final at revision %lld.\n", (long long) cli_int (d, "final_rev"));
        else
            fprintf (out, "Not agreed: %s.\n", cli_str (d, "state"));
        cb_value_t *krs = cb_value_get_array (d, "key_results");
        for (size_t k = 0; k < cb_value_size (krs); k++) {
            cb_value_t *kr = cb_value_at (krs, k);
            fprintf (out, "\n- **%s** %s: ", cli_str (kr, "id"), cli_str (kr, "text"));
            if (cb_value_is_number (cb_value_get (kr, "baseline")))
                fprintf (out, "%s -> ", cli_number (cb_value_get (kr, "baseline"), n, sizeof (n)));
            fprintf (out, "%s%s%s; covered %s; score %s\n",
                     cli_number (cb_value_get (kr, "target"), n, sizeof (n)),
                     *cli_str (kr, "unit") ? " " : "", cli_str (kr, "unit"),
                     cli_progress_percent (cb_value_get (kr, "share"), m, sizeof (m)),
                     cb_value_is_number (cb_value_get (kr, "score"))
                     ? cli_number (cb_value_get (kr, "score"), t, sizeof (t)) : "-");
            cb_value_t *points = cb_value_get_array (kr, "checkins");
            for (size_t p = 0; p < cb_value_size (points); p++) {
                cb_value_t *c = cb_value_at (points, p);
                fprintf (out, "  - %s: %s, confidence %lld/5 (%s)%s%s\n",
                         cli_time (cli_int (c, "time"), CLI_TIME_UTC, t, sizeof (t)),
                         cli_number (cb_value_get (c, "value"), n, sizeof (n)),
                         (long long) cli_int (c, "confidence"), cli_str (c, "author"),
                         *cli_str (c, "note") ? ": " : "", cli_str (c, "note"));
            }
        }
        if (*cli_str (d, "learned"))
            fprintf (out, "\nLearned: %s\n", cli_str (d, "learned"));
        else
        if (streq (cli_str (d, "state"), "final"))
            fprintf (out, "\nNo retrospective yet.\n");
    }
    cb_value_t *asks = cb_value_get_array (doc, "asks_fulfilled");
    fprintf (out, "\n## Asks fulfilled\n\n");
    if (!cb_value_size (asks))
        fprintf (out, "None.\n");
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *a = cb_value_at (asks, i);
        fprintf (out, "- %s: %s helped %s with %s %s: %s\n", cli_str (a, "id"),
                 cli_str (a, streq (cli_str (a, "kind"), "offer") ? "from" : "to"),
                 cli_str (a, streq (cli_str (a, "kind"), "offer") ? "to" : "from"),
                 cli_str (a, "draft"), cli_str (a, "kr"),
                 *cli_str (a, "need") ? cli_str (a, "need") : cli_str (a, "text"));
    }
}

int
cli_cycle_report (cli_t *cli, const char *cycle, bool json)
{
    int status = 0;
    cb_value_t *doc = cli_cycle_report_gather (cli, cycle, &status);
    if (!doc)
        return status;
    if (!cb_value_size (cb_value_get_array (doc, "drafts"))
    &&  cb_value_type (cb_value_get (doc, "definition")) == CB_NIL) {
        fprintf (stderr, "catchball: cycle %s has no drafts and is not defined: nothing to "
                         "report\n", cycle);
        cb_value_destroy (&doc);
        return 1;
    }
    if (json)
        cli_json_print (stdout, doc, false);
    else
        s_markdown (stdout, doc);
    cb_value_destroy (&doc);
    return 0;
}
