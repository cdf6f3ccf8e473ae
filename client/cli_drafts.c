/*  =========================================================================
    cli_drafts - the commands of drafts and rounds: hello and ping, draft
    new, revise, show and list, throw, the answers to a round (feedback,
    counter, endorse), round show and close, adopt, vote open, vote,
    finalize,
    history and diff; the inbox; keygen

    Each command is a function that builds the request's body from its
    arguments, sends it and prints the reply; the table at the end says
    how each is called and what it takes (cli_cmd.h).
    =========================================================================
*/
#include <unistd.h>

#include "cli_cmd.h"

//  --------------------------------------------------------------------------
//  Arguments

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

//  A body with field set to the draft's content from a JSON file; NULL
//  (the error said) if the file does not read.
static cb_value_t *
s_body_with_content (const char *field, const char *value, const char *path)
{
    cb_value_t *content = cli_json_load (path);
    if (!content)
        return NULL;
    cb_value_t *body = cb_value_new_map ();
    if (field)
        cb_value_set_str (body, field, value);
    cb_value_set (body, "content", &content);
    return body;
}

//  Sets field to value if the option was given.
static void
s_set_opt (cb_value_t *body, const char *field, const char *value)
{
    if (value)
        cb_value_set_str (body, field, value);
}

//  unlink: {reason} if --unlink REASON was given.
static void
s_set_unlink (cb_value_t *body, const char *reason)
{
    if (reason) {
        cb_value_t *unlink = cb_value_new_map ();
        cb_value_set_str (unlink, "reason", reason);
        cb_value_set (body, "unlink", &unlink);
    }
}

//  --------------------------------------------------------------------------
//  hello, ping

static int
s_ping (cli_t *cli, cli_args_t *a)
{
    int status = 0;
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *reply = cli_request (cli, "ping", &body, &status);
    //  --json: the reply, {time}: the broker's time, which tests that
    //  drive it (catchballd --clock) wait for
    if (reply && cli->json)
        cli_print (cli, &reply, NULL, NULL);
    else
    if (reply) {
        cb_value_destroy (&reply);
        printf ("%s: connected to %s; inbox: %llu delivered, %llu acknowledged\n",
                cb_client_node (cli->client), cli->endpoint,
                (unsigned long long) cb_client_inbox_last (cli->client),
                (unsigned long long) cb_client_inbox_acked (cli->client));
    }
    return status;
}

//  --------------------------------------------------------------------------
//  draft new, revise, show, list

static int
s_draft_new (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = s_body_with_content (NULL, NULL, a->argv [0]);
    if (!body)
        return 2;
    s_set_opt (body, "message", a->o [CLI_O_MESSAGE]);
    return cli_send (cli, "draft.new", &body, NULL, "draft %s created (revision %s)",
                     "draft", "rev");
}

static int
s_draft_revise (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = s_body_with_content ("draft", a->argv [0], a->argv [1]);
    if (!body)
        return 2;
    s_set_opt (body, "message", a->o [CLI_O_MESSAGE]);
    s_set_unlink (body, a->o [CLI_O_UNLINK]);
    if (a->o [CLI_O_ADDRESSES]) {
        cb_value_t *list = cli_split (a->o [CLI_O_ADDRESSES]);
        cb_value_set (body, "addresses", &list);
    }
    return cli_send (cli, "draft.revise", &body, NULL, "draft %s is now at revision %s",
                     "draft", "rev");
}

static int
s_draft_show (cli_t *cli, cli_args_t *a)
{
    int64_t rev;
    const char *text = a->o [CLI_O_REV];
    if (text && cli_int_arg (text, &rev))
        return cli_fail_usage ("--rev takes a number, not '%s'", text);
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    if (text)
        cb_value_set_int (body, "rev", rev);
    if (!a->o [CLI_O_CONTENT])
        return cli_send (cli, "draft.show", &body, cli_render_draft, NULL);
    //  --content: exactly the Content that draft revise takes back, ids,
    //  cycle and shared_with included (the broker accepts each as it is).
    int status = 0;
    cb_value_t *reply = cli_request (cli, "draft.show", &body, &status);
    if (reply) {
        cli_json_print (stdout, cb_value_get (cb_value_get_map (reply, "revision"), "content"),
                        false);
        cb_value_destroy (&reply);
    }
    return status;
}

static int
s_draft_list (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cb_value_new_map ();
    s_set_opt (body, "owner", a->o [CLI_O_OWNER]);
    s_set_opt (body, "cycle", a->o [CLI_O_CYCLE]);
    return cli_send (cli, "draft.list", &body, cli_render_list, NULL);
}

//  --------------------------------------------------------------------------
//  throw, and the answers to a round: feedback, counter, endorse

static int
s_throw (cli_t *cli, cli_args_t *a)
{
    const char *to = a->o [CLI_O_TO], *deadline = a->o [CLI_O_DEADLINE];
    if (!to)
        return cli_fail_usage ("%s: --to NODE,... is required", "throw");
    int64_t seconds = deadline ? s_duration (deadline) : 0;
    if (seconds < 0)
        return cli_fail_usage ("--deadline takes a duration like 90s, 30m, 2h or 3d, not '%s'",
                               deadline);
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_t *list = cli_split (to);
    cb_value_set (body, "to", &list);
    s_set_opt (body, "question", a->o [CLI_O_QUESTION]);
    if (deadline)
        cb_value_set_int (body, "deadline", seconds);
    int status = 0;
    cb_value_t *reply = cli_request (cli, "round.throw", &body, &status);
    if (reply && cli->json)
        cli_print (cli, &reply, NULL, NULL);
    else
    if (reply) {
        printf ("round %s opened: %s revision %lld thrown to %s%s%s\n",
                cb_value_get_str (reply, "round"), cb_value_get_str (reply, "draft"),
                (long long) cb_value_int (cb_value_get (reply, "rev")), to,
                deadline ? ", answers due in " : "", deadline ? deadline : "");
        cb_value_destroy (&reply);
    }
    return status;
}

static int
s_feedback (cli_t *cli, cli_args_t *a)
{
    if (!a->o [CLI_O_KIND])
        return cli_fail_usage ("%s", "feedback: --kind suggestion|concern|support|cannot-align "
                                     "is required");
    cb_value_t *body = cli_body ("round", a->argv [0]);
    cb_value_set_str (body, "text", a->argv [1]);
    cb_value_set_str (body, "kind", a->o [CLI_O_KIND]);
    s_set_opt (body, "on", a->o [CLI_O_ON]);
    cb_value_set_bool (body, "final", !a->o [CLI_O_MORE]);
    return cli_send (cli, "round.feedback", &body, NULL, "feedback %s sent in round %s",
                     "id", "round");
}

static int
s_counter (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = s_body_with_content ("round", a->argv [0], a->argv [1]);
    if (!body)
        return 2;
    s_set_opt (body, "message", a->o [CLI_O_MESSAGE]);
    cb_value_set_bool (body, "final", !a->o [CLI_O_MORE]);
    return cli_send (cli, "round.counter", &body, NULL,
                     "counter-proposal %s sent in round %s (revision %s of %s)",
                     "id", "round", "rev", "draft");
}

//  The body of a confidence (endorse, vote): {field: id, confidence: N};
//  NULL if --confidence is missing or not a number.
static cb_value_t *
s_confidence_body (const char *field, const char *id, const char *confidence)
{
    int64_t n;
    if (!confidence || cli_int_arg (confidence, &n))
        return NULL;
    cb_value_t *body = cli_body (field, id);
    cb_value_set_int (body, "confidence", n);
    return body;
}

static int
s_endorse (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = s_confidence_body ("round", a->argv [0], a->o [CLI_O_CONFIDENCE]);
    if (!body)
        return cli_fail_usage ("%s: --confidence 0-5 is required", "endorse");
    s_set_opt (body, "text", a->o [CLI_O_TEXT]);
    cb_value_set_bool (body, "final", !a->o [CLI_O_MORE]);
    return cli_send (cli, "round.endorse", &body, NULL, "endorsement %s sent in round %s",
                     "id", "round");
}

//  --------------------------------------------------------------------------
//  round show, close; adopt, vote, finalize, history, diff

static int
s_round_show (cli_t *cli, cli_args_t *a)
{
    return cli_send_one (cli, "round.show", "round", a->argv [0], cli_render_round, NULL);
}

static int
s_round_close (cli_t *cli, cli_args_t *a)
{
    return cli_send_one (cli, "round.close", "round", a->argv [0], NULL,
                         "round %s closed", "round");
}

static int
s_adopt (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = cli_body ("proposal", a->argv [0]);
    s_set_opt (body, "message", a->o [CLI_O_MESSAGE]);
    s_set_unlink (body, a->o [CLI_O_UNLINK]);
    return cli_send (cli, "proposal.adopt", &body, NULL,
                     "adopted: draft %s is now at revision %s", "draft", "rev");
}

//  vote open DRAFT --voters A,B [--deadline D] [--threshold N]
static int
s_vote_open (cli_t *cli, cli_args_t *a)
{
    const char *voters = a->o [CLI_O_VOTERS], *deadline = a->o [CLI_O_DEADLINE];
    const char *threshold = a->o [CLI_O_THRESHOLD];
    if (!voters)
        return cli_fail_usage ("%s: --voters NODE,... is required", "vote open");
    int64_t seconds = deadline ? s_duration (deadline) : 0, n = 0;
    if (seconds < 0)
        return cli_fail_usage ("--deadline takes a duration like 90s, 30m, 2h or 3d, not '%s'",
                               deadline);
    if (threshold && cli_int_arg (threshold, &n))
        return cli_fail_usage ("--threshold takes a number from 0 to 5, not '%s'", threshold);
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_t *list = cli_split (voters);
    cb_value_set (body, "voters", &list);
    if (deadline)
        cb_value_set_int (body, "deadline", seconds);
    if (threshold)
        cb_value_set_int (body, "threshold", n);
    int status = 0;
    cb_value_t *reply = cli_request (cli, "vote.open", &body, &status);
    if (reply && cli->json)
        cli_print (cli, &reply, NULL, NULL);
    else
    if (reply) {
        printf ("vote %s opened on %s revision %lld: %s vote%s%s; sealed until all have "
                "voted; it needs a median of %lld and no 0 or 1\n",
                cb_value_get_str (reply, "vote"), cb_value_get_str (reply, "draft"),
                (long long) cb_value_int (cb_value_get (reply, "rev")), voters,
                deadline ? " within " : "", deadline ? deadline : "",
                (long long) cb_value_int (cb_value_get (reply, "threshold")));
        cb_value_destroy (&reply);
    }
    return status;
}

//  vote show VOTE|DRAFT: a vote by its id (v1), or a draft's latest vote
static int
s_vote_show (cli_t *cli, cli_args_t *a)
{
    const char *id = a->argv [0];
    char vote [32] = "";
    if (*id == 'd') {
        int status = 0;
        cb_value_t *body = cli_body ("draft", id);
        cb_value_t *reply = cli_request (cli, "draft.show", &body, &status);
        if (!reply)
            return status;
        snprintf (vote, sizeof (vote), "%s", cli_str (cb_value_get_map (reply, "draft"), "vote"));
        cb_value_destroy (&reply);
        if (!*vote) {
            fprintf (stderr, "catchball: %s has had no vote (vote open %s --voters ...)\n", id, id);
            return 1;
        }
        id = vote;
    }
    return cli_send_one (cli, "vote.show", "vote", id, cli_render_vote, NULL);
}

//  vote DRAFT --confidence N: a voter's sealed vote
static int
s_vote (cli_t *cli, cli_args_t *a)
{
    cb_value_t *body = s_confidence_body ("draft", a->argv [0], a->o [CLI_O_CONFIDENCE]);
    if (!body)
        return cli_fail_usage ("%s: --confidence 0-5 is required", "vote");
    s_set_opt (body, "comment", a->o [CLI_O_COMMENT]);
    return cli_send (cli, "draft.vote", &body, NULL,
                     "vote counted in %s on %s: sealed until every voter has voted "
                     "or the deadline", "vote", "draft");
}

static int
s_finalize (cli_t *cli, cli_args_t *a)
{
    const char *reason = a->o [CLI_O_REASON];
    if (a->o [CLI_O_OVERRIDE] && (!reason || !*reason))
        return cli_fail_usage ("%s: --override needs --reason TEXT", "finalize");
    if (reason && !a->o [CLI_O_OVERRIDE])
        return cli_fail_usage ("%s: --reason goes with --override", "finalize");
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    if (reason) {
        cb_value_t *override = cli_body ("reason", reason);
        cb_value_set (body, "override", &override);
    }
    return cli_send (cli, "draft.finalize", &body, NULL, "%s is final at revision %s",
                     "draft", "rev");
}

//  retro DRAFT --score kr1=0.7,kr2=0.4 --learned TEXT: the final OKR's
//  retrospective (PROTOCOL.md, draft.retro).
static int
s_retro (cli_t *cli, cli_args_t *a)
{
    const char *spec = a->o [CLI_O_SCORE] ? a->o [CLI_O_SCORE] : "";
    const char *learned = a->o [CLI_O_LEARNED];
    if (!learned)
        return cli_fail_usage ("%s: --learned TEXT is required", "retro");
    cb_value_t *scores = cb_value_new_map ();
    char *copy = strdup (spec), *save = NULL;
    int status = 0;
    for (char *item = strtok_r (copy, ",", &save); item && !status;
         item = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (item, '='), *end = NULL;
        double score = eq ? strtod (eq + 1, &end) : 0;
        if (!eq || eq == item || end == eq + 1 || *end)
            status = cli_fail_usage ("--score takes KR=NUMBER pairs like kr1=0.7,kr2=0.4, "
                                     "not '%s'", item);
        else {
            *eq = 0;
            cb_value_t *number = cb_value_new_float (score);
            cb_value_set (scores, item, &number);
        }
    }
    free (copy);
    if (status) {
        cb_value_destroy (&scores);
        return status;
    }
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set (body, "scores", &scores);
    cb_value_set_str (body, "learned", learned);
    return cli_send (cli, "draft.retro", &body, NULL, "%s: retrospective kept (revision %s)",
                     "draft", "rev");
}

//  carry DRAFT --to-cycle C: the next cycle's draft, from this one.
static int
s_carry (cli_t *cli, cli_args_t *a)
{
    if (!a->o [CLI_O_TO_CYCLE])
        return cli_fail_usage ("%s: --to-cycle C is required", "carry");
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set_str (body, "cycle", a->o [CLI_O_TO_CYCLE]);
    return cli_send (cli, "draft.carry", &body, NULL, "draft %s created (revision %s), "
                     "carried over", "draft", "rev");
}

static int
s_history (cli_t *cli, cli_args_t *a)
{
    const char *format = a->o [CLI_O_FORMAT];
    if (format && !streq (format, "text") && !streq (format, "md"))
        return cli_fail_usage ("--format is text or md, not '%s'", format);
    return cli_send_one (cli, "draft.history", "draft", a->argv [0],
                         format && streq (format, "md") ? cli_history_markdown
                                                        : cli_render_history, NULL);
}

static int
s_diff (cli_t *cli, cli_args_t *a)
{
    int64_t from, to;
    if (cli_int_arg (a->argv [1], &from) || cli_int_arg (a->argv [2], &to))
        return cli_fail_usage ("%s: revisions are numbers", "diff");
    cb_value_t *body = cli_body ("draft", a->argv [0]);
    cb_value_set_int (body, "from", from);
    cb_value_set_int (body, "to", to);
    return cli_send (cli, "draft.diff", &body, cli_render_diff, NULL);
}

//  --------------------------------------------------------------------------
//  inbox: deliveries until the last one announced at hello (or forever
//  with --follow), each acknowledged once printed unless --peek.

//  Prints one delivery; its sequence number.
static uint64_t
s_inbox_print (cli_t *cli, cb_value_t **delivery_p)
{
    int64_t seq = 0;
    cb_value_get_int (*delivery_p, "seq", &seq);
    if (cli->json)
        cli_json_print (stdout, *delivery_p, true);
    else {
        cli_render_delivery (stdout, *delivery_p);
        printf ("\n");
    }
    fflush (stdout);
    cb_value_destroy (delivery_p);
    return (uint64_t) seq;
}

static int
s_inbox (cli_t *cli, cli_args_t *a)
{
    bool follow = a->o [CLI_O_FOLLOW], peek = a->o [CLI_O_PEEK];
    int status = 0;
    cb_value_t *hello = cli_request (cli, "ping", NULL, &status);
    if (!hello)
        return status;
    cb_value_destroy (&hello);
    uint64_t last = cb_client_inbox_last (cli->client);
    uint64_t seen = cb_client_inbox_acked (cli->client);
    if (!follow && seen >= last && !cli->json)
        printf ("inbox empty\n");
    while (!zsys_interrupted && (follow || seen < last)) {
        cb_value_t *d = cb_client_recv (cli->client, follow ? 1000 : cli->timeout);
        if (!d && follow)
            continue;
        if (!d) {
            fprintf (stderr, "catchball: the inbox stopped at #%llu of %llu\n",
                     (unsigned long long) seen, (unsigned long long) last);
            return 3;
        }
        seen = s_inbox_print (cli, &d);
        if (!peek && cb_client_ack (cli->client, seen, cli->timeout)) {
            fprintf (stderr, "catchball: could not acknowledge #%llu: %s\n",
                     (unsigned long long) seen, cb_client_error_message (cli->client));
            return 1;
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  keygen NAME --role ROLE [--dir DIR]: a node's CURVE certificate pair.
//  The secret file is created with mode 0600 from the start (umask), each
//  file appears whole (written aside, then linked), and nothing existing is
//  overwritten.

//  0 if name and role may go into a certificate, else the usage error.
static int
s_keygen_check (const char *name, const char *role)
{
    static const char *roles [] = { "leadership", "team", "facilitator", "observer", "broker",
                                    NULL };
    if (!role)
        return cli_fail_usage ("%s", "keygen: --role leadership|team|facilitator|observer|"
                                     "broker is required");
    bool known = false;
    for (int i = 0; roles [i]; i++)
        known = known || streq (role, roles [i]);
    if (!known)
        return cli_fail_usage ("unknown role '%s'", role);
    size_t len = strlen (name);
    bool valid = len > 0 && len <= 64 && isalnum ((unsigned char) name [0]);
    for (size_t i = 0; i < len; i++)
        valid = valid && (isalnum ((unsigned char) name [i]) || strchr ("._-", name [i]));
    if (!valid)
        return cli_fail_usage ("'%s' is not a node name: 1 to 64 letters, digits, '.', '_', '-'",
                               name);
    return 0;
}

//  Writes one file of the pair under a temporary name in the same
//  directory, then links it to its own name: a broker reading the
//  directory at that moment sees the whole certificate or none
//  (PROTOCOL.md 1.1), and link() never replaces an existing file.
static int
s_keygen_file (zcert_t *cert, const char *path, bool secret)
{
    char temp [PATH_MAX + 32];
    snprintf (temp, sizeof (temp), "%s.%d.tmp", path, (int) getpid ());
    int rc = secret ? zcert_save_secret (cert, temp) : zcert_save_public (cert, temp);
    if (rc == 0 && secret)
        rc = chmod (temp, 0600);
    if (rc == 0)
        rc = link (temp, path);
    int error = errno;
    unlink (temp);
    errno = error;
    if (rc)
        fprintf (stderr, "catchball: cannot write %s: %s\n", path, strerror (errno));
    return rc ? -1 : 0;
}

//  Writes the pair, the secret first; 0, or -1 with the reason on stderr.
static int
s_keygen_save (zcert_t *cert, const char *path, const char *secret)
{
    mode_t old = umask (077);
    int rc = s_keygen_file (cert, secret, true);
    umask (022);
    rc = rc ? rc : s_keygen_file (cert, path, false);
    umask (old);
    return rc;
}

static int
s_keygen (cli_t *cli, cli_args_t *a)
{
    const char *name = a->argv [0];
    const char *role = cli->role_given ? cli->role : NULL;
    int rc = s_keygen_check (name, role);
    if (rc)
        return rc;
    const char *dir = a->o [CLI_O_DIR] ? a->o [CLI_O_DIR] : ".";
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
    rc = s_keygen_save (cert, path, secret);
    if (rc == 0)
        printf ("%s: public certificate (for the broker's --certs directory)\n"
                "%s: secret certificate, mode 0600: keep it on %s's machine only\n"
                "public key: %s\n", path, secret, name, zcert_public_txt (cert));
    zcert_destroy (&cert);
    return rc ? 1 : 0;
}

//  --------------------------------------------------------------------------
//  The table

#define S_MESSAGE(help) { CLI_O_MESSAGE, help }
#define S_MORE { CLI_O_MORE, "" }

const cli_command_t cli_drafts_commands [] = {
    { "hello", NULL, "hello", "register this node / show its inbox state",
      "Says hello to the broker (registering the node the first time, with --role) and "
      "shows how many deliveries its inbox holds and how many it has acknowledged.",
      0, false, { { 0 } }, s_ping },
    { "ping", NULL, "ping", "is the broker there?",
      "Asks the broker whether it is there, as hello does, and shows the inbox's state.",
      0, false, { { 0 } }, s_ping },
    { "draft", "new", "draft new FILE [--message M]",
      "create a draft from a JSON file (- for stdin)",
      "Creates a draft owned by this node from FILE, a JSON draft (objective, narrative, "
      "key results) or - for stdin, as its revision 1.",
      1, false, { S_MESSAGE ("the message of revision 1") }, s_draft_new },
    { "draft", "revise",
      "draft revise DRAFT FILE [--message M] [--addresses F1,F2] [--unlink REASON]",
      "a new revision, naming the feedback it addresses",
      "Writes FILE as DRAFT's next revision on the mainline, naming the feedback it "
      "addresses, so that the history shows which answer led to which change. A revision "
      "that removes or rewords a key result another draft aligns to, or changes one it "
      "shares, is refused (LINKED) unless --unlink says why; their owners are then told.",
      2, false, { S_MESSAGE ("the revision's message"),
                  { CLI_O_ADDRESSES, "the feedback ids this revision answers" },
                  { CLI_O_UNLINK, "" } },
      s_draft_revise },
    { "draft", "show", "draft show DRAFT [--rev N] [--content]",
      "a draft at its head or at revision N",
      "Shows DRAFT at its head, or at revision N: its objective, narrative and key "
      "results, its state and who wrote the revision when. With --content, only the "
      "revision's content as JSON, the file draft revise takes: "
      "draft show d1 --content > d1.json, edit, draft revise d1 d1.json.",
      1, false, { { CLI_O_REV, "the revision to show (default: the head)" },
                  { CLI_O_CONTENT, "" } }, s_draft_show },
    { "draft", "list", "draft list [--owner NODE] [--cycle C]", "drafts, filtered",
      "Lists drafts, each with its cycle, owner, state, head revision and objective.",
      0, false, { { CLI_O_OWNER, "" }, { CLI_O_CYCLE, "only the drafts of this cycle" } },
      s_draft_list },
    { "throw", NULL, "throw DRAFT --to NODE,... [--question Q] [--deadline DURATION]",
      "open a round: DURATION like 90s, 30m, 2h, 3d",
      "Opens a round on DRAFT's head revision: the draft is thrown to the nodes named, "
      "who answer it with feedback, a counter-proposal or an endorsement.",
      1, false, { { CLI_O_TO, "the nodes the draft is thrown to, comma-separated (required)" },
                  { CLI_O_QUESTION, "" }, { CLI_O_DEADLINE, "" } },
      s_throw },
    { "feedback", NULL, "feedback ROUND --kind KIND [--on WHAT] [--more] TEXT",
      "KIND: suggestion, concern, support, cannot-align",
      "Answers ROUND with feedback: TEXT, of a KIND, on a part of the draft.",
      2, false, { { CLI_O_KIND, "suggestion, concern, support or cannot-align (required)" },
                  { CLI_O_ON, "" }, S_MORE },
      s_feedback },
    { "counter", NULL, "counter ROUND FILE [--message M] [--more]",
      "answer with your own version of the draft",
      "Answers ROUND with a counter-proposal: FILE, your own version of the draft, kept "
      "as a revision off the mainline that the owner may adopt.",
      2, false, { S_MESSAGE ("the counter-proposal's message"), S_MORE }, s_counter },
    { "endorse", NULL, "endorse ROUND --confidence 0-5 [--text T] [--more]",
      "support the draft as it stands",
      "Answers ROUND with an endorsement of the draft as it stands, with your confidence.",
      1, false, { { CLI_O_CONFIDENCE, "your confidence, fist of five (required)" },
                  { CLI_O_TEXT, "a word with it" }, S_MORE },
      s_endorse },
    { "round", "show", "round show ROUND", "a round and every answer to it",
      "Shows ROUND: the revision thrown, to whom, its deadline, and every answer.",
      1, false, { { 0 } }, s_round_show },
    { "round", "close", "round close ROUND", "close a round before everyone answered",
      "Closes ROUND: no more answers are taken. A round also closes by itself once every "
      "recipient has answered, or at its deadline.",
      1, false, { { 0 } }, s_round_close },
    { "adopt", NULL, "adopt PROPOSAL [--message M] [--unlink REASON]",
      "make a counter-proposal (p1) the new revision",
      "Makes the counter-proposal PROPOSAL (p1) the draft's next mainline revision. Like a "
      "revision, it is refused (LINKED) if it breaks another draft's link, unless "
      "--unlink says why.",
      1, false, { S_MESSAGE ("the new revision's message"), { CLI_O_UNLINK, "" } }, s_adopt },
    { "vote", "open",
      "vote open DRAFT --voters NODE,... [--deadline DURATION] [--threshold 0-5]",
      "open a sealed confidence vote on your draft",
      "Opens a sealed confidence vote (fist of five) on DRAFT's head revision among the "
      "voters named (not you). Each vote stays sealed until every voter has voted, or the "
      "deadline passes; then every vote is shown at once, with the minimum, the median "
      "and the spread. The draft may then be finalised if the median reaches the "
      "threshold and nobody voted 0 or 1.",
      1, false, { { CLI_O_VOTERS, "the voters, comma-separated (required)" },
                  { CLI_O_DEADLINE, "when the vote is revealed even if some have not voted" },
                  { CLI_O_THRESHOLD, "" } },
      s_vote_open },
    { "vote", "show", "vote show VOTE|DRAFT",
      "a vote: who has voted, or once revealed every vote",
      "Shows the sealed vote VOTE (v1), or DRAFT's latest vote: while it is open, who has "
      "voted (never how) and who it waits for; once revealed, every vote with the "
      "minimum, the median and the spread, and whether it passed.",
      1, false, { { 0 } }, s_vote_show },
    { "vote", NULL, "vote DRAFT --confidence 0-5 [--comment C]",
      "your sealed vote, as a voter (fist of five)",
      "Casts your confidence in DRAFT, from 0 to 5 (fist of five), in the vote its owner "
      "opened with you as a voter (vote open). Nobody sees it before the reveal; a vote is "
      "cast once.",
      1, false, { { CLI_O_CONFIDENCE, "your confidence, fist of five (required)" },
                  { CLI_O_COMMENT, "" } },
      s_vote },
    { "finalize", NULL, "finalize DRAFT [--override --reason TEXT]", "the OKR is agreed",
      "Marks DRAFT final at its head revision: the OKR is agreed. It needs a revealed "
      "vote on that revision that passed, unless you --override it with a --reason, "
      "which the history keeps.",
      1, false, { { CLI_O_OVERRIDE, "" }, { CLI_O_REASON, "why you finalise without a vote that passed" } },
      s_finalize },
    //  The British spelling, kept out of the lists.
    { "finalise", NULL, "finalise DRAFT [--override --reason TEXT]", NULL,
      "Marks DRAFT final at its head revision: the OKR is agreed. It needs a revealed "
      "vote on that revision that passed, unless you --override it with a --reason, "
      "which the history keeps.",
      1, false, { { CLI_O_OVERRIDE, "" }, { CLI_O_REASON, "why you finalise without a vote that passed" } },
      s_finalize },
    { "retro", NULL, "retro DRAFT [--score KR=0..1,...] --learned TEXT",
      "score a final OKR at the end of its cycle",
      "Scores each key result of DRAFT's final revision, from 0 to 1 (the share of it "
      "achieved), and says what was learned: the retrospective, once per draft. A key "
      "result left out of --score takes the share of the way its last check-in covered.",
      1, false, { { CLI_O_SCORE, "scores, like kr1=0.7,kr2=1 (default: from the last "
                                 "check-in)" },
                  { CLI_O_LEARNED, "what the team learned (required)" } },
      s_retro },
    { "carry", NULL, "carry DRAFT --to-cycle C",
      "start the next cycle's draft from this one",
      "Creates a draft of cycle C from DRAFT's head: its objective, narrative and key "
      "results (with new ids; no alignment or shared key result, which the next cycle's "
      "drafts decide anew), naming DRAFT as its origin in both histories.",
      1, false, { { CLI_O_TO_CYCLE, "the next cycle (required)" } }, s_carry },
    { "history", NULL, "history DRAFT [--format text|md]",
      "how the draft evolved, round by round",
      "Shows each revision of DRAFT with its author, time, message, the round it answers, "
      "the feedback it addresses and what changed; every round with every answer; the votes. "
      "--format md writes it as a Markdown transcript, with local times, for a wiki.",
      1, false, { { CLI_O_FORMAT, "text (the default) or md" } }, s_history },
    { "diff", NULL, "diff DRAFT REV REV", "what changed between two revisions",
      "Shows what changed in DRAFT from one revision to another, field by field and key "
      "result by key result.",
      3, false, { { 0 } }, s_diff },
    { "inbox", NULL, "inbox [--follow] [--peek]",
      "what was delivered to you (acknowledged unless --peek)",
      "Shows what the broker delivered to this node since it last looked (rounds thrown "
      "to it, answers, closes, events), in order, and acknowledges each once shown.",
      0, false, { { CLI_O_FOLLOW, "keep waiting for deliveries as they come (Ctrl-C ends)" },
                  { CLI_O_PEEK, "show them without acknowledging: they stay in the inbox" } },
      s_inbox },
    { "todo", NULL, "todo", "what you owe now: answers, votes, each with its deadline",
      "Lists what waits on this node now, each with its deadline and the command that does "
      "it: rounds thrown to it and not answered, asks to accept, counter or decline, "
      "counters and offers to take or refuse, confidence votes to cast on drafts whose "
      "rounds are done (its own, or as leadership one thrown to it) and drafts to finalise.",
      0, false, { { 0 } }, cli_todo },
    { "lint", NULL, "lint FILE|DRAFT [--rev N] [--fail-on LEVEL]",
      "the coach: outcomes, not tasks, in a draft file or a stored draft",
      "Runs the coach on a draft file (as draft new takes it; offline) or on DRAFT's "
      "head or revision N (read from the broker): one finding per line, each with its "
      "code, level, the key result it is about, why it matters and an outcome phrasing "
      "to start from. Exits 4 when a finding is at or above --fail-on. The word lists "
      "come from $CATCHBALL_COACH_WORDS, else coach.words next to the program, else the "
      "install prefix.",
      1, true, { { CLI_O_REV, "the revision of DRAFT to read (default: the head)" },
                 { CLI_O_FAIL_ON, "info, warning, error (the default) or never" } },
      cli_lint },
    { "keygen", NULL, "keygen NAME --role ROLE [--dir DIR]",
      "write NAME.cert and NAME.cert_secret (CURVE)",
      "Writes a CURVE certificate pair for node NAME with role ROLE (leadership, team, "
      "facilitator, observer or broker): NAME.cert is public, for the broker's --certs "
      "directory; NAME.cert_secret (mode 0600) stays with the node. Nothing existing is "
      "overwritten, and the broker is not asked.",
      1, true, { { CLI_O_DIR, "" } }, s_keygen },
    { NULL }
};
