/*  =========================================================================
    cli_graph - a cycle's alignment graph as Graphviz dot, or as SVG

    Renders the body of the `cycle.graph` reply (proto/PROTOCOL.md, section
    11): one node per draft, a table that shows the draft's id, owner,
    state, objective and key results, coloured by the draft's state; an
    edge from each draft up to the draft (and key result) it is aligned to;
    a dotted line between the two halves of a shared key result; and an
    edge per ask or offer from the key result that needs help to the
    helper's draft, coloured by the ask's state.

    Labels are HTML-like tables, so that an edge can end at one key result
    (a port per row); people's text in them is escaped for XML and for
    Graphviz's own backslash escapes. Identifiers are quoted dot strings.
    The same reply gives the same bytes: everything is written in the
    reply's order, and nothing depends on addresses or the clock.

    Only alignment decides the hierarchy: each draft's level is its depth
    in the alignment tree (a row per level, `rank=same`), alignment edges
    are the only ones that constrain the ranks, and asks and shared key
    results say constraint=false. So the company's objectives are always
    the top row, every alignment arrow points up as the legend says, and
    adding an ask or sharing a key result never moves a draft to another
    row. (Graphviz's dot 2.43 was once seen to crash on flat edges with
    ports and labels, which this makes; test_render lays out hundreds of
    random graphs of that shape, and every one must go through.)

    The SVG is made by Graphviz's own `dot -Tsvg`, fed through a pipe; its
    output goes to a temporary file first, so that a large graph can never
    deadlock the pipe and a failed run writes nothing to the caller's file.
    =========================================================================
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

//  Fill colours of a draft by state; edge colours of an ask by state.
#define S_FILL_FINAL    "#c8e6c9"
#define S_FILL_IN_ROUND "#fff59d"
#define S_FILL_DRAFTING "#e0e0e0"
#define S_ASK_OPEN      "darkorange"
#define S_ASK_COUNTERED "royalblue"
#define S_ASK_ACCEPTED  "forestgreen"
#define S_ASK_DECLINED  "firebrick"
//  A link to a key result that is no longer there.
#define S_GONE          "firebrick"
//  A shared key result's box and its two lines.
#define S_SHARED        "#7b1fa2"
#define S_SHARED_LINE   "[dir=none, style=dotted, penwidth=2, color=\"" S_SHARED "\"]"

//  Characters per line in the node tables before text wraps.
#define S_WRAP          40
//  Characters of a need shown on an ask's edge, with "..." when there is
//  more (the tooltip has it all).
#define S_EDGE_TEXT     40

//  --------------------------------------------------------------------------
//  Escaping

//  A quoted dot string: a quote escaped, a backslash written as
//  `backslash`, a newline as "\n", other control characters as spaces.
static void
s_quote (FILE *out, const char *text, const char *backslash)
{
    fputc ('"', out);
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == '"')
            fprintf (out, "\\\"");
        else
        if (*p == '\\')
            fputs (backslash, out);
        else
        if (*p == '\n')
            fprintf (out, "\\n");
        else
        if (*p < 0x20 || *p == 0x7f)
            fputc (' ', out);
        else
            fputc (*p, out);
    }
    fputc ('"', out);
}

//  For an identifier: the same text always gives the same identifier,
//  which is all an identifier needs.
static void
s_quoted (FILE *out, const char *text)
{
    s_quote (out, text, "\\\\");
}

//  A quoted tooltip. Graphviz reads a tooltip's escapes twice (as an
//  escString, where "\N" is the node's name, then as a tooltip, where
//  "\n" is a newline), so a backslash people typed is written as four.
static void
s_tooltip (FILE *out, const char *text)
{
    s_quote (out, text, "\\\\\\\\");
}

//  Where a text longer than `max` characters is cut: after the last whole
//  word that fits, if that keeps at least half of `max`, else after `max`
//  characters. NULL if the text fits.
static const unsigned char *
s_cut (const char *text, size_t max)
{
    const unsigned char *space = NULL;
    size_t count = 0, kept = 0;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        if (count == max)
            return space && kept >= max / 2 ? space : p;
        if (*p == ' ' || *p == '\n') {
            space = p;
            kept = count;
        }
        count++;
    }
    return NULL;
}

//  Text inside an HTML-like label: XML's five characters as entities, a
//  newline as <BR/>, control characters (which XML forbids, even as
//  entities) as spaces, and a backslash doubled (Graphviz reads "\N",
//  "\G", "\E"... in label text as the object's name, even in HTML).
//  Lines wrap at a space once `wrap` characters are reached (0: never).
//  With `max`, a longer text is cut where s_cut says and ends in an
//  ellipsis, so that nobody takes a cut need for the whole of it.
//  Characters are counted, not bytes, so UTF-8 is never cut.
static void
s_html (FILE *out, const char *text, size_t wrap, size_t max)
{
    size_t column = 0, count = 0;
    const unsigned char *cut = max ? s_cut (text, max) : NULL;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        bool lead = (*p & 0xc0) != 0x80;
        if (p == cut) {
            fprintf (out, "\xe2\x80\xa6");     //  U+2026, the ellipsis
            return;
        }
        if (lead)
            count++;
        if (*p == '\n' || (*p == ' ' && wrap && column >= wrap)) {
            fprintf (out, "<BR/>");
            column = 0;
            continue;
        }
        if (lead)
            column++;
        switch (*p) {
            case '&':  fprintf (out, "&amp;");  break;
            case '<':  fprintf (out, "&lt;");   break;
            case '>':  fprintf (out, "&gt;");   break;
            case '"':  fprintf (out, "&quot;"); break;
            case '\'': fprintf (out, "&#39;");  break;
            case '\\': fprintf (out, "\\\\");   break;
            default:
                fputc (*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
        }
    }
}

//  --------------------------------------------------------------------------
//  Finding drafts and key results in the reply

static cb_value_t *
s_draft (const cb_value_t *graph, const char *id)
{
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        if (streq (cli_str (cb_value_at (drafts, i), "id"), id))
            return cb_value_at (drafts, i);
    return NULL;
}

//  The row of key result `kr` in the draft's head content, or -1.
static int
s_kr_row (const cb_value_t *draft, const char *kr)
{
    cb_value_t *krs = cb_value_get_array (cb_value_get_map (draft, "content"), "key_results");
    for (size_t i = 0; kr && *kr && i < cb_value_size (krs); i++)
        if (streq (cli_str (cb_value_at (krs, i), "id"), kr))
            return (int) i;
    return -1;
}

//  True if the graph holds the draft and its head has no key result `kr`:
//  a link to a key result that was removed (or reworded under a new id).
static bool
s_gone (const cb_value_t *graph, const char *draft, const char *kr)
{
    cb_value_t *d = s_draft (graph, draft);
    return d && kr && *kr && s_kr_row (d, kr) < 0;
}

//  A shared key result, as the graph shows it: both halves name each
//  other; the other draft is in the graph and does not name this one back
//  (its key result is gone, or the other side unlinked it: PROTOCOL.md
//  7.1), so the link is broken; or the other draft is not in the graph.
typedef enum { S_SHARE_BOTH, S_SHARE_BROKEN, S_SHARE_UNSEEN } s_share_t;

static s_share_t
s_share (const cb_value_t *graph, const char *id, const cb_value_t *kr)
{
    cb_value_t *shared = cb_value_get_map (kr, "shared_with");
    cb_value_t *other = s_draft (graph, cli_str (shared, "draft"));
    if (!other)
        return S_SHARE_UNSEEN;
    int row = s_kr_row (other, cli_str (shared, "kr"));
    if (row < 0)
        return S_SHARE_BROKEN;
    cb_value_t *other_kr = cb_value_at (cb_value_get_array (cb_value_get_map (other, "content"),
                                                            "key_results"), (size_t) row);
    cb_value_t *back = cb_value_get_map (other_kr, "shared_with");
    return streq (cli_str (back, "draft"), id) && streq (cli_str (back, "kr"), cli_str (kr, "id"))
           ? S_SHARE_BOTH : S_SHARE_BROKEN;
}

//  Nodes made up for what an edge names but the reply does not hold (a
//  draft of another cycle, a team whose draft is not known): each is
//  declared once, at its first use.
typedef struct {
    char **names;               //  Node ids declared so far
    size_t size;                //  How many
} s_stubs_t;

//  True if the stub was declared before; otherwise remembers it, and the
//  caller declares it now.
static bool
s_stub_seen (s_stubs_t *stubs, const char *name)
{
    for (size_t i = 0; i < stubs->size; i++)
        if (streq (stubs->names [i], name))
            return true;
    stubs->names = (char **) realloc (stubs->names, (stubs->size + 1) * sizeof (char *));
    assert (stubs->names);
    stubs->names [stubs->size] = strdup (name);
    assert (stubs->names [stubs->size]);
    stubs->size++;
    return false;
}

static void
s_stubs_free (s_stubs_t *stubs)
{
    for (size_t i = 0; i < stubs->size; i++)
        free (stubs->names [i]);
    free (stubs->names);
}

//  An edge end: "d1":"k2" for a key result's row, "d1" for the draft
//  (and for a key result its head no longer has).
static void
s_end (FILE *out, const cb_value_t *graph, const char *draft, const char *kr)
{
    cb_value_t *d = s_draft (graph, draft);
    int row = d ? s_kr_row (d, kr) : -1;
    s_quoted (out, draft);
    if (row >= 0)
        fprintf (out, ":\"k%d\"", row);
}

//  A draft the reply does not hold, as a dashed box, once.
static void
s_declare_stub (FILE *out, const cb_value_t *graph, s_stubs_t *stubs, const char *draft)
{
    if (s_draft (graph, draft) || s_stub_seen (stubs, draft))
        return;
    fprintf (out, "    ");
    s_quoted (out, draft);
    fprintf (out, " [shape=box, style=dashed, label=<");
    s_html (out, draft, 0, 0);
    fprintf (out, "<BR/><I>not in this graph</I>>];\n");
}

//  --------------------------------------------------------------------------
//  The hierarchy

//  What the draft is aligned to (a draft id), or NULL.
static const char *
s_aligned_to (const cb_value_t *draft)
{
    cb_value_t *content = cb_value_get_map (draft, "content");
    return cb_value_get_str (cb_value_get_map (content, "aligned_to"), "draft");
}

//  The draft's level: how many alignment steps lead from it to a draft
//  aligned to nothing (level 0), or out of the graph (a draft aligned to
//  one of another cycle is level 1: its target's box sits above it). A
//  loop of alignments, which the broker does not make, counts as level 0.
static size_t
s_level (const cb_value_t *graph, const cb_value_t *draft)
{
    size_t bound = cb_value_size (cb_value_get_array (graph, "drafts"));
    size_t level = 0;
    for (const cb_value_t *d = draft; d && s_aligned_to (d); level++) {
        if (level > bound)
            return 0;
        d = s_draft (graph, s_aligned_to (d));
    }
    return level;
}

//  One row per level, top down (rankdir=BT puts the targets of the
//  arrows above): the drafts of a level side by side, in the reply's
//  order.
static void
s_ranks (FILE *out, const cb_value_t *graph)
{
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    size_t count = cb_value_size (drafts);
    if (!count)
        return;
    size_t *levels = (size_t *) calloc (count, sizeof (size_t));
    assert (levels);
    size_t deepest = 0;
    for (size_t i = 0; i < count; i++) {
        levels [i] = s_level (graph, cb_value_at (drafts, i));
        if (levels [i] > deepest)
            deepest = levels [i];
    }
    //  An invisible post per row, each above the next, holds the rows in
    //  order even where no alignment joins them (two separate trees).
    for (size_t level = 0; level <= deepest; level++) {
        fprintf (out, "    { rank=same; \"level:%zu\" [style=invis, shape=point];", level);
        for (size_t i = 0; i < count; i++) {
            if (levels [i] != level)
                continue;
            fprintf (out, " ");
            s_quoted (out, cli_str (cb_value_at (drafts, i), "id"));
            fprintf (out, ";");
        }
        fprintf (out, " }\n");
        if (level > 0)
            fprintf (out, "    \"level:%zu\" -> \"level:%zu\" [style=invis];\n",
                     level, level - 1);
    }
    free (levels);
}

//  --------------------------------------------------------------------------
//  Drafts

static void
s_draft_node (FILE *out, const cb_value_t *graph, const cb_value_t *draft)
{
    char n [CLI_NUMBER_MAX];
    const char *state = cli_str (draft, "state");
    const char *fill = streq (state, "final") ? S_FILL_FINAL
                     : streq (state, "in_round") ? S_FILL_IN_ROUND : S_FILL_DRAFTING;
    cb_value_t *content = cb_value_get_map (draft, "content");
    const char *objective = cb_value_get_str (content, "objective");
    if (!objective)
        objective = cli_str (draft, "objective");

    fprintf (out, "    ");
    s_quoted (out, cli_str (draft, "id"));
    fprintf (out, " [tooltip=");
    s_tooltip (out, objective);
    fprintf (out, ", label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" "
                  "CELLPADDING=\"4\" BGCOLOR=\"%s\">\n", fill);
    fprintf (out, "        <TR><TD BALIGN=\"LEFT\" ALIGN=\"LEFT\"><B>");
    s_html (out, cli_str (draft, "id"), 0, 0);
    fprintf (out, "</B>  ");
    s_html (out, cli_str (draft, "owner"), 0, 0);
    fprintf (out, "  <I>%s, revision %lld</I></TD></TR>\n",
             streq (state, "in_round") ? "in round" : *state ? state : "(no state)",
             (long long) cli_int (draft, "head"));
    fprintf (out, "        <TR><TD BALIGN=\"LEFT\" ALIGN=\"LEFT\">");
    s_html (out, objective, S_WRAP, 0);
    fprintf (out, "</TD></TR>\n");

    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        fprintf (out, "        <TR><TD PORT=\"k%zu\" BALIGN=\"LEFT\" ALIGN=\"LEFT\"><B>", i);
        s_html (out, cli_str (kr, "id"), 0, 0);
        fprintf (out, "</B> ");
        s_html (out, cli_str (kr, "text"), S_WRAP, 0);
        fprintf (out, ": ");
        cb_value_t *baseline = cb_value_get (kr, "baseline");
        if (cb_value_is_number (baseline)) {
            fprintf (out, "%s", cli_number (baseline, n, sizeof (n)));
            fprintf (out, " -&gt; ");
        }
        fprintf (out, "%s", cli_number (cb_value_get (kr, "target"), n, sizeof (n)));
        if (*cli_str (kr, "unit")) {
            fprintf (out, " ");
            s_html (out, cli_str (kr, "unit"), 0, 0);
        }
        //  Where it stands, when the command line found check-ins for it.
        cb_value_t *progress = cb_value_get_map (kr, "progress");
        if (progress)
            fprintf (out, " <I>(now %s, confidence %lld/5)</I>",
                     cli_number (cb_value_get (progress, "current"), n, sizeof (n)),
                     (long long) cli_int (progress, "confidence"));
        cb_value_t *shared = cb_value_get_map (kr, "shared_with");
        if (shared) {
            fprintf (out, " <I>(shared with ");
            s_html (out, cli_str (shared, "draft"), 0, 0);
            fprintf (out, "/");
            s_html (out, cli_str (shared, "kr"), 0, 0);
            if (s_share (graph, cli_str (draft, "id"), kr) == S_SHARE_BROKEN) {
                fprintf (out, ", <FONT COLOR=\"" S_GONE "\">which ");
                s_html (out, cli_str (shared, "draft"), 0, 0);
                fprintf (out, " no longer shares</FONT>");
            }
            fprintf (out, ")</I>");
        }
        fprintf (out, "</TD></TR>\n");
    }
    fprintf (out, "    </TABLE>>];\n");
}

//  The draft's alignment: an edge up to the draft (or key result) it is
//  aligned to. With rankdir=BT the target sits above.
static void
s_alignment (FILE *out, const cb_value_t *graph, s_stubs_t *stubs, const cb_value_t *draft)
{
    cb_value_t *aligned = cb_value_get_map (cb_value_get_map (draft, "content"), "aligned_to");
    const char *target = cb_value_get_str (aligned, "draft");
    if (!target)
        return;
    const char *kr = cb_value_get_str (aligned, "kr");
    s_declare_stub (out, graph, stubs, target);
    fprintf (out, "    ");
    s_quoted (out, cli_str (draft, "id"));
    fprintf (out, " -> ");
    s_end (out, graph, target, kr);
    //  A key result its draft no longer has: the arrow ends at the draft,
    //  dashed, and says what is missing.
    bool gone = s_gone (graph, target, kr);
    char tip [256];
    snprintf (tip, sizeof (tip), "%s aligns to %s%s%s%s", cli_str (draft, "id"), target,
              kr ? "/" : "", kr ? kr : "", gone ? ", which is no longer there" : "");
    if (gone) {
        fprintf (out, " [color=\"" S_GONE "\", fontcolor=\"" S_GONE "\", style=dashed, "
                      "penwidth=1.5, label=<");
        s_html (out, kr, 0, 0);
        fprintf (out, " is gone>, tooltip=");
    }
    else
        fprintf (out, " [color=\"#444444\", penwidth=1.5, tooltip=");
    s_tooltip (out, tip);
    fprintf (out, "];\n");
}

//  A shared key result: a dotted line between its two halves, drawn once
//  when both drafts name each other.
static void
s_shared (FILE *out, const cb_value_t *graph, s_stubs_t *stubs, const cb_value_t *draft)
{
    const char *id = cli_str (draft, "id");
    cb_value_t *krs = cb_value_get_array (cb_value_get_map (draft, "content"), "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        cb_value_t *shared = cb_value_get_map (kr, "shared_with");
        const char *other = cb_value_get_str (shared, "draft");
        const char *other_kr = cli_str (shared, "kr");
        if (!other)
            continue;
        //  Drawn once, from the lesser half, when the other names this one
        //  back; not at all when the other is in the graph and does not
        //  (the row says so: s_share); as it says when the other is not
        //  in the graph.
        s_share_t share = s_share (graph, id, kr);
        if (share == S_SHARE_BROKEN)
            continue;
        if (share == S_SHARE_BOTH) {
            int order = strcmp (id, other);
            if (order > 0 || (order == 0 && strcmp (cli_str (kr, "id"), other_kr) > 0))
                continue;
        }
        //  A small box a row below both halves, with a dotted line up to
        //  each: it places neither draft, and no line joins two drafts of
        //  one row (dot draws those from box to box, not row to row).
        s_declare_stub (out, graph, stubs, other);
        char node [256];
        snprintf (node, sizeof (node), "shared:%s/%s", id, cli_str (kr, "id"));
        fprintf (out, "    ");
        s_quoted (out, node);
        fprintf (out, " [shape=box, style=\"rounded,dotted\", color=\"" S_SHARED "\", "
                      "fontcolor=\"" S_SHARED "\", fontsize=9, label=\"shared\", tooltip=");
        char tip [256];
        snprintf (tip, sizeof (tip), "%s/%s and %s/%s: one shared key result", id,
                  cli_str (kr, "id"), other, other_kr);
        s_tooltip (out, tip);
        fprintf (out, "];\n");
        fprintf (out, "    ");
        s_quoted (out, node);
        fprintf (out, " -> ");
        s_quoted (out, id);
        fprintf (out, ":\"k%zu\" " S_SHARED_LINE ";\n", i);
        fprintf (out, "    ");
        s_quoted (out, node);
        fprintf (out, " -> ");
        s_end (out, graph, other, other_kr);
        fprintf (out, " " S_SHARED_LINE ";\n");
    }
}

//  --------------------------------------------------------------------------
//  Asks

//  The helper's draft, as far as the reply tells it: a draft the ask's
//  revisions changed other than the draft helped; else the one draft of
//  the helper in the graph. NULL if neither (none, or several).
static const char *
s_helper_draft (const cb_value_t *graph, const cb_value_t *ask, const char *helper)
{
    cb_value_t *revisions = cb_value_get_array (ask, "revisions");
    for (size_t i = 0; i < cb_value_size (revisions); i++) {
        const char *d = cli_str (cb_value_at (revisions, i), "draft");
        if (*d && !streq (d, cli_str (ask, "draft")))
            return d;
    }
    const char *found = NULL;
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        if (streq (cli_str (d, "owner"), helper)) {
            if (found)
                return NULL;
            found = cli_str (d, "id");
        }
    }
    return found;
}

static void
s_ask (FILE *out, const cb_value_t *graph, s_stubs_t *stubs, const cb_value_t *ask)
{
    bool offer = streq (cli_str (ask, "kind"), "offer");
    const char *helper = offer ? cli_str (ask, "from") : cli_str (ask, "to");
    const char *state = cli_str (ask, "state");
    const char *color = streq (state, "open") ? S_ASK_OPEN
                      : streq (state, "countered") ? S_ASK_COUNTERED
                      : streq (state, "accepted") ? S_ASK_ACCEPTED
                      : streq (state, "declined") ? S_ASK_DECLINED : "black";
    const char *text = cli_str (ask, offer ? "text" : "need");

    //  From the key result that needs help...
    const char *draft = cli_str (ask, "draft");
    s_declare_stub (out, graph, stubs, draft);
    //  ... to the helper's draft, or to the helper itself.
    const char *target = s_helper_draft (graph, ask, helper);
    char team [128];
    if (target)
        s_declare_stub (out, graph, stubs, target);
    else {
        snprintf (team, sizeof (team), "team:%s", helper);
        target = team;
        if (!s_stub_seen (stubs, team)) {
            fprintf (out, "    ");
            s_quoted (out, team);
            fprintf (out, " [shape=box, style=\"rounded,dashed\", label=<");
            s_html (out, helper, 0, 0);
            fprintf (out, ">];\n");
        }
    }
    //  The ask itself: a box of its own, hung a row below the key result
    //  that needs help. Its line there is the only one that places it, and
    //  it never moves a draft; the arrow on to the helper places nothing.
    //  (An edge label between two drafts of one row is what crashes dot.)
    const char *dashed = streq (state, "declined") ? ", style=dashed" : "";
    char node [128];
    snprintf (node, sizeof (node), "ask:%s", cli_str (ask, "id"));
    fprintf (out, "    ");
    s_quoted (out, node);
    fprintf (out, " [shape=box, style=\"rounded%s\", color=\"%s\", fontcolor=\"%s\", "
                  "fontsize=9, label=<<B>", *dashed ? ",dashed" : "", color, color);
    s_html (out, cli_str (ask, "id"), 0, 0);
    fprintf (out, "</B> %s %s<BR/>", offer ? "offer" : "ask", *state ? state : "(no state)");
    s_html (out, text, 0, S_EDGE_TEXT);
    fprintf (out, ">, tooltip=");
    //  The tooltip says it all: who, for what, the need, the answer.
    char *tip = NULL;
    size_t tip_size = 0;
    FILE *t = open_memstream (&tip, &tip_size);
    assert (t);
    fprintf (t, "%s: %s %s %s for %s/%s (%s)\n%s", cli_str (ask, "id"), cli_str (ask, "from"),
             offer ? "offers help to" : "asks", cli_str (ask, "to"), draft, cli_str (ask, "kr"), state,
             text);
    if (*cli_str (ask, "by"))
        fprintf (t, "\nby %s", cli_str (ask, "by"));
    if (*cli_str (ask, "counter"))
        fprintf (t, "\ncounter: %s", cli_str (ask, "counter"));
    if (*cli_str (ask, "reason"))
        fprintf (t, "\nreason: %s", cli_str (ask, "reason"));
    fclose (t);
    s_tooltip (out, tip);
    free (tip);
    fprintf (out, "];\n");

    fprintf (out, "    ");
    s_quoted (out, node);
    fprintf (out, " -> ");
    s_end (out, graph, draft, cli_str (ask, "kr"));
    fprintf (out, " [dir=none, color=\"%s\"%s];\n", color, dashed);
    fprintf (out, "    ");
    s_quoted (out, node);
    fprintf (out, " -> ");
    s_quoted (out, target);
    fprintf (out, " [color=\"%s\"%s, constraint=false];\n", color, dashed);
}

//  --------------------------------------------------------------------------
//  The graph

void
cli_graph_dot (FILE *out, const cb_value_t *graph)
{
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    cb_value_t *asks = cb_value_get_array (graph, "asks");
    s_stubs_t stubs = { NULL, 0 };

    //  The cycle, from the first draft that says it.
    const char *cycle = NULL;
    for (size_t i = 0; !cycle && i < cb_value_size (drafts); i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        cycle = cb_value_get_str (d, "cycle");
        if (!cycle)
            cycle = cb_value_get_str (cb_value_get_map (d, "content"), "cycle");
    }

    fprintf (out, "digraph catchball {\n");
    fprintf (out, "    graph [rankdir=BT, fontname=\"Helvetica\", fontsize=12, "
                  "labelloc=t, nodesep=0.5, ranksep=0.9, label=<<B>");
    if (cycle) {
        fprintf (out, "Cycle ");
        s_html (out, cycle, 0, 0);
    }
    else
        fprintf (out, "No drafts");
    fprintf (out, "</B><BR/>a row per level of alignment; black arrows point up, from a draft "
                  "to what it is aligned to; dotted: a shared key result<BR/>"
                  "asks and offers: an arrow from the key result that needs help to the team "
                  "that helps (the team asked, or the team offering), by state: "
                  "<FONT COLOR=\"" S_ASK_OPEN "\">open</FONT>, "
                  "<FONT COLOR=\"" S_ASK_COUNTERED "\">countered</FONT>, "
                  "<FONT COLOR=\"" S_ASK_ACCEPTED "\">accepted</FONT>, "
                  "<FONT COLOR=\"" S_ASK_DECLINED "\">declined</FONT>>];\n");
    fprintf (out, "    node [shape=plain, fontname=\"Helvetica\", fontsize=10];\n");
    fprintf (out, "    edge [fontname=\"Helvetica\", fontsize=9];\n");

    fprintf (out, "\n    //  Drafts\n");
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        s_draft_node (out, graph, cb_value_at (drafts, i));
    fprintf (out, "\n    //  The rows, by level of alignment\n");
    s_ranks (out, graph);
    fprintf (out, "\n    //  Alignment and shared key results\n");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        s_alignment (out, graph, &stubs, cb_value_at (drafts, i));
        s_shared (out, graph, &stubs, cb_value_at (drafts, i));
    }
    fprintf (out, "\n    //  Asks and offers\n");
    for (size_t i = 0; i < cb_value_size (asks); i++)
        s_ask (out, graph, &stubs, cb_value_at (asks, i));
    fprintf (out, "}\n");
    s_stubs_free (&stubs);
}

//  --------------------------------------------------------------------------
//  SVG through Graphviz

int
cli_graph_svg (FILE *out, const cb_value_t *graph)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&text, &size);
    assert (mem);
    cli_graph_dot (mem, graph);
    fclose (mem);

    int rc = -1;
    int fds [2] = { -1, -1 };
    FILE *svg = tmpfile ();
    if (!svg) {
        fprintf (stderr, "catchball: graph: cannot make a temporary file: %s\n",
                 strerror (errno));
        goto done;
    }
    //  Close-on-exec: dot gets the pipe's read end as its stdin only.
    if (pipe (fds)
    ||  fcntl (fds [0], F_SETFD, FD_CLOEXEC)
    ||  fcntl (fds [1], F_SETFD, FD_CLOEXEC)) {
        fprintf (stderr, "catchball: graph: cannot make a pipe: %s\n", strerror (errno));
        goto done;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_adddup2 (&actions, fds [0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2 (&actions, fileno (svg), STDOUT_FILENO);
    char *argv [] = { (char *) "dot", (char *) "-Tsvg", NULL };
    pid_t pid;
    int error = posix_spawnp (&pid, "dot", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    close (fds [0]);
    fds [0] = -1;
    if (error) {
        fprintf (stderr, "catchball: graph: cannot run Graphviz's 'dot': %s%s\n",
                 strerror (error),
                 error == ENOENT ? " (is Graphviz installed?)" : "");
        goto done;
    }

    //  If dot dies early, a write gets EPIPE rather than killing us.
    struct sigaction ignore, old;
    memset (&ignore, 0, sizeof (ignore));
    ignore.sa_handler = SIG_IGN;
    sigaction (SIGPIPE, &ignore, &old);
    size_t written = 0;
    while (written < size) {
        ssize_t n = write (fds [1], text + written, size - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;              //  dot is gone; its status tells why
        written += (size_t) n;
    }
    close (fds [1]);
    fds [1] = -1;
    sigaction (SIGPIPE, &old, NULL);

    int status = 0;
    while (waitpid (pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf (stderr, "catchball: graph: lost Graphviz's 'dot': %s\n", strerror (errno));
            goto done;
        }
    }
    if (WIFSIGNALED (status)) {
        fprintf (stderr, "catchball: graph: Graphviz's 'dot' was killed by signal %d\n",
                 WTERMSIG (status));
        goto done;
    }
    if (WEXITSTATUS (status) != 0) {
        fprintf (stderr, "catchball: graph: Graphviz's 'dot' failed (exit status %d)\n",
                 WEXITSTATUS (status));
        goto done;
    }
    if (written < size) {
        fprintf (stderr, "catchball: graph: Graphviz's 'dot' did not read the graph\n");
        goto done;
    }

    //  Success: only now does the caller's file get the SVG.
    rewind (svg);
    char buffer [8192];
    size_t copied = 0, n;
    while ((n = fread (buffer, 1, sizeof (buffer), svg)) > 0) {
        if (fwrite (buffer, 1, n, out) != n) {
            fprintf (stderr, "catchball: graph: cannot write the SVG: %s\n", strerror (errno));
            goto done;
        }
        copied += n;
    }
    if (copied == 0) {
        fprintf (stderr, "catchball: graph: Graphviz's 'dot' wrote nothing\n");
        goto done;
    }
    rc = 0;

done:
    if (fds [0] >= 0)
        close (fds [0]);
    if (fds [1] >= 0)
        close (fds [1]);
    if (svg)
        fclose (svg);
    free (text);
    return rc;
}
