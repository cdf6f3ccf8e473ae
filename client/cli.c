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
    bool node_given;            //  --node on the command line
    bool role_given;            //  --role on the command line
    int timeout;                //  ms per request
    const char *key;            //  CURVE: our secret certificate
    const char *broker_key;     //  CURVE: the broker's public key or certificate
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
"                      first time a node speaks (default $CATCHBALL_ROLE, which\n"
"                      goes with $CATCHBALL_NODE, not with another --node)\n"
"  -p, --parent NODE   this node's parent in the organisation ($CATCHBALL_PARENT)\n"
"  -j, --json          print the broker's replies as JSON\n"
"  -t, --timeout MS    how long to wait for the broker (default 5000)\n"
"      --key FILE      CURVE: this node's secret certificate, from keygen; the\n"
"                      node and role then come from it ($CATCHBALL_KEY)\n"
"      --broker-key K  CURVE: the broker's public certificate file, or its key in\n"
"                      Z85 ($CATCHBALL_BROKER_KEY)\n"
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
"  keygen NAME --role ROLE [--dir DIR]     write NAME.cert (public: give it to the\n"
"                                          broker's --certs directory) and\n"
"                                          NAME.cert_secret (mode 0600, keep it)\n"
"\n"
"Alignment marketplace events:\n"
"  event new NAME --cycle C --participants NODE,... [--plan share=20,negotiate=40,commit=10]\n"
"  event advance EVENT | event extend EVENT --minutes N | event nudge EVENT NODE [--text T]\n"
"  event share EVENT DRAFT                 put your draft into the event\n"
"  event show EVENT | event list [--cycle C] | event snapshot EVENT\n"
"  ask new EVENT --to NODE --kr KR --need TEXT [--by WHEN]\n"
"  offer new EVENT --to NODE --kr KR --text T REFLECT\n"
"  ask accept ASK REFLECT | ask counter ASK --text T REFLECT | ask decline ASK --reason R\n"
"  ask take ASK | ask refuse ASK --reason R   answer a counter (asker) or an offer (helped)\n"
"                                          REFLECT: how the helper's draft changes:\n"
"                                          --new-kr JSON | --raise-target KR=N | --shared-kr JSON\n"
"                                          (JSON like '{\"text\":\"...\",\"target\":5}' or @FILE)\n"
"  console EVENT [--dump FILE]             the facilitator console (full screen)\n"
"  report EVENT [--format md|json]         what was agreed, declined, countered, unresolved\n"
"  graph --cycle C [--event E] [--format dot|svg]   the alignment graph (Graphviz)\n"
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
        char why [PATH_MAX + 200];
        snprintf (why, sizeof (why), "invalid endpoint '%s'", cli->endpoint);
        if (cli->key && !cli->broker_key)
            snprintf (why, sizeof (why), "--key needs --broker-key (or $CATCHBALL_BROKER_KEY)");
        else
        if (cli->key)
            cli->client = cb_client_new_curve (cli->endpoint, cli->node, cli->role, cli->parent,
                                               cli->key, cli->broker_key, why, sizeof (why));
        else
            cli->client = cb_client_new (cli->endpoint, cli->node, cli->role, cli->parent);
        if (!cli->client) {
            cb_value_destroy (body_p);
            fprintf (stderr, "catchball: %s\n", why);
            *status = 2;
            return NULL;
        }
    }
    //  Paged reads are read to their end: the command shows everything.
    bool paged = streq (type, "draft.list") || streq (type, "draft.history")
              || streq (type, "event.list") || streq (type, "event.snapshot")
              || streq (type, "cycle.graph");
    cb_value_t *reply = paged ? cb_client_request_pages (cli->client, type, body_p, cli->timeout)
                              : cb_client_request (cli->client, type, body_p, cli->timeout);
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
    const char *participants, *plan, *minutes, *kr, *need, *reason, *format, *event, *dump;
    const char *new_kr, *raise_target, *shared_kr, *by, *dir;
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
        { "participants", required_argument, NULL, 1001 },
        { "plan", required_argument, NULL, 1002 },
        { "minutes", required_argument, NULL, 1003 },
        { "kr", required_argument, NULL, 1004 },
        { "need", required_argument, NULL, 1005 },
        { "reason", required_argument, NULL, 1006 },
        { "format", required_argument, NULL, 1007 },
        { "event", required_argument, NULL, 1008 },
        { "dump", required_argument, NULL, 1009 },
        { "new-kr", required_argument, NULL, 1010 },
        { "raise-target", required_argument, NULL, 1011 },
        { "shared-kr", required_argument, NULL, 1012 },
        { "by", required_argument, NULL, 1013 },
        { "dir", required_argument, NULL, 1014 },
        { "key", required_argument, NULL, 1020 },
        { "broker-key", required_argument, NULL, 1021 },
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
            case 'n': cli->node = optarg; cli->node_given = true; break;
            case 'r': cli->role = optarg; cli->role_given = true; break;
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
            case 1001: a->participants = optarg; break;
            case 1002: a->plan = optarg; break;
            case 1003: a->minutes = optarg; break;
            case 1004: a->kr = optarg; break;
            case 1005: a->need = optarg; break;
            case 1006: a->reason = optarg; break;
            case 1007: a->format = optarg; break;
            case 1008: a->event = optarg; break;
            case 1009: a->dump = optarg; break;
            case 1010: a->new_kr = optarg; break;
            case 1011: a->raise_target = optarg; break;
            case 1012: a->shared_kr = optarg; break;
            case 1013: a->by = optarg; break;
            case 1014: a->dir = optarg; break;
            case 1020: cli->key = optarg; break;
            case 1021: cli->broker_key = optarg; break;
            default: return -1;
        }
    }
    a->argc = argc - optind;
    a->argv = argv + optind;
    return 0;
}

//  --------------------------------------------------------------------------
//  Marketplace helpers

//  A key result from inline JSON ('{"text": ...}') or a file (@path).
static cb_value_t *
s_kr_arg (const char *arg)
{
    if (arg [0] == '@')
        return cli_json_load (arg + 1);
    json_error_t error;
    json_t *json = json_loads (arg, 0, &error);
    if (!json || !json_is_object (json)) {
        fprintf (stderr, "catchball: a key result is JSON like '{\"text\": \"...\", \"target\": 5}'"
                         " or @FILE: %s\n", json ? "not an object" : error.text);
        json_decref (json);
        return NULL;
    }
    cb_value_t *value = cli_json_to_value (json);
    json_decref (json);
    return value;
}

//  The Reflect of --new-kr, --raise-target KR=N or --shared-kr; NULL (and
//  a message) if none or several or malformed.
static cb_value_t *
s_reflect_arg (const s_args_t *a)
{
    int given = !!a->new_kr + !!a->raise_target + !!a->shared_kr;
    if (given != 1) {
        fprintf (stderr, "catchball: say how your draft reflects it: one of --new-kr JSON, "
                         "--raise-target KR=NUMBER, --shared-kr JSON\n");
        return NULL;
    }
    cb_value_t *reflect = cb_value_new_map ();
    if (a->raise_target) {
        const char *eq = strchr (a->raise_target, '=');
        char *end = NULL;
        double target = eq ? strtod (eq + 1, &end) : 0;
        if (!eq || eq == a->raise_target || !*(eq + 1) || *end) {
            fprintf (stderr, "catchball: --raise-target takes KR=NUMBER, like kr2=70\n");
            cb_value_destroy (&reflect);
            return NULL;
        }
        cb_value_set_str (reflect, "type", "raise_target");
        cb_value_t *kr = cb_value_new_strn (a->raise_target, (size_t) (eq - a->raise_target));
        cb_value_set (reflect, "kr", &kr);
        cb_value_t *t = target == (double) (int64_t) target ? cb_value_new_int ((int64_t) target)
                                                            : cb_value_new_float (target);
        cb_value_set (reflect, "target", &t);
        return reflect;
    }
    cb_value_t *kr = s_kr_arg (a->new_kr ? a->new_kr : a->shared_kr);
    if (!kr) {
        cb_value_destroy (&reflect);
        return NULL;
    }
    cb_value_set_str (reflect, "type", a->new_kr ? "new_kr" : "shared_kr");
    cb_value_set (reflect, "kr", &kr);
    return reflect;
}

//  "share=20,negotiate=40,commit=10" -> {share: 20, ...}; NULL if malformed.
static cb_value_t *
s_plan_arg (const char *text)
{
    cb_value_t *plan = cb_value_new_map ();
    char *copy = strdup (text), *save = NULL;
    bool ok = true;
    for (char *tok = strtok_r (copy, ",", &save); tok && ok; tok = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (tok, '=');
        int64_t minutes;
        if (!eq || s_int_arg (eq + 1, &minutes))
            ok = false;
        else {
            *eq = 0;
            cb_value_set_int (plan, tok, minutes);
        }
    }
    free (copy);
    if (!ok)
        cb_value_destroy (&plan);
    return plan;
}

//  An event as people read it: name, phase and time left, teams, asks.
static void
s_render_event (FILE *out, const cb_value_t *reply)
{
    cb_value_t *event = cb_value_get_map (reply, "event");
    int64_t ends = 0;
    fprintf (out, "%s  %s  %s  facilitator %s\nphase: %s", cb_value_get_str (event, "id"),
             cb_value_get_str (event, "name"), cb_value_get_str (event, "cycle"),
             cb_value_get_str (event, "facilitator"), cb_value_get_str (event, "phase"));
    if (cb_value_get_int (event, "ends", &ends) && ends) {
        int64_t left = (ends - zclock_time ()) / 1000;
        fprintf (out, ", %lld:%02lld left", (long long) (left > 0 ? left / 60 : 0),
                 (long long) (left > 0 ? left % 60 : 0));
    }
    fprintf (out, "\n\nteams:\n");
    cb_value_t *participants = cb_value_get_array (event, "participants");
    cb_value_t *shared = cb_value_get_map (event, "shared");
    cb_value_t *waiting = cb_value_get_map (reply, "waiting");
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = cb_value_str (cb_value_at (participants, i));
        const char *draft = cb_value_get_str (shared, node);
        cb_value_t *rounds = cb_value_get_array (waiting, node);
        fprintf (out, "  %-16s %s", node, draft ? draft : "(no draft shared)");
        for (size_t j = 0; j < cb_value_size (rounds); j++)
            fprintf (out, "%s%s", j ? ", " : "   waiting on ", cb_value_str (cb_value_at (rounds, j)));
        fprintf (out, "\n");
    }
    cb_value_t *asks = cb_value_get_array (reply, "asks");
    fprintf (out, "\nasks and offers:%s\n", cb_value_size (asks) ? "" : " none");
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *ask = cb_value_at (asks, i);
        const char *what = cb_value_get_str (ask, "need") ? cb_value_get_str (ask, "need")
                                                         : cb_value_get_str (ask, "text");
        fprintf (out, "  %-4s %-5s %s -> %s for %s/%s: %s  [%s]", cb_value_get_str (ask, "id"),
                 cb_value_get_str (ask, "kind"), cb_value_get_str (ask, "from"),
                 cb_value_get_str (ask, "to"), cb_value_get_str (ask, "draft"),
                 cb_value_get_str (ask, "kr"), what ? what : "", cb_value_get_str (ask, "state"));
        if (cb_value_get_str (ask, "reason"))
            fprintf (out, " %s", cb_value_get_str (ask, "reason"));
        if (cb_value_get_str (ask, "counter"))
            fprintf (out, " counter: %s", cb_value_get_str (ask, "counter"));
        fprintf (out, "\n");
    }
    cb_value_t *unresolved = cb_value_get_array (reply, "unresolved");
    if (cb_value_size (unresolved)) {
        fprintf (out, "\nunresolved:");
        for (size_t i = 0; i < cb_value_size (unresolved); i++)
            fprintf (out, " %s", cb_value_str (cb_value_at (unresolved, i)));
        fprintf (out, "\n");
    }
}

static void
s_render_events (FILE *out, const cb_value_t *reply)
{
    cb_value_t *events = cb_value_get_array (reply, "events");
    if (!cb_value_size (events))
        fprintf (out, "no events\n");
    for (size_t i = 0; i < cb_value_size (events); i++) {
        cb_value_t *e = cb_value_at (events, i);
        fprintf (out, "%-5s %-9s %-10s %s\n", cb_value_get_str (e, "id"), cb_value_get_str (e, "cycle"),
                 cb_value_get_str (e, "phase"), cb_value_get_str (e, "name"));
    }
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
//  keygen NAME --role ROLE [--dir DIR]: a node's CURVE certificate pair.
//  The secret file is created with mode 0600 from the start (umask), and
//  nothing existing is overwritten.

static int
s_keygen (s_cli_t *cli, s_args_t *a)
{
    const char *usage = "keygen NAME --role leadership|team|facilitator|observer|broker "
                        "[--dir DIR]";
    if (a->help) {
        printf ("usage: catchball %s\n", usage);
        return 0;
    }
    const char *role = cli->role_given ? cli->role : NULL;
    if (a->argc != 1 || !role)
        return s_fail_usage ("usage: catchball %s", usage);
    const char *name = a->argv [0];
    static const char *roles [] = { "leadership", "team", "facilitator", "observer", "broker",
                                    NULL };
    bool known = false;
    for (int i = 0; roles [i]; i++)
        known = known || streq (role, roles [i]);
    if (!known)
        return s_fail_usage ("unknown role '%s'", role);
    size_t len = strlen (name);
    bool valid = len > 0 && len <= 64 && isalnum ((unsigned char) name [0]);
    for (size_t i = 0; i < len; i++)
        valid = valid && (isalnum ((unsigned char) name [i]) || strchr ("._-", name [i]));
    if (!valid)
        return s_fail_usage ("'%s' is not a node name: 1 to 64 letters, digits, '.', '_', '-'",
                             name);
    const char *dir = a->dir ? a->dir : ".";
    char path [PATH_MAX], secret [PATH_MAX + 8];
    snprintf (path, sizeof (path), "%s/%s.cert", dir, name);
    snprintf (secret, sizeof (secret), "%s_secret", path);
    if (access (path, F_OK) == 0 || access (secret, F_OK) == 0) {
        fprintf (stderr, "catchball: %s or %s exists already: not overwritten\n", path, secret);
        return 1;
    }
    zsys_dir_create ("%s", dir);
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "role", "%s", role);
    mode_t old = umask (077);
    int rc = zcert_save_secret (cert, secret);
    umask (022);
    rc = rc ? rc : zcert_save_public (cert, path);
    umask (old);
    if (rc == 0)
        rc = chmod (secret, 0600);
    if (rc) {
        fprintf (stderr, "catchball: cannot write %s: %s\n", path, strerror (errno));
        zcert_destroy (&cert);
        return 1;
    }
    printf ("%s: public certificate (for the broker's --certs directory)\n"
            "%s: secret certificate, mode 0600: keep it on %s's machine only\n"
            "public key: %s\n", path, secret, name, zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

//  --------------------------------------------------------------------------
//  Dispatch on the command

static int
s_run (s_cli_t *cli, int argc, char **argv)
{
    const char *cmd = argv [0];
    const char *sub = argc > 1 ? argv [1] : "";
    bool two = streq (cmd, "draft") || streq (cmd, "round") || streq (cmd, "event")
            || streq (cmd, "ask") || streq (cmd, "offer");
    s_args_t a;
    if (s_parse (cli, two ? argc - 1 : argc, two ? argv + 1 : argv, &a))
        return s_fail_usage ("bad option for '%s'", cmd);
    if (streq (cmd, "keygen"))
        return s_keygen (cli, &a);
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
    if (!a.help && !cli->key && (!cli->node || !*cli->node))
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
            printf ("%s: connected to %s; inbox: %llu delivered, %llu acknowledged\n",
                    cb_client_node (cli->client),
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
    if (streq (cmd, "event") && streq (sub, "new")) {
        NEED (1, "event new NAME --cycle C --participants NODE,... [--plan share=20,negotiate=40,commit=10]");
        if (!a.cycle || !a.participants) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", "event new: --cycle and --participants are required");
        }
        cb_value_set_str (body, "name", a.argv [0]);
        cb_value_set_str (body, "cycle", a.cycle);
        cb_value_t *list = s_split (a.participants);
        cb_value_set (body, "participants", &list);
        if (a.plan) {
            cb_value_t *plan = s_plan_arg (a.plan);
            if (!plan) {
                cb_value_destroy (&body);
                return s_fail_usage ("--plan takes share=MIN,negotiate=MIN,commit=MIN, not '%s'", a.plan);
            }
            cb_value_set (body, "plan", &plan);
        }
        if ((reply = s_request (cli, "event.new", &body, &status)))
            s_print (cli, &reply, NULL, "event %s created: advance it to start sharing", "event");
    }
    else
    if (streq (cmd, "event") && (streq (sub, "advance") || streq (sub, "show")
                                 || streq (sub, "report") || streq (sub, "snapshot"))) {
        NEED (1, "event advance|show|snapshot EVENT");
        cb_value_set_str (body, "event", a.argv [0]);
        char type [32];
        snprintf (type, sizeof (type), "event.%s", sub);
        if ((reply = s_request (cli, type, &body, &status))) {
            if (streq (sub, "advance"))
                s_print (cli, &reply, NULL, "%s is now in its %s phase", "event", "phase");
            else
            if (streq (sub, "show"))
                s_print (cli, &reply, s_render_event, NULL);
            else {
                cli_json_print (stdout, reply, false);
                cb_value_destroy (&reply);
            }
        }
    }
    else
    if (streq (cmd, "event") && streq (sub, "extend")) {
        NEED (1, "event extend EVENT --minutes N");
        int64_t minutes;
        if (!a.minutes || s_int_arg (a.minutes, &minutes)) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", "event extend: --minutes N is required");
        }
        cb_value_set_str (body, "event", a.argv [0]);
        cb_value_set_int (body, "minutes", minutes);
        if ((reply = s_request (cli, "event.extend", &body, &status)))
            s_print (cli, &reply, NULL, "%s: %s phase extended", "event", "phase");
    }
    else
    if (streq (cmd, "event") && streq (sub, "nudge")) {
        NEED (2, "event nudge EVENT NODE [--text T]");
        cb_value_set_str (body, "event", a.argv [0]);
        cb_value_set_str (body, "node", a.argv [1]);
        if (a.text)
            cb_value_set_str (body, "text", a.text);
        if ((reply = s_request (cli, "event.nudge", &body, &status)))
            s_print (cli, &reply, NULL, "%s nudged", "node");
    }
    else
    if (streq (cmd, "event") && streq (sub, "share")) {
        NEED (2, "event share EVENT DRAFT");
        cb_value_set_str (body, "event", a.argv [0]);
        cb_value_set_str (body, "draft", a.argv [1]);
        if ((reply = s_request (cli, "event.share", &body, &status)))
            s_print (cli, &reply, NULL, "%s shared into %s", "draft", "event");
    }
    else
    if (streq (cmd, "event") && streq (sub, "list")) {
        NEED (0, "event list [--cycle C]");
        if (a.cycle)
            cb_value_set_str (body, "cycle", a.cycle);
        if ((reply = s_request (cli, "event.list", &body, &status)))
            s_print (cli, &reply, s_render_events, NULL);
    }
    else
    if ((streq (cmd, "ask") || streq (cmd, "offer")) && streq (sub, "new")) {
        bool offer = streq (cmd, "offer");
        NEED (1, offer ? "offer new EVENT --to NODE --kr KR --text T (--new-kr JSON | --raise-target KR=N | --shared-kr JSON)"
                       : "ask new EVENT --to NODE --kr KR --need TEXT [--by WHEN]");
        const char *what = offer ? a.text : a.need;
        if (!a.to || !a.kr || !what) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", offer ? "offer new: --to, --kr and --text are required"
                                             : "ask new: --to, --kr and --need are required");
        }
        cb_value_set_str (body, "event", a.argv [0]);
        cb_value_set_str (body, "to", a.to);
        cb_value_set_str (body, "kr", a.kr);
        cb_value_set_str (body, offer ? "text" : "need", what);
        if (a.by && !offer)
            cb_value_set_str (body, "by", a.by);
        if (offer) {
            cb_value_t *reflect = s_reflect_arg (&a);
            if (!reflect) {
                cb_value_destroy (&body);
                return 2;
            }
            cb_value_set (body, "reflect", &reflect);
        }
        if ((reply = s_request (cli, offer ? "offer.new" : "ask.new", &body, &status)))
            s_print (cli, &reply, NULL, offer ? "offer %s made" : "ask %s sent", "ask");
    }
    else
    if (streq (cmd, "ask") && (streq (sub, "accept") || streq (sub, "counter"))) {
        bool counter = streq (sub, "counter");
        NEED (1, counter ? "ask counter ASK --text T (--new-kr JSON | --raise-target KR=N | --shared-kr JSON)"
                         : "ask accept ASK (--new-kr JSON | --raise-target KR=N | --shared-kr JSON)");
        if (counter && !a.text) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", "ask counter: --text is required");
        }
        cb_value_t *reflect = s_reflect_arg (&a);
        if (!reflect) {
            cb_value_destroy (&body);
            return 2;
        }
        cb_value_set_str (body, "ask", a.argv [0]);
        cb_value_set (body, "reflect", &reflect);
        if (counter)
            cb_value_set_str (body, "text", a.text);
        if ((reply = s_request (cli, counter ? "ask.counter" : "ask.accept", &body, &status)))
            s_print (cli, &reply, NULL, "%s is %s", "ask", "state");
    }
    else
    if (streq (cmd, "ask") && (streq (sub, "decline") || streq (sub, "refuse"))) {
        NEED (1, "ask decline|refuse ASK --reason R");
        if (!a.reason) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", "--reason is required");
        }
        cb_value_set_str (body, "ask", a.argv [0]);
        cb_value_set_str (body, "reason", a.reason);
        char type [32];
        snprintf (type, sizeof (type), "ask.%s", sub);
        if ((reply = s_request (cli, type, &body, &status)))
            s_print (cli, &reply, NULL, "%s is %s", "ask", "state");
    }
    else
    if (streq (cmd, "ask") && streq (sub, "take")) {
        NEED (1, "ask take ASK");
        cb_value_set_str (body, "ask", a.argv [0]);
        if ((reply = s_request (cli, "ask.take", &body, &status)))
            s_print (cli, &reply, NULL, "%s is %s", "ask", "state");
    }
    else
    if (streq (cmd, "report")) {
        NEED (1, "report EVENT [--format md|json]");
        cb_value_set_str (body, "event", a.argv [0]);
        if ((reply = s_request (cli, "event.report", &body, &status))) {
            if (cli->json || (a.format && streq (a.format, "json")))
                cli_json_print (stdout, reply, false);
            else
                cli_report_markdown (stdout, reply);
            cb_value_destroy (&reply);
        }
    }
    else
    if (streq (cmd, "graph")) {
        NEED (0, "graph --cycle C [--event E] [--format dot|svg]");
        if (!a.cycle) {
            cb_value_destroy (&body);
            return s_fail_usage ("%s", "graph: --cycle is required");
        }
        const char *format = a.format ? a.format : "dot";
        if (!streq (format, "dot") && !streq (format, "svg")) {
            cb_value_destroy (&body);
            return s_fail_usage ("graph: --format is dot or svg, not '%s'", format);
        }
        cb_value_set_str (body, "cycle", a.cycle);
        if (a.event)
            cb_value_set_str (body, "event", a.event);
        if ((reply = s_request (cli, "cycle.graph", &body, &status))) {
            if (cli->json)
                cli_json_print (stdout, reply, false);
            else
            if (streq (format, "svg")) {
                if (cli_graph_svg (stdout, reply))
                    status = 1;
            }
            else
                cli_graph_dot (stdout, reply);
            cb_value_destroy (&reply);
        }
    }
    else
    if (streq (cmd, "console")) {
        NEED (1, "console EVENT [--dump FILE]");
        cb_value_destroy (&body);
        //  A first request connects and says hello.
        if (!(reply = s_request (cli, "ping", NULL, &status)))
            return status;
        cb_value_destroy (&reply);
        return cli_console (cli->client, a.argv [0], a.dump);
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
        { "key", required_argument, NULL, 1020 },
        { "broker-key", required_argument, NULL, 1021 },
        { NULL, 0, NULL, 0 }
    };
    s_cli_t cli = { 0 };
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
            case 'V': printf ("catchball %s (protocol 1)\n", CB_VERSION); return 0;
            case 1020: cli.key = optarg; break;
            case 1021: cli.broker_key = optarg; break;
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
