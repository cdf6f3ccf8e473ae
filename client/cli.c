/*  =========================================================================
    catchball - the command line for leadership, team, facilitator and
    observer nodes

    Each command is one request (or a few) to the broker through
    libcatchball. Output is for people by default and JSON with --json
    (the reply body as the broker sent it; inbox deliveries one per line).
    Exit status: 0 done, 1 the broker refused (its error on stderr), 2 bad
    usage, 3 no answer from the broker.
    =========================================================================
*/
#include <getopt.h>
#include <unistd.h>

#include "cli.h"

#define S_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

typedef struct {
    const char *endpoint;       //  Broker
    const char *node;           //  Who we are
    const char *role;           //  Our role (first hello)
    const char *parent;         //  Our parent node
    bool json;                  //  Output JSON
    int timeout;                //  ms per request
    cb_client_t *client;        //  Connection, made on first use
} s_cli_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
"Usage: catchball [OPTIONS] COMMAND [ARGS]\n"
"Shape OKRs by catchball: throw drafts, answer them, keep every revision.\n"
"\n"
"Options (before or after the command):\n"
"  -e, --endpoint EP   broker endpoint (default $CATCHBALL_ENDPOINT or " S_DEFAULT_ENDPOINT ")\n"
"  -n, --node NAME     this node's name (default $CATCHBALL_NODE)\n"
"  -r, --role ROLE     leadership, team, facilitator or observer: needed the\n"
"                      first time a node speaks (default $CATCHBALL_ROLE)\n"
"  -p, --parent NODE   this node's parent in the organisation ($CATCHBALL_PARENT)\n"
"  -j, --json          print the broker's replies as JSON\n"
"  -t, --timeout MS    how long to wait for the broker (default 5000)\n"
"  -h, --help          this help; COMMAND --help shows the command's usage\n"
"      --version       the version\n"
"\n"
"Commands:\n"
"  hello                                   register this node / show its inbox state\n"
"  draft new FILE [--message M]            create a draft from a JSON file (- for stdin)\n"
"  draft revise DRAFT FILE [--message M] [--addresses F1,F2]\n"
"                                          a new revision, naming the feedback it addresses\n"
"  draft show DRAFT [--rev N]              a draft at its head or at revision N\n"
"  draft list [--owner NODE] [--cycle C]   drafts, filtered\n"
"  throw DRAFT --to NODE,... [--question Q] [--deadline DURATION]\n"
"                                          open a round: DURATION like 90s, 30m, 2h, 3d\n"
"  feedback ROUND --kind KIND [--on WHAT] [--more] TEXT\n"
"                                          KIND: suggestion, concern, support, cannot-align;\n"
"                                          WHAT: objective, narrative or a KR id (kr2)\n"
"  counter ROUND FILE [--message M] [--more]   answer with your own version of the draft\n"
"  endorse ROUND --confidence 0-5 [--text T] [--more]\n"
"  round show ROUND | round close ROUND\n"
"  adopt PROPOSAL [--message M]            make a counter-proposal (p1) the new revision\n"
"  vote DRAFT --confidence 0-5 [--comment C]   the confidence vote (fist of five)\n"
"  finalize DRAFT                          the OKR is agreed\n"
"  history DRAFT                           how the draft evolved, round by round\n"
"  diff DRAFT REV REV                      what changed between two revisions\n"
"  inbox [--follow] [--peek]               what was delivered to you; acknowledges it\n"
"                                          unless --peek; --follow keeps waiting\n"
"  ping                                    is the broker there?\n"
"\n"
"--more on an answer says more responses will follow; without it, that\n"
"response completes your answer to the round.\n");
}

static int
s_fail_usage (const char *fmt, const char *arg)
{
    fprintf (stderr, "catchball: ");
    fprintf (stderr, fmt, arg);
    fprintf (stderr, "\nTry 'catchball --help'.\n");
    return 2;
}

//  Sends a request; prints the error and returns NULL on failure.
static cb_value_t *
s_request (s_cli_t *cli, const char *type, cb_value_t **body_p, int *status)
{
    if (!cli->client) {
        cli->client = cb_client_new (cli->endpoint, cli->node, cli->role, cli->parent);
        if (!cli->client) {
            cb_value_destroy (body_p);
            fprintf (stderr, "catchball: invalid endpoint '%s'\n", cli->endpoint);
            *status = 2;
            return NULL;
        }
    }
    cb_value_t *reply = cb_client_request (cli->client, type, body_p, cli->timeout);
    if (!reply) {
        int code = cb_client_error (cli->client);
        if (cli->json) {
            cb_value_t *err = cb_value_new_map ();
            cb_value_t *e = cb_value_new_map ();
            cb_value_set_int (e, "code", code);
            cb_value_set_str (e, "name", cb_client_error_name (cli->client));
            cb_value_set_str (e, "message", cb_client_error_message (cli->client));
            cb_value_set (err, "error", &e);
            cli_json_print (stdout, err, true);
            cb_value_destroy (&err);
        }
        if (code == CB_E_TIMEOUT)
            fprintf (stderr, "catchball: no answer from the broker at %s within %d ms\n",
                     cli->endpoint, cli->timeout);
        else
            fprintf (stderr, "catchball: %s (%d): %s\n", cb_client_error_name (cli->client),
                     code, cb_client_error_message (cli->client));
        if (code == CB_E_BAD_FIELD && strstr (cb_client_error_message (cli->client), "'role'"))
            fprintf (stderr, "catchball: give --role leadership|team|facilitator|observer, "
                             "or set CATCHBALL_ROLE\n");
        *status = code == CB_E_TIMEOUT ? 3 : 1;
    }
    return reply;
}

//  "a,b,c" -> ["a","b","c"]
static cb_value_t *
s_split (const char *list)
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

//  "90s", "30m", "2h", "3d", or plain seconds. -1 if not a duration.
static int64_t
s_duration (const char *text)
{
    char *end;
    long long n = strtoll (text, &end, 10);
    if (end == text || n <= 0)
        return -1;
    int64_t unit = 1;
    if (*end == 'm')
        unit = 60;
    else
    if (*end == 'h')
        unit = 3600;
    else
    if (*end == 'd')
        unit = 86400;
    else
    if (*end && *end != 's')
        return -1;
    if (*end && end [1])
        return -1;
    return n * unit;
}

static int
s_int_arg (const char *text, int64_t *out)
{
    char *end;
    long long n = strtoll (text, &end, 10);
    if (!*text || *end)
        return -1;
    *out = n;
    return 0;
}

//  --------------------------------------------------------------------------
//  Command options, parsed after the command's name

typedef struct {
    const char *message, *addresses, *rev, *owner, *cycle, *to, *question, *deadline;
    const char *kind, *on, *confidence, *text, *comment;
    bool more, follow, peek, help;
    int argc;                   //  Positional arguments
    char **argv;
} s_args_t;

//  The command's own options; the global ones are taken here too, so that
//  "catchball inbox --node team-a" works as well as "catchball --node
//  team-a inbox".
static int
s_parse (s_cli_t *cli, int argc, char **argv, s_args_t *a)
{
    static struct option options [] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "node", required_argument, NULL, 'n' },
        { "role", required_argument, NULL, 'r' },
        { "parent", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { "message", required_argument, NULL, 'm' },
        { "addresses", required_argument, NULL, 'a' },
        { "rev", required_argument, NULL, 'R' },
        { "owner", required_argument, NULL, 'o' },
        { "cycle", required_argument, NULL, 'c' },
        { "to", required_argument, NULL, 'T' },
        { "question", required_argument, NULL, 'q' },
        { "deadline", required_argument, NULL, 'd' },
        { "kind", required_argument, NULL, 'k' },
        { "on", required_argument, NULL, 'O' },
        { "confidence", required_argument, NULL, 'C' },
        { "text", required_argument, NULL, 'x' },
        { "comment", required_argument, NULL, 'M' },
        { "more", no_argument, NULL, '+' },
        { "follow", no_argument, NULL, 'f' },
        { "peek", no_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 }
    };
    memset (a, 0, sizeof (*a));
    //  0, not 1: GNU getopt then starts afresh, and permutes again (main's
    //  '+' made it stop at the first non-option).
    optind = 0;
    int c;
    while ((c = getopt_long (argc, argv, "m:a:h", options, NULL)) != -1) {
        switch (c) {
            case 'e': cli->endpoint = optarg; break;
            case 'n': cli->node = optarg; break;
            case 'r': cli->role = optarg; break;
            case 'p': cli->parent = optarg; break;
            case 'j': cli->json = true; break;
            case 't': cli->timeout = atoi (optarg); break;
            case 'h': a->help = true; break;
            case 'm': a->message = optarg; break;
            case 'a': a->addresses = optarg; break;
            case 'R': a->rev = optarg; break;
            case 'o': a->owner = optarg; break;
            case 'c': a->cycle = optarg; break;
            case 'T': a->to = optarg; break;
            case 'q': a->question = optarg; break;
            case 'd': a->deadline = optarg; break;
            case 'k': a->kind = optarg; break;
            case 'O': a->on = optarg; break;
            case 'C': a->confidence = optarg; break;
            case 'x': a->text = optarg; break;
            case 'M': a->comment = optarg; break;
            case '+': a->more = true; break;
            case 'f': a->follow = true; break;
            case 'P': a->peek = true; break;
            default: return -1;
        }
    }
    a->argc = argc - optind;
    a->argv = argv + optind;
    return 0;
}

//  --------------------------------------------------------------------------
//  Printing a reply

typedef void (s_render_fn) (FILE *out, const cb_value_t *reply);

static int
s_print (s_cli_t *cli, cb_value_t **reply_p, s_render_fn *render, const char *format, ...)
{
    cb_value_t *reply = *reply_p;
    if (cli->json)
        cli_json_print (stdout, reply, false);
    else
    if (render)
        render (stdout, reply);
    else {
        //  A one-line confirmation: the format's %s are the reply's fields
        //  named in the variadic list.
        va_list args;
        va_start (args, format);
        for (const char *p = format; *p; p++) {
            if (*p == '%' && p [1] == 's') {
                const char *key = va_arg (args, const char *);
                cb_value_t *v = cb_value_get (reply, key);
                if (cb_value_type (v) == CB_INT)
                    printf ("%lld", (long long) cb_value_int (v));
                else
                    printf ("%s", cb_value_str (v) ? cb_value_str (v) : "");
                p++;
            }
            else
                putchar (*p);
        }
        va_end (args);
        putchar ('\n');
        bool closed = false;
        if (cb_value_get_bool (reply, "round_closed", &closed) && closed)
            printf ("round %s is now closed: every recipient has answered\n",
                    cb_value_get_str (reply, "round"));
    }
    cb_value_destroy (reply_p);
    return 0;
}

//  --------------------------------------------------------------------------
//  inbox: deliveries until the last one announced at hello (or forever
//  with --follow), each acknowledged once printed unless --peek.

static int
s_inbox (s_cli_t *cli, s_args_t *a)
{
    int status = 0;
    cb_value_t *hello = s_request (cli, "ping", NULL, &status);
    if (!hello)
        return status;
    cb_value_destroy (&hello);
    uint64_t last = cb_client_inbox_last (cli->client);
    uint64_t seen = cb_client_inbox_acked (cli->client);
    if (!a->follow && seen >= last) {
        if (!cli->json)
            printf ("inbox empty\n");
        return 0;
    }
    while (!zsys_interrupted && (a->follow || seen < last)) {
        cb_value_t *d = cb_client_recv (cli->client, a->follow ? 1000 : cli->timeout);
        if (!d) {
            if (a->follow)
                continue;
            fprintf (stderr, "catchball: the inbox stopped at #%llu of %llu\n",
                     (unsigned long long) seen, (unsigned long long) last);
            return 3;
        }
        int64_t seq = 0;
        cb_value_get_int (d, "seq", &seq);
        if (cli->json)
            cli_json_print (stdout, d, true);
        else {
            cli_render_delivery (stdout, d);
            printf ("\n");
        }
        fflush (stdout);
        cb_value_destroy (&d);
        seen = (uint64_t) seq;
        if (!a->peek && cb_client_ack (cli->client, seen, cli->timeout)) {
            fprintf (stderr, "catchball: could not acknowledge #%llu: %s\n",
                     (unsigned long long) seen, cb_client_error_message (cli->client));
            return 1;
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Dispatch on the command

static int
s_run (s_cli_t *cli, int argc, char **argv)
{
    const char *cmd = argv [0];
    const char *sub = argc > 1 ? argv [1] : "";
    bool two = streq (cmd, "draft") || streq (cmd, "round");
    s_args_t a;
    if (s_parse (cli, two ? argc - 1 : argc, two ? argv + 1 : argv, &a))
        return s_fail_usage ("bad option for '%s'", cmd);
    if (!a.help && (!cli->node || !*cli->node))
        return s_fail_usage ("%s", "who are you? give --node NAME or set CATCHBALL_NODE");
    if (cli->timeout <= 0)
        return s_fail_usage ("%s", "--timeout takes milliseconds");
    cli_render_init (!cli->json && isatty (1) && !getenv ("NO_COLOR"));
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *reply = NULL;
    int status = 0;
    int64_t n;

    //  The command's usage on --help, or when its arguments are wrong.
#define NEED(count, usage) \
    if (a.help) { cb_value_destroy (&body); printf ("usage: catchball %s\n", usage); return 0; } \
    if (a.argc != (count)) { cb_value_destroy (&body); return s_fail_usage ("usage: catchball %s", usage); }

    if (streq (cmd, "hello") || streq (cmd, "ping")) {
        NEED (0, cmd);
        if ((reply = s_request (cli, "ping", &body, &status))) {
            cb_value_destroy (&reply);
            printf ("%s: connected to %s; inbox: %llu delivered, %llu acknowledged\n", cli->node,
                    cli->endpoint, (unsigned long long) cb_client_inbox_last (cli->client),
                    (unsigned long long) cb_client_inbox_acked (cli->client));
        }
    }
    else
    if (streq (cmd, "draft") && streq (sub, "new")) {
        NEED (1, "draft new FILE [--message M]");
        cb_value_t *content = cli_json_load (a.argv [0]);
        if (!content) {
            cb_value_destroy (&body);
            return 2;
        }
        cb_value_set (body, "content", &content);
        if (a.message)
            cb_value_set_str (body, "message", a.message);
        if ((reply = s_request (cli, "draft.new", &body, &status)))
            s_print (cli, &reply, NULL, "draft %s created (revision %s)", "draft", "rev");
    }
    else
    if (streq (cmd, "draft") && streq (sub, "revise")) {
        NEED (2, "draft revise DRAFT FILE [--message M] [--addresses F1,F2]");
        cb_value_t *content = cli_json_load (a.argv [1]);
        if (!content) {
            cb_value_destroy (&body);
            return 2;
        }
        cb_value_set_str (body, "draft", a.argv [0]);
        cb_value_set (body, "content", &content);
        if (a.message)
            cb_value_set_str (body, "message", a.message);
        if (a.addresses) {
            cb_value_t *list = s_split (a.addresses);
            cb_value_set (body, "addresses", &list);
        }
        if ((reply = s_request (cli, "draft.revise", &body, &status)))
            s_print (cli, &reply, NULL, "draft %s is now at revision %s", "draft", "rev");
    }
    else
    if (streq (cmd, "draft") && streq (sub, "show")) {
        NEED (1, "draft show DRAFT [--rev N]");
        cb_value_set_str (body, "draft", a.argv [0]);
        if (a.rev) {
            if (s_int_arg (a.rev, &n)) {
                cb_value_destroy (&body);
                return s_fail_usage ("--rev takes a number, not '%s'", a.rev);
            }
            cb_value_set_int (body, "rev", n);
        }
        if ((reply = s_request (cli, "draft.show", &body, &status)))
            s_print (cli, &reply, cli_render_draft, NULL);
    }
    else
    if (streq (cmd, "draft") && streq (sub, "list")) {
        NEED (0, "draft list [--owner NODE] [--cycle C]");
        if (a.owner)
            cb_value_set_str (body, "owner", a.owner);
        if (a.cycle)
            cb_value_set_str (body, "cycle", a.cycle);
        if ((reply = s_request (cli, "draft.list", &body, &status)))
            s_print (cli, &reply, cli_render_list, NULL);
    }
    else
    if (streq (cmd, "throw")) {
        NEED (1, "throw DRAFT --to NODE,... [--question Q] [--deadline DURATION]");
        if (!a.to) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s: --to NODE,... is required", "throw");
        }
        cb_value_set_str (body, "draft", a.argv [0]);
        cb_value_t *to = s_split (a.to);
        cb_value_set (body, "to", &to);
        if (a.question)
            cb_value_set_str (body, "question", a.question);
        if (a.deadline) {
            int64_t seconds = s_duration (a.deadline);
            if (seconds < 0) {
                cb_value_destroy (&body);
                return s_fail_usage ("--deadline takes a duration like 90s, 30m, 2h or 3d, not '%s'",
                                     a.deadline);
            }
            cb_value_set_int (body, "deadline", seconds);
        }
        if ((reply = s_request (cli, "round.throw", &body, &status))) {
            if (!cli->json) {
                printf ("round %s opened: %s revision %lld thrown to %s",
                        cb_value_get_str (reply, "round"), cb_value_get_str (reply, "draft"),
                        (long long) cb_value_int (cb_value_get (reply, "rev")), a.to);
                if (a.deadline)
                    printf (", answers due in %s", a.deadline);
                printf ("\n");
                cb_value_destroy (&reply);
            }
            else
                s_print (cli, &reply, NULL, NULL);
        }
    }
    else
    if (streq (cmd, "feedback")) {
        NEED (2, "feedback ROUND --kind KIND [--on WHAT] [--more] TEXT");
        if (!a.kind) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", "feedback: --kind suggestion|concern|support|cannot-align is required");
        }
        cb_value_set_str (body, "round", a.argv [0]);
        cb_value_set_str (body, "text", a.argv [1]);
        if (a.kind)
            cb_value_set_str (body, "kind", a.kind);
        if (a.on)
            cb_value_set_str (body, "on", a.on);
        cb_value_set_bool (body, "final", !a.more);
        if ((reply = s_request (cli, "round.feedback", &body, &status)))
            s_print (cli, &reply, NULL, "feedback %s sent in round %s", "id", "round");
    }
    else
    if (streq (cmd, "counter")) {
        NEED (2, "counter ROUND FILE [--message M] [--more]");
        cb_value_t *content = cli_json_load (a.argv [1]);
        if (!content) {
            cb_value_destroy (&body);
            return 2;
        }
        cb_value_set_str (body, "round", a.argv [0]);
        cb_value_set (body, "content", &content);
        if (a.message)
            cb_value_set_str (body, "message", a.message);
        cb_value_set_bool (body, "final", !a.more);
        if ((reply = s_request (cli, "round.counter", &body, &status)))
            s_print (cli, &reply, NULL, "counter-proposal %s sent in round %s (revision %s of %s)",
                     "id", "round", "rev", "draft");
    }
    else
    if (streq (cmd, "endorse")) {
        NEED (1, "endorse ROUND --confidence 0-5 [--text T] [--more]");
        if (!a.confidence || s_int_arg (a.confidence, &n)) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s: --confidence 0-5 is required", "endorse");
        }
        cb_value_set_str (body, "round", a.argv [0]);
        cb_value_set_int (body, "confidence", n);
        if (a.text)
            cb_value_set_str (body, "text", a.text);
        cb_value_set_bool (body, "final", !a.more);
        if ((reply = s_request (cli, "round.endorse", &body, &status)))
            s_print (cli, &reply, NULL, "endorsement %s sent in round %s", "id", "round");
    }
    else
    if (streq (cmd, "round") && (streq (sub, "show") || streq (sub, "close"))) {
        NEED (1, "round show|close ROUND");
        cb_value_set_str (body, "round", a.argv [0]);
        if (streq (sub, "show")) {
            if ((reply = s_request (cli, "round.show", &body, &status)))
                s_print (cli, &reply, cli_render_round, NULL);
        }
        else
        if ((reply = s_request (cli, "round.close", &body, &status)))
            s_print (cli, &reply, NULL, "round %s closed", "round");
    }
    else
    if (streq (cmd, "adopt")) {
        NEED (1, "adopt PROPOSAL [--message M]");
        cb_value_set_str (body, "proposal", a.argv [0]);
        if (a.message)
            cb_value_set_str (body, "message", a.message);
        if ((reply = s_request (cli, "proposal.adopt", &body, &status)))
            s_print (cli, &reply, NULL, "adopted: draft %s is now at revision %s", "draft", "rev");
    }
    else
    if (streq (cmd, "vote")) {
        NEED (1, "vote DRAFT --confidence 0-5 [--comment C]");
        if (!a.confidence || s_int_arg (a.confidence, &n)) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s: --confidence 0-5 is required", "vote");
        }
        cb_value_set_str (body, "draft", a.argv [0]);
        cb_value_set_int (body, "confidence", n);
        if (a.comment)
            cb_value_set_str (body, "comment", a.comment);
        if ((reply = s_request (cli, "draft.vote", &body, &status)))
            s_print (cli, &reply, NULL, "vote recorded on %s revision %s", "draft", "rev");
    }
    else
    if (streq (cmd, "finalize") || streq (cmd, "finalise")) {
        NEED (1, "finalize DRAFT");
        cb_value_set_str (body, "draft", a.argv [0]);
        if ((reply = s_request (cli, "draft.finalize", &body, &status)))
            s_print (cli, &reply, NULL, "%s is final at revision %s", "draft", "rev");
    }
    else
    if (streq (cmd, "history")) {
        NEED (1, "history DRAFT");
        cb_value_set_str (body, "draft", a.argv [0]);
        if ((reply = s_request (cli, "draft.history", &body, &status)))
            s_print (cli, &reply, cli_render_history, NULL);
    }
    else
    if (streq (cmd, "diff")) {
        NEED (3, "diff DRAFT REV REV");
        int64_t from, to;
        if (s_int_arg (a.argv [1], &from) || s_int_arg (a.argv [2], &to)) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s: revisions are numbers", "diff");
        }
        cb_value_set_str (body, "draft", a.argv [0]);
        cb_value_set_int (body, "from", from);
        cb_value_set_int (body, "to", to);
        if ((reply = s_request (cli, "draft.diff", &body, &status)))
            s_print (cli, &reply, cli_render_diff, NULL);
    }
    else
    if (streq (cmd, "inbox")) {
        cb_value_destroy (&body);
        NEED (0, "inbox [--follow] [--peek]");
        return s_inbox (cli, &a);
    }
    else {
        cb_value_destroy (&body);
        return s_fail_usage ("unknown command '%s'", two ? sub : cmd);
    }
    cb_value_destroy (&body);
    return status;
}

int
main (int argc, char *argv [])
{
    static struct option options [] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "node", required_argument, NULL, 'n' },
        { "role", required_argument, NULL, 'r' },
        { "parent", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    s_cli_t cli = { 0 };
    cli.endpoint = getenv ("CATCHBALL_ENDPOINT") ? getenv ("CATCHBALL_ENDPOINT")
                                                : S_DEFAULT_ENDPOINT;
    cli.node = getenv ("CATCHBALL_NODE");
    cli.role = getenv ("CATCHBALL_ROLE");
    cli.parent = getenv ("CATCHBALL_PARENT");
    cli.timeout = 5000;
    int c;
    //  '+': stop at the command; its own options are parsed after it.
    while ((c = getopt_long (argc, argv, "+e:n:r:p:jt:h", options, NULL)) != -1) {
        switch (c) {
            case 'e': cli.endpoint = optarg; break;
            case 'n': cli.node = optarg; break;
            case 'r': cli.role = optarg; break;
            case 'p': cli.parent = optarg; break;
            case 'j': cli.json = true; break;
            case 't': cli.timeout = atoi (optarg); break;
            case 'h': s_usage (stdout); return 0;
            case 'V': printf ("catchball %s (protocol 1)\n", CB_VERSION); return 0;
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
