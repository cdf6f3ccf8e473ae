/*  =========================================================================
    cli_console_view - what the facilitator console draws

    See cli_console_view.h. The file is in sections: helpers, the header
    (event, connection indicator, phase timeline, countdown), the sections
    of the main screen (teams, who owes what, stuck deals, progress,
    dependencies, alignment, latest changes, legend), the screens (main, a
    team's detail, the progress in full, the legend) and the footer
    (status or prompt, help).

    Progress shows only once a draft of the event is final: on the main
    screen one line a key result (cut on a full wall), and in full on its
    own screen ('p'), legible at any size. Its ages are on the broker's
    clock: the terminal's now plus the offset a ping measured.

    Words are chosen for a room reading a projector: the indicator says
    LIVE only while the link is up and the broker has been heard since it
    came up, LOST with the time it was lost, RECONNECTING between; the
    status line always says how old the broker's last news is, so that a
    frozen screen cannot pass for a quiet event.
    =========================================================================
*/
#include <ctype.h>
#include <time.h>

#include "cli.h"
#include "cli_console_view.h"
#include "cli_progress.h"

#define S_TWO_COLUMNS   100     //  From this width on, two columns
#define S_THREE_COLUMNS 160     //  From this width on, three
#define S_BIG_ROWS      30      //  From this height on (and 100 columns), big digits
#define S_HELP "a advance  e +5m  n nudge  j/k select  enter detail  ? legend  d dump  q quit"
//  From S_TWO_COLUMNS on there is room for the progress key as well.
#define S_HELP_WIDE "a advance  e +5m  n nudge  j/k select  enter detail  p progress  ? legend  " \
                    "d dump  q quit"

//  The sections of the main screen, by index into self->sections
enum {
    S_TEAMS, S_OWED, S_STUCK, S_ASKS, S_TREE, S_FEED, S_LEGEND, S_DETAIL, S_PROGRESS
};


//  --------------------------------------------------------------------------
//  Small helpers

static const char *
s_item (const cb_value_t *array, size_t index)
{
    const char *s = cb_value_str (cb_value_at (array, index));
    return s ? s : "";
}

static bool
s_prefixed (const char *key, const char *prefix)
{
    return strncmp (key, prefix, strlen (prefix)) == 0;
}

static attr_t
s_color (cli_console_view_t *self, int pair, attr_t otherwise)
{
    return self->colors ? COLOR_PAIR (pair) : otherwise;
}

//  Colour of an ask's state: open yellow, countered cyan, accepted green,
//  declined red.
static attr_t
s_ask_color (cli_console_view_t *self, const char *state)
{
    if (streq (state, "open"))
        return s_color (self, CLI_YELLOW, A_NORMAL);
    if (streq (state, "countered"))
        return s_color (self, CLI_CYAN, A_NORMAL);
    if (streq (state, "accepted"))
        return s_color (self, CLI_GREEN, A_NORMAL);
    if (streq (state, "declined"))
        return s_color (self, CLI_RED, A_NORMAL);
    return A_NORMAL;
}

static attr_t
s_phase_color (cli_console_view_t *self, const char *phase)
{
    if (streq (phase, "share"))
        return s_color (self, CLI_CYAN, 0) | A_BOLD;
    if (streq (phase, "negotiate"))
        return s_color (self, CLI_YELLOW, 0) | A_BOLD;
    if (streq (phase, "commit"))
        return s_color (self, CLI_GREEN, 0) | A_BOLD;
    if (streq (phase, "closed"))
        return s_color (self, CLI_RED, 0) | A_BOLD;
    return A_BOLD;
}

static cb_value_t *
s_objects (cli_console_view_t *self)
{
    return cli_console_state_objects (self->state);
}

static cb_value_t *
s_event (cli_console_view_t *self)
{
    return cli_console_state_event (self->state);
}

//  "hh:mm:ss", local time, of a wall-clock time in ms.
static const char *
s_clock (int64_t ms, char *buf, size_t size)
{
    return cli_time (ms, CLI_TIME_CLOCK, buf, size);
}

//  "12:34" until the phase ends, or "--:--".
static void
s_countdown (cli_console_view_t *self, char *buf, size_t size)
{
    int64_t ends;
    if (!cb_value_get_int (s_event (self), "ends", &ends)) {
        snprintf (buf, size, "--:--");
        return;
    }
    int64_t left = (ends - self->now + 999) / 1000;
    if (left < 0)
        left = 0;
    if (left > 99999 * 60)
        left = 99999 * 60;      //  Plans are at most a day a phase
    snprintf (buf, size, "%02d:%02d", (int) (left / 60), (int) (left % 60));
}

//  "4 s", "3 min", "2 h": how long ago a wall-clock time was.
static const char *
s_age (int64_t now, int64_t then, char *buf, size_t size)
{
    int64_t s = (now - then) / 1000;
    if (s < 0)
        s = 0;
    if (s < 120)
        snprintf (buf, size, "%lld s", (long long) s);
    else
    if (s < 7200)
        snprintf (buf, size, "%lld min", (long long) (s / 60));
    else
        snprintf (buf, size, "%lld h", (long long) (s / 3600));
    return buf;
}


//  --------------------------------------------------------------------------
//  The header

void
cli_console_view_indicator (cli_console_view_t *self, char *buf, size_t size)
{
    char when [CLI_TIME_MAX];
    switch (self->link) {
        case CB_LINK_UP:
            //  Up, but not heard since it came up: the client is saying
            //  hello and following the log again.
            if (self->heard < self->link_since)
                snprintf (buf, size, "RECONNECTING");
            else
                snprintf (buf, size, "LIVE");
            break;
        case CB_LINK_DOWN:
            snprintf (buf, size, "LOST since %s, reconnecting",
                      s_clock (self->link_since, when, sizeof (when)));
            break;
        case CB_LINK_REFUSED:
            snprintf (buf, size, "REFUSED: %s", self->link_why);
            break;
        case CB_LINK_CONNECTING:
        default:
            snprintf (buf, size, "CONNECTING since %s",
                      s_clock (self->link_since, when, sizeof (when)));
            break;
    }
}

static attr_t
s_indicator_attr (cli_console_view_t *self, const char *text)
{
    if (streq (text, "LIVE"))
        return s_color (self, CLI_GREEN, 0) | A_BOLD | A_REVERSE;
    if (s_prefixed (text, "RECONNECTING") || s_prefixed (text, "CONNECTING"))
        return s_color (self, CLI_YELLOW, 0) | A_BOLD | A_REVERSE;
    return s_color (self, CLI_RED, 0) | A_BOLD | A_REVERSE | A_BLINK;
}

//  The phase timeline: "planned > SHARE > negotiate > commit > closed",
//  the phases done dim, the current one upper case in its colour. Returns
//  the columns used.
static int
s_timeline (cli_console_view_t *self, int y, int x, int width)
{
    static const char *phases [] = { "planned", "share", "negotiate", "commit", "closed" };
    const char *phase = cli_str (s_event (self), "phase");
    int current = -1;
    for (int i = 0; i < 5; i++)
        if (streq (phase, phases [i]))
            current = i;
    int used = 0;
    for (int i = 0; i < 5 && used < width; i++) {
        char name [16];
        size_t n;
        for (n = 0; phases [i][n] && n < sizeof (name) - 1; n++)
            name [n] = (char) (i == current ? toupper ((unsigned char) phases [i][n])
                                            : phases [i][n]);
        name [n] = 0;
        attr_t attr = i == current ? s_phase_color (self, phase) | A_REVERSE
                    : i < current  ? A_DIM : A_NORMAL;
        if (i > 0)
            used += cli_put (y, x + used, width - used, " > ", A_DIM, false);
        used += cli_put (y, x + used, width - used, name, attr, false);
    }
    return used;
}

//  The header: returns the rows it took.
static int
s_draw_header (cli_console_view_t *self)
{
    cb_value_t *event = s_event (self);
    char line [CLI_LINE_MAX], indicator [CLI_LINE_MAX];
    cli_console_view_indicator (self, indicator, sizeof (indicator));
    //  Row 0: the event, then the indicator at the right end.
    snprintf (line, sizeof (line), " %s (%s)  cycle %s  facilitator %s", cli_str (event, "name"),
              self->event, cli_str (event, "cycle"), cli_str (event, "facilitator"));
    cli_put (0, 0, COLS, line, A_REVERSE | A_BOLD, true);
    char shown [CLI_LINE_MAX + 4];
    snprintf (shown, sizeof (shown), " %s ", indicator);
    int iw = cli_text_width (shown);
    if (iw > COLS * 3 / 5)
        iw = COLS * 3 / 5;
    cli_put (0, COLS - iw, iw, shown, s_indicator_attr (self, indicator), true);

    //  Row 1: the timeline and the countdown.
    char left [32];
    s_countdown (self, left, sizeof (left));
    int x = 1 + s_timeline (self, 1, 1, COLS - 1);
    bool big = LINES >= S_BIG_ROWS && COLS >= S_TWO_COLUMNS;
    int64_t ends = 0;
    bool timed = cb_value_get_int (event, "ends", &ends);
    char when [CLI_TIME_MAX];
    if (!big) {
        snprintf (line, sizeof (line), "   %s left%s%s", left, timed ? ", ends " : "",
                  timed ? s_clock (ends, when, sizeof (when)) : "");
        cli_put (1, x, COLS - x, line, A_BOLD, false);
        return 3;
    }
    //  Large digits at the right of rows 1 to 3, what they mean beside.
    int bw = cli_big_width (left);
    attr_t attr = A_BOLD;
    if (timed && ends - self->now < 60000)
        attr |= s_color (self, CLI_RED, 0);
    cli_big_put (1, COLS - bw - 2, left, attr);
    snprintf (line, sizeof (line), "%s%s", timed ? "phase ends " : "no time box",
              timed ? s_clock (ends, when, sizeof (when)) : "");
    cli_put (2, 1, COLS - bw - 4, line, A_NORMAL, false);
    cb_value_t *participants = cb_value_get_array (event, "participants");
    snprintf (line, sizeof (line), "%zu of %zu participants shared  log seq %lld",
              cb_value_size (cb_value_get_map (event, "shared")), cb_value_size (participants),
              (long long) cli_console_state_seq (self->state));
    cli_put (3, 1, COLS - bw - 4, line, A_DIM, false);
    return 5;
}


//  --------------------------------------------------------------------------
//  The sections of the main screen

//  Width of the participants' names in columns: the longest, from 4 to 16.
static int
s_name_width (cli_console_view_t *self)
{
    cb_value_t *participants = cb_value_get_array (s_event (self), "participants");
    int width = 4;
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        int len = (int) strlen (s_item (participants, i));
        if (len > width)
            width = len > 16 ? 16 : len;
    }
    return width;
}

//  "4" or "-": the latest vote on a draft's head.
static const char *
s_confidence (cli_console_view_t *self, const char *draft, char *buf, size_t size)
{
    int confidence = draft ? cli_console_state_confidence (self->state, draft, NULL) : -1;
    if (confidence < 0)
        snprintf (buf, size, "-");
    else
        snprintf (buf, size, "%d/5", confidence);
    return buf;
}

static void
s_section_teams (cli_console_view_t *self, cli_lines_t *lines)
{
    cb_value_t *event = s_event (self);
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    int name_width = s_name_width (self);
    cli_lines_add (lines, A_BOLD | A_UNDERLINE,
                   "%-*s  draft conf wait  sent o/c/a/d  recv o/c/a/d", name_width + 2, "TEAMS");
    size_t selected = cli_console_state_selected_index (self->state);
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = s_item (participants, i);
        const char *draft = cb_value_get_str (shared, node);
        int sent [CLI_CONSOLE_ASK_STATES], received [CLI_CONSOLE_ASK_STATES];
        cli_console_state_ask_counts (self->state, node, sent, received);
        size_t waiting = cli_console_state_waiting (self->state, node);
        attr_t attr = A_NORMAL;
        if (i == selected)
            attr = A_REVERSE;
        else
        if (!draft)
            attr = s_color (self, CLI_RED, A_NORMAL);
        else
        if (waiting)
            attr = s_color (self, CLI_YELLOW, A_NORMAL);
        char counts [2][32], conf [16];
        for (int k = 0; k < 2; k++) {
            int *c = k ? received : sent;
            snprintf (counts [k], sizeof (counts [k]), "%d/%d/%d/%d", c [0], c [1], c [2], c [3]);
        }
        cli_lines_add (lines, attr, "%s %-*.*s  %-5s %-4s %4zu  %-12s  %-12s",
                       i == selected ? ">" : " ", name_width, name_width, node,
                       draft ? draft : "-", s_confidence (self, draft, conf, sizeof (conf)),
                       waiting, counts [0], counts [1]);
    }
    if (cb_value_size (participants) == 0)
        cli_lines_add (lines, A_DIM, "  (no participants)");
}

//  Who owes answers, and on what.
static void
s_section_owed (cli_console_view_t *self, cli_lines_t *lines, int width)
{
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "WHO OWES WHAT");
    cli_console_owed_t owed [64];
    size_t count = cli_console_state_owed (self->state, owed, 64);
    int name_width = s_name_width (self);
    for (size_t i = 0; i < count && i < 64; i++) {
        char prefix [64];
        snprintf (prefix, sizeof (prefix), "%-*.*s ", name_width, name_width, owed [i].node);
        cli_lines_wrap (lines, s_color (self, CLI_YELLOW, A_NORMAL), prefix, owed [i].what,
                        width);
    }
    if (count > 64)
        cli_lines_add (lines, A_DIM, "  and %zu more", count - 64);
    if (count == 0)
        cli_lines_add (lines, A_DIM, "  (nobody owes an answer)");
}

//  Deals that cannot go on, why, and who can unblock them.
static void
s_section_stuck (cli_console_view_t *self, cli_lines_t *lines, int width)
{
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "STUCK");
    cli_console_stuck_t stuck [32];
    size_t count = cli_console_state_stuck (self->state, stuck, 32);
    for (size_t i = 0; i < count && i < 32; i++) {
        cli_console_stuck_t *s = &stuck [i];
        char text [CLI_LINE_MAX], prefix [32];
        snprintf (prefix, sizeof (prefix), "%-4s ", s->ask);
        snprintf (text, sizeof (text), "`%s` by %s would be refused (ROUND_OPEN): %s has "
                  "round %s open. Unblock: %s can close %s%s%s%s", s->answer, s->by, s->draft,
                  s->round, s->owner, s->round, *s->waiting ? "; " : "", s->waiting,
                  *s->waiting ? " can answer it" : "");
        cli_lines_wrap (lines, s_color (self, CLI_RED, A_BOLD), prefix, text, width);
    }
    if (count == 0)
        cli_lines_add (lines, A_DIM, "  (no deal is stuck)");
}

static void
s_section_asks (cli_console_view_t *self, cli_lines_t *lines, int width)
{
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "DEPENDENCIES  from -> to, KR, kind, state: need");
    int name_width = s_name_width (self);
    size_t count = 0;
    for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
        if (!s_prefixed (cb_value_key_at (s_objects (self), i), "ask/"))
            continue;
        cb_value_t *ask = cb_value_val_at (s_objects (self), i);
        const char *state = cli_str (ask, "state");
        char kr [64], prefix [CLI_LINE_MAX];
        snprintf (kr, sizeof (kr), "%s/%s", cli_str (ask, "draft"), cli_str (ask, "kr"));
        const char *text = cb_value_get_str (ask, "need");
        if (!text)
            text = cli_str (ask, "text");
        snprintf (prefix, sizeof (prefix), "%-4s %*s -> %-*s %-7s %-5s %-9s ",
                  cli_str (ask, "id"), name_width, cli_str (ask, "from"), name_width,
                  cli_str (ask, "to"), kr, cli_str (ask, "kind"), state);
        attr_t attr = s_ask_color (self, state);
        //  The need whole: beside the columns if there is room for a fair
        //  part of it, else on lines of its own under them.
        if (width - cli_text_width (prefix) >= 24)
            cli_lines_wrap (lines, attr, prefix, text, width);
        else {
            cli_lines_add (lines, attr, "%s", prefix);
            cli_lines_wrap (lines, attr, "     ", text, width);
        }
        if (cb_value_get_str (ask, "counter"))
            cli_lines_wrap (lines, attr, "     counter: ", cli_str (ask, "counter"), width);
        count++;
    }
    if (count == 0)
        cli_lines_add (lines, A_DIM, "  (no asks yet)");
}

//  The KR's text in a draft's head content, or NULL.
static const char *
s_kr_text (const cb_value_t *draft, const char *kr)
{
    cb_value_t *krs = cb_value_get_array (cb_value_get_map (draft, "content"), "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++)
        if (streq (cli_str (cb_value_at (krs, i), "id"), kr))
            return cli_str (cb_value_at (krs, i), "text");
    return NULL;
}

static cb_value_t *
s_aligned_to (const cb_value_t *draft)
{
    return cb_value_get_map (cb_value_get_map (draft, "content"), "aligned_to");
}

//  True if some draft of the event is aligned to draft `id`.
static bool
s_is_target (cli_console_view_t *self, const char *id)
{
    for (size_t i = 0; i < cb_value_size (s_objects (self)); i++)
        if (s_prefixed (cb_value_key_at (s_objects (self), i), "draft/")
        &&  streq (cli_str (s_aligned_to (cb_value_val_at (s_objects (self), i)), "draft"), id))
            return true;
    return false;
}

//  A draft's line in the tree: "d2 team-a [4/5]: objective", wrapped at
//  `width`; a draft outside the event (context) says so.
static void
s_tree_draft (cli_console_view_t *self, cli_lines_t *lines, int depth, const char *arrow,
              const char *id, int width)
{
    cb_value_t *draft = cli_console_state_draft (self->state, id);
    bool outside = !cli_console_state_object (self->state, "draft", id);
    char conf [16], prefix [CLI_LINE_MAX];
    if (draft) {
        snprintf (prefix, sizeof (prefix), "%*s%s%s %.64s%s [%s]: ", depth * 2, "", arrow, id,
                  cli_str (draft, "owner"), outside ? " (outside the event)" : "",
                  s_confidence (self, id, conf, sizeof (conf)));
        cli_lines_wrap (lines, depth ? A_NORMAL : A_BOLD, prefix, cli_str (draft, "objective"),
                        width);
    }
    else
        cli_lines_add (lines, A_BOLD, "%*s%s%s (reading it...)", depth * 2, "", arrow, id);
}

//  The drafts aligned to draft `target`, under it (those aligned to one of
//  its KRs under that KR), and theirs under them. `shown` marks drafts
//  drawn already, by their index in objects: it ends cycles.
static void
s_tree_children (cli_console_view_t *self, cli_lines_t *lines, const char *target, int depth,
                 bool *shown, int width)
{
    if (depth > 6)
        return;
    cb_value_t *parent = cli_console_state_draft (self->state, target);
    //  The KRs the children name: the target's own in order, then others.
    const char *krs [64];
    size_t kr_count = 0;
    krs [kr_count++] = "";      //  Aligned to the whole draft
    cb_value_t *own = cb_value_get_array (cb_value_get_map (parent, "content"), "key_results");
    for (size_t i = 0; i < cb_value_size (own) && kr_count < 63; i++)
        krs [kr_count++] = cli_str (cb_value_at (own, i), "id");
    for (size_t i = 0; i < cb_value_size (s_objects (self)) && kr_count < 64; i++) {
        if (!s_prefixed (cb_value_key_at (s_objects (self), i), "draft/"))
            continue;
        cb_value_t *aligned = s_aligned_to (cb_value_val_at (s_objects (self), i));
        if (!streq (cli_str (aligned, "draft"), target))
            continue;
        bool known = false;
        for (size_t k = 0; k < kr_count && !known; k++)
            known = streq (krs [k], cli_str (aligned, "kr"));
        if (!known)
            krs [kr_count++] = cli_str (aligned, "kr");
    }
    for (size_t k = 0; k < kr_count; k++) {
        bool header = false;
        for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
            if (shown [i] || !s_prefixed (cb_value_key_at (s_objects (self), i), "draft/"))
                continue;
            cb_value_t *draft = cb_value_val_at (s_objects (self), i);
            cb_value_t *aligned = s_aligned_to (draft);
            if (!streq (cli_str (aligned, "draft"), target)
            ||  !streq (cli_str (aligned, "kr"), krs [k]))
                continue;
            if (*krs [k] && !header) {
                const char *text = s_kr_text (parent, krs [k]);
                char prefix [96];
                snprintf (prefix, sizeof (prefix), "%*s%.32s ", depth * 2 + 2, "", krs [k]);
                cli_lines_wrap (lines, s_color (self, CLI_MAGENTA, A_NORMAL), prefix,
                                text ? text : parent ? "(no such key result in its head)" : "",
                                width);
                header = true;
            }
            int deeper = depth + (*krs [k] ? 2 : 1);
            shown [i] = true;
            s_tree_draft (self, lines, deeper, "<- ", cli_str (draft, "id"), width);
            s_tree_children (self, lines, cli_str (draft, "id"), deeper, shown, width);
        }
    }
}

static void
s_section_tree (cli_console_view_t *self, cli_lines_t *lines, int width)
{
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "ALIGNMENT  draft owner [confidence]: objective");
    size_t size = cb_value_size (s_objects (self));
    bool *shown = (bool *) calloc (size + 1, sizeof (bool));
    assert (shown);
    //  Roots: drafts aligned to, that are not aligned to a draft of the
    //  event; then drafts outside the event aligned to (read as context);
    //  then any aligned draft not drawn yet (a cycle of alignments).
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < size; i++) {
            if (shown [i] || !s_prefixed (cb_value_key_at (s_objects (self), i), "draft/"))
                continue;
            cb_value_t *draft = cb_value_val_at (s_objects (self), i);
            const char *id = cli_str (draft, "id");
            const char *up = cli_str (s_aligned_to (draft), "draft");
            if (pass == 0 && s_is_target (self, id)
            &&  !cli_console_state_object (self->state, "draft", up)) {
                shown [i] = true;
                s_tree_draft (self, lines, 0, "", id, width);
                s_tree_children (self, lines, id, 0, shown, width);
            }
            else
            if (pass == 1 && *up && !cli_console_state_object (self->state, "draft", up)) {
                s_tree_draft (self, lines, 0, "", up, width);
                s_tree_children (self, lines, up, 0, shown, width);
            }
            else
            if (pass == 2 && *up) {
                shown [i] = true;
                s_tree_draft (self, lines, 0, "", id, width);
                s_tree_children (self, lines, id, 0, shown, width);
            }
        }
    free (shown);
    if (lines->size == 1)
        cli_lines_add (lines, A_DIM, "  (no draft is aligned yet)");

    //  Who has shared and who has not; shared drafts aligned to nothing.
    cb_value_t *event = s_event (self);
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    char list [3][CLI_LINE_MAX] = { "", "", "" };
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = s_item (participants, i);
        const char *id = cb_value_get_str (shared, node);
        for (int which = 0; which < 3; which++) {
            bool in = which == 0 ? id != NULL
                    : which == 1 ? id && !s_aligned_to (cli_console_state_object (
                                       self->state, "draft", id)) && !s_is_target (self, id)
                    : id == NULL;
            if (!in)
                continue;
            size_t len = strlen (list [which]);
            snprintf (list [which] + len, sizeof (list [which]) - len, "%s%s",
                      len ? ", " : "", node);
        }
    }
    cli_lines_add (lines, s_color (self, CLI_GREEN, A_NORMAL), "shared: %s",
                   *list [0] ? list [0] : "nobody yet");
    if (*list [1])
        cli_lines_add (lines, s_color (self, CLI_RED, A_NORMAL), "not aligned: %s", list [1]);
    if (*list [2])
        cli_lines_add (lines, s_color (self, CLI_RED, A_BOLD), "not shared: %s", list [2]);
}

static void
s_section_feed (cli_console_view_t *self, cli_lines_t *lines, int width)
{
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "LATEST CHANGES");
    //  Newest first, so that a short box keeps the latest.
    size_t size = cli_console_state_feed_size (self->state);
    for (size_t n = 0; n < size; n++) {
        const cli_console_feed_t *item = cli_console_state_feed (self->state, n);
        char when [CLI_TIME_MAX], prefix [160];
        snprintf (prefix, sizeof (prefix), "%s %s %s: ",
                  cli_time (item->time, CLI_TIME_CLOCK, when, sizeof (when)), item->node,
                  item->kind);
        cli_lines_wrap (lines, streq (item->kind, "event.nudge")
                                   ? s_color (self, CLI_MAGENTA, A_NORMAL) : A_NORMAL,
                        prefix, item->summary, width);
    }
    if (size == 0)
        cli_lines_add (lines, A_DIM, "  (no change since the console started)");
}

static void
s_section_legend (cli_console_view_t *self, cli_lines_t *lines, int width)
{
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "LEGEND");
    static const char *const items [][2] = {
        { "draft  ", "the draft the team shared into the event (- not yet: red)" },
        { "conf   ", "the latest confidence vote on that draft's head, of 5 (- none)" },
        { "wait   ", "catchball rounds the team has not answered yet (yellow if any)" },
        { "o/c/a/d", "asks open/countered/accepted/declined, the team sent and received" },
        { "colours", "yellow open, cyan countered, green accepted, red declined or stuck" },
        { "STUCK  ", "an answer the broker would refuse (ROUND_OPEN), and who can unblock it" },
        { "LIVE   ", "connected and heard from; LOST since hh:mm:ss while the broker is "
                     "gone; news: how old the broker's last message is" },
        { "p      ", "PROGRESS of the final drafts in full: per key result the current value "
                     "(baseline -> target), the share of the way, the confidence trend and the "
                     "last check-in's age (on the broker's clock)" }
    };
    for (size_t i = 0; i < sizeof (items) / sizeof (items [0]); i++) {
        char prefix [16];
        snprintf (prefix, sizeof (prefix), "%s  ", items [i][0]);
        cli_lines_wrap (lines, A_NORMAL, prefix, items [i][1], width);
    }
    (void) self;
}


//  "45 (20 -> 70 %)": a key result's current value against its baseline
//  and target, exactly; "none" for the current value before a check-in.
static void
s_progress_values (const cb_value_t *p, char *buf, size_t size)
{
    char current [CLI_NUMBER_MAX], base [CLI_NUMBER_MAX], target [CLI_NUMBER_MAX];
    const cb_value_t *baseline = cb_value_get (p, "baseline");
    const char *unit = cli_str (p, "unit");
    snprintf (buf, size, "%s (%s%s%s%s%s)",
              cli_int (p, "checkins") ? cli_number (cb_value_get (p, "current"), current,
                                                    sizeof (current)) : "none",
              cb_value_is_number (baseline) ? cli_number (baseline, base, sizeof (base)) : "",
              cb_value_is_number (baseline) ? " -> " : "-> ",
              cb_value_is_number (cb_value_get (p, "target"))
                  ? cli_number (cb_value_get (p, "target"), target, sizeof (target)) : "?",
              *unit ? " " : "", unit);
}

//  "50% of the way, confidence 3 -> 4 ▃▅, 2h 5m ago", or "no check-in yet".
static void
s_progress_since (const cb_value_t *p, char *buf, size_t size)
{
    if (!cli_int (p, "checkins")) {
        snprintf (buf, size, "no check-in yet");
        return;
    }
    char share [CLI_PROGRESS_MAX], trend [CLI_PROGRESS_MAX], bars [CLI_PROGRESS_MAX],
         age [CLI_PROGRESS_MAX];
    const cb_value_t *confidence = cb_value_get_array (p, "confidence");
    snprintf (buf, size, "%s of the way, confidence %s %s, %s",
              cli_progress_percent (cb_value_get (p, "share"), share, sizeof (share)),
              cli_progress_trend (confidence, trend, sizeof (trend)),
              cli_progress_sparkline (confidence, bars, sizeof (bars)),
              cli_progress_age (cli_int (p, "age_ms"), age, sizeof (age)));
}

//  Low confidence (below 2: what the log's drops are about) in red.
static attr_t
s_progress_attr (cli_console_view_t *self, const cb_value_t *p)
{
    cb_value_t *confidence = cb_value_get_array (p, "confidence");
    size_t n = cb_value_size (confidence);
    if (n && cb_value_int (cb_value_at (confidence, n - 1)) < 2)
        return s_color (self, CLI_RED, A_BOLD);
    return A_NORMAL;
}

//  The main screen's progress: one line a key result of the final drafts,
//  nothing at all before a draft of the event is final.
static void
s_section_progress (cli_console_view_t *self, cli_lines_t *lines, const cb_value_t *progress,
                    int width)
{
    if (cb_value_size (progress) == 0)
        return;
    cli_lines_add (lines, A_BOLD | A_UNDERLINE, "PROGRESS (p: in full)");
    for (size_t i = 0; i < cb_value_size (progress); i++) {
        const cb_value_t *p = cb_value_at (progress, i);
        char prefix [64], values [160], since [256], text [CLI_LINE_MAX];
        snprintf (prefix, sizeof (prefix), "%s/%s ", cli_str (p, "draft"), cli_str (p, "kr"));
        s_progress_values (p, values, sizeof (values));
        s_progress_since (p, since, sizeof (since));
        snprintf (text, sizeof (text), "%s %s", values, since);
        cli_lines_wrap (lines, s_progress_attr (self, p), prefix, text, width);
    }
}

//  The progress screen: each final draft, and each of its key results as
//  `catchball progress` shows it.
static void
s_draw_progress (cli_console_view_t *self, const cb_value_t *progress, int top)
{
    cli_lines_t *lines = &self->sections [S_PROGRESS];
    cli_lines_add (lines, A_BOLD | A_UNDERLINE,
                   "PROGRESS of the event's final drafts (ages on the broker's clock)");
    if (cb_value_size (progress) == 0)
        cli_lines_add (lines, A_DIM, "  no final draft in this event yet: progress follows "
                       "finalize and the check-ins");
    const char *draft = "";
    for (size_t i = 0; i < cb_value_size (progress); i++) {
        const cb_value_t *p = cb_value_at (progress, i);
        if (!streq (draft, cli_str (p, "draft"))) {
            draft = cli_str (p, "draft");
            char prefix [96];
            snprintf (prefix, sizeof (prefix), "%s %s: ", draft, cli_str (p, "owner"));
            cli_lines_wrap (lines, A_BOLD, prefix, cli_str (p, "objective"), COLS);
        }
        char prefix [32], values [160], since [256], text [CLI_LINE_MAX];
        snprintf (prefix, sizeof (prefix), "  %-4s ", cli_str (p, "kr"));
        cli_lines_wrap (lines, A_NORMAL, prefix, cli_str (p, "text"), COLS);
        s_progress_values (p, values, sizeof (values));
        s_progress_since (p, since, sizeof (since));
        snprintf (text, sizeof (text), "%s; %s%s%s", values, since,
                  *cli_str (p, "last") ? " by " : "", cli_str (p, "last_by"));
        cli_lines_wrap (lines, s_progress_attr (self, p), "       ", text, COLS);
    }
    cli_draw_section (lines, top, 0, COLS, LINES - top - 2);
}


//  --------------------------------------------------------------------------
//  The screens

//  The status line (or the prompt) and the help line, at the bottom.
static void
s_draw_footer (cli_console_view_t *self, const char *help)
{
    if (LINES >= 4) {
        int y = LINES - 2;
        char news [64] = "", age [32];
        if (self->heard)
            snprintf (news, sizeof (news), " news %s ago ",
                      s_age (self->now, self->heard, age, sizeof (age)));
        else
            snprintf (news, sizeof (news), " no news yet ");
        int nw = cli_text_width (news);
        if (*self->prompt)
            cli_put (y, 0, COLS - nw, self->prompt, A_BOLD | A_REVERSE, true);
        else
        if (*self->status) {
            char line [CLI_LINE_MAX + CLI_TIME_MAX + 8], when [CLI_TIME_MAX];
            snprintf (line, sizeof (line), "%s %s%s", s_clock (self->status_time, when,
                                                                sizeof (when)),
                      self->status, self->in_flight ? " ..." : "");
            cli_put (y, 0, COLS - nw, line,
                     self->status_error ? s_color (self, CLI_RED, 0) | A_BOLD : A_NORMAL, false);
        }
        bool stale = !self->heard || self->now - self->heard > 5000;
        cli_put (y, COLS - nw, nw, news, stale ? s_color (self, CLI_RED, 0) | A_BOLD : A_DIM,
                 false);
    }
    if (LINES >= 3)
        cli_put (LINES - 1, 0, COLS, help, A_REVERSE, true);
}

static void
s_draw_main (cli_console_view_t *self, const cb_value_t *progress, int top)
{
    cli_lines_t *s = self->sections;
    int height = LINES - top - 2;
    if (height <= 0)
        return;
    int teams_width = cli_text_width (s [S_TEAMS].lines [0].text) + 2;
    if (COLS >= S_THREE_COLUMNS) {
        int left = teams_width > COLS / 4 ? teams_width : COLS / 4;
        int middle = (COLS - left) * 9 / 20;
        int right = COLS - left - middle;
        s_section_owed (self, &s [S_OWED], left - 1);
        s_section_legend (self, &s [S_LEGEND], left - 1);
        s_section_stuck (self, &s [S_STUCK], middle - 2);
        s_section_progress (self, &s [S_PROGRESS], progress, middle - 2);
        s_section_asks (self, &s [S_ASKS], middle - 2);
        s_section_tree (self, &s [S_TREE], right - 1);
        s_section_feed (self, &s [S_FEED], right - 1);
        cli_lines_t *col1 [] = { &s [S_TEAMS], &s [S_OWED], &s [S_LEGEND] };
        cli_lines_t *col2 [] = { &s [S_STUCK], &s [S_PROGRESS], &s [S_ASKS] };
        cli_lines_t *col3 [] = { &s [S_TREE], &s [S_FEED] };
        cli_draw_column (col1, 3, top, 0, left - 1, height);
        cli_draw_column (col2, 3, top, left + 1, middle - 2, height);
        cli_draw_column (col3, 2, top, left + middle + 1, right - 1, height);
        for (int y = top; y < top + height; y++) {
            mvaddch (y, left - 1, ACS_VLINE);
            mvaddch (y, left + middle - 1, ACS_VLINE);
        }
    }
    else
    if (COLS >= S_TWO_COLUMNS) {
        //  The left column as wide as the team table, within reason: the
        //  right one's dependencies and tree need the room more.
        int left = teams_width;
        if (left < COLS * 2 / 5)
            left = COLS * 2 / 5;
        if (left > COLS / 2)
            left = COLS / 2;
        int right = COLS - left - 1;
        s_section_owed (self, &s [S_OWED], left - 1);
        s_section_stuck (self, &s [S_STUCK], left - 1);
        s_section_legend (self, &s [S_LEGEND], left - 1);
        s_section_progress (self, &s [S_PROGRESS], progress, right - 1);
        s_section_asks (self, &s [S_ASKS], right - 1);
        s_section_tree (self, &s [S_TREE], right - 1);
        s_section_feed (self, &s [S_FEED], right - 1);
        cli_lines_t *col1 [] = { &s [S_TEAMS], &s [S_OWED], &s [S_STUCK], &s [S_LEGEND] };
        cli_lines_t *col2 [] = { &s [S_PROGRESS], &s [S_ASKS], &s [S_TREE], &s [S_FEED] };
        cli_draw_column (col1, 4, top, 0, left - 1, height);
        for (int y = top; y < top + height; y++)
            mvaddch (y, left - 1, ACS_VLINE);
        cli_draw_column (col2, 4, top, left + 1, right - 1, height);
    }
    else {
        s_section_owed (self, &s [S_OWED], COLS);
        s_section_stuck (self, &s [S_STUCK], COLS);
        s_section_progress (self, &s [S_PROGRESS], progress, COLS);
        s_section_asks (self, &s [S_ASKS], COLS);
        s_section_tree (self, &s [S_TREE], COLS);
        s_section_feed (self, &s [S_FEED], COLS);
        //  The legend has a screen of its own here ('?'), the progress too
        //  ('p', said in the section's title: the help line is full).
        cli_lines_t *col [] = { &s [S_TEAMS], &s [S_STUCK], &s [S_PROGRESS], &s [S_OWED],
                                &s [S_ASKS], &s [S_TREE], &s [S_FEED] };
        cli_draw_column (col, 7, top, 0, COLS, height);
    }
}

//  A team's shared draft: its objective, alignment, key results and votes.
static void
s_detail_draft (cli_console_view_t *self, cli_lines_t *lines, const char *id, int width)
{
    cb_value_t *draft = cli_console_state_object (self->state, "draft", id);
    if (!id) {
        cli_lines_add (lines, s_color (self, CLI_RED, A_NORMAL), "has not shared a draft");
        return;
    }
    if (!draft) {
        cli_lines_add (lines, A_NORMAL, "shared draft %s (not held)", id);
        return;
    }
    cli_lines_add (lines, A_NORMAL, "shared draft %s, revision %lld, %s%s%s", id,
                   (long long) cli_int (draft, "head"), cli_str (draft, "state"),
                   *cli_str (draft, "round") ? " " : "", cli_str (draft, "round"));
    cb_value_t *content = cb_value_get_map (draft, "content");
    cli_lines_wrap (lines, A_BOLD, "Objective: ", cli_str (content, "objective"), width);
    cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
    if (aligned)
        cli_lines_add (lines, A_NORMAL, "Aligned to: %s%s%s", cli_str (aligned, "draft"),
                       cb_value_get_str (aligned, "kr") ? "/" : "", cli_str (aligned, "kr"));
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        char base [48] = "", target [48], number [CLI_NUMBER_MAX];
        if (cb_value_is_number (cb_value_get (kr, "baseline"))) {
            cli_number (cb_value_get (kr, "baseline"), base, sizeof (base) - 4);
            strcat (base, " -> ");
        }
        cb_value_t *goal = cb_value_get (kr, "target");
        //  A target that is not a number shows as such, not as 0.
        snprintf (target, sizeof (target), "%s",
                  cb_value_is_number (goal) ? cli_number (goal, number, sizeof (number)) : "?");
        char prefix [16], text [CLI_LINE_MAX];
        snprintf (prefix, sizeof (prefix), "  %-4s ", cli_str (kr, "id"));
        snprintf (text, sizeof (text), "%s: %s%s%s%s", cli_str (kr, "text"), base, target,
                  *cli_str (kr, "unit") ? " " : "", cli_str (kr, "unit"));
        cli_lines_wrap (lines, A_NORMAL, prefix, text, width);
    }
    //  Its confidence votes, the latest first.
    cb_value_t *votes = cb_value_get_array (draft, "votes");
    char line [CLI_LINE_MAX] = "";
    for (size_t i = cb_value_size (votes); i-- > 0;) {
        cb_value_t *vote = cb_value_at (votes, i);
        size_t len = strlen (line);
        snprintf (line + len, sizeof (line) - len, "%s%s %lld/5 on rev %lld",
                  len ? ", " : "", cli_str (vote, "node"),
                  (long long) cli_int (vote, "confidence"), (long long) cli_int (vote, "rev"));
    }
    cli_lines_wrap (lines, A_NORMAL, "Confidence: ", *line ? line : "no vote yet", width);
}

//  A team's asks, sent then received, each with its counter and reason.
static void
s_detail_asks (cli_console_view_t *self, cli_lines_t *lines, const char *node, int width)
{
    for (int k = 0; k < 2; k++) {
        cli_lines_add (lines, A_BOLD, k ? "Received:" : "Sent:");
        size_t asks = 0;
        for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
            if (!s_prefixed (cb_value_key_at (s_objects (self), i), "ask/"))
                continue;
            cb_value_t *ask = cb_value_val_at (s_objects (self), i);
            if (!streq (cli_str (ask, k ? "to" : "from"), node))
                continue;
            const char *state = cli_str (ask, "state");
            attr_t attr = s_ask_color (self, state);
            char prefix [160];
            snprintf (prefix, sizeof (prefix), "  %s %s %s %s %s/%s %s: ", cli_str (ask, "id"),
                      cli_str (ask, "kind"), k ? "from" : "to", cli_str (ask, k ? "from" : "to"),
                      cli_str (ask, "draft"), cli_str (ask, "kr"), state);
            const char *text = cb_value_get_str (ask, "need");
            cli_lines_wrap (lines, attr, prefix, text ? text : cli_str (ask, "text"), width);
            if (cb_value_get_str (ask, "counter"))
                cli_lines_wrap (lines, attr, "      counter: ", cli_str (ask, "counter"), width);
            if (cb_value_get_str (ask, "reason"))
                cli_lines_wrap (lines, attr, "      reason: ", cli_str (ask, "reason"), width);
            asks++;
        }
        if (asks == 0)
            cli_lines_add (lines, A_DIM, "  (none)");
    }
}

//  One team in full: its shared draft, what it owes, its asks.
static void
s_draw_detail (cli_console_view_t *self, int top)
{
    cli_lines_t *lines = &self->sections [S_DETAIL];
    const char *node = cli_console_state_selected (self->state);
    if (!node)
        cli_lines_add (lines, A_BOLD, "no participants");
    else {
        cli_lines_add (lines, A_BOLD | A_UNDERLINE, "%s", node);
        s_detail_draft (self, lines,
                        cb_value_get_str (cb_value_get_map (s_event (self), "shared"), node),
                        COLS);
        cli_console_owed_t owed [32];
        size_t count = cli_console_state_owed (self->state, owed, 32);
        for (size_t i = 0; i < count && i < 32; i++)
            if (streq (owed [i].node, node))
                cli_lines_wrap (lines, s_color (self, CLI_YELLOW, A_NORMAL), "owes ",
                                owed [i].what, COLS);
        s_detail_asks (self, lines, node, COLS);
    }
    cli_draw_section (lines, top, 0, COLS, LINES - top - 2);
}

void
cli_console_view_draw (cli_console_view_t *self)
{
    for (int i = 0; i < CLI_VIEW_SECTIONS; i++)
        cli_lines_reset (&self->sections [i]);
    //  Rows go first to the teams, then to what needs an action.
    int priority [CLI_VIEW_SECTIONS] = { 0, 2, 1, 3, 4, 5, 6, 0, 2 };
    for (int i = 0; i < CLI_VIEW_SECTIONS; i++)
        self->sections [i].priority = priority [i];
    //  Check-ins carry the broker's time: their ages are on its clock.
    cb_value_t *progress = cli_console_state_progress (self->state,
                                                       self->now + self->clock_offset);
    erase ();
    int top = s_draw_header (self);
    if (self->legend) {
        s_section_legend (self, &self->sections [S_LEGEND], COLS);
        cli_draw_section (&self->sections [S_LEGEND], top, 0, COLS, LINES - top - 2);
        s_draw_footer (self, "any key: back to the event");
    }
    else
    if (self->detail) {
        s_draw_detail (self, top);
        s_draw_footer (self, "any key: back to the event");
    }
    else
    if (self->progress) {
        s_draw_progress (self, progress, top);
        s_draw_footer (self, "any key: back to the event");
    }
    else {
        s_section_teams (self, &self->sections [S_TEAMS]);
        s_draw_main (self, progress, top);
        s_draw_footer (self, COLS >= S_TWO_COLUMNS ? S_HELP_WIDE : S_HELP);
    }
    refresh ();
    cb_value_destroy (&progress);
}

void
cli_console_view_colors (cli_console_view_t *self)
{
    if (!has_colors () || start_color () == ERR)
        return;
    short background = use_default_colors () == OK ? -1 : COLOR_BLACK;
    init_pair (CLI_YELLOW, COLOR_YELLOW, background);
    init_pair (CLI_CYAN, COLOR_CYAN, background);
    init_pair (CLI_GREEN, COLOR_GREEN, background);
    init_pair (CLI_RED, COLOR_RED, background);
    init_pair (CLI_MAGENTA, COLOR_MAGENTA, background);
    self->colors = true;
}

void
cli_console_view_free (cli_console_view_t *self)
{
    for (int i = 0; i < CLI_VIEW_SECTIONS; i++)
        cli_lines_free (&self->sections [i]);
}
