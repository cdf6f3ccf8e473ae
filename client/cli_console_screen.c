/*  =========================================================================
    cli_console_screen - lines of text and where they go on a curses
    screen, for the facilitator console

    See cli_console_screen.h. Text is UTF-8 and measured in columns with
    wcwidth, under the locale the console set (LC_CTYPE); control
    characters from the broker's data become spaces, so a draft's text can
    never move the cursor.
    =========================================================================
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "cli_console_screen.h"


//  --------------------------------------------------------------------------
//  Lines of text

void
cli_lines_reset (cli_lines_t *self)
{
    self->size = 0;
}

void
cli_lines_free (cli_lines_t *self)
{
    free (self->lines);
    self->lines = NULL;
    self->size = self->max = 0;
}

void
cli_lines_add (cli_lines_t *self, attr_t attr, const char *format, ...)
{
    if (self->size == self->max) {
        self->max = self->max ? self->max * 2 : 32;
        self->lines = (cli_line_t *) realloc (self->lines, self->max * sizeof (cli_line_t));
        assert (self->lines);
    }
    cli_line_t *line = &self->lines [self->size++];
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

int
cli_text_width (const char *text)
{
    wchar_t wide [CLI_LINE_MAX];
    size_t count = s_widen (text, wide, CLI_LINE_MAX);
    int width = 0;
    for (size_t i = 0; i < count; i++) {
        int w = wcwidth (wide [i]);
        width += w > 0 ? w : 0;
    }
    return width;
}

void
cli_lines_wrap (cli_lines_t *self, attr_t attr, const char *prefix, const char *text,
                int width)
{
    wchar_t wide [CLI_LINE_MAX * 2];
    size_t count = s_widen (text, wide, CLI_LINE_MAX * 2);
    int indent = cli_text_width (prefix);
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
        char piece [CLI_LINE_MAX];
        wchar_t saved = wide [end];
        wide [end] = 0;
        size_t n = wcstombs (piece, wide + start, sizeof (piece) - 1);
        wide [end] = saved;
        piece [sizeof (piece) - 1] = 0;
        if (n == (size_t) -1)
            snprintf (piece, sizeof (piece), "?");
        cli_lines_add (self, attr, "%*s%s", first ? 0 : indent, first ? prefix : "", piece);
        first = false;
        start = end;
        while (start < count && wide [start] == L' ')
            start++;
    } while (start < count);
}


//  --------------------------------------------------------------------------
//  Drawing

int
cli_put (int y, int x, int width, const char *text, attr_t attr, bool fill)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || width <= 0)
        return 0;
    if (x + width > COLS)
        width = COLS - x;
    //  Curses refuses the bottom right cell of the screen: keep clear of it.
    if (y == LINES - 1 && x + width == COLS)
        width--;
    wchar_t wide [CLI_LINE_MAX];
    size_t count = s_widen (text, wide, CLI_LINE_MAX);
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
    return used;
}

void
cli_draw_section (const cli_lines_t *lines, int y, int x, int width, int height)
{
    if (height <= 0)
        return;
    size_t shown = lines->size;
    if (shown > (size_t) height)
        shown = height > 1 ? (size_t) height - 1 : 1;
    for (size_t i = 0; i < shown; i++)
        cli_put (y + (int) i, x, width, lines->lines [i].text, lines->lines [i].attr,
                 (lines->lines [i].attr & A_REVERSE) != 0);
    if (shown < lines->size && height > 1) {
        char more [64];
        snprintf (more, sizeof (more), "  ... %zu more", lines->size - shown);
        cli_put (y + (int) shown, x, width, more, A_DIM, false);
    }
}

void
cli_draw_column (cli_lines_t **sections, int count, int y, int x, int width, int height)
{
    int rows [8], order [8];
    assert (count <= 8);
    //  The order of priority (a stable sort: equal ones keep their place).
    for (int i = 0; i < count; i++)
        order [i] = i;
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0
             && sections [order [j]]->priority < sections [order [j - 1]]->priority; j--) {
            int t = order [j];
            order [j] = order [j - 1];
            order [j - 1] = t;
        }
    int left = height;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < count; k++) {
            int i = order [k];
            if (pass == 0)
                rows [i] = 0;
            int want = (int) sections [i]->size - rows [i];
            if (pass == 0 && want > 4)
                want = 4;
            if (want > left)
                want = left;
            if (want > 0) {
                rows [i] += want;
                left -= want;
            }
        }
    for (int i = 0; i < count; i++) {
        cli_draw_section (sections [i], y, x, width, rows [i]);
        y += rows [i];
        //  A blank row between sections, when there is room to spare.
        if (rows [i] && left > 0 && i + 1 < count) {
            y++;
            left--;
        }
    }
}


//  --------------------------------------------------------------------------
//  Large digits, three rows high, for the countdown read from the back

static const char *s_big [12][CLI_BIG_ROWS] = {
    { "█▀█", "█ █", "▀▀▀" },    //  0
    { " ▄█", "  █", "  ▀" },    //  1
    { "▀▀█", "█▀▀", "▀▀▀" },    //  2
    { "▀▀█", " ▀█", "▀▀▀" },    //  3
    { "█ █", "▀▀█", "  ▀" },    //  4
    { "█▀▀", "▀▀█", "▀▀▀" },    //  5
    { "█▀▀", "█▀█", "▀▀▀" },    //  6
    { "▀▀█", "  █", "  ▀" },    //  7
    { "█▀█", "█▀█", "▀▀▀" },    //  8
    { "█▀█", "▀▀█", "▀▀▀" },    //  9
    { " ", "▪", " " },          //  :
    { "   ", "▀▀▀", "   " }     //  -
};

static int
s_big_index (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return c == ':' ? 10 : 11;
}

int
cli_big_width (const char *text)
{
    int width = 0;
    for (const char *p = text; *p; p++)
        width += (s_big_index (*p) == 10 ? 1 : 3) + 1;
    return width > 0 ? width - 1 : 0;
}

void
cli_big_put (int y, int x, const char *text, attr_t attr)
{
    for (int row = 0; row < CLI_BIG_ROWS; row++) {
        char line [CLI_LINE_MAX] = "";
        for (const char *p = text; *p; p++) {
            size_t len = strlen (line);
            snprintf (line + len, sizeof (line) - len, "%s%s", p == text ? "" : " ",
                      s_big [s_big_index (*p)][row]);
        }
        cli_put (y + row, x, COLS - x, line, attr, false);
    }
}
