/*  =========================================================================
    catchball - the command line for leadership, team, facilitator and
    observer nodes

    Each command is one request (or a few) to the broker through
    libcatchball. Output is for people by default and JSON with --json
    (the reply body as the broker sent it; inbox deliveries one per line).
    Exit status: 0 done, 1 the broker refused (its error on stderr), 2 bad
    usage, 3 no answer from the broker.

    The commands are a table (cli_cmd.h), as the broker's routes are: each
    entry names the command, its usage, what it does, the options it takes
    and its function. This file reads the table: it finds the command
    (or suggests one), parses the options the command takes and refuses
    the others, answers --help without the broker, and runs the command.
    Sending a request and printing its reply, which every command does,
    is in cli_send.c (in cbcli, so that catchball-web can build `todo`).
    =========================================================================
*/
#include <getopt.h>
#include <unistd.h>

#include "cli_cmd.h"

#define S_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

//  --------------------------------------------------------------------------
//  The options

//  A command option: its name, whether it takes a value (and how that
//  value is shown in help), and what it does where a command says no more.
typedef struct {
    const char *name;           //  Long name, without "--"
    const char *value;          //  How its value is shown; NULL for a flag
    const char *help;           //  What it does
    char letter;                //  Its short form, if it has one
} s_option_t;

static const s_option_t s_options [CLI_O_COUNT] = {
    [CLI_O_MESSAGE]      = { "message", "M", "the revision's message", 'm' },
    [CLI_O_ADDRESSES]    = { "addresses", "F1,F2", "the feedback this revision addresses", 'a' },
    [CLI_O_REV]          = { "rev", "N", "a revision number" },
    [CLI_O_OWNER]        = { "owner", "NODE", "only the drafts of this node" },
    [CLI_O_CYCLE]        = { "cycle", "C", "the cycle, like 2027-Q1" },
    [CLI_O_TO]           = { "to", "NODE", "the node it is for" },
    [CLI_O_QUESTION]     = { "question", "Q", "what you ask the recipients" },
    [CLI_O_DEADLINE]     = { "deadline", "DURATION", "when answers are due: 90s, 30m, 2h, 3d" },
    [CLI_O_KIND]         = { "kind", "KIND", "suggestion, concern, support or cannot-align" },
    [CLI_O_ON]           = { "on", "WHAT", "objective, narrative or a key result's id (kr2)" },
    [CLI_O_CONFIDENCE]   = { "confidence", "0-5", "your confidence, fist of five" },
    [CLI_O_TEXT]         = { "text", "T", "a text" },
    [CLI_O_COMMENT]      = { "comment", "C", "a comment with the vote" },
    [CLI_O_MORE]         = { "more", NULL, "more responses will follow: this one does not "
                                           "complete your answer to the round" },
    [CLI_O_FOLLOW]       = { "follow", NULL, "keep waiting for deliveries" },
    [CLI_O_PEEK]         = { "peek", NULL, "show without acknowledging" },
    [CLI_O_PARTICIPANTS] = { "participants", "NODE,...", "the teams taking part" },
    [CLI_O_PLAN]         = { "plan", "PLAN", "minutes per phase: share=20,negotiate=40,commit=10" },
    [CLI_O_MINUTES]      = { "minutes", "N", "how many minutes" },
    [CLI_O_KR]           = { "kr", "KR", "the key result it is for (kr2)" },
    [CLI_O_NEED]         = { "need", "TEXT", "what you need" },
    [CLI_O_REASON]       = { "reason", "R", "why" },
    [CLI_O_FORMAT]       = { "format", "FORMAT", "the output's format" },
    [CLI_O_EVENT]        = { "event", "E", "an event" },
    [CLI_O_DUMP]         = { "dump", "FILE", "write the console's state there as JSON on 'd' "
                                             "and on quitting" },
    [CLI_O_NEW_KR]       = { "new-kr", "JSON", "reflect it as a new key result: JSON like "
                                               "'{\"text\":\"...\",\"target\":5}' or @FILE" },
    [CLI_O_RAISE_TARGET] = { "raise-target", "KR=N", "reflect it by raising a key result's "
                                                      "target" },
    [CLI_O_SHARED_KR]    = { "shared-kr", "JSON", "reflect it as a key result shared by both "
                                                  "drafts: JSON or @FILE" },
    [CLI_O_BY]           = { "by", "WHEN", "when you need it by" },
    [CLI_O_DIR]          = { "dir", "DIR", "where to write the certificates (default .)" },
    [CLI_O_UNLINK]       = { "unlink", "REASON", "break the links of other drafts, saying why" },
    [CLI_O_HELPER_DRAFT] = { "helper-draft", "D", "outside an event, the helper's draft that "
                                                  "reflects the help" },
    [CLI_O_STATE]        = { "state", "S", "open, countered, accepted or declined" },
    [CLI_O_CANNOT_ALIGN] = { "cannot-align", "TEXT", "why your draft cannot align" },
    [CLI_O_FAIL_ON]      = { "fail-on", "LEVEL", "exit 4 on a finding at or above LEVEL" },
    [CLI_O_DRY_RUN]      = { "dry-run", NULL, "check everything, the broker too, and say what "
                                            "would be done: nothing is stored" },
    [CLI_O_DELIMITER]    = { "delimiter", "D", "the CSV delimiter: ',', ';' or tab (default: "
                                              "found from the header row)" },
    [CLI_O_CONTENT]      = { "content", NULL, "only the revision's content, as JSON that draft "
                                              "revise takes" },
    [CLI_O_FROM]         = { "from", "SEQ", "an entry of the event log" },
    [CLI_O_LIMIT]        = { "count", "N", "how many" },
    [CLI_O_VOTERS]       = { "voters", "NODE,...", "the nodes that vote" },
    [CLI_O_THRESHOLD]    = { "threshold", "0-5", "the median the vote needs (default 3)" },
    [CLI_O_OVERRIDE]     = { "override", NULL, "finalise without a vote that passed "
                                                "(needs --reason)" },
    [CLI_O_SCORE]        = { "score", "KR=N,...", "the key results' scores, 0 to 1" },
    [CLI_O_LEARNED]      = { "learned", "TEXT", "what was learned" },
    [CLI_O_TO_CYCLE]     = { "to-cycle", "C", "the cycle it goes to" },
    [CLI_O_VALUE]        = { "value", "N", "a key result's current value" },
    [CLI_O_NOTE]         = { "note", "TEXT", "a note saying why" },
    [CLI_O_DRAFT]        = { "draft", "D", "a draft" },
    [CLI_O_START]        = { "start", "DATE", "the first day, YYYY-MM-DD (UTC)" },
    [CLI_O_END]          = { "end", "DATE", "the last day, YYYY-MM-DD (UTC)" },
    [CLI_O_CADENCE]      = { "cadence", "DAYS", "days between check-ins (default 7)" },
};

//  getopt's values: the command options come after the global ones.
enum { S_O_KEY = 1020, S_O_BROKER_KEY, S_O_VERSION, S_O_BASE = 2000 };

static const struct option s_globals [] = {
    { "endpoint", required_argument, NULL, 'e' },
    { "node", required_argument, NULL, 'n' },
    { "role", required_argument, NULL, 'r' },
    { "parent", required_argument, NULL, 'p' },
    { "json", no_argument, NULL, 'j' },
    { "timeout", required_argument, NULL, 't' },
    { "help", no_argument, NULL, 'h' },
    { "key", required_argument, NULL, S_O_KEY },
    { "broker-key", required_argument, NULL, S_O_BROKER_KEY },
};
#define S_GLOBALS (sizeof (s_globals) / sizeof (s_globals [0]))

static const char *s_global_help =
"Options (before or after the command):\n"
"  -e, --endpoint EP   broker endpoint (default $CATCHBALL_ENDPOINT or " S_DEFAULT_ENDPOINT ")\n"
"  -n, --node NAME     this node's name (default $CATCHBALL_NODE)\n"
"  -r, --role ROLE     leadership, team, facilitator or observer: needed the\n"
"                      first time a node speaks (default $CATCHBALL_ROLE, which\n"
"                      goes with $CATCHBALL_NODE, not with another --node)\n"
"  -p, --parent NODE   this node's parent in the organisation ($CATCHBALL_PARENT)\n"
"  -j, --json          print the broker's replies as JSON\n"
"  -t, --timeout MS    how long to wait for the broker (default 5000)\n"
"      --key FILE      CURVE: this node's secret certificate, from keygen; the\n"
"                      node and role then come from it ($CATCHBALL_KEY)\n"
"      --broker-key K  CURVE: the broker's public certificate file, or its key in\n"
"                      Z85 ($CATCHBALL_BROKER_KEY)\n"
"  -h, --help          this help; COMMAND --help explains the command and its options\n";

//  --------------------------------------------------------------------------
//  The table, and finding a command in it

static const cli_command_t *s_tables [] = {
    cli_drafts_commands, cli_events_commands, cli_import_commands, cli_watch_commands,
    cli_checkin_commands
};
#define S_TABLES (sizeof (s_tables) / sizeof (s_tables [0]))
static const char *s_table_titles [S_TABLES] = {
    "Commands", "Alignment marketplace events", "Import and export", "Following changes",
    "After finalize: cycles, check-ins and progress"
};

//  The entry for name and sub (sub NULL: a command of one word), or NULL.
static const cli_command_t *
s_find (const char *name, const char *sub)
{
    for (size_t t = 0; t < S_TABLES; t++)
        for (const cli_command_t *c = s_tables [t]; c->name; c++)
            if (streq (c->name, name) && (c->sub ? sub && streq (c->sub, sub) : !sub))
                return c;
    return NULL;
}

//  True if name is a command with subcommands (draft, round, event...).
static bool
s_is_group (const char *name)
{
    for (size_t t = 0; t < S_TABLES; t++)
        for (const cli_command_t *c = s_tables [t]; c->name; c++)
            if (c->sub && streq (c->name, name))
                return true;
    return false;
}

//  The edit distance of a and b, a swap of neighbours counting as one
//  edit: "drfat" is one from "draft".
static size_t
s_distance (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > 32 || lb > 32)
        return SIZE_MAX;
    size_t d [33][33];
    for (size_t i = 0; i <= la; i++)
        for (size_t j = 0; j <= lb; j++) {
            if (i == 0 || j == 0) {
                d [i][j] = i + j;
                continue;
            }
            size_t cost = a [i - 1] != b [j - 1];
            size_t best = MIN (d [i - 1][j] + 1, MIN (d [i][j - 1] + 1, d [i - 1][j - 1] + cost));
            if (i > 1 && j > 1 && a [i - 1] == b [j - 2] && a [i - 2] == b [j - 1])
                best = MIN (best, d [i - 2][j - 2] + 1);
            d [i][j] = best;
        }
    return d [la][lb];
}

//  An unknown command, with the nearest known one if one is near: among
//  the commands, or among group's subcommands when group is given.
static int
s_unknown (const char *group, const char *word)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t t = 0; t < S_TABLES; t++)
        for (const cli_command_t *c = s_tables [t]; c->name; c++) {
            const char *candidate = group ? (streq (c->name, group) ? c->sub : NULL) : c->name;
            size_t distance = candidate ? s_distance (word, candidate) : SIZE_MAX;
            if (distance < best_distance) {
                best = candidate;
                best_distance = distance;
            }
        }
    fprintf (stderr, "catchball: unknown command '%s%s%s'", group ? group : "", group ? " " : "",
             word);
    //  Near: two edits at most, and fewer than the word has letters.
    if (best && best_distance <= 2 && best_distance < strlen (word))
        fprintf (stderr, "; did you mean '%s%s%s'?", group ? group : "", group ? " " : "", best);
    fprintf (stderr, "\nTry 'catchball %s%s--help'.\n", group ? group : "", group ? " " : "");
    return 2;
}

//  --------------------------------------------------------------------------
//  Help

//  "  draft new FILE [--message M]    create a draft..." for every entry of
//  a table, or of one group.
static void
s_list (FILE *out, const cli_command_t *table, const char *group)
{
    for (const cli_command_t *c = table; c->name; c++) {
        if (!c->brief || (group && (!c->sub || !streq (c->name, group))))
            continue;
        if (strlen (c->usage) <= 38)
            fprintf (out, "  %-38s  %s\n", c->usage, c->brief);
        else
            fprintf (out, "  %s\n  %-38s  %s\n", c->usage, "", c->brief);
    }
}

static void
s_usage (FILE *out)
{
    fprintf (out, "Usage: catchball [OPTIONS] COMMAND [ARGS]\n"
                  "Shape OKRs by catchball: throw drafts, answer them, keep every revision.\n\n"
                  "%s      --version       the version\n", s_global_help);
    for (size_t t = 0; t < S_TABLES; t++) {
        fprintf (out, "\n%s:\n", s_table_titles [t]);
        s_list (out, s_tables [t], NULL);
    }
    fprintf (out, "\n'catchball COMMAND --help' explains a command and each of its options.\n");
}

//  The subcommands of a group, on --help (stdout) or when none is given.
static void
s_group_help (FILE *out, const char *group)
{
    fprintf (out, "Usage: catchball %s SUBCOMMAND [ARGS] [OPTIONS]\n\nSubcommands:\n", group);
    for (size_t t = 0; t < S_TABLES; t++)
        s_list (out, s_tables [t], group);
    fprintf (out, "\n'catchball %s SUBCOMMAND --help' explains one and its options.\n", group);
}

//  A paragraph in lines of at most 78 columns, each indented by width
//  columns (already written on the first line).
static void
s_wrap (FILE *out, const char *text, size_t width)
{
    size_t column = width;
    while (*text) {
        size_t word = strcspn (text, " ");
        if (column > width && column + 1 + word > 78) {
            fprintf (out, "\n%*s", (int) width, "");
            column = width;
        }
        else
        if (column > width)
            column += (size_t) fprintf (out, " ");
        column += (size_t) fprintf (out, "%.*s", (int) word, text);
        text += word;
        text += strspn (text, " ");
    }
    fprintf (out, "\n");
}

//  A command's usage, what it does, and each option it takes.
static void
s_command_help (FILE *out, const cli_command_t *command)
{
    fprintf (out, "Usage: catchball %s\n\n", command->usage);
    s_wrap (out, command->about, 0);
    if (command->takes [0].help)
        fprintf (out, "\nOptions:\n");
    for (size_t i = 0; i < CLI_TAKES_MAX && command->takes [i].help; i++) {
        const s_option_t *option = &s_options [command->takes [i].opt];
        char name [48], letter [8] = "";
        if (option->letter)
            snprintf (letter, sizeof (letter), "-%c, ", option->letter);
        snprintf (name, sizeof (name), "%s--%s%s%s", letter, option->name,
                  option->value ? " " : "", option->value ? option->value : "");
        fprintf (out, "  %-24s%s", name, strlen (name) > 23 ? "\n                          " : "");
        s_wrap (out, *command->takes [i].help ? command->takes [i].help : option->help, 26);
    }
    fprintf (out, "\nGlobal options such as --node and --json go before or after the command:\n"
                  "see 'catchball --help'.\n");
}

//  --------------------------------------------------------------------------
//  Parsing a command's options

static bool
s_takes (const cli_command_t *command, cli_opt_t opt)
{
    for (size_t i = 0; i < CLI_TAKES_MAX && command->takes [i].help; i++)
        if (command->takes [i].opt == opt)
            return true;
    return false;
}

//  "draft show" or "throw"
static const char *
s_name (const cli_command_t *command, char *buf, size_t size)
{
    snprintf (buf, size, "%s%s%s", command->name, command->sub ? " " : "",
              command->sub ? command->sub : "");
    return buf;
}

//  A usage error in a command: the message, then where its help is.
static int
s_fail_command (const cli_command_t *command, const char *fmt, const char *arg)
{
    char name [64];
    fprintf (stderr, "catchball: ");
    fprintf (stderr, fmt, arg);
    fprintf (stderr, "\nTry 'catchball %s --help'.\n", s_name (command, name, sizeof (name)));
    return 2;
}

//  The global options are taken after the command too, so that "catchball
//  inbox --node team-a" works as well as "catchball --node team-a inbox".
//  Every option is known to getopt, as a whole table, so that an option
//  abbreviates as it always did; one the command does not take is then
//  refused by name. 0, 1 for --help, or 2 (bad usage, said on stderr).
static int
s_parse (cli_t *cli, const cli_command_t *command, int argc, char **argv, cli_args_t *a)
{
    struct option options [S_GLOBALS + CLI_O_COUNT + 1];
    memcpy (options, s_globals, sizeof (s_globals));
    for (int i = 0; i < CLI_O_COUNT; i++)
        options [S_GLOBALS + i] = (struct option) {
            s_options [i].name, s_options [i].value ? required_argument : no_argument, NULL,
            S_O_BASE + i };
    options [S_GLOBALS + CLI_O_COUNT] = (struct option) { NULL, 0, NULL, 0 };
    memset (a, 0, sizeof (*a));
    //  0, not 1: GNU getopt then starts afresh, and permutes again (main's
    //  '+' made it stop at the first non-option). ':' first: we say what
    //  is wrong, naming the command.
    optind = 0;
    opterr = 0;
    bool help = false;
    char name [64];
    s_name (command, name, sizeof (name));
    int c;
    while ((c = getopt_long (argc, argv, ":m:a:h", options, NULL)) != -1) {
        int opt = c >= S_O_BASE ? c - S_O_BASE : c == 'm' ? CLI_O_MESSAGE
                : c == 'a' ? CLI_O_ADDRESSES : -1;
        switch (c) {
            case 'e': cli->endpoint = optarg; break;
            case 'n': cli->node = optarg; cli->node_given = true; break;
            case 'r': cli->role = optarg; cli->role_given = true; break;
            case 'p': cli->parent = optarg; break;
            case 'j': cli->json = true; break;
            case 't': cli->timeout = atoi (optarg); break;
            case 'h': help = true; break;
            case S_O_KEY: cli->key = optarg; break;
            case S_O_BROKER_KEY: cli->broker_key = optarg; break;
            case ':':
                return s_fail_command (command, "option '%s' needs a value", argv [optind - 1]);
            case '?':
                if (optopt) {
                    char letter [3] = { '-', (char) optopt, 0 };
                    return s_fail_command (command, "unknown option '%s'", letter);
                }
                return s_fail_command (command, "unknown option '%s'", argv [optind - 1]);
        }
        if (opt < 0)
            continue;
        if (!s_takes (command, (cli_opt_t) opt)) {
            char why [128];
            snprintf (why, sizeof (why), "'%s' does not take --%s", name, s_options [opt].name);
            return s_fail_command (command, "%s", why);
        }
        a->o [opt] = optarg ? optarg : "";
    }
    a->argc = argc - optind;
    a->argv = argv + optind;
    return help ? 1 : 0;
}

//  --------------------------------------------------------------------------
//  What the commands share

int
cli_fail_usage (const char *fmt, const char *arg)
{
    fprintf (stderr, "catchball: ");
    fprintf (stderr, fmt, arg);
    fprintf (stderr, "\nTry 'catchball --help'.\n");
    return 2;
}

cb_value_t *
cli_split (const char *list)
{
    cb_value_t *array = cb_value_new_array ();
    char *copy = strdup (list);
    char *save = NULL;
    for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok) {
            cb_value_t *v = cb_value_new_str (tok);
            cb_value_push (array, &v);
        }
    }
    free (copy);
    return array;
}

int
cli_int_arg (const char *text, int64_t *out)
{
    char *end;
    long long n = strtoll (text, &end, 10);
    if (!*text || *end)
        return -1;
    *out = n;
    return 0;
}

//  --------------------------------------------------------------------------
//  Running a command

//  The entry argv names, or NULL with the exit status in *status: a group
//  asked for its help (0), or without a subcommand (2), or an unknown
//  command (2, with a suggestion).
static const cli_command_t *
s_lookup (int argc, char **argv, int *status)
{
    const char *name = argv [0];
    //  A group that is a command of one word too (vote DRAFT, vote open
    //  DRAFT): the next word is a subcommand only if it names one.
    if (!s_is_group (name)
    ||  (s_find (name, NULL) && !(argc > 1 && s_find (name, argv [1])))) {
        const cli_command_t *command = s_find (name, NULL);
        if (!command)
            *status = s_unknown (NULL, name);
        return command;
    }
    if (argc > 1 && argv [1][0] != '-') {
        const cli_command_t *command = s_find (name, argv [1]);
        if (!command)
            *status = s_unknown (name, argv [1]);
        return command;
    }
    bool help = false;
    for (int i = 1; i < argc; i++)
        help = help || streq (argv [i], "--help") || streq (argv [i], "-h");
    if (!help)
        fprintf (stderr, "catchball: '%s' needs a subcommand\n", name);
    s_group_help (help ? stdout : stderr, name);
    *status = help ? 0 : 2;
    return NULL;
}

static int
s_run (cli_t *cli, int argc, char **argv)
{
    int status = 0;
    const cli_command_t *command = s_lookup (argc, argv, &status);
    if (!command)
        return status;
    //  The subcommand is not an argument: getopt skips argv [0].
    cli_args_t a;
    int rc = s_parse (cli, command, command->sub ? argc - 1 : argc,
                      command->sub ? argv + 1 : argv, &a);
    if (rc == 1)
        s_command_help (stdout, command);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (command->args >= 0 ? a.argc != command->args : a.argc > -command->args)
        return s_fail_command (command, "usage: catchball %s", command->usage);
    if (command->local)
        return command->run (cli, &a);
    rc = cli_identify (cli);
    if (rc)
        return rc;
    cli_render_init (!cli->json && isatty (1) && !getenv ("NO_COLOR"));
    return command->run (cli, &a);
}

int
cli_identify (cli_t *cli)
{
    //  $CATCHBALL_ROLE goes with $CATCHBALL_NODE: another node named with
    //  --node does not take it.
    if (cli->node_given && !cli->role_given)
        cli->role = NULL;
    //  With a key, the node and role are the certificate's unless given.
    if (cli->key && !cli->node_given) {
        cli->node = NULL;
        if (!cli->role_given)
            cli->role = NULL;
    }
    if (!cli->key && (!cli->node || !*cli->node))
        return cli_fail_usage ("%s", "who are you? give --node NAME or set CATCHBALL_NODE");
    if (cli->timeout <= 0)
        return cli_fail_usage ("%s", "--timeout takes milliseconds");
    return 0;
}

int
main (int argc, char *argv [])
{
    struct option options [S_GLOBALS + 2];
    memcpy (options, s_globals, sizeof (s_globals));
    options [S_GLOBALS] = (struct option) { "version", no_argument, NULL, S_O_VERSION };
    options [S_GLOBALS + 1] = (struct option) { NULL, 0, NULL, 0 };
    cli_t cli = { 0 };
    cli.endpoint = getenv ("CATCHBALL_ENDPOINT") ? getenv ("CATCHBALL_ENDPOINT")
                                                : S_DEFAULT_ENDPOINT;
    cli.node = getenv ("CATCHBALL_NODE");
    cli.role = getenv ("CATCHBALL_ROLE");
    cli.parent = getenv ("CATCHBALL_PARENT");
    cli.key = getenv ("CATCHBALL_KEY");
    cli.broker_key = getenv ("CATCHBALL_BROKER_KEY");
    cli.timeout = 5000;
    int c;
    //  '+': stop at the command; its own options are parsed after it.
    while ((c = getopt_long (argc, argv, "+e:n:r:p:jt:h", options, NULL)) != -1) {
        switch (c) {
            case 'e': cli.endpoint = optarg; break;
            case 'n': cli.node = optarg; cli.node_given = true; break;
            case 'r': cli.role = optarg; cli.role_given = true; break;
            case 'p': cli.parent = optarg; break;
            case 'j': cli.json = true; break;
            case 't': cli.timeout = atoi (optarg); break;
            case 'h': s_usage (stdout); return 0;
            case S_O_VERSION: printf ("catchball %s (protocol 1)\n", CB_VERSION); return 0;
            case S_O_KEY: cli.key = optarg; break;
            case S_O_BROKER_KEY: cli.broker_key = optarg; break;
            default: s_usage (stderr); return 2;
        }
    }
    if (optind >= argc) {
        s_usage (stderr);
        return 2;
    }
    zsys_init ();
    int rc = s_run (&cli, argc - optind, argv + optind);
    cb_client_destroy (&cli.client);
    return rc;
}
