/*  =========================================================================
    cli - the command line's modules, built as the library cbcli: JSON
    conversion, the human-readable renderers, the report, the graph and
    the console. They read values through cli_value.h; the commands
    (cli.c, cli_drafts.c, cli_events.c) use them, never the other way.
    =========================================================================
*/
#ifndef CB_CLI_H_INCLUDED
#define CB_CLI_H_INCLUDED

#include <czmq.h>
#include <jansson.h>
#include <stdio.h>

#include "catchball/catchball.h"
#include "cli_value.h"

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
void cli_render_vote (FILE *out, const cb_value_t *reply);
void cli_render_delivery (FILE *out, const cb_value_t *delivery);
//  One event log entry ({seq, time, node, kind, objects}) as one line: who
//  changed what, each object in a few words, the time in local time.
void cli_render_log_entry (FILE *out, const cb_value_t *entry);
//  What a node owes (catchball todo's {node, todo: [item]}): each item with
//  its deadline and the commands that do it.
void cli_render_todo (FILE *out, const cb_value_t *todo);
//  The coach's findings (PROTOCOL.md's Finding list; nil or empty: nothing),
//  one line each: "coach: kr1: error TASK_VERB: evidence. Try: ...".
void cli_render_coach (FILE *out, const cb_value_t *findings, const char *indent);

//  The commands that answer a round or an ask (after "catchball "; %s is
//  the round or ask), as the inbox and todo print them.
#define CLI_ANSWER_FEEDBACK "feedback %s --kind suggestion|concern|support|cannot-align TEXT"
#define CLI_ANSWER_COUNTER  "counter %s FILE --message M"
#define CLI_ANSWER_ENDORSE  "endorse %s --confidence 0-5"
#define CLI_ANSWER_REFLECT  "(--new-kr JSON | --raise-target KR=N | --shared-kr JSON)"
//  One change as a line: "objective: 'a' -> 'b'", "+ kr3 ...".
void cli_render_changes (FILE *out, const cb_value_t *changes, const char *indent);

//  cli_console.c: the facilitator console for EVENT, a full-screen ncurses
//  UI, until the user quits. With dump_path, the console writes the state it
//  holds (the objects, as in event.snapshot) there as JSON whenever asked
//  (key 'd') and when it quits. Returns an exit status.
int cli_console (cb_client_t *client, const char *event, const char *dump_path);

//  cli_report.c: an event's report (the event.report reply body) as Markdown.
void cli_report_markdown (FILE *out, const cb_value_t *report);

//  cli_graph.c: the alignment graph (the cycle.graph reply body) as Graphviz
//  dot; as SVG through Graphviz's dot command (0, or -1 with a message).
void cli_graph_dot (FILE *out, const cb_value_t *graph);
int cli_graph_svg (FILE *out, const cb_value_t *graph);

#endif
