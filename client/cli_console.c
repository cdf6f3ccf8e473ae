/*  =========================================================================
    cli_console - the facilitator's console for a live alignment-marketplace
    event: a full-screen ncurses view, often shown on a projector

    What the console knows of its event is cli_console_state (the objects
    of event.snapshot, kept up to date from the log, and the feed); this
    file reads the snapshot, subscribes to the log after it and feeds the
    entries to the state. The client library renews the subscription
    after a reconnection or a broker restart.

    The screen is drawn from that state alone: erase, draw, refresh, when
    something changed or once a second for the countdown. Curses sends only
    the cells that differ, so nothing flickers. Every line is cut at its
    section's width and every section at its height: a small terminal loses
    the ends of lists, never the layout.

    The file is the view and its keys, in sections (helpers, lines,
    drawing, requests from the keyboard, the sections of the main screen,
    the screens, the console). It stays one file over 800 lines because
    its sections share one screen's line buffers, colours and layout; the
    state, which a test drives, is apart.
    =========================================================================
*/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <ncurses.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "cli.h"
#include "cli_console_state.h"

#define S_LINE_MAX      512     //  Bytes in one line of text
#define S_WAIT_MS       100     //  Longest wait for the log, then for a key
#define S_REQUEST_MS    5000    //  Timeout of the console's own requests
#define S_TWO_COLUMNS   100     //  From this width on, two columns
#define S_HELP "a advance  e extend +5m  n nudge  enter detail  d dump  q quit  j/k select"

//  Colour pairs
enum {
    S_YELLOW = 1,
    S_CYAN,
    S_GREEN,
    S_RED,
    S_MAGENTA
};

//  One line of a section, drawn in one attribute
typedef struct {
    char text [S_LINE_MAX];     //  UTF-8, cut when drawn
    attr_t attr;                //  Curses attributes and colour pair
} s_line_t;

//  A section's lines: title first
typedef struct {
    s_line_t *lines;            //  The lines
    size_t size;                //  Lines used
    size_t max;                 //  Lines allocated
} s_lines_t;

//  The console
typedef struct {
    cb_client_t *client;        //  Our connection, lent
    cli_console_state_t *state; //  What we know of the event
    const char *event;          //  The event's id, lent
    const char *dump_path;      //  Where 'd' writes, or NULL
    bool detail;                //  Showing the selected team's detail
    bool colors;                //  The terminal has colours
    char status [S_LINE_MAX];   //  The status line
    bool status_error;          //  ... is an error
} s_console_t;


//  --------------------------------------------------------------------------
//  Small helpers

static const char *
s_str (const cb_value_t *map, const char *key)
{
    const char *s = cb_value_get_str (map, key);
    return s ? s : "";
}

static int64_t
s_int (const cb_value_t *map, const char *key)
{
    int64_t n = 0;
    cb_value_get_int (map, key, &n);
    return n;
}

//  An array's string item, or "" (lent).
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

//  Colour pair of an ask's state: open yellow, countered cyan, accepted
//  green, declined red.
static attr_t
s_ask_color (s_console_t *self, const char *state)
{
    if (!self->colors)
        return A_NORMAL;
    if (streq (state, "open"))
        return COLOR_PAIR (S_YELLOW);
    if (streq (state, "countered"))
        return COLOR_PAIR (S_CYAN);
    if (streq (state, "accepted"))
        return COLOR_PAIR (S_GREEN);
    if (streq (state, "declined"))
        return COLOR_PAIR (S_RED);
    return A_NORMAL;
}

static attr_t
s_phase_color (s_console_t *self, const char *phase)
{
    if (!self->colors)
        return A_BOLD;
    if (streq (phase, "share"))
        return COLOR_PAIR (S_CYAN) | A_BOLD;
    if (streq (phase, "negotiate"))
        return COLOR_PAIR (S_YELLOW) | A_BOLD;
    if (streq (phase, "commit"))
        return COLOR_PAIR (S_GREEN) | A_BOLD;
    if (streq (phase, "closed"))
        return COLOR_PAIR (S_RED) | A_BOLD;
    return A_BOLD;
}


//  --------------------------------------------------------------------------
//  Lines of text

static void
s_lines_reset (s_lines_t *self)
{
    self->size = 0;
}

static void
s_lines_free (s_lines_t *self)
{
    free (self->lines);
    self->lines = NULL;
    self->size = self->max = 0;
}

//  Appends a line, printf-style.
static void
s_lines_add (s_lines_t *self, attr_t attr, const char *format, ...)
{
    if (self->size == self->max) {
        self->max = self->max ? self->max * 2 : 32;
        self->lines = (s_line_t *) realloc (self->lines, self->max * sizeof (s_line_t));
        assert (self->lines);
    }
    s_line_t *line = &self->lines [self->size++];
    va_list args;
    va_start (args, format);
    vsnprintf (line->text, sizeof (line->text), format, args);
    va_end (args);
    line->attr = attr;
}

//  Text as wide characters, at most `max` - 1 of them; control characters
//  become spaces, and bytes the locale cannot decode become '?'. Returns
//  the count.
static size_t
s_widen (const char *text, wchar_t *wide, size_t max)
{
    size_t count = 0;
    mbstate_t state;
    memset (&state, 0, sizeof (state));
    const char *p = text;
    size_t left = strlen (text);
    while (left > 0 && count < max - 1) {
        wchar_t c;
        size_t n = mbrtowc (&c, p, left, &state);
        if (n == (size_t) -1 || n == (size_t) -2 || n == 0) {
            memset (&state, 0, sizeof (state));
            c = L'?';
            n = 1;
        }
        if (iswcntrl ((wint_t) c))
            c = L' ';
        else
        if (wcwidth (c) < 0)
            c = L'?';
        wide [count++] = c;
        p += n;
        left -= n;
    }
    wide [count] = 0;
    return count;
}

//  Appends `text` wrapped at `width` columns, the first line after
//  `prefix`, the others indented as deep.
static void
s_lines_wrap (s_lines_t *self, attr_t attr, const char *prefix, const char *text, int width)
{
    wchar_t wide [S_LINE_MAX * 2];
    size_t count = s_widen (text, wide, S_LINE_MAX * 2);
    int indent = (int) strlen (prefix);
    int room = width - indent > 10 ? width - indent : 10;
    size_t start = 0;
    bool first = true;
    do {
        //  Take characters while they fit, then go back to the last space.
        int used = 0;
        size_t end = start, space = 0;
        while (end < count) {
            int w = wcwidth (wide [end]);
            if (used + (w > 0 ? w : 0) > room)
                break;
            used += w > 0 ? w : 0;
            if (wide [end] == L' ')
                space = end;
            end++;
        }
        if (end < count && space > start)
            end = space;
        char piece [S_LINE_MAX];
        wchar_t saved = wide [end];
        wide [end] = 0;
        size_t n = wcstombs (piece, wide + start, sizeof (piece) - 1);
        wide [end] = saved;
        piece [sizeof (piece) - 1] = 0;
        if (n == (size_t) -1)
            snprintf (piece, sizeof (piece), "?");
        s_lines_add (self, attr, "%*s%s", first ? 0 : indent, first ? prefix : "", piece);
        first = false;
        start = end;
        while (start < count && wide [start] == L' ')
            start++;
    } while (start < count);
}


//  --------------------------------------------------------------------------
//  Drawing

//  Draws text at (y, x) in at most `width` columns, and with `fill` pads
//  the rest of them with spaces in the same attribute. Never writes
//  outside the screen or past the width.
static void
s_put (int y, int x, int width, const char *text, attr_t attr, bool fill)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || width <= 0)
        return;
    if (x + width > COLS)
        width = COLS - x;
    //  Curses refuses the bottom right cell of the screen: keep clear of it.
    if (y == LINES - 1 && x + width == COLS)
        width--;
    wchar_t wide [S_LINE_MAX];
    size_t count = s_widen (text, wide, S_LINE_MAX);
    attr_set (attr, PAIR_NUMBER (attr), NULL);
    move (y, x);
    int used = 0;
    for (size_t i = 0; i < count; i++) {
        int w = wcwidth (wide [i]);
        if (w < 0)
            w = 1;
        if (used + w > width)
            break;
        addnwstr (&wide [i], 1);
        used += w;
    }
    while (fill && used < width) {
        addch (' ');
        used++;
    }
    attr_set (A_NORMAL, 0, NULL);
}

//  Draws a section's lines in a box of `height` rows; if they do not fit,
//  the last row says how many were cut.
static void
s_draw_section (const s_lines_t *lines, int y, int x, int width, int height)
{
    if (height <= 0)
        return;
    size_t shown = lines->size;
    if (shown > (size_t) height)
        shown = height > 1 ? (size_t) height - 1 : 1;
    for (size_t i = 0; i < shown; i++)
        s_put (y + (int) i, x, width, lines->lines [i].text, lines->lines [i].attr,
               (lines->lines [i].attr & A_REVERSE) != 0);
    if (shown < lines->size && height > 1) {
        char more [64];
        snprintf (more, sizeof (more), "  ... %zu more", lines->size - shown);
        s_put (y + (int) shown, x, width, more, A_DIM, false);
    }
}

//  Shares `height` rows among sections: each first gets up to four rows
//  (its title and three lines), then what is left goes to each in order.
static void
s_allocate (s_lines_t *sections, int count, int height, int *rows)
{
    int left = height;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < count; i++) {
            if (pass == 0)
                rows [i] = 0;
            int want = (int) sections [i].size - rows [i];
            if (pass == 0 && want > 4)
                want = 4;
            if (want > left)
                want = left;
            if (want > 0) {
                rows [i] += want;
                left -= want;
            }
        }
}

//  Draws sections one under the other in a column.
static void
s_draw_column (s_lines_t *sections, int count, int y, int x, int width, int height)
{
    int rows [8];
    assert (count <= 8);
    s_allocate (sections, count, height, rows);
    for (int i = 0; i < count; i++) {
        s_draw_section (&sections [i], y, x, width, rows [i]);
        y += rows [i];
    }
}


//  --------------------------------------------------------------------------
//  The state, as the screen reads it

static cb_value_t *
s_objects (s_console_t *self)
{
    return cli_console_state_objects (self->state);
}

static cb_value_t *
s_event (s_console_t *self)
{
    return cli_console_state_event (self->state);
}

//  The object held under a kind and an id ("draft", "d1"), or NULL.
static cb_value_t *
s_object (s_console_t *self, const char *kind, const char *id)
{
    return cli_console_state_object (self->state, kind, id);
}


//  --------------------------------------------------------------------------
//  Requests from the keyboard

static void
s_status (s_console_t *self, bool error, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (self->status, sizeof (self->status), format, args);
    va_end (args);
    self->status_error = error;
}

//  Sends a request (body taken); on failure the broker's error goes to the
//  status line. Returns the reply body or NULL.
static cb_value_t *
s_request (s_console_t *self, const char *type, cb_value_t **body_p)
{
    cb_value_t *reply = cb_client_request (self->client, type, body_p, S_REQUEST_MS);
    if (!reply)
        s_status (self, true, "%s: %s: %s", type, cb_client_error_name (self->client),
                  cb_client_error_message (self->client));
    return reply;
}

//  "12:34" until `ends`, or "--:--".
static void
s_countdown (char *buf, size_t size, const cb_value_t *event)
{
    int64_t ends;
    if (!cb_value_get_int (event, "ends", &ends)) {
        snprintf (buf, size, "--:--");
        return;
    }
    int64_t left = (ends - zclock_time () + 999) / 1000;
    if (left < 0)
        left = 0;
    if (left > 99999 * 60)
        left = 99999 * 60;      //  Plans are at most a day a phase
    snprintf (buf, size, "%02d:%02d", (int) (left / 60), (int) (left % 60));
}

static void
s_advance (s_console_t *self)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    cb_value_t *reply = s_request (self, "event.advance", &body);
    if (reply) {
        char left [32];
        int64_t ends;
        bool timed = cb_value_get_int (reply, "ends", &ends);
        s_countdown (left, sizeof (left), reply);
        s_status (self, false, "advanced: phase %s%s%s", s_str (reply, "phase"),
                  timed ? ", left " : "", timed ? left : "");
    }
    cb_value_destroy (&reply);
}

static void
s_extend (s_console_t *self)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    cb_value_set_int (body, "minutes", 5);
    cb_value_t *reply = s_request (self, "event.extend", &body);
    if (reply) {
        char left [32];
        s_countdown (left, sizeof (left), reply);
        s_status (self, false, "extended %s by 5 minutes: %s left", s_str (reply, "phase"),
                  left);
    }
    cb_value_destroy (&reply);
}

static void
s_nudge (s_console_t *self)
{
    const char *node = cli_console_state_selected (self->state);
    if (!node) {
        s_status (self, true, "no participant to nudge");
        return;
    }
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    cb_value_set_str (body, "node", node);
    cb_value_t *reply = s_request (self, "event.nudge", &body);
    if (reply)
        s_status (self, false, "nudged %s", node);
    cb_value_destroy (&reply);
}

static void
s_dump_key (s_console_t *self)
{
    if (!self->dump_path)
        s_status (self, true, "no dump file: start the console with --dump FILE");
    else
    if (cli_console_state_dump (self->state, self->dump_path))
        s_status (self, true, "dump: %s: %s", self->dump_path, strerror (errno));
    else
        s_status (self, false, "dumped %zu objects as of seq %lld to %s",
                  cb_value_size (s_objects (self)), (long long) cli_console_state_seq (self->state), self->dump_path);
}


//  --------------------------------------------------------------------------
//  The sections of the main screen

//  Width of the participants' names in columns: the longest, from 4 to 16.
static int
s_name_width (s_console_t *self)
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

static void
s_section_teams (s_console_t *self, s_lines_t *lines)
{
    cb_value_t *event = s_event (self);
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    int name_width = s_name_width (self);
    s_lines_add (lines, A_BOLD | A_UNDERLINE, "%-*s  draft wait  sent o/c/a/d  recv o/c/a/d",
                 name_width + 2, "TEAMS");
    cli_console_state_selected (self->state);
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = s_item (participants, i);
        const char *draft = cb_value_get_str (shared, node);
        int sent [CLI_CONSOLE_ASK_STATES], received [CLI_CONSOLE_ASK_STATES];
        cli_console_state_ask_counts (self->state, node, sent, received);
        size_t waiting = cli_console_state_waiting (self->state, node);
        attr_t attr = A_NORMAL;
        if (i == cli_console_state_selected_index (self->state))
            attr = A_REVERSE;
        else
        if (self->colors && !draft)
            attr = COLOR_PAIR (S_RED);
        else
        if (self->colors && waiting)
            attr = COLOR_PAIR (S_YELLOW);
        char counts [2][32];
        for (int k = 0; k < 2; k++) {
            int *c = k ? received : sent;
            snprintf (counts [k], sizeof (counts [k]), "%d/%d/%d/%d", c [0], c [1], c [2], c [3]);
        }
        s_lines_add (lines, attr, "%s %-*.*s  %-5s %4zu  %-12s  %-12s",
                     i == cli_console_state_selected_index (self->state) ? ">" : " ", name_width, name_width, node,
                     draft ? draft : "-", waiting, counts [0], counts [1]);
    }
    if (cb_value_size (participants) == 0)
        s_lines_add (lines, A_DIM, "  (no participants)");
}

static void
s_section_asks (s_console_t *self, s_lines_t *lines)
{
    s_lines_add (lines, A_BOLD | A_UNDERLINE, "DEPENDENCIES  from -> to, KR, kind, state, need");
    int name_width = s_name_width (self);
    size_t count = 0;
    for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
        if (!s_prefixed (cb_value_key_at (s_objects (self), i), "ask/"))
            continue;
        cb_value_t *ask = cb_value_val_at (s_objects (self), i);
        const char *state = s_str (ask, "state");
        char kr [64];
        snprintf (kr, sizeof (kr), "%s/%s", s_str (ask, "draft"), s_str (ask, "kr"));
        const char *text = cb_value_get_str (ask, "need");
        if (!text)
            text = s_str (ask, "text");
        s_lines_add (lines, s_ask_color (self, state), "%-4s %*s -> %-*s %-7s %-5s %-9s %s",
                     s_str (ask, "id"), name_width, s_str (ask, "from"), name_width,
                     s_str (ask, "to"), kr, s_str (ask, "kind"), state, text);
        count++;
    }
    if (count == 0)
        s_lines_add (lines, A_DIM, "  (no asks yet)");
}

//  The KR's text in a draft's head content, or NULL.
static const char *
s_kr_text (const cb_value_t *draft, const char *kr)
{
    cb_value_t *krs = cb_value_get_array (cb_value_get_map (draft, "content"), "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++)
        if (streq (s_str (cb_value_at (krs, i), "id"), kr))
            return s_str (cb_value_at (krs, i), "text");
    return NULL;
}

static cb_value_t *
s_aligned_to (const cb_value_t *draft)
{
    return cb_value_get_map (cb_value_get_map (draft, "content"), "aligned_to");
}

//  True if some draft we hold is aligned to draft `id`.
static bool
s_is_target (s_console_t *self, const char *id)
{
    for (size_t i = 0; i < cb_value_size (s_objects (self)); i++)
        if (s_prefixed (cb_value_key_at (s_objects (self), i), "draft/")
        &&  streq (s_str (s_aligned_to (cb_value_val_at (s_objects (self), i)), "draft"), id))
            return true;
    return false;
}

//  A draft's line in the tree: "d2 team-a: objective".
static void
s_tree_draft (s_console_t *self, s_lines_t *lines, int depth, const char *arrow,
              const char *id)
{
    cb_value_t *draft = s_object (self, "draft", id);
    if (draft)
        s_lines_add (lines, depth ? A_NORMAL : A_BOLD, "%*s%s%s %s: %s", depth * 2, "", arrow,
                     id, s_str (draft, "owner"), s_str (draft, "objective"));
    else
        s_lines_add (lines, A_BOLD, "%*s%s%s (not in this event)", depth * 2, "", arrow, id);
}

//  The drafts aligned to draft `target`, under it (those aligned to one of
//  its KRs under that KR), and theirs under them. `shown` marks drafts
//  drawn already, by their index in objects: it ends cycles.
static void
s_tree_children (s_console_t *self, s_lines_t *lines, const char *target, int depth,
                 bool *shown)
{
    if (depth > 6)
        return;
    cb_value_t *parent = s_object (self, "draft", target);
    //  The KRs the children name: the target's own in order, then others.
    const char *krs [64];
    size_t kr_count = 0;
    krs [kr_count++] = "";      //  Aligned to the whole draft
    cb_value_t *own = cb_value_get_array (cb_value_get_map (parent, "content"), "key_results");
    for (size_t i = 0; i < cb_value_size (own) && kr_count < 63; i++)
        krs [kr_count++] = s_str (cb_value_at (own, i), "id");
    for (size_t i = 0; i < cb_value_size (s_objects (self)) && kr_count < 64; i++) {
        if (!s_prefixed (cb_value_key_at (s_objects (self), i), "draft/"))
            continue;
        cb_value_t *aligned = s_aligned_to (cb_value_val_at (s_objects (self), i));
        if (!streq (s_str (aligned, "draft"), target))
            continue;
        bool known = false;
        for (size_t k = 0; k < kr_count && !known; k++)
            known = streq (krs [k], s_str (aligned, "kr"));
        if (!known)
            krs [kr_count++] = s_str (aligned, "kr");
    }
    for (size_t k = 0; k < kr_count; k++) {
        bool header = false;
        for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
            if (shown [i] || !s_prefixed (cb_value_key_at (s_objects (self), i), "draft/"))
                continue;
            cb_value_t *draft = cb_value_val_at (s_objects (self), i);
            cb_value_t *aligned = s_aligned_to (draft);
            if (!streq (s_str (aligned, "draft"), target)
            ||  !streq (s_str (aligned, "kr"), krs [k]))
                continue;
            if (*krs [k] && !header) {
                const char *text = s_kr_text (parent, krs [k]);
                s_lines_add (lines, self->colors ? COLOR_PAIR (S_MAGENTA) : A_NORMAL,
                             "%*s%s %s", depth * 2 + 2, "", krs [k], text ? text : "(?)");
                header = true;
            }
            int deeper = depth + (*krs [k] ? 2 : 1);
            shown [i] = true;
            s_tree_draft (self, lines, deeper, "<- ", s_str (draft, "id"));
            s_tree_children (self, lines, s_str (draft, "id"), deeper, shown);
        }
    }
}

static void
s_section_tree (s_console_t *self, s_lines_t *lines)
{
    s_lines_add (lines, A_BOLD | A_UNDERLINE, "ALIGNMENT");
    size_t size = cb_value_size (s_objects (self));
    bool *shown = (bool *) calloc (size + 1, sizeof (bool));
    assert (shown);
    //  Roots: drafts aligned to, that are not aligned to a draft we hold;
    //  then targets we do not hold (drafts outside the event); then any
    //  aligned draft not drawn yet (a cycle of alignments).
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < size; i++) {
            if (shown [i] || !s_prefixed (cb_value_key_at (s_objects (self), i), "draft/"))
                continue;
            cb_value_t *draft = cb_value_val_at (s_objects (self), i);
            const char *id = s_str (draft, "id");
            const char *up = s_str (s_aligned_to (draft), "draft");
            if (pass == 0 && s_is_target (self, id) && !s_object (self, "draft", up)) {
                shown [i] = true;
                s_tree_draft (self, lines, 0, "", id);
                s_tree_children (self, lines, id, 0, shown);
            }
            else
            if (pass == 1 && *up && !s_object (self, "draft", up)) {
                s_tree_draft (self, lines, 0, "", up);
                s_tree_children (self, lines, up, 0, shown);
            }
            else
            if (pass == 2 && *up) {
                shown [i] = true;
                s_tree_draft (self, lines, 0, "", id);
                s_tree_children (self, lines, id, 0, shown);
            }
        }
    free (shown);
    if (lines->size == 1)
        s_lines_add (lines, A_DIM, "  (no draft is aligned yet)");

    //  Participants whose shared draft is aligned to nothing and that
    //  nothing aligns to; then those that have shared nothing.
    cb_value_t *event = s_event (self);
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    char list [2][S_LINE_MAX] = { "", "" };
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = s_item (participants, i);
        const char *id = cb_value_get_str (shared, node);
        int which = -1;
        if (!id)
            which = 1;
        else
        if (!s_aligned_to (s_object (self, "draft", id)) && !s_is_target (self, id))
            which = 0;
        if (which >= 0) {
            size_t len = strlen (list [which]);
            snprintf (list [which] + len, sizeof (list [which]) - len, "%s%s",
                      len ? ", " : "", node);
        }
    }
    if (*list [0])
        s_lines_add (lines, self->colors ? COLOR_PAIR (S_RED) : A_NORMAL, "not aligned: %s",
                     list [0]);
    if (*list [1])
        s_lines_add (lines, A_DIM, "not shared: %s", list [1]);
}

static void
s_section_feed (s_console_t *self, s_lines_t *lines)
{
    s_lines_add (lines, A_BOLD | A_UNDERLINE, "LATEST CHANGES");
    //  Newest first, so that a short box keeps the latest.
    size_t size = cli_console_state_feed_size (self->state);
    for (size_t n = 0; n < size; n++) {
        const cli_console_feed_t *item = cli_console_state_feed (self->state, n);
        char when [CLI_TIME_MAX];
        s_lines_add (lines, A_NORMAL, "%s %s %s: %s",
                     cli_time (item->time, CLI_TIME_CLOCK, when, sizeof (when)), item->node,
                     item->kind, item->summary);
    }
    if (size == 0)
        s_lines_add (lines, A_DIM, "  (no change since the console started)");
}


//  --------------------------------------------------------------------------
//  The screens

//  Two header rows: the event's name and id; its cycle, phase and
//  countdown.
static void
s_draw_header (s_console_t *self)
{
    cb_value_t *event = s_event (self);
    char line [S_LINE_MAX];
    snprintf (line, sizeof (line), " %s (%s)", s_str (event, "name"), self->event);
    s_put (0, 0, COLS, line, A_REVERSE | A_BOLD, true);

    const char *phase = s_str (event, "phase");
    char left [32];
    s_countdown (left, sizeof (left), event);
    snprintf (line, sizeof (line), " cycle %s  phase ", s_str (event, "cycle"));
    int x = (int) strlen (line);
    s_put (1, 0, COLS, line, A_NORMAL, false);
    char upper [32];
    size_t i;
    for (i = 0; phase [i] && i < sizeof (upper) - 1; i++)
        upper [i] = (char) toupper ((unsigned char) phase [i]);
    upper [i] = 0;
    s_put (1, x, COLS - x, upper, s_phase_color (self, phase), false);
    x += (int) strlen (upper);
    snprintf (line, sizeof (line), "  %s left  facilitator %s  seq %lld", left,
              s_str (event, "facilitator"), (long long) cli_console_state_seq (self->state));
    s_put (1, x, COLS - x, line, A_NORMAL, false);
}

//  The status line and the help line, at the bottom.
static void
s_draw_footer (s_console_t *self, const char *help)
{
    if (LINES >= 4 && *self->status)
        s_put (LINES - 2, 0, COLS, self->status,
               self->status_error ? (self->colors ? COLOR_PAIR (S_RED) | A_BOLD : A_BOLD)
                                  : A_NORMAL,
               false);
    if (LINES >= 3)
        s_put (LINES - 1, 0, COLS, help, A_REVERSE, true);
}

static void
s_draw_main (s_console_t *self, s_lines_t *sections)
{
    for (int i = 0; i < 4; i++)
        s_lines_reset (&sections [i]);
    s_section_teams (self, &sections [0]);
    s_section_asks (self, &sections [1]);
    s_section_tree (self, &sections [2]);
    s_section_feed (self, &sections [3]);
    int top = 2, height = LINES - 4;
    if (height <= 0)
        return;
    if (COLS >= S_TWO_COLUMNS) {
        //  The left column as wide as the team table, within reason: the
        //  right one's alignment tree needs the room more.
        int left = (int) strlen (sections [0].lines [0].text) + 2;
        if (left < COLS * 2 / 5)
            left = COLS * 2 / 5;
        if (left > COLS * 3 / 5)
            left = COLS * 3 / 5;
        s_draw_column (sections, 2, top, 0, left - 1, height);
        for (int y = top; y < top + height; y++)
            mvaddch (y, left - 1, ACS_VLINE);
        s_draw_column (sections + 2, 2, top, left + 1, COLS - left - 1, height);
    }
    else
        s_draw_column (sections, 4, top, 0, COLS, height);
}

//  One team in full: its shared draft's objective and KRs, the rounds it
//  owes an answer to, its asks.
static void
s_draw_detail (s_console_t *self, s_lines_t *lines)
{
    s_lines_reset (lines);
    const char *node = cli_console_state_selected (self->state);
    int width = COLS;
    if (!node) {
        s_lines_add (lines, A_BOLD, "no participants");
        s_draw_section (lines, 2, 0, width, LINES - 4);
        return;
    }
    cb_value_t *event = s_event (self);
    const char *id = cb_value_get_str (cb_value_get_map (event, "shared"), node);
    cb_value_t *draft = s_object (self, "draft", id);
    s_lines_add (lines, A_BOLD | A_UNDERLINE, "%s", node);
    if (!id)
        s_lines_add (lines, self->colors ? COLOR_PAIR (S_RED) : A_NORMAL,
                     "has not shared a draft");
    else
    if (!draft)
        s_lines_add (lines, A_NORMAL, "shared draft %s (not held)", id);
    else {
        s_lines_add (lines, A_NORMAL, "shared draft %s, revision %lld, %s%s%s", id,
                     (long long) s_int (draft, "head"), s_str (draft, "state"),
                     *s_str (draft, "round") ? " " : "", s_str (draft, "round"));
        cb_value_t *content = cb_value_get_map (draft, "content");
        s_lines_wrap (lines, A_BOLD, "Objective: ", s_str (content, "objective"), width);
        cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
        if (aligned)
            s_lines_add (lines, A_NORMAL, "Aligned to: %s%s%s", s_str (aligned, "draft"),
                         cb_value_get_str (aligned, "kr") ? "/" : "", s_str (aligned, "kr"));
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
                      cb_value_is_number (goal) ? cli_number (goal, number, sizeof (number))
                                                : "?");
            char prefix [16];
            snprintf (prefix, sizeof (prefix), "  %-4s ", s_str (kr, "id"));
            char text [S_LINE_MAX];
            snprintf (text, sizeof (text), "%s: %s%s%s%s", s_str (kr, "text"), base, target,
                      *s_str (kr, "unit") ? " " : "", s_str (kr, "unit"));
            s_lines_wrap (lines, A_NORMAL, prefix, text, width);
        }
    }
    //  Rounds it owes an answer to
    for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
        if (!s_prefixed (cb_value_key_at (s_objects (self), i), "round/"))
            continue;
        cb_value_t *round = cb_value_val_at (s_objects (self), i);
        if (streq (s_str (round, "state"), "open")
        &&  cli_has (cb_value_get_array (round, "recipients"), node)
        && !cli_has (cb_value_get_array (round, "answered"), node))
            s_lines_add (lines, self->colors ? COLOR_PAIR (S_YELLOW) : A_NORMAL,
                         "awaits its answer: %s on %s by %s: %s", s_str (round, "id"),
                         s_str (round, "draft"), s_str (round, "owner"),
                         s_str (round, "question"));
    }
    //  Its asks, sent then received
    for (int k = 0; k < 2; k++) {
        s_lines_add (lines, A_BOLD, k ? "Received:" : "Sent:");
        size_t count = 0;
        for (size_t i = 0; i < cb_value_size (s_objects (self)); i++) {
            if (!s_prefixed (cb_value_key_at (s_objects (self), i), "ask/"))
                continue;
            cb_value_t *ask = cb_value_val_at (s_objects (self), i);
            if (!streq (s_str (ask, k ? "to" : "from"), node))
                continue;
            const char *state = s_str (ask, "state");
            char prefix [160];
            snprintf (prefix, sizeof (prefix), "  %s %s %s %s %s/%s %s: ", s_str (ask, "id"),
                      s_str (ask, "kind"), k ? "from" : "to", s_str (ask, k ? "from" : "to"),
                      s_str (ask, "draft"), s_str (ask, "kr"), state);
            const char *text = cb_value_get_str (ask, "need");
            if (!text)
                text = s_str (ask, "text");
            s_lines_wrap (lines, s_ask_color (self, state), prefix, text, width);
            if (cb_value_get_str (ask, "counter"))
                s_lines_wrap (lines, s_ask_color (self, state), "      counter: ",
                              s_str (ask, "counter"), width);
            if (cb_value_get_str (ask, "reason"))
                s_lines_wrap (lines, s_ask_color (self, state), "      reason: ",
                              s_str (ask, "reason"), width);
            count++;
        }
        if (count == 0)
            s_lines_add (lines, A_DIM, "  (none)");
    }
    s_draw_section (lines, 2, 0, width, LINES - 4);
}

static void
s_draw (s_console_t *self, s_lines_t *sections)
{
    erase ();
    s_draw_header (self);
    if (self->detail) {
        s_draw_detail (self, &sections [0]);
        s_draw_footer (self, "any key: back to the event");
    }
    else {
        s_draw_main (self, sections);
        s_draw_footer (self, S_HELP);
    }
    refresh ();
}


//  --------------------------------------------------------------------------
//  The console

//  Reads the snapshot and subscribes to the log after it. 0 or -1 with a
//  message on stderr.
static int
s_start (s_console_t *self)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    //  Every page of it: their objects merged, and the first page's seq,
    //  which every page repeats (PROTOCOL.md section 12).
    cb_value_t *snapshot = cb_client_request_pages (self->client, "event.snapshot", &body,
                                                    S_REQUEST_MS);
    if (!snapshot) {
        fprintf (stderr, "catchball: console: %s: %s\n", cb_client_error_name (self->client),
                 cb_client_error_message (self->client));
        return -1;
    }
    int rc = cli_console_state_load (self->state, snapshot);
    cb_value_destroy (&snapshot);
    if (rc) {
        fprintf (stderr, "catchball: console: the snapshot has no event/%s\n", self->event);
        return -1;
    }
    uint64_t next = (uint64_t) cli_console_state_seq (self->state) + 1;
    if (cb_client_subscribe (self->client, next, S_REQUEST_MS)) {
        fprintf (stderr, "catchball: console: log.subscribe: %s: %s\n",
                 cb_client_error_name (self->client), cb_client_error_message (self->client));
        return -1;
    }
    return 0;
}

static void
s_colors (s_console_t *self)
{
    if (!has_colors () || start_color () == ERR)
        return;
    short background = use_default_colors () == OK ? -1 : COLOR_BLACK;
    init_pair (S_YELLOW, COLOR_YELLOW, background);
    init_pair (S_CYAN, COLOR_CYAN, background);
    init_pair (S_GREEN, COLOR_GREEN, background);
    init_pair (S_RED, COLOR_RED, background);
    init_pair (S_MAGENTA, COLOR_MAGENTA, background);
    self->colors = true;
}

//  Handles one key. Returns false to quit.
static bool
s_key (s_console_t *self, int key)
{
    if (self->detail) {
        self->detail = false;   //  Any key leaves the detail view
        return true;
    }
    switch (key) {
        case 'q':
        case 'Q':
            return false;
        case 'a':
            s_advance (self);
            break;
        case 'e':
            s_extend (self);
            break;
        case 'n':
            s_nudge (self);
            break;
        case 'd':
            s_dump_key (self);
            break;
        case KEY_UP:
        case 'k':
            cli_console_state_select (self->state, -1);
            break;
        case KEY_DOWN:
        case 'j':
            cli_console_state_select (self->state, 1);
            break;
        case KEY_ENTER:
        case '\n':
        case '\r':
            self->detail = true;
            break;
        case 12:                //  Ctrl-L: repaint everything
            clearok (curscr, TRUE);
            break;
        default:
            break;
    }
    return true;
}

int
cli_console (cb_client_t *client, const char *event, const char *dump_path)
{
    assert (client && event);
    //  Its keys act on a live event ('a' advances it): never take them
    //  from a file or a pipe, where every byte would be a key.
    if (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO)) {
        fprintf (stderr, "catchball: console: needs a terminal (its keys act on the live "
                 "event); for the state as data: catchball event snapshot %s\n", event);
        return 2;
    }
    s_console_t *self = (s_console_t *) calloc (1, sizeof (s_console_t));
    assert (self);
    self->client = client;
    self->event = event;
    self->dump_path = dump_path;
    self->state = cli_console_state_new (event);
    if (s_start (self)) {
        cli_console_state_destroy (&self->state);
        free (self);
        return 1;
    }
    //  Only the character type: numbers keep printing with a point.
    setlocale (LC_CTYPE, "");
    SCREEN *screen = newterm (NULL, stdout, stdin);
    if (!screen) {
        fprintf (stderr, "catchball: console: cannot use the terminal (TERM=%s)\n",
                 getenv ("TERM") ? getenv ("TERM") : "");
        cli_console_state_destroy (&self->state);
        free (self);
        return 1;
    }
    set_term (screen);
    cbreak ();
    noecho ();
    nonl ();
    keypad (stdscr, TRUE);
    curs_set (0);
    s_colors (self);
    timeout (S_WAIT_MS);

    s_lines_t sections [4];
    memset (sections, 0, sizeof (sections));
    bool dirty = true;
    time_t drawn = 0;
    while (!zsys_interrupted) {
        //  Every log entry that has arrived: the first wait is short, so
        //  that keys stay quick.
        cb_value_t *entry;
        int wait = S_WAIT_MS;
        for (int n = 0; n < 1000 && (entry = cb_client_recv_log (client, wait)); n++) {
            if (cli_console_state_apply (self->state, entry))
                dirty = true;
            cb_value_destroy (&entry);
            wait = 0;
        }
        //  Our own inbox deliveries (the event's phases, say) are in the log
        //  as well: read them so they do not pile up, and leave them
        //  unacknowledged for the inbox command.
        cb_value_t *delivery;
        while ((delivery = cb_client_recv (client, 0)))
            cb_value_destroy (&delivery);
        if (time (NULL) != drawn)
            dirty = true;
        if (dirty) {
            s_draw (self, sections);
            drawn = time (NULL);
            dirty = false;
        }
        int key = getch ();
        if (key == ERR)
            continue;
        dirty = true;
        if (key == KEY_RESIZE)
            continue;
        if (!s_key (self, key))
            break;
    }
    endwin ();
    delscreen (screen);

    int rc = 0;
    if (dump_path && cli_console_state_dump (self->state, self->dump_path)) {
        fprintf (stderr, "catchball: console: cannot write %s: %s\n", dump_path,
                 strerror (errno));
        rc = 1;
    }
    for (int i = 0; i < 4; i++)
        s_lines_free (&sections [i]);
    cli_console_state_destroy (&self->state);
    free (self);
    return rc;
}
