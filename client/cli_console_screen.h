/*  =========================================================================
    cli_console_screen - lines of text and where they go on a curses
    screen, for the facilitator console

    A section of the screen is a list of lines (its title first), each in
    one attribute; the console's view fills sections from its state and
    hands them here to be cut to a box: every line at its box's width and
    every section at its height, so that a small terminal loses the ends of
    lists, never the layout. Also the large digits of the countdown.
    =========================================================================
*/
#ifndef CB_CLI_CONSOLE_SCREEN_H_INCLUDED
#define CB_CLI_CONSOLE_SCREEN_H_INCLUDED

#include <ncurses.h>
#include <stdbool.h>
#include <stddef.h>

#define CLI_LINE_MAX    512     //  Bytes in one line of text

//  One line of a section, drawn in one attribute
typedef struct {
    char text [CLI_LINE_MAX];   //  UTF-8, cut when drawn
    attr_t attr;                //  Curses attributes and colour pair
} cli_line_t;

//  A section's lines: title first
typedef struct {
    cli_line_t *lines;          //  The lines
    size_t size;                //  Lines used
    size_t max;                 //  Lines allocated
    int priority;               //  Rows go first to lower numbers (0 the first)
} cli_lines_t;

//  Empties the lines, keeping their memory; frees it.
void cli_lines_reset (cli_lines_t *self);
void cli_lines_free (cli_lines_t *self);
//  Appends a line, printf-style.
void cli_lines_add (cli_lines_t *self, attr_t attr, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));
//  Appends `text` wrapped at `width` columns, the first line after
//  `prefix`, the others indented as deep.
void cli_lines_wrap (cli_lines_t *self, attr_t attr, const char *prefix, const char *text,
                     int width);
//  Columns `text` takes on the screen.
int cli_text_width (const char *text);

//  Draws text at (y, x) in at most `width` columns, and with `fill` pads
//  the rest with spaces in the same attribute. Never writes outside the
//  screen or past the width. Returns the columns drawn.
int cli_put (int y, int x, int width, const char *text, attr_t attr, bool fill);
//  Draws a section's lines in a box of `height` rows; if they do not fit,
//  the last row says how many were cut.
void cli_draw_section (const cli_lines_t *lines, int y, int x, int width, int height);
//  Draws sections one under the other in a column of `height` rows: each
//  first gets up to four rows (its title and three lines), in order of
//  priority, then what is left goes to each in the same order.
void cli_draw_column (cli_lines_t **sections, int count, int y, int x, int width,
                      int height);

//  Rows and columns the large digits of `text` take ("12:34"), and draws
//  them at (y, x).
#define CLI_BIG_ROWS 3
int cli_big_width (const char *text);
void cli_big_put (int y, int x, const char *text, attr_t attr);

#endif
