/*  =========================================================================
    cli_report - an alignment marketplace event's record as Markdown

    Renders the body of the `event.report` reply (proto/PROTOCOL.md,
    section 11) as a document a facilitator can paste into a wiki or send
    round: what the event was and when it ran, what was agreed (with the
    revisions each agreement wrote and the command that shows them), what
    was declined and why, what is still countered or unresolved, and how
    each draft changed while the event ran.

    It prints only fields the protocol defines, and says "None." for an
    empty section rather than leaving it out, so that a reader can tell
    "nothing happened" from "not reported". Text that people typed is
    escaped so that it cannot turn into Markdown structure (a need that
    starts with "#" stays a need, not a heading). Times are UTC. No
    colour: the output is a file format, whatever the terminal.
    =========================================================================
*/
#include <time.h>

#include "cli.h"

//  --------------------------------------------------------------------------
//  Small readers (cli_str and cli_int in cli.h read missing fields as
//  empty, never as a crash)

//  True if the map has an integer at key (a time or revision that is set).
static bool
s_has_int (const cb_value_t *map, const char *key)
{
    int64_t n;
    return cb_value_get_int (map, key, &n);
}

//  --------------------------------------------------------------------------
//  Markdown text. People's text is escaped: every ASCII punctuation that
//  Markdown gives a meaning inline is backslash-escaped (CommonMark renders
//  "\*" as "*"), and what would open a block at the start of a line (a
//  heading, a list item, a quote, a rule) is escaped there too. A newline
//  continues the text on a new line indented by `indent`, so that a
//  multi-line message stays inside its list item.

static void
s_md (FILE *out, const char *text, const char *indent)
{
    bool line_start = true;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '\r')
            continue;
        if (c == '\n') {
            //  Two spaces before the newline: a hard line break, kept.
            fprintf (out, "  \n%s", indent);
            line_start = true;
            continue;
        }
        if (line_start) {
            //  Spaces at a line's start would make an indented code block.
            if (c == ' ' || c == '\t')
                continue;
            if (strchr ("#-+=>", c))
                fputc ('\\', out);
            else
            if (c >= '0' && c <= '9') {
                //  "1. " or "1) " would start a numbered list.
                const char *q = p;
                while (*q >= '0' && *q <= '9')
                    q++;
                if (*q == '.' || *q == ')') {
                    fwrite (p, 1, (size_t) (q - p), out);
                    fputc ('\\', out);
                    p = q;
                    c = *p;
                }
            }
            line_start = false;
        }
        if (strchr ("\\`*_[]<>|~&", c))
            fputc ('\\', out);
        fputc (c, out);
    }
}

//  "kr3 Onboard 5 partners: 0 -> 5 partners (leads: ana, bo; shared with
//  d2/kr4)". The id only when the key result has one.
static void
s_key_result (FILE *out, const cb_value_t *kr, const char *indent)
{
    char n [CLI_NUMBER_MAX];
    if (*cli_str (kr, "id"))
        fprintf (out, "**%s** ", cli_str (kr, "id"));
    s_md (out, cli_str (kr, "text"), indent);
    fprintf (out, ": ");
    cb_value_t *baseline = cb_value_get (kr, "baseline");
    if (cb_value_is_number (baseline)) {
        fprintf (out, "%s", cli_number (baseline, n, sizeof (n)));
        fprintf (out, " -> ");
    }
    fprintf (out, "%s", cli_number (cb_value_get (kr, "target"), n, sizeof (n)));
    if (*cli_str (kr, "unit")) {
        fprintf (out, " ");
        s_md (out, cli_str (kr, "unit"), indent);
    }
    cb_value_t *leads = cb_value_get_array (kr, "leads");
    cb_value_t *shared = cb_value_get_map (kr, "shared_with");
    if (cb_value_size (leads) || shared) {
        fprintf (out, " (");
        for (size_t i = 0; i < cb_value_size (leads); i++) {
            fprintf (out, "%s", i ? ", " : "leads: ");
            s_md (out, cb_value_str (cb_value_at (leads, i)), indent);
        }
        if (shared)
            fprintf (out, "%sshared with %s/%s", cb_value_size (leads) ? "; " : "",
                     cli_str (shared, "draft"), cli_str (shared, "kr"));
        fprintf (out, ")");
    }
}

//  A value in a change: strings quoted, nil "(none)", an aligned_to or
//  shared_with map as "d1/kr2", a list (leads) comma-separated.
static void
s_value (FILE *out, const cb_value_t *v, const char *indent)
{
    char n [CLI_NUMBER_MAX];
    switch (cb_value_type (v)) {
        case CB_NIL:   fprintf (out, "(none)"); break;
        case CB_BOOL:  fprintf (out, "%s", cb_value_bool (v) ? "yes" : "no"); break;
        case CB_INT:
        case CB_FLOAT: fprintf (out, "%s", cli_number (v, n, sizeof (n))); break;
        case CB_STR:
            fprintf (out, "\"");
            s_md (out, cb_value_str (v), indent);
            fprintf (out, "\"");
            break;
        case CB_ARRAY:
            if (cb_value_size (v) == 0)
                fprintf (out, "(none)");
            for (size_t i = 0; i < cb_value_size (v); i++) {
                fprintf (out, "%s", i ? ", " : "");
                s_value (out, cb_value_at (v, i), indent);
            }
            break;
        case CB_MAP: {
            const char *draft = cb_value_get_str (v, "draft");
            const char *kr = cb_value_get_str (v, "kr");
            if (draft)
                fprintf (out, "%s%s%s", draft, kr ? "/" : "", kr ? kr : "");
            else
            if (cb_value_get (v, "target"))
                s_key_result (out, v, indent);
            else
                fprintf (out, "(a map)");
            break;
        }
    }
}

//  A Change list as Markdown list items, in the order the broker gives
//  (objective, narrative, alignment, then key results).
static void
s_changes (FILE *out, const cb_value_t *changes, const char *indent)
{
    char deeper [64];
    snprintf (deeper, sizeof (deeper), "%s  ", indent);
    if (cb_value_size (changes) == 0)
        fprintf (out, "%s- No changes.\n", indent);
    for (size_t i = 0; i < cb_value_size (changes); i++) {
        cb_value_t *c = cb_value_at (changes, i);
        const char *field = cb_value_get_str (c, "field");
        if (field) {
            cb_value_t *from = cb_value_get (c, "from"), *to = cb_value_get (c, "to");
            fprintf (out, "%s- **%s** ", indent, field);
            if (cb_value_type (from) == CB_NIL) {
                fprintf (out, "set: ");
                s_value (out, to, deeper);
            }
            else
            if (cb_value_type (to) == CB_NIL) {
                fprintf (out, "removed (was ");
                s_value (out, from, deeper);
                fprintf (out, ")");
            }
            else {
                s_value (out, from, deeper);
                fprintf (out, " -> ");
                s_value (out, to, deeper);
            }
            fprintf (out, "\n");
            continue;
        }
        const char *change = cli_str (c, "change");
        if (streq (change, "added") || streq (change, "removed")) {
            fprintf (out, "%s- %s key result ", indent,
                     streq (change, "added") ? "Added" : "Removed");
            s_key_result (out, cb_value_get_map (c, "value"), deeper);
            fprintf (out, "\n");
        }
        else {
            fprintf (out, "%s- **%s** changed: ", indent, cli_str (c, "kr"));
            cb_value_t *fields = cb_value_get_array (c, "fields");
            for (size_t j = 0; j < cb_value_size (fields); j++) {
                cb_value_t *f = cb_value_at (fields, j);
                fprintf (out, "%s%s ", j ? "; " : "", cli_str (f, "field"));
                s_value (out, cb_value_get (f, "from"), deeper);
                fprintf (out, " -> ");
                s_value (out, cb_value_get (f, "to"), deeper);
            }
            fprintf (out, "\n");
        }
    }
}

//  A report's draft entry's id: `draft` is the id; a Draft record in its
//  place is read for its id too.
static const char *
s_entry_id (const cb_value_t *entry)
{
    const char *id = cb_value_get_str (entry, "draft");
    return id ? id : cli_str (cb_value_get_map (entry, "draft"), "id");
}

//  --------------------------------------------------------------------------
//  Asks and offers

//  The team that helps: the ask's `to`, or an offer's `from`.
static const char *
s_helper (const cb_value_t *ask)
{
    return streq (cli_str (ask, "kind"), "offer") ? cli_str (ask, "from") : cli_str (ask, "to");
}

//  The team helped: the ask's `from`, or an offer's `to`. It owns the
//  ask's `draft` and `kr`.
static const char *
s_helped (const cb_value_t *ask)
{
    return streq (cli_str (ask, "kind"), "offer") ? cli_str (ask, "to") : cli_str (ask, "from");
}

//  How the helper's draft reflects the help, after "- **Reflect:** ".
static void
s_reflect (FILE *out, const cb_value_t *ask, const cb_value_t *reflect)
{
    char n [CLI_NUMBER_MAX];
    const char *type = cli_str (reflect, "type");
    const char *helper = s_helper (ask);
    if (streq (type, "new_kr")) {
        fprintf (out, "a new key result in %s's draft: ", helper);
        s_key_result (out, cb_value_get_map (reflect, "kr"), "  ");
    }
    else
    if (streq (type, "raise_target")) {
        fprintf (out, "%s raises the target of its %s to ", helper, cli_str (reflect, "kr"));
        fprintf (out, "%s", cli_number (cb_value_get (reflect, "target"), n, sizeof (n)));
    }
    else
    if (streq (type, "shared_kr")) {
        fprintf (out, "a key result shared in full by %s's and %s's drafts: ", helper,
                 s_helped (ask));
        s_key_result (out, cb_value_get_map (reflect, "kr"), "  ");
    }
    else
        fprintf (out, "%s", *type ? type : "(unknown)");
}

//  The parent of revision `rev` of `draft`, from the report's drafts
//  (their revisions made during the event); 0 if the report lacks it.
static int64_t
s_parent_of (const cb_value_t *report, const char *draft, int64_t rev)
{
    cb_value_t *drafts = cb_value_get_array (report, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *entry = cb_value_at (drafts, i);
        if (!streq (s_entry_id (entry), draft))
            continue;
        cb_value_t *revisions = cb_value_get_array (entry, "revisions");
        for (size_t j = 0; j < cb_value_size (revisions); j++) {
            cb_value_t *r = cb_value_at (revisions, j);
            if (cli_int (r, "rev") == rev)
                return cli_int (r, "parent");
        }
    }
    return 0;
}

//  How to see a revision: its diff from its parent; a first revision (or
//  one whose parent the report does not give) is shown whole.
static void
s_see_revision (FILE *out, const char *draft, int64_t rev, int64_t parent)
{
    if (parent > 0)
        fprintf (out, "`catchball diff %s %lld %lld`", draft, (long long) parent,
                 (long long) rev);
    else
        fprintf (out, "`catchball draft show %s --rev %lld`", draft, (long long) rev);
}

//  A history entry's action as the node's deed: "team-a asked".
static const char *
s_action_verb (const cb_value_t *ask, const char *action)
{
    bool offer = streq (cli_str (ask, "kind"), "offer");
    if (streq (action, "ask"))      return "asked";
    if (streq (action, "offer"))    return "offered";
    if (streq (action, "accept"))   return "accepted";
    if (streq (action, "decline"))  return "declined";
    if (streq (action, "counter"))  return "countered";
    if (streq (action, "take"))     return offer ? "took the offer" : "took the counter";
    if (streq (action, "refuse"))   return offer ? "refused the offer" : "refused the counter";
    return action;
}

//  An answer as what happened to the ask: "taken by team-a".
static const char *
s_action_done (const char *action)
{
    if (streq (action, "accept"))   return "accepted";
    if (streq (action, "decline"))  return "declined";
    if (streq (action, "counter"))  return "countered";
    if (streq (action, "take"))     return "taken";
    if (streq (action, "refuse"))   return "refused";
    return action;
}

//  The latest history entry whose action is one of `actions`, or NULL.
static cb_value_t *
s_last_action (const cb_value_t *ask, const char *action1, const char *action2)
{
    cb_value_t *history = cb_value_get_array (ask, "history");
    for (size_t i = cb_value_size (history); i > 0; i--) {
        cb_value_t *h = cb_value_at (history, i - 1);
        const char *action = cli_str (h, "action");
        if (streq (action, action1) || streq (action, action2))
            return h;
    }
    return NULL;
}

//  A report is read in many time zones: its times are in UTC.
static const char *
s_time (int64_t ms, char *buf, size_t size)
{
    return cli_time (ms, CLI_TIME_UTC, buf, size);
}

//  "accepted by team-b, 2026-11-25 10:12"
static void
s_who_when (FILE *out, const cb_value_t *entry)
{
    char t [32];
    fprintf (out, "%s by %s, %s", s_action_done (cli_str (entry, "action")),
             cli_str (entry, "node"), s_time (cli_int (entry, "time"), t, sizeof (t)));
}

//  Whether the ask with this id is in the list.
static bool
s_listed (const cb_value_t *asks, const char *id)
{
    for (size_t i = 0; i < cb_value_size (asks); i++)
        if (streq (cli_str (cb_value_at (asks, i), "id"), id))
            return true;
    return false;
}

//  One ask or offer, as a level-3 heading and a list of what is known of it.
static void
s_ask (FILE *out, const cb_value_t *report, const cb_value_t *ask)
{
    char t [32];
    bool offer = streq (cli_str (ask, "kind"), "offer");
    const char *state = cli_str (ask, "state");
    if (offer)
        fprintf (out, "### %s: %s offered help to %s\n\n", cli_str (ask, "id"),
                 cli_str (ask, "from"), cli_str (ask, "to"));
    else
        fprintf (out, "### %s: %s asked %s for help\n\n", cli_str (ask, "id"),
                 cli_str (ask, "from"), cli_str (ask, "to"));

    fprintf (out, "- **For:** key result %s of %s (%s's draft)\n", cli_str (ask, "kr"),
             cli_str (ask, "draft"), s_helped (ask));
    fprintf (out, "- **%s:** ", offer ? "Offer" : "Need");
    s_md (out, cli_str (ask, offer ? "text" : "need"), "  ");
    fprintf (out, "\n");
    if (*cli_str (ask, "by")) {
        fprintf (out, "- **By:** ");
        s_md (out, cli_str (ask, "by"), "  ");
        fprintf (out, "\n");
    }
    if (s_has_int (ask, "created"))
        fprintf (out, "- **%s:** %s\n", offer ? "Offered" : "Asked",
                 s_time (cli_int (ask, "created"), t, sizeof (t)));
    if (*cli_str (ask, "counter")) {
        fprintf (out, "- **Counter:** ");
        s_md (out, cli_str (ask, "counter"), "  ");
        fprintf (out, "\n");
    }
    cb_value_t *reflect = cb_value_get_map (ask, "reflect");
    if (reflect) {
        //  Until the ask is accepted, the reflect is what would be done.
        fprintf (out, "- **%s:** ",
                 streq (state, "accepted") ? "Reflected as" : "Reflect proposed");
        s_reflect (out, ask, reflect);
        fprintf (out, "\n");
    }

    if (streq (state, "accepted")) {
        cb_value_t *entry = s_last_action (ask, "accept", "take");
        if (entry) {
            fprintf (out, "- **Agreed:** ");
            s_who_when (out, entry);
            fprintf (out, "\n");
        }
        cb_value_t *revisions = cb_value_get_array (ask, "revisions");
        fprintf (out, "- **Revisions:**%s\n", cb_value_size (revisions) ? "" : " None.");
        for (size_t i = 0; i < cb_value_size (revisions); i++) {
            cb_value_t *r = cb_value_at (revisions, i);
            const char *draft = cli_str (r, "draft");
            int64_t rev = cli_int (r, "rev");
            fprintf (out, "  - %s revision %lld: ", draft, (long long) rev);
            s_see_revision (out, draft, rev, s_parent_of (report, draft, rev));
            fprintf (out, "\n");
        }
    }
    else
    if (streq (state, "declined")) {
        cb_value_t *entry = s_last_action (ask, "decline", "refuse");
        if (entry) {
            fprintf (out, "- **Declined:** ");
            s_who_when (out, entry);
            fprintf (out, "\n");
        }
        fprintf (out, "- **Reason:** ");
        s_md (out, *cli_str (ask, "reason") ? cli_str (ask, "reason") : "(none given)", "  ");
        fprintf (out, "\n");
    }
    else
    if (streq (state, "countered")) {
        cb_value_t *entry = s_last_action (ask, "counter", "counter");
        if (entry) {
            fprintf (out, "- **Countered:** ");
            s_who_when (out, entry);
            fprintf (out, "\n");
        }
        fprintf (out, "- **Waiting for:** %s to take or refuse the counter\n",
                 cli_str (ask, "from"));
    }
    else
    if (streq (state, "open"))
        fprintf (out, "- **Waiting for:** %s to %s\n", cli_str (ask, "to"),
                 offer ? "take or refuse the offer" : "accept, decline or counter");

    cb_value_t *history = cb_value_get_array (ask, "history");
    if (cb_value_size (history)) {
        fprintf (out, "- **History:**\n");
        for (size_t i = 0; i < cb_value_size (history); i++) {
            cb_value_t *h = cb_value_at (history, i);
            fprintf (out, "  - %s %s %s",
                     s_time (cli_int (h, "time"), t, sizeof (t)), cli_str (h, "node"),
                     s_action_verb (ask, cli_str (h, "action")));
            if (*cli_str (h, "text")) {
                fprintf (out, ": ");
                s_md (out, cli_str (h, "text"), "    ");
            }
            fprintf (out, "\n");
        }
    }
    fprintf (out, "\n");
}

//  A section of asks: its heading, then each ask, or "None.".
static void
s_ask_section (FILE *out, const cb_value_t *report, const char *title, const char *key)
{
    cb_value_t *asks = cb_value_get_array (report, key);
    fprintf (out, "## %s\n\n", title);
    if (cb_value_size (asks) == 0)
        fprintf (out, "None.\n\n");
    for (size_t i = 0; i < cb_value_size (asks); i++)
        s_ask (out, report, cb_value_at (asks, i));
}

//  Unresolved: open asks in full; a countered one is already told in
//  full under Countered, so it gets a line that points there.
static void
s_unresolved (FILE *out, const cb_value_t *report)
{
    cb_value_t *asks = cb_value_get_array (report, "unresolved");
    cb_value_t *countered = cb_value_get_array (report, "countered");
    fprintf (out, "## Unresolved\n\n");
    if (cb_value_size (asks) == 0)
        fprintf (out, "None.\n\n");
    bool pointed = false;
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *ask = cb_value_at (asks, i);
        const char *id = cli_str (ask, "id");
        if (streq (cli_str (ask, "state"), "countered") && s_listed (countered, id)) {
            fprintf (out, "- %s: %s asked %s; countered, see Countered above.\n", id,
                     cli_str (ask, "from"), cli_str (ask, "to"));
            pointed = true;
        }
    }
    if (pointed)
        fprintf (out, "\n");
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *ask = cb_value_at (asks, i);
        if (!(streq (cli_str (ask, "state"), "countered")
              && s_listed (countered, cli_str (ask, "id"))))
            s_ask (out, report, ask);
    }
}

//  --------------------------------------------------------------------------
//  Drafts: each revision made while the event ran, with what it changed

static void
s_revision (FILE *out, const char *draft, const cb_value_t *rev)
{
    char t [32];
    bool mainline = true;
    cb_value_get_bool (rev, "mainline", &mainline);
    int64_t number = cli_int (rev, "rev");
    fprintf (out, "#### %s %lld: %s, %s\n\n", mainline ? "Revision" : "Counter-proposal revision",
             (long long) number, cli_str (rev, "author"),
             s_time (cli_int (rev, "time"), t, sizeof (t)));
    if (*cli_str (rev, "message")) {
        fprintf (out, "- **Message:** ");
        s_md (out, cli_str (rev, "message"), "  ");
        fprintf (out, "\n");
    }
    if (!mainline)
        fprintf (out, "- **Counter-proposal** %s in round %s, on revision %lld\n",
                 cli_str (rev, "proposal"), cli_str (rev, "round"),
                 (long long) cli_int (rev, "parent"));
    else {
        if (*cli_str (rev, "proposer"))
            fprintf (out, "- **Adopts** %s, proposed by %s (revision %lld)\n",
                     cli_str (rev, "proposal"), cli_str (rev, "proposer"),
                     (long long) cli_int (rev, "adopted_from"));
        if (*cli_str (rev, "round"))
            fprintf (out, "- **In answer to** round %s\n", cli_str (rev, "round"));
    }
    cb_value_t *addresses = cb_value_get_array (rev, "addresses");
    for (size_t i = 0; i < cb_value_size (addresses); i++)
        fprintf (out, "%s%s%s", i ? ", " : "- **Addresses:** ",
                 cb_value_str (cb_value_at (addresses, i)),
                 i + 1 == cb_value_size (addresses) ? "\n" : "");
    bool amends = false;
    if (cb_value_get_bool (rev, "amends_final", &amends) && amends)
        fprintf (out, "- **Amends the final OKR**\n");
    fprintf (out, "- **Changes:**\n");
    s_changes (out, cb_value_get_array (rev, "changes"), "  ");
    fprintf (out, "- **See it:** ");
    s_see_revision (out, draft, number, cli_int (rev, "parent"));
    fprintf (out, "\n\n");
}

static void
s_drafts (FILE *out, const cb_value_t *report)
{
    cb_value_t *drafts = cb_value_get_array (report, "drafts");
    fprintf (out, "## How each draft changed during the event\n\n");
    if (cb_value_size (drafts) == 0)
        fprintf (out, "None.\n\n");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        const char *id = s_entry_id (d);
        fprintf (out, "### %s (%s)\n\n", id, cli_str (d, "owner"));
        fprintf (out, "Objective: ");
        s_md (out, cli_str (d, "objective"), "");
        fprintf (out, "\n\n");
        cb_value_t *revisions = cb_value_get_array (d, "revisions");
        if (cb_value_size (revisions) == 0)
            fprintf (out, "No revisions during the event.\n\n");
        for (size_t j = 0; j < cb_value_size (revisions); j++)
            s_revision (out, id, cb_value_at (revisions, j));
    }
}

//  --------------------------------------------------------------------------
//  The report

void
cli_report_markdown (FILE *out, const cb_value_t *report)
{
    cb_value_t *event = cb_value_get_map (report, "event");
    char t [32];

    fprintf (out, "# ");
    s_md (out, cli_str (event, "name"), "");
    fprintf (out, " (%s, cycle %s)\n\n", cli_str (event, "id"), cli_str (event, "cycle"));

    fprintf (out, "- **Facilitator:** %s\n", cli_str (event, "facilitator"));
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    fprintf (out, "- **Participants:**%s", cb_value_size (participants) ? "" : " None.");
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = cb_value_str (cb_value_at (participants, i));
        const char *draft = cb_value_get_str (shared, node);
        if (draft)
            fprintf (out, "%s %s (shared %s)", i ? "," : "", node, draft);
        else
            fprintf (out, "%s %s (shared no draft)", i ? "," : "", node);
    }
    fprintf (out, "\n");

    //  When it ran: what the record gives. Phases' own start times are not
    //  kept, only the current phase's.
    if (s_has_int (event, "created"))
        fprintf (out, "- **Created:** %s\n", s_time (cli_int (event, "created"), t, sizeof (t)));
    if (s_has_int (event, "started"))
        fprintf (out, "- **Started:** %s\n", s_time (cli_int (event, "started"), t, sizeof (t)));
    if (s_has_int (event, "closed"))
        fprintf (out, "- **Closed:** %s\n", s_time (cli_int (event, "closed"), t, sizeof (t)));
    else {
        fprintf (out, "- **Phase:** %s", *cli_str (event, "phase") ? cli_str (event, "phase") : "(unknown)");
        if (s_has_int (event, "phase_started"))
            fprintf (out, ", since %s", s_time (cli_int (event, "phase_started"), t, sizeof (t)));
        if (s_has_int (event, "ends"))
            fprintf (out, ", ends %s", s_time (cli_int (event, "ends"), t, sizeof (t)));
        fprintf (out, " (the event is not closed)\n");
    }
    if (s_has_int (event, "started") && s_has_int (event, "closed")) {
        int64_t minutes = (cli_int (event, "closed") - cli_int (event, "started")) / 60000;
        fprintf (out, "- **Ran for:** %lld min\n", (long long) minutes);
    }
    cb_value_t *plan = cb_value_get_map (event, "plan");
    if (plan)
        fprintf (out, "- **Plan:** share %lld min, negotiate %lld min, commit %lld min\n",
                 (long long) cli_int (plan, "share"), (long long) cli_int (plan, "negotiate"),
                 (long long) cli_int (plan, "commit"));
    fprintf (out, "- **Times:** UTC\n\n");

    s_ask_section (out, report, "Agreed", "agreed");
    s_ask_section (out, report, "Declined", "declined");
    s_ask_section (out, report, "Countered", "countered");
    s_unresolved (out, report);
    s_drafts (out, report);
}
