/*  =========================================================================
    cli_events - the commands of the alignment marketplace: event new,
    advance, extend, nudge, share, show, list and snapshot; ask and offer
    new; ask accept, counter, decline, refuse and take; report, graph and
    the facilitator console

    Each command is a function that builds the request's body from its
    arguments, sends it and prints the reply; the table at the end says
    how each is called and what it takes (cli_cmd.h).
    =========================================================================
*/
#include "cli_cmd.h"

//  --------------------------------------------------------------------------
//  Arguments

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

//  The Reflect of --raise-target KR=N; NULL (and a message) if malformed.
static cb_value_t *
s_raise_target_arg (const char *arg)
{
    const char *eq = strchr (arg, '=');
    char *end = NULL;
    double target = eq ? strtod (eq + 1, &end) : 0;
    if (!eq || eq == arg || !*(eq + 1) || *end) {
        fprintf (stderr, "catchball: --raise-target takes KR=NUMBER, like kr2=70\n");
        return NULL;
    }
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", "raise_target");
    cb_value_t *kr = cb_value_new_strn (arg, (size_t) (eq - arg));
    cb_value_set (reflect, "kr", &kr);
    cb_value_t *t = target == (double) (int64_t) target ? cb_value_new_int ((int64_t) target)
                                                        : cb_value_new_float (target);
    cb_value_set (reflect, "target", &t);
    return reflect;
}

//  The Reflect of --new-kr, --raise-target KR=N or --shared-kr; NULL (and
//  a message) if none or several or malformed.
static cb_value_t *
s_reflect_arg (const cli_args_t *a)
{
    const char *new_kr = a->o [CLI_O_NEW_KR], *shared_kr = a->o [CLI_O_SHARED_KR];
    const char *raise_target = a->o [CLI_O_RAISE_TARGET];
    if (!!new_kr + !!raise_target + !!shared_kr != 1) {
        fprintf (stderr, "catchball: say how your draft reflects it: one of --new-kr JSON, "
                         "--raise-target KR=NUMBER, --shared-kr JSON\n");
        return NULL;
    }
    if (raise_target)
        return s_raise_target_arg (raise_target);
    cb_value_t *kr = s_kr_arg (new_kr ? new_kr : shared_kr);
    if (!kr)
        return NULL;
    cb_value_t *reflect = cb_value_new_map ();
    cb_value_set_str (reflect, "type", new_kr ? "new_kr" : "shared_kr");
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
        if (!eq || cli_int_arg (eq + 1, &minutes))
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

//  --------------------------------------------------------------------------
//  Events as people read them

//  The broker's time when the event was read: time left is counted from
//  it (event show sets it), not from this machine's clock.
static int64_t s_now;

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
        //  Rounded up, as a countdown reads: 20:00 until a whole second passed
        int64_t left = (ends - s_now + 999) / 1000;
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
            fprintf (out, "%s%s", j ? ", " : "   waiting on ",
                     cb_value_str (cb_value_at (rounds, j)));
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
        fprintf (out, "%-5s %-9s %-10s %s\n", cb_value_get_str (e, "id"),
                 cb_value_get_str (e, "cycle"), cb_value_get_str (e, "phase"),
                 cb_value_get_str (e, "name"));
    }
}

//  --------------------------------------------------------------------------
//  event new, advance, extend, nudge, share, show, list, snapshot

static int
s_event_new (cli_t *cli, cli_args_t *a)
{
    const char *cycle = a->o [CLI_O_CYCLE], *participants = a->o [CLI_O_PARTICIPANTS];
    if (!cycle || !participants)
        return cli_fail_usage ("%s", "event new: --cycle and --participants are required");
    cb_value_t *plan = NULL;
    if (a->o [CLI_O_PLAN] && !(plan = s_plan_arg (a->o [CLI_O_PLAN])))
        return cli_fail_usage ("--plan takes share=MIN,negotiate=MIN,commit=MIN, not '%s'",
                               a->o [CLI_O_PLAN]);
    cb_value_t *body = cli_body ("name", a->argv [0]);
    cb_value_set_str (body, "cycle", cycle);
    cb_value_t *list = cli_split (participants);
    cb_value_set (body, "participants", &list);
    if (plan)
        cb_value_set (body, "plan", &plan);
    return cli_send (cli, "event.new", &body, NULL,
                     "event %s created: advance it to start sharing", "event");
}

static int
s_event_advance (cli_t *cli, cli_args_t *a)
{
    return cli_send_one (cli, "event.advance", "event", a->argv [0], NULL,
                         "%s is now in its %s phase", "event", "phase");
}

static int
s_event_show (cli_t *cli, cli_args_t *a)
{
    s_now = cli->json ? 0 : cli_now (cli);
    return cli_send_one (cli, "event.show", "event", a->argv [0], s_render_event, NULL);
}

//  event snapshot and event report: the reply as JSON, always.
static int
s_event_json (cli_t *cli, const char *type, const char *event)
{
    int status = 0;
    cb_value_t *body = cli_body ("event", event);
    cb_value_t *reply = cli_request (cli, type, &body, &status);
    if (reply)
        cli_json_print (stdout, reply, false);
    cb_value_destroy (&reply);
    return status;
}

static int
s_event_snapshot (cli_t *cli, cli_args_t *a)
{
    return s_event_json (cli, "event.snapshot", a->argv [0]);
}

static int
s_event_report (cli_t *cli, cli_args_t *a)
{
    return s_event_json (cli, "event.report", a->argv [0]);
}

static int
s_event_extend (cli_t *cli, cli_args_t *a)
{
    int64_t minutes;
    if (!a->o [CLI_O_MINUTES] || cli_int_arg (a->o [CLI_O_MINUTES], &minutes))
        return cli_fail_usage ("%s", "event extend: --minutes N is required");
    cb_value_t *body = cli_body ("event", a->argv [0]);
    cb_value_set_int (body, "minutes", minutes);
    return cli_send (cli, "event.extend", &body, NULL, "%s: %s phase extended",
                     "event", "phase");
}

static int
s_event_nudge (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cli_body ("event", a->argv [0]);
    cb_value_set_str (body, "node", a->argv [1]);
    if (a->o [CLI_O_TEXT])
        cb_value_set_str (body, "text", a->o [CLI_O_TEXT]);
    return cli_send (cli, "event.nudge", &body, NULL, "%s nudged", "node");
}

static int
s_event_share (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cli_body ("event", a->argv [0]);
    cb_value_set_str (body, "draft", a->argv [1]);
    return cli_send (cli, "event.share", &body, NULL, "%s shared into %s", "draft", "event");
}

static int
s_event_list (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cb_value_new_map ();
    if (a->o [CLI_O_CYCLE])
        cb_value_set_str (body, "cycle", a->o [CLI_O_CYCLE]);
    return cli_send (cli, "event.list", &body, s_render_events, NULL);
}

//  --------------------------------------------------------------------------
//  ask new, offer new; ask accept, counter, decline, refuse, take

//  The body of ask new and offer new: in an event (EVENT, "e1"), or
//  outside any event for a draft (DRAFT, "d2": for an ask, your own; for
//  an offer, theirs), with --helper-draft if the helper has several in
//  the cycle.
static cb_value_t *
s_ask_body (cli_args_t *a)
{
    const char *where = a->argv [0];
    cb_value_t *body = cli_body (where [0] == 'd' ? "draft" : "event", where);
    if (a->o [CLI_O_HELPER_DRAFT])
        cb_value_set_str (body, "helper_draft", a->o [CLI_O_HELPER_DRAFT]);
    return body;
}

static int
s_ask_new (cli_t *cli, cli_args_t *a)
{
    const char *to = a->o [CLI_O_TO], *kr = a->o [CLI_O_KR], *need = a->o [CLI_O_NEED];
    if (!to || !kr || !need)
        return cli_fail_usage ("%s", "ask new: --to, --kr and --need are required");
    cb_value_t *body = s_ask_body (a);
    cb_value_set_str (body, "to", to);
    cb_value_set_str (body, "kr", kr);
    cb_value_set_str (body, "need", need);
    if (a->o [CLI_O_BY])
        cb_value_set_str (body, "by", a->o [CLI_O_BY]);
    return cli_send (cli, "ask.new", &body, NULL, "ask %s sent", "ask");
}

static int
s_offer_new (cli_t *cli, cli_args_t *a)
{
    const char *to = a->o [CLI_O_TO], *kr = a->o [CLI_O_KR], *text = a->o [CLI_O_TEXT];
    if (!to || !kr || !text)
        return cli_fail_usage ("%s", "offer new: --to, --kr and --text are required");
    cb_value_t *reflect = s_reflect_arg (a);
    if (!reflect)
        return 2;
    cb_value_t *body = s_ask_body (a);
    cb_value_set_str (body, "to", to);
    cb_value_set_str (body, "kr", kr);
    cb_value_set_str (body, "text", text);
    cb_value_set (body, "reflect", &reflect);
    return cli_send (cli, "offer.new", &body, NULL, "offer %s made", "ask");
}

//  ask list: one line per ask or offer.
static void
s_render_asks (FILE *out, const cb_value_t *reply)
{
    cb_value_t *asks = cb_value_get_array (reply, "asks");
    if (!cb_value_size (asks))
        fprintf (out, "no asks\n");
    for (size_t i = 0; i < cb_value_size (asks); i++) {
        cb_value_t *k = cb_value_at (asks, i);
        bool offer = streq (cli_str (k, "kind"), "offer");
        char where [32];
        snprintf (where, sizeof (where), "%s/%s", cli_str (k, "draft"), cli_str (k, "kr"));
        fprintf (out, "%-5s %-5s %-10s %s -> %s  for %s  %s  %s\n", cli_str (k, "id"),
                 offer ? "offer" : "ask", cli_str (k, "state"), cli_str (k, "from"),
                 cli_str (k, "to"), where,
                 *cli_str (k, "event") ? cli_str (k, "event") : "(no event)",
                 cli_str (k, offer ? "text" : "need"));
    }
}

static int
s_ask_list (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cb_value_new_map ();
    const struct { cli_opt_t opt; const char *field; } filters [] = {
        { CLI_O_CYCLE, "cycle" }, { CLI_O_EVENT, "event" }, { CLI_O_OWNER, "node" },
        { CLI_O_STATE, "state" }
    };
    for (size_t i = 0; i < sizeof (filters) / sizeof (filters [0]); i++)
        if (a->o [filters [i].opt])
            cb_value_set_str (body, filters [i].field, a->o [filters [i].opt]);
    return cli_send (cli, "ask.list", &body, s_render_asks, NULL);
}

//  raise DRAFT --cannot-align TEXT [--kr KR]: "we cannot align", to the
//  owner of the draft DRAFT aligns to, at once.
static int
s_raise (cli_t *cli, cli_args_t *a)
{
    const char *text = a->o [CLI_O_CANNOT_ALIGN];
    if (!text)
        return cli_fail_usage ("%s", "raise: --cannot-align TEXT is required");
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set_str (body, "text", text);
    if (a->o [CLI_O_KR])
        cb_value_set_str (body, "kr", a->o [CLI_O_KR]);
    return cli_send (cli, "draft.raise", &body, NULL, "raised %s to %s (%s)", "id", "to", "draft");
}

//  ask accept and ask counter: the answer, with how the draft reflects it.
static int
s_ask_answer (cli_t *cli, cli_args_t *a, const char *type, const char *text)
{
    cb_value_t *reflect = s_reflect_arg (a);
    if (!reflect)
        return 2;
    cb_value_t *body = cli_body ("ask", a->argv [0]);
    cb_value_set (body, "reflect", &reflect);
    if (text)
        cb_value_set_str (body, "text", text);
    return cli_send (cli, type, &body, NULL, "%s is %s", "ask", "state");
}

static int
s_ask_accept (cli_t *cli, cli_args_t *a)
{
    return s_ask_answer (cli, a, "ask.accept", NULL);
}

static int
s_ask_counter (cli_t *cli, cli_args_t *a)
{
    if (!a->o [CLI_O_TEXT])
        return cli_fail_usage ("%s", "ask counter: --text is required");
    return s_ask_answer (cli, a, "ask.counter", a->o [CLI_O_TEXT]);
}

//  ask decline and ask refuse: a no, with its reason.
static int
s_ask_no (cli_t *cli, cli_args_t *a, const char *type)
{
    if (!a->o [CLI_O_REASON])
        return cli_fail_usage ("%s", "--reason is required");
    cb_value_t *body = cli_body ("ask", a->argv [0]);
    cb_value_set_str (body, "reason", a->o [CLI_O_REASON]);
    return cli_send (cli, type, &body, NULL, "%s is %s", "ask", "state");
}

static int
s_ask_decline (cli_t *cli, cli_args_t *a)
{
    return s_ask_no (cli, a, "ask.decline");
}

static int
s_ask_refuse (cli_t *cli, cli_args_t *a)
{
    return s_ask_no (cli, a, "ask.refuse");
}

static int
s_ask_take (cli_t *cli, cli_args_t *a)
{
    return cli_send_one (cli, "ask.take", "ask", a->argv [0], NULL, "%s is %s", "ask", "state");
}

//  --------------------------------------------------------------------------
//  report, graph, console

static int
s_report (cli_t *cli, cli_args_t *a)
{
    const char *format = a->o [CLI_O_FORMAT];
    if (format && !streq (format, "md") && !streq (format, "json"))
        return cli_fail_usage ("report: --format is md or json, not '%s'", format);
    bool json = cli->json || (format && streq (format, "json"));
    if ((a->argc == 1) == (a->o [CLI_O_CYCLE] != NULL))
        return cli_fail_usage ("%s", "report: give an EVENT, or --cycle C");
    if (a->o [CLI_O_CYCLE])
        return cli_cycle_report (cli, a->o [CLI_O_CYCLE], json);
    int status = 0;
    cb_value_t *body = cli_body ("event", a->argv [0]);
    cb_value_t *reply = cli_request (cli, "event.report", &body, &status);
    if (reply && json)
        cli_json_print (stdout, reply, false);
    else
    if (reply)
        cli_report_markdown (stdout, reply);
    cb_value_destroy (&reply);
    return status;
}

static int
s_graph (cli_t *cli, cli_args_t *a)
{
    const char *cycle = a->o [CLI_O_CYCLE];
    const char *format = a->o [CLI_O_FORMAT] ? a->o [CLI_O_FORMAT] : "dot";
    if (!cycle)
        return cli_fail_usage ("%s", "graph: --cycle is required");
    if (!streq (format, "dot") && !streq (format, "svg"))
        return cli_fail_usage ("graph: --format is dot or svg, not '%s'", format);
    int status = 0;
    cb_value_t *reply = cli_graph_gather (cli, cycle, a->o [CLI_O_EVENT], &status);
    //  A cycle with no drafts is most often a mistyped one: an empty
    //  graph would hide that.
    if (reply && cb_value_size (cb_value_get_array (reply, "drafts")) == 0) {
        fprintf (stderr, "catchball: cycle '%s' has no drafts (catchball draft list "
                         "shows each draft's cycle)\n", cycle);
        cb_value_destroy (&reply);
        return 1;
    }
    if (reply && cli->json)
        cli_json_print (stdout, reply, false);
    else
    if (reply && streq (format, "svg"))
        status = cli_graph_svg (stdout, reply) ? 1 : 0;
    else
    if (reply)
        cli_graph_dot (stdout, reply);
    cb_value_destroy (&reply);
    return status;
}

static int
s_console (cli_t *cli, cli_args_t *a)
{
    //  A first request connects and says hello.
    int status = 0;
    cb_value_t *reply = cli_request (cli, "ping", NULL, &status);
    if (!reply)
        return status;
    cb_value_destroy (&reply);
    return cli_console (cli->client, a->argv [0], a->o [CLI_O_DUMP]);
}

//  --------------------------------------------------------------------------
//  The table

#define S_REFLECT { CLI_O_NEW_KR, "" }, { CLI_O_RAISE_TARGET, "" }, { CLI_O_SHARED_KR, "" }
#define S_REFLECT_USAGE "(--new-kr JSON | --raise-target KR=N | --shared-kr JSON)"
#define S_REFLECT_ABOUT " Say how your draft reflects it with exactly one of --new-kr, " \
                        "--raise-target or --shared-kr: the broker writes that into your draft."

const cli_command_t cli_events_commands [] = {
    { "event", "new",
      "event new NAME --cycle C --participants NODE,... [--plan share=20,negotiate=40,commit=10]",
      "create an event (you facilitate it)",
      "Creates an alignment marketplace event for a cycle, facilitated by this node: the "
      "teams named share their drafts, ask each other for help and agree who does what, in "
      "three time-boxed phases. It starts when you advance it.",
      1, false, { { CLI_O_CYCLE, "the cycle whose drafts align (required)" },
                  { CLI_O_PARTICIPANTS, "the teams taking part, comma-separated (required)" },
                  { CLI_O_PLAN, "" } },
      s_event_new },
    { "event", "advance", "event advance EVENT", "to the next phase",
      "Moves EVENT to its next phase: share, negotiate, commit, closed.",
      1, false, { { 0 } }, s_event_advance },
    { "event", "extend", "event extend EVENT --minutes N", "buy the current phase time",
      "Gives EVENT's current phase N more minutes.",
      1, false, { { CLI_O_MINUTES, "how many minutes more (required)" } }, s_event_extend },
    { "event", "nudge", "event nudge EVENT NODE [--text T]", "remind a team",
      "Sends NODE a reminder in EVENT, to its inbox.",
      2, false, { { CLI_O_TEXT, "what to remind it of" } }, s_event_nudge },
    { "event", "share", "event share EVENT DRAFT", "put your draft into the event",
      "Puts your DRAFT into EVENT, where the other teams see it and ask against its key "
      "results.",
      2, false, { { 0 } }, s_event_share },
    { "event", "show", "event show EVENT", "phase, time left, teams, asks",
      "Shows EVENT: its phase and time left, each team's shared draft and the rounds it "
      "waits on, every ask and offer and its state, and what is unresolved.",
      1, false, { { 0 } }, s_event_show },
    { "event", "list", "event list [--cycle C]", "the events",
      "Lists the events, each with its cycle, phase and name.",
      0, false, { { CLI_O_CYCLE, "only the events of this cycle" } }, s_event_list },
    { "event", "snapshot", "event snapshot EVENT", "everything in the event, as JSON",
      "Prints every object of EVENT (the event, its drafts, asks and rounds) as JSON.",
      1, false, { { 0 } }, s_event_snapshot },
    { "event", "report", "event report EVENT", "the event's report, as JSON",
      "Prints EVENT's report as JSON: 'catchball report' writes it as Markdown.",
      1, false, { { 0 } }, s_event_report },
    { "ask", "new", "ask new EVENT|DRAFT --to NODE --kr KR --need TEXT [--by WHEN] "
      "[--helper-draft D]",
      "ask a team for help against a key result",
      "Asks team NODE for help against your key result KR: in EVENT (during its negotiate "
      "phase), or at any time for your draft DRAFT, outside any event. Outside an event "
      "the help goes into NODE's draft of the same cycle (--helper-draft if it has several).",
      1, false, { { CLI_O_TO, "the team you ask (required)" },
                  { CLI_O_KR, "your key result it helps (required)" },
                  { CLI_O_NEED, "what you need (required)" }, { CLI_O_BY, "" },
                  { CLI_O_HELPER_DRAFT, "" } },
      s_ask_new },
    { "offer", "new", "offer new EVENT|DRAFT --to NODE --kr KR --text T " S_REFLECT_USAGE,
      "offer help nobody asked for",
      "Offers team NODE help against its key result KR: in EVENT, or at any time for its "
      "draft DRAFT, outside any event (your draft of that cycle reflects it: "
      "--helper-draft if you have several)." S_REFLECT_ABOUT,
      1, false, { { CLI_O_TO, "the team you offer help to (required)" },
                  { CLI_O_KR, "its key result your help is for (required)" },
                  { CLI_O_TEXT, "what you offer (required)" }, S_REFLECT,
                  { CLI_O_HELPER_DRAFT, "" } },
      s_offer_new },
    { "raise", NULL, "raise DRAFT --cannot-align TEXT [--kr KR]",
      "tell the draft you align to that you cannot align",
      "Tells the owner of the draft your DRAFT aligns to that you cannot align with it, "
      "at once, without waiting for a round: feedback of kind cannot-align on their key "
      "result KR (by default the one DRAFT aligns to), kept in both drafts' histories and "
      "answered like any feedback, by a revision that addresses it.",
      1, false, { { CLI_O_CANNOT_ALIGN, "why you cannot align (required)" },
                  { CLI_O_KR, "their key result it is about (default: the one you align to)" } },
      s_raise },
    { "ask", "list", "ask list [--cycle C] [--event E] [--owner NODE] [--state S]",
      "asks and offers, in events or not",
      "Lists asks and offers in the order they were made, in events and outside them, "
      "filtered by cycle, event, the node on either side, and state.",
      0, false, { { CLI_O_CYCLE, "" }, { CLI_O_EVENT, "" },
                  { CLI_O_OWNER, "only the asks from or to this node" }, { CLI_O_STATE, "" } },
      s_ask_list },
    { "ask", "accept", "ask accept ASK " S_REFLECT_USAGE, "agree to help (helper)",
      "Accepts ASK: you will help." S_REFLECT_ABOUT,
      1, false, { S_REFLECT }, s_ask_accept },
    { "ask", "counter", "ask counter ASK --text T " S_REFLECT_USAGE, "offer less, or other",
      "Answers ASK with what you can do instead; the asker takes or refuses it."
      S_REFLECT_ABOUT,
      1, false, { { CLI_O_TEXT, "what you can do (required)" }, S_REFLECT }, s_ask_counter },
    { "ask", "decline", "ask decline ASK --reason R", "say no to an ask (helper)",
      "Declines ASK, saying why.",
      1, false, { { CLI_O_REASON, "why not (required)" } }, s_ask_decline },
    { "ask", "take", "ask take ASK", "take a counter (asker) or an offer (helped)",
      "Takes the counter made to your ASK, or an offer made to you: it is agreed.",
      1, false, { { 0 } }, s_ask_take },
    { "ask", "refuse", "ask refuse ASK --reason R",
      "refuse a counter (asker) or an offer (helped)",
      "Refuses the counter made to your ASK, or an offer made to you, saying why.",
      1, false, { { CLI_O_REASON, "why not (required)" } }, s_ask_refuse },
    { "console", NULL, "console EVENT [--dump FILE]", "the facilitator console (full screen)",
      "Opens the facilitator console on EVENT: a full-screen view of the teams, the asks "
      "and the latest changes, kept up to date, with keys to advance and extend.",
      1, false, { { CLI_O_DUMP, "" } }, s_console },
    { "report", NULL, "report EVENT | --cycle C [--format md|json]",
      "an event's report, or a cycle's whole loop",
      "Writes EVENT's report in Markdown (times in UTC): what was agreed, declined, "
      "countered and left unresolved, and how each draft changed. With --cycle C, the "
      "cycle's whole loop instead: each draft's final OKR, every check-in of each key "
      "result, the share of the way covered, the retrospective's scores and what was "
      "learned, and the asks fulfilled.",
      -1, false, { { CLI_O_FORMAT, "md (the default) or json" },
                   { CLI_O_CYCLE, "the cycle to report on" } }, s_report },
    { "graph", NULL, "graph --cycle C [--event E] [--format dot|svg]",
      "the alignment graph (Graphviz)",
      "Draws the alignment graph of a cycle's drafts (who aligns to whom, and the asks "
      "between them) as Graphviz dot, or as SVG through Graphviz's dot command. A cycle "
      "with no drafts (a mistyped one, most often) is an error: exit status 1.",
      0, false, { { CLI_O_CYCLE, "the cycle to draw (required)" },
                  { CLI_O_EVENT, "only the asks of this event" },
                  { CLI_O_FORMAT, "dot (the default) or svg" } },
      s_graph },
    { NULL }
};
