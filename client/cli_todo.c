/*  =========================================================================
    cli_todo - catchball todo: what this node owes right now

    Built only from reads the protocol already offers, so that it needs no
    new request and tells the truth of the store at the moment it runs:
    draft.list (every page, read once) and round.show for the rounds
    thrown to this node and not answered yet, and for the confidence
    votes; event.list and event.show for the asks, counters and offers
    waiting on it in events, ask.list for those made outside events; draft.history of its
    drafts that were raised to (draft.raise) for the raises no revision
    addresses yet;
    draft.show of its own drafts' heads and of the drafts they link to, for
    the links another draft broke (PROTOCOL.md section 7.1); checkin.list
    of the drafts they align to, for a key result whose last check-in
    dropped its confidence (PROTOCOL.md section 6.2); cycle.show and
    checkin.list of its final drafts in a running cycle, for the key
    results whose last check-in is older than the cycle's cadence. Each
    item has its deadline and the command that does it, the same words the
    inbox prints (cli_render.c).

    "Votes to cast" are the sealed confidence votes of PROTOCOL.md
    (vote.open, draft.vote) this node is a voter of and has not cast, with
    their deadline (vote.show of each draft's vote). The owner of a draft
    whose rounds are done owes a vote to open; once the vote on the head
    revision is revealed, the finalise (or, if it did not pass, a new vote
    or the override with a reason).
    =========================================================================
*/
#include "cli_cmd.h"

//  The drop rule todo and `progress` share (cli_checkin.c's command uses
//  it from here: this file is in cbcli, which both link; which check-in is
//  about a key result is cli_progress.c's).

bool
cli_checkin_dropped (int64_t before, int64_t confidence)
{
    return (before >= 0 && before - confidence >= 2)
        || (confidence < 2 && (before < 0 || before >= 2));
}

//  An item {what, id, ..., deadline, commands: [...]}, pushed on items;
//  returns it for the caller to add its fields.
static cb_value_t *
s_item (cb_value_t *items, const char *what, const char *id, int64_t deadline)
{
    cb_value_t *item = cb_value_new_map ();
    cb_value_set_str (item, "what", what);
    cb_value_set_str (item, "id", id);
    if (deadline)
        cb_value_set_int (item, "deadline", deadline);
    else
        cb_value_set_nil (item, "deadline");
    cb_value_t *commands = cb_value_new_array ();
    cb_value_set (item, "commands", &commands);
    cb_value_t *ref = item;
    cb_value_push (items, &item);
    return ref;
}

//  Appends "catchball " and the formatted command to the item's commands.
static void
s_command (cb_value_t *item, const char *format, const char *id)
{
    char text [256] = "catchball ";
    snprintf (text + 10, sizeof (text) - 10, format, id);
    cb_value_t *s = cb_value_new_str (text);
    cb_value_push (cb_value_get_array (item, "commands"), &s);
}

//  The round, from round.show; NULL (with the error printed) if it fails.
static cb_value_t *
s_round (cli_t *cli, const char *id, int *status)
{
    cb_value_t *body = cli_body ("round", id);
    return cli_request (cli, "round.show", &body, status);
}

//  The vote, from vote.show; NULL (with the error printed) if it fails.
static cb_value_t *
s_vote (cli_t *cli, const char *id, int *status)
{
    cb_value_t *body = cli_body ("vote", id);
    return cli_request (cli, "vote.show", &body, status);
}

//  What the draft's confidence vote asks of me: my sealed vote while it
//  is open; for the owner, once its rounds are done, a vote to open, and
//  once a vote on the head revision is revealed, the finalise (or, if it
//  did not pass, a new vote or the override). 0 or the status.
static int
s_votes (cli_t *cli, const cb_value_t *d, const char *me, bool mine, cb_value_t *items)
{
    const char *id = cli_str (d, "id"), *owner = cli_str (d, "owner");
    if (streq (cli_str (d, "state"), "final"))
        return 0;
    int status = 0;
    cb_value_t *shown = *cli_str (d, "vote") ? s_vote (cli, cli_str (d, "vote"), &status) : NULL;
    cb_value_t *vote = cb_value_get_map (shown, "vote");
    bool open = vote && streq (cli_str (vote, "state"), "open");
    if (open && cli_has (cb_value_get_array (vote, "voters"), me)
    && !cli_has (cb_value_get_array (vote, "voted"), me)) {
        cb_value_t *item = s_item (items, "vote", id, cli_int (vote, "deadline"));
        cb_value_set_str (item, "from", owner);
        cb_value_set_str (item, "vote", cli_str (vote, "id"));
        s_command (item, "vote %s --confidence 0-5", id);
    }
    bool drafting = streq (cli_str (d, "state"), "drafting");
    if (mine && drafting && vote && !open && cli_int (vote, "rev") == cli_int (d, "head")) {
        bool passed = false;
        cb_value_get_bool (cb_value_get_map (vote, "result"), "passed", &passed);
        cb_value_t *item = s_item (items, "finalize", id, 0);
        cb_value_set_str (item, "from", owner);
        cb_value_set_str (item, "vote", cli_str (vote, "id"));
        cb_value_set_bool (item, "passed", passed);
        if (passed)
            s_command (item, "finalize %s", id);
        else {
            s_command (item, "vote open %s --voters NODE,...", id);
            s_command (item, "finalize %s --override --reason TEXT", id);
        }
    }
    else
    if (mine && drafting && !open && (*cli_str (d, "last_round") || vote)) {
        cb_value_t *item = s_item (items, "open-vote", id, 0);
        cb_value_set_str (item, "from", owner);
        s_command (item, "vote open %s --voters NODE,...", id);
    }
    cb_value_destroy (&shown);
    return status;
}

//  Rounds to answer, votes to cast, drafts to finalise. 0 or the status.
static int
s_drafts (cli_t *cli, const char *me, const cb_value_t *drafts, cb_value_t *items)
{
    int status = 0;
    for (size_t i = 0; i < cb_value_size (drafts) && !status; i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        const char *id = cli_str (d, "id"), *owner = cli_str (d, "owner");
        bool mine = streq (owner, me);
        status = s_votes (cli, d, me, mine, items);
        if (!status && *cli_str (d, "round") && !mine) {
            cb_value_t *shown = s_round (cli, cli_str (d, "round"), &status);
            cb_value_t *round = cb_value_get_map (shown, "round");
            if (cli_has (cb_value_get_array (round, "recipients"), me)
            && !cli_has (cb_value_get_array (round, "answered"), me)) {
                const char *r = cli_str (round, "id");
                cb_value_t *item = s_item (items, "round", r, cli_int (round, "deadline"));
                cb_value_set_str (item, "draft", id);
                cb_value_set_str (item, "from", owner);
                s_command (item, CLI_ANSWER_FEEDBACK, r);
                s_command (item, CLI_ANSWER_COUNTER, r);
                s_command (item, CLI_ANSWER_ENDORSE, r);
            }
            cb_value_destroy (&shown);
        }
    }
    return status;
}

//  The item an ask makes for `me`, if it waits on me: an ask to answer, a
//  counter or an offer to take or refuse. Answers are due by `closes`
//  (0: no deadline, outside events).
static void
s_ask_item (cb_value_t *items, const cb_value_t *a, const char *me, int64_t closes)
{
    const char *id = cli_str (a, "id"), *state = cli_str (a, "state");
    bool offer = streq (cli_str (a, "kind"), "offer");
    bool to_me = streq (cli_str (a, "to"), me);
    cb_value_t *item = NULL;
    if (!offer && to_me && streq (state, "open")) {
        item = s_item (items, "ask", id, closes);
        s_command (item, "ask accept %s " CLI_ANSWER_REFLECT, id);
        s_command (item, "ask counter %s --text T " CLI_ANSWER_REFLECT, id);
        s_command (item, "ask decline %s --reason R", id);
    }
    else
    if ((offer && to_me && streq (state, "open"))
    ||  (!offer && streq (cli_str (a, "from"), me) && streq (state, "countered"))) {
        item = s_item (items, offer ? "offer" : "counter", id, closes);
        s_command (item, "ask take %s", id);
        s_command (item, "ask refuse %s --reason R", id);
    }
    if (!item)
        return;
    if (cb_value_get_str (a, "event"))
        cb_value_set_str (item, "event", cli_str (a, "event"));
    else
        cb_value_set_nil (item, "event");
    cb_value_set_str (item, "draft", cli_str (a, "draft"));
    cb_value_set_str (item, "kr", cli_str (a, "kr"));
    cb_value_set_str (item, "from", offer || to_me ? cli_str (a, "from") : cli_str (a, "to"));
    cb_value_set_str (item, "text", offer ? cli_str (a, "text")
                                  : streq (state, "countered")
                                  ? cli_str (a, "counter") : cli_str (a, "need"));
}

//  Asks to answer, counters and offers to take or refuse, in the events
//  still open to answers (negotiate, commit). 0 or the status.
static int
s_events (cli_t *cli, const char *me, cb_value_t *items)
{
    int status = 0;
    cb_value_t *reply = cli_request (cli, "event.list", NULL, &status);
    if (!reply)
        return status;
    cb_value_t *events = cb_value_get_array (reply, "events");
    for (size_t i = 0; i < cb_value_size (events) && !status; i++) {
        cb_value_t *e = cb_value_at (events, i);
        const char *phase = cli_str (e, "phase");
        if (!streq (phase, "negotiate") && !streq (phase, "commit"))
            continue;
        //  Answers are taken until the event closes: the end of commit,
        //  by the plan as it stands.
        int64_t closes = cli_int (e, "ends");
        if (streq (phase, "negotiate") && closes)
            closes += cli_int (cb_value_get_map (e, "plan"), "commit") * 60000;
        cb_value_t *body = cli_body ("event", cli_str (e, "id"));
        cb_value_t *shown = cli_request (cli, "event.show", &body, &status);
        cb_value_t *asks = cb_value_get_array (shown, "asks");
        for (size_t j = 0; j < cb_value_size (asks); j++)
            s_ask_item (items, cb_value_at (asks, j), me, closes);
        cb_value_destroy (&shown);
    }
    cb_value_destroy (&reply);
    return status;
}

//  The same, for the asks and offers made outside any event (PROTOCOL.md
//  11): answered at any time, so without a deadline. 0 or the status.
static int
s_direct_asks (cli_t *cli, const char *me, cb_value_t *items)
{
    int status = 0;
    cb_value_t *body = cli_body ("node", me);
    cb_value_t *reply = cli_request (cli, "ask.list", &body, &status);
    cb_value_t *asks = cb_value_get_array (reply, "asks");
    for (size_t i = 0; i < cb_value_size (asks); i++)
        if (!cb_value_get_str (cb_value_at (asks, i), "event"))
            s_ask_item (items, cb_value_at (asks, i), me, 0);
    cb_value_destroy (&reply);
    return status;
}

//  The head content of a draft (a new tree), or NULL with *status set.
static cb_value_t *
s_head (cli_t *cli, const char *draft, int *status)
{
    cb_value_t *body = cli_body ("draft", draft);
    cb_value_t *reply = cli_request (cli, "draft.show", &body, status);
    cb_value_t *content = reply ? cb_value_dup (cb_value_get (cb_value_get_map (reply, "revision"),
                                                              "content"))
                                : NULL;
    cb_value_destroy (&reply);
    return content;
}

//  The key result `id` of content (lent), or NULL.
static cb_value_t *
s_kr (const cb_value_t *content, const char *id)
{
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++)
        if (streq (cli_str (cb_value_at (krs, i), "id"), id))
            return cb_value_at (krs, i);
    return NULL;
}

//  Links of this node's drafts that another draft broke (PROTOCOL.md
//  section 7.1): an aligned_to naming a key result the other head no
//  longer has, a shared key result the other side no longer shares back.
//  Each is answered by a revision of ours. 0 or the status.
static int
s_links (cli_t *cli, const cb_value_t *drafts, cb_value_t *items)
{
    int status = 0;
    for (size_t i = 0; i < cb_value_size (drafts) && !status; i++) {
        const char *id = cli_str (cb_value_at (drafts, i), "id");
        cb_value_t *content = s_head (cli, id, &status);
        char text [256] = "";
        cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
        if (aligned && *cli_str (aligned, "kr")) {
            cb_value_t *theirs = s_head (cli, cli_str (aligned, "draft"), &status);
            if (!s_kr (theirs, cli_str (aligned, "kr")))
                snprintf (text, sizeof (text), "it aligns to %s %s, which %s no longer has",
                          cli_str (aligned, "draft"), cli_str (aligned, "kr"),
                          cli_str (aligned, "draft"));
            cb_value_destroy (&theirs);
        }
        cb_value_t *krs = cb_value_get_array (content, "key_results");
        for (size_t j = 0; j < cb_value_size (krs) && !*text && !status; j++) {
            cb_value_t *kr = cb_value_at (krs, j);
            cb_value_t *shared = cb_value_get_map (kr, "shared_with");
            if (!shared)
                continue;
            cb_value_t *theirs = s_head (cli, cli_str (shared, "draft"), &status);
            cb_value_t *back = cb_value_get_map (s_kr (theirs, cli_str (shared, "kr")), "shared_with");
            if (!back || !streq (cli_str (back, "draft"), id)
            ||  !streq (cli_str (back, "kr"), cli_str (kr, "id")))
                snprintf (text, sizeof (text), "its %s is shared with %s %s, which no longer "
                          "shares it back", cli_str (kr, "id"), cli_str (shared, "draft"),
                          cli_str (shared, "kr"));
            cb_value_destroy (&theirs);
        }
        if (*text && !status) {
            cb_value_t *item = s_item (items, "link", id, 0);
            cb_value_set_str (item, "text", text);
            s_command (item, "draft revise %s FILE --message M", id);
        }
        cb_value_destroy (&content);
    }
    return status;
}

//  The key result's last two check-ins' confidences in the list (made on
//  draft, or shared with it): *last and *before, -1 when there are none.
static void
s_last_two (const cb_value_t *checkins, const char *draft, const char *kr, int64_t *last,
            int64_t *before, const cb_value_t **last_p)
{
    *last = *before = -1;
    *last_p = NULL;
    for (size_t i = 0; i < cb_value_size (checkins); i++) {
        const cb_value_t *c = cb_value_at (checkins, i);
        if (cli_checkin_about (c, draft, kr)) {
            *before = *last;
            *last = cli_int (c, "confidence");
            *last_p = c;
        }
    }
}

//  This node's drafts aligned to a key result whose last check-in dropped
//  its confidence (by 2 or more, or below 2), as checkin.dropped says:
//  until a later check-in lifts it, the team owes a look at its own
//  alignment. 0 or the status.
static int
s_dropped (cli_t *cli, const cb_value_t *drafts, cb_value_t *items)
{
    int status = 0;
    for (size_t i = 0; i < cb_value_size (drafts) && !status; i++) {
        const char *id = cli_str (cb_value_at (drafts, i), "id");
        cb_value_t *content = s_head (cli, id, &status);
        cb_value_t *aligned = cb_value_get_map (content, "aligned_to");
        const char *to = cli_str (aligned, "draft"), *kr = cli_str (aligned, "kr");
        if (*to && *kr && !status) {
            cb_value_t *lb = cli_body ("draft", to);
            cb_value_t *listed = cli_request (cli, "checkin.list", &lb, &status);
            int64_t last, before;
            const cb_value_t *c;
            s_last_two (cb_value_get_array (listed, "checkins"), to, kr, &last, &before, &c);
            if (c && cli_checkin_dropped (before, last)) {
                char text [256], from [32] = "";
                if (before >= 0)
                    snprintf (from, sizeof (from), "%lld -> ", (long long) before);
                snprintf (text, sizeof (text), "the confidence in %s %s, which it aligns to, "
                          "fell %s%lld (%s by %s)", to, kr, from, (long long) last,
                          cli_str (c, "id"), cli_str (c, "author"));
                cb_value_t *item = s_item (items, "dropped", id, 0);
                cb_value_set_str (item, "text", text);
                cb_value_set_str (item, "draft", to);
                cb_value_set_str (item, "kr", kr);
                s_command (item, "progress --draft %s", to);
                char command [96];
                snprintf (command, sizeof (command), "raise %%s --cannot-align TEXT --kr %s", kr);
                s_command (item, command, id);
            }
            cb_value_destroy (&listed);
        }
        cb_value_destroy (&content);
    }
    return status;
}

//  The key results of this node's final drafts, in a defined cycle that
//  runs, whose last check-in (or, never checked in, the draft's first, or
//  with none at all its finalisation) is a cadence old or more at the
//  broker's time, as checkin.due says. 0 or the status.
static int
s_checkins_due (cli_t *cli, const cb_value_t *drafts, cb_value_t *items)
{
    int status = 0;
    int64_t now = cli_now (cli);
    for (size_t i = 0; i < cb_value_size (drafts) && !status; i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        if (!streq (cli_str (d, "state"), "final"))
            continue;
        //  A cycle nobody defined has no cadence: cycle.show says NOT_FOUND,
        //  which is not an error here.
        cb_value_t *cb = cli_body ("cycle", cli_str (d, "cycle"));
        cb_value_t *cycle = cb_client_request (cli->client, "cycle.show", &cb, cli->timeout);
        cb_value_t *c = cb_value_get_map (cycle, "cycle");
        int64_t cadence = cli_int (c, "cadence_days") * 24 * 3600 * 1000;
        if (cadence && streq (cli_str (c, "state"), "running")) {
            const char *id = cli_str (d, "id");
            cb_value_t *lb = cli_body ("draft", id);
            cb_value_t *listed = cli_request (cli, "checkin.list", &lb, &status);
            cb_value_t *checkins = cb_value_get_array (listed, "checkins");
            cb_value_t *content = status ? NULL : s_head (cli, id, &status);
            cb_value_t *krs = cb_value_get_array (content, "key_results");
            //  Never checked in: the draft's first check-in; none at all:
            //  its finalisation (PROTOCOL.md 6.2, the cadence)
            int64_t first = cb_value_size (checkins) ? cli_int (cb_value_at (checkins, 0), "time")
                                                     : cli_int (d, "finalized");
            for (size_t j = 0; j < cb_value_size (krs); j++) {
                const char *kr = cli_str (cb_value_at (krs, j), "id");
                int64_t last, before;
                const cb_value_t *lc;
                s_last_two (checkins, id, kr, &last, &before, &lc);
                int64_t since = lc ? cli_int (lc, "time") : first;
                if (!since || now - since < cadence)
                    continue;
                char text [256];
                snprintf (text, sizeof (text), "%s %s: no check-in for %lld days (%s), every "
                          "%lld days in cycle %s", id, kr,
                          (long long) ((now - since) / (24 * 3600 * 1000)),
                          lc ? cli_str (lc, "id") : "never checked in",
                          (long long) cli_int (c, "cadence_days"), cli_str (d, "cycle"));
                cb_value_t *item = s_item (items, "checkin", id, since + cadence);
                cb_value_set_str (item, "text", text);
                cb_value_set_str (item, "kr", kr);
                char command [96];
                snprintf (command, sizeof (command), "checkin %%s %s --value N --confidence 0-5",
                          kr);
                s_command (item, command, id);
            }
            cb_value_destroy (&content);
            cb_value_destroy (&listed);
        }
        cb_value_destroy (&cycle);
    }
    return status;
}

//  True if a revision of the history addresses response `id`.
static bool
s_addressed (const cb_value_t *history, const char *id)
{
    cb_value_t *revisions = cb_value_get_array (history, "revisions");
    for (size_t i = 0; i < cb_value_size (revisions); i++) {
        cb_value_t *addresses = cb_value_get_array (cb_value_at (revisions, i), "addresses");
        for (size_t j = 0; j < cb_value_size (addresses); j++)
            if (streq (cb_value_str (cb_value_at (addresses, j)), id))
                return true;
    }
    return false;
}

//  "We cannot align" raised to this node's drafts (draft.raise) that no
//  revision addresses yet: answered like feedback. 0 or the status.
static int
s_raised (cli_t *cli, const cb_value_t *drafts, cb_value_t *items)
{
    int status = 0;
    for (size_t i = 0; i < cb_value_size (drafts) && !status; i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        if (!cb_value_size (cb_value_get_array (d, "raised")))
            continue;
        const char *id = cli_str (d, "id");
        cb_value_t *hb = cli_body ("draft", id);
        cb_value_t *history = cli_request (cli, "draft.history", &hb, &status);
        cb_value_t *raised = cb_value_get_array (history, "raised");
        for (size_t j = 0; j < cb_value_size (raised); j++) {
            cb_value_t *r = cb_value_at (raised, j);
            if (!streq (cli_str (r, "draft"), id) || s_addressed (history, cli_str (r, "id")))
                continue;
            cb_value_t *item = s_item (items, "raised", cli_str (r, "id"), 0);
            cb_value_set_str (item, "draft", id);
            cb_value_set_str (item, "from", cli_str (r, "author"));
            cb_value_set_str (item, "from_draft", cli_str (r, "from_draft"));
            cb_value_set_str (item, "kr", cli_str (r, "on"));
            cb_value_set_str (item, "text", cli_str (r, "text"));
            char command [96];
            snprintf (command, sizeof (command), "draft revise %s FILE --addresses %%s "
                      "--message M", id);
            s_command (item, command, cli_str (r, "id"));
        }
        cb_value_destroy (&history);
    }
    return status;
}

//  The retrospectives owed: this node's final drafts of closed cycles
//  that have none. 0 or the status.
static int
s_retros (cli_t *cli, const cb_value_t *drafts, cb_value_t *items)
{
    int status = 0;
    cb_value_t *reply = cli_request (cli, "cycle.list", NULL, &status);
    cb_value_t *cycles = cb_value_get_array (reply, "cycles");
    for (size_t i = 0; i < cb_value_size (cycles) && !status; i++) {
        cb_value_t *c = cb_value_at (cycles, i);
        if (!streq (cli_str (c, "state"), "closed"))
            continue;
        for (size_t j = 0; j < cb_value_size (drafts); j++) {
            cb_value_t *d = cb_value_at (drafts, j);
            if (!streq (cli_str (d, "cycle"), cli_str (c, "name"))
            ||  !streq (cli_str (d, "state"), "final") || cb_value_get_map (d, "retro"))
                continue;
            cb_value_t *item = s_item (items, "retro", cli_str (d, "id"), 0);
            cb_value_set_str (item, "cycle", cli_str (c, "name"));
            s_command (item, "retro %s --score KR=0..1,... --learned TEXT", cli_str (d, "id"));
        }
    }
    cb_value_destroy (&reply);
    return status;
}

cb_value_t *
cli_todo_list (cli_t *cli, int *status_p)
{
    int status = 0;
    cb_value_t *todo = cb_value_new_map ();
    cb_value_set_str (todo, "node", cli->node);
    cb_value_t *items = cb_value_new_array ();
    //  Every draft is read once (every page); this node's own are those
    //  its links, raises, check-ins and retrospectives look at.
    cb_value_t *listed = cli_request (cli, "draft.list", NULL, &status);
    cb_value_t *drafts = cb_value_get_array (listed, "drafts");
    cb_value_t *mine = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        if (streq (cli_str (cb_value_at (drafts, i), "owner"), cli->node)) {
            cb_value_t *d = cb_value_dup (cb_value_at (drafts, i));
            cb_value_push (mine, &d);
        }
    if (!status)
        status = s_drafts (cli, cli->node, drafts, items);
    if (!status)
        status = s_events (cli, cli->node, items);
    if (!status)
        status = s_direct_asks (cli, cli->node, items);
    if (!status)
        status = s_links (cli, mine, items);
    if (!status)
        status = s_raised (cli, mine, items);
    if (!status)
        status = s_dropped (cli, mine, items);
    if (!status)
        status = s_checkins_due (cli, mine, items);
    if (!status)
        status = s_retros (cli, mine, items);
    cb_value_destroy (&mine);
    cb_value_destroy (&listed);
    cb_value_set (todo, "todo", &items);
    *status_p = status;
    if (status)
        cb_value_destroy (&todo);
    return todo;
}

int
cli_todo (cli_t *cli, cli_args_t *args)
{
    (void) args;
    int status = 0;
    cb_value_t *todo = cli_todo_list (cli, &status);
    if (todo)
        cli_print (cli, &todo, cli_render_todo, "");
    return status;
}
