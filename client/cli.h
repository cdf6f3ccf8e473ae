/*  =========================================================================
    cli - what the catchball command line's files share: JSON conversion
    and the human-readable renderers
    =========================================================================
*/
#ifndef CB_CLI_H_INCLUDED
#define CB_CLI_H_INCLUDED

#include <czmq.h>
#include <jansson.h>
#include <stdio.h>

#include "catchball/catchball.h"

//  cli_json.c: JSON <-> cb_value. The value returned is the caller's.
cb_value_t *cli_json_to_value (const json_t *json);
json_t *cli_value_to_json (const cb_value_t *value);
//  Read a JSON file ("-" for stdin) into a value; NULL with a message on stderr.
cb_value_t *cli_json_load (const char *path);
//  Print a value as JSON on one line (compact) or indented.
void cli_json_print (FILE *out, const cb_value_t *value, bool compact);

//  cli_render.c: human-readable output of replies and deliveries.
void cli_render_init (bool color);
void cli_render_draft (FILE *out, const cb_value_t *reply);
void cli_render_list (FILE *out, const cb_value_t *reply);
void cli_render_history (FILE *out, const cb_value_t *reply);
void cli_render_diff (FILE *out, const cb_value_t *reply);
void cli_render_round (FILE *out, const cb_value_t *reply);
void cli_render_delivery (FILE *out, const cb_value_t *delivery);
//  One change as a line: "objective: 'a' -> 'b'", "+ kr3 ...".
void cli_render_changes (FILE *out, const cb_value_t *changes, const char *indent);

#endif
