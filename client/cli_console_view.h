/*  =========================================================================
    cli_console_view - what the facilitator console draws: the header with
    the connection indicator, the phase timeline and the countdown, the
    sections of the main screen, a team's detail, the progress of the
    final drafts, the legend, the status and help lines

    The view draws from its fields alone (the state model, the link as the
    client library reports it, the status or prompt the console set), so
    that drawing never talks to the broker and never waits. The layout
    follows the terminal's size: one column under 100 columns, two up to
    160, three beyond; the large countdown from 30 rows and 100 columns.
    =========================================================================
*/
#ifndef CB_CLI_CONSOLE_VIEW_H_INCLUDED
#define CB_CLI_CONSOLE_VIEW_H_INCLUDED

#include "catchball/catchball.h"
#include "cli_console_screen.h"
#include "cli_console_state.h"

#define CLI_VIEW_SECTIONS 9

//  What the console shows, set by cli_console.c before each draw
typedef struct {
    cli_console_state_t *state; //  The event's state, lent
    const char *event;          //  The event's id, lent
    bool colors;                //  The terminal has colours
    bool detail;                //  Showing the selected team's detail
    bool legend;                //  Showing the legend
    bool progress;              //  Showing the progress of the final drafts
    char status [CLI_LINE_MAX]; //  The last outcome of an action
    bool status_error;          //  ... is an error
    int64_t status_time;        //  ... when (wall-clock ms), 0 if none
    char prompt [CLI_LINE_MAX]; //  A question to answer ("" if none): shown instead
    cb_link_t link;             //  The link to the broker
    int64_t link_since;         //  ... since when (wall-clock ms)
    char link_why [256];        //  Why it is refused
    int64_t heard;              //  The broker's last message (wall-clock ms)
    int64_t now;                //  Now (wall-clock ms)
    int64_t clock_offset;       //  The broker's clock minus ours (ms): check-ins' ages
    size_t in_flight;           //  Actions sent, not answered yet
    cli_lines_t sections [CLI_VIEW_SECTIONS];   //  The sections' lines, reused
} cli_console_view_t;

//  Colour pairs, set up by cli_console_view_colors
enum {
    CLI_YELLOW = 1,
    CLI_CYAN,
    CLI_GREEN,
    CLI_RED,
    CLI_MAGENTA
};

//  Sets up the colour pairs if the terminal has colours.
void cli_console_view_colors (cli_console_view_t *self);

//  Draws the whole screen (erase, draw, refresh: curses sends only what
//  changed).
void cli_console_view_draw (cli_console_view_t *self);

//  Frees the sections' lines.
void cli_console_view_free (cli_console_view_t *self);

//  The connection indicator's text ("LIVE", "LOST since 12:01:02,
//  reconnecting"...), for the header and the tests' eyes.
void cli_console_view_indicator (cli_console_view_t *self, char *buf, size_t size);

#endif
