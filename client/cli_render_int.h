/*  =========================================================================
    cli_render_int - what cli_render.c and cli_render_inbox.c share

    The colours, and the pieces both print: a draft's content, a response
    to a round, a check-in in a line, a time for people. Only the two
    renderers include this; the rest of the command line uses cli.h's
    cli_render_* functions.
    =========================================================================
*/
#ifndef CB_CLI_RENDER_INT_H_INCLUDED
#define CB_CLI_RENDER_INT_H_INCLUDED

#include "cli.h"

#define C_BOLD  "\033[1m"
#define C_DIM   "\033[2m"
#define C_RED   "\033[31m"
#define C_GREEN "\033[32m"
#define C_YEL   "\033[33m"
#define C_CYAN  "\033[36m"
#define C_OFF   "\033[0m"

//  The escape code if colour is on (cli_render_init), else "".
const char *cli_c (const char *code);
//  Times for people at this machine: local, with the offset from UTC.
const char *cli_render_time (int64_t ms, char *buf, size_t size);
//  A revision's content: objective, narrative, alignment, key results.
void cli_render_content (FILE *out, const cb_value_t *content, const char *indent);
//  A response to a round (feedback, counter, endorse) in a few lines.
void cli_render_response (FILE *out, const cb_value_t *r, const char *indent);
//  A check-in in a line: "d1 kr1 at 4, confidence 2/5 (c2): note".
void cli_render_checkin_line (FILE *out, const cb_value_t *c, const char *indent);

#endif
