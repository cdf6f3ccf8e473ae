/*  =========================================================================
    cli_cmd - the command table of the catchball command line, and what
    its commands share

    cli.c reads the table: it finds the command, parses its options
    (refusing one the command does not take), prints its help and runs it.
    The commands themselves live by concern in cli_drafts.c (drafts,
    rounds, the inbox, keys) and cli_events.c (the marketplace), each a
    table of entries that cli.c chains; todo, which reads both, has its
    own file (cli_todo.c) and its entry in cli_drafts.c's table.
    =========================================================================
*/
#ifndef CB_CLI_CMD_H_INCLUDED
#define CB_CLI_CMD_H_INCLUDED

#include "cli.h"
#include "cli_progress.h"

//  The command options, each declared once (name and value in cli.c's
//  s_options) and taken by the commands that list it.
typedef enum {
    CLI_O_MESSAGE, CLI_O_ADDRESSES, CLI_O_REV, CLI_O_OWNER, CLI_O_CYCLE, CLI_O_TO,
    CLI_O_QUESTION, CLI_O_DEADLINE, CLI_O_KIND, CLI_O_ON, CLI_O_CONFIDENCE, CLI_O_TEXT,
    CLI_O_COMMENT, CLI_O_MORE, CLI_O_FOLLOW, CLI_O_PEEK, CLI_O_PARTICIPANTS, CLI_O_PLAN,
    CLI_O_MINUTES, CLI_O_KR, CLI_O_NEED, CLI_O_REASON, CLI_O_FORMAT, CLI_O_EVENT, CLI_O_DUMP,
    CLI_O_NEW_KR, CLI_O_RAISE_TARGET, CLI_O_SHARED_KR, CLI_O_BY, CLI_O_DIR, CLI_O_UNLINK,
    CLI_O_HELPER_DRAFT, CLI_O_STATE, CLI_O_FAIL_ON, CLI_O_CANNOT_ALIGN,
    CLI_O_DRY_RUN, CLI_O_DELIMITER, CLI_O_CONTENT,
    CLI_O_FROM, CLI_O_LIMIT,
    CLI_O_VOTERS, CLI_O_THRESHOLD, CLI_O_OVERRIDE,
    CLI_O_SCORE, CLI_O_LEARNED, CLI_O_TO_CYCLE,
    CLI_O_VALUE, CLI_O_NOTE, CLI_O_DRAFT, CLI_O_START, CLI_O_END, CLI_O_CADENCE,
    CLI_O_COUNT
} cli_opt_t;

//  The global options and the connection, shared by every command.
typedef struct {
    const char *endpoint;       //  Broker
    const char *node;           //  Who we are
    const char *role;           //  Our role (first hello)
    const char *parent;         //  Our parent node
    bool json;                  //  Output JSON
    bool node_given;            //  --node on the command line
    bool role_given;            //  --role on the command line
    int timeout;                //  ms per request
    const char *key;            //  CURVE: our secret certificate
    const char *broker_key;     //  CURVE: the broker's public key or certificate
    cb_client_t *client;        //  Connection, made on first use
} cli_t;

//  One command's arguments once parsed.
typedef struct {
    const char *o [CLI_O_COUNT];    //  Option values; "" for a flag given
    int argc;                       //  Positional arguments
    char **argv;
} cli_args_t;

//  An option a command takes, with what it means for that command.
typedef struct {
    cli_opt_t opt;              //  Which option
    const char *help;           //  What it does here
} cli_takes_t;

#define CLI_TAKES_MAX 7

//  An entry of the command table.
typedef struct {
    const char *name;           //  "draft", "throw"
    const char *sub;            //  "new", or NULL for a command of one word
    const char *usage;          //  After "catchball ", as --help shows it
    const char *brief;          //  One line, for the lists of commands
    const char *about;          //  One paragraph, for the command's --help
    int args;                   //  How many positional arguments it takes
                                //  (-N: from 0 to N)
    bool local;                 //  Never talks to the broker: no --node needed
    cli_takes_t takes [CLI_TAKES_MAX];  //  Its options; the rest of the array zero
    int (*run) (cli_t *cli, cli_args_t *args);
} cli_command_t;

//  The tables of cli_drafts.c and cli_events.c, each ended by an entry
//  with no name.
extern const cli_command_t cli_drafts_commands [];
extern const cli_command_t cli_events_commands [];
//  cli_import.c: import and export.
extern const cli_command_t cli_import_commands [];

//  cli_import.c: the name of import's column `index` (from 0), in the
//  order export writes them; NULL past the last.
const char *cli_import_column (int index);
//  cli_export.c: catchball export, in cli_import.c's table.
int cli_export (cli_t *cli, cli_args_t *args);
//  cli_export.c: a draft's history (the draft.history reply, every page)
//  as a Markdown transcript.
void cli_history_markdown (FILE *out, const cb_value_t *reply);
//  cli_checkin.c's: checkin and progress, and cycles.
extern const cli_command_t cli_checkin_commands [];
//  cli_todo.c: true if a check-in of `confidence` after one of `before`
//  (-1: none) drops, as PROTOCOL.md 6.2 says: by 2 or more, or below 2.
bool cli_checkin_dropped (int64_t before, int64_t confidence);
//  cli_gather.c: each key result of a cycle.graph reply's drafts that has
//  check-ins (checkin.list's, in order) gets `progress`: {current,
//  confidence, checkin}, from the last, for the graph to show.
void cli_progress_annotate (cb_value_t *graph, const cb_value_t *checkins);
//  cli_watch.c's: watch.
extern const cli_command_t cli_watch_commands [];

//  cli_cycle_report.c: report --cycle C, as Markdown or JSON. The exit status.
int cli_cycle_report (cli_t *cli, const char *cycle, bool json);
//  cli_cycle_report.c: the report's tree (what --format json prints), the
//  caller's; NULL with *status set (the refusal said on stderr). Also
//  catchball-web's cycle report, read on a node's own connection.
cb_value_t *cli_cycle_report_gather (cli_t *cli, const char *cycle, int *status);

//  cli_gather.c: what `catchball graph` draws: the cycle.graph reply (of
//  event's asks only, if event is not NULL; every page), each key result
//  annotated with its last check-in (cli_progress_annotate). The caller's;
//  NULL with *status set. Also catchball-web's graph.
cb_value_t *cli_graph_gather (cli_t *cli, const char *cycle, const char *event, int *status);

//  cli_gather.c: what `catchball progress` lists: the progress of each
//  key result (cli_progress_kr) of draft, or of the final drafts of cycle
//  (of every cycle if both are NULL), ages on the broker's clock (a ping).
//  With who, each also names the draft's `owner` and the key result's
//  `leads`: who may check in. The caller's {progress: [...]}; NULL with
//  *status set. Also catchball-web's progress view.
cb_value_t *cli_progress_list (cli_t *cli, const char *cycle, const char *draft, bool who,
                               int *status);

//  cli_todo.c: catchball todo, in cli_drafts.c's table.
int cli_todo (cli_t *cli, cli_args_t *args);
//  cli_todo.c: what todo prints, {node, todo: [item]}, the caller's; NULL
//  with *status_p set (the broker's refusal said on stderr) if a read
//  failed. catchball-web serves it to a node's page, read on the node's
//  own connection (cli->client set, cli->json false).
cb_value_t *cli_todo_list (cli_t *cli, int *status_p);

//  cli_lint.c: catchball lint, the coach's findings, in cli_drafts.c's table.
int cli_lint (cli_t *cli, cli_args_t *args);

//  Settles who we are before talking to the broker (the node and role
//  from the options, the environment or the key): 0, or the exit status
//  of bad usage with the reason said. cli.c calls it for every command
//  that is not local; a local command that may reach the broker (lint
//  on a stored draft) calls it itself.
int cli_identify (cli_t *cli);

//  A usage error: "catchball: " and the message (fmt with one %s) on
//  stderr, and where to find help. Returns 2, the exit status of bad usage.
int cli_fail_usage (const char *fmt, const char *arg);

//  Sends a request (connecting first if need be) and returns the reply,
//  the caller's; on failure prints the error, sets *status (1 refused, 2
//  cannot connect, 3 no answer) and returns NULL. Takes the body.
cb_value_t *cli_request (cli_t *cli, const char *type, cb_value_t **body_p, int *status);

//  The broker's time (ms since 1970), from a ping: ages, dues and time
//  left are worked out against the clock that made the records and
//  fires the deadlines, not this machine's, which may differ (and does,
//  by months, under catchballd --clock). The ping's round trip is halved
//  (cli_progress_clock_offset). This machine's time if the ping fails.
int64_t cli_now (cli_t *cli);

typedef void (cli_render_fn) (FILE *out, const cb_value_t *reply);

//  Prints a reply and destroys it: JSON with --json, else through render,
//  else a one-line confirmation where each %s of format is the reply's
//  field named by the next variadic argument.
void cli_print (cli_t *cli, cb_value_t **reply_p, cli_render_fn *render,
                const char *format, ...);

//  cli_request, then cli_print of the reply: the exit status.
int cli_send (cli_t *cli, const char *type, cb_value_t **body_p, cli_render_fn *render,
              const char *format, ...);

//  cli_send of a body of one string field, {field: value}: the commands
//  that name one thing (a draft, a round, an event, an ask).
int cli_send_one (cli_t *cli, const char *type, const char *field, const char *value,
                  cli_render_fn *render, const char *format, ...);

//  A request body of one string field, {field: value}; the caller's.
cb_value_t *cli_body (const char *field, const char *value);

//  "a,b,c" -> ["a","b","c"], the caller's.
cb_value_t *cli_split (const char *list);

//  A whole decimal number into *out: 0, or -1 if text is not one.
int cli_int_arg (const char *text, int64_t *out);

#endif
