/*  =========================================================================
    cli_render_inbox - inbox deliveries as sentences, and votes

    Each delivery kind (PROTOCOL.md section 7) is read as a sentence in
    local time, and each that asks something of the reader ends with the
    command that answers it; a table maps the kinds to their renderers.
    A vote (vote show) reads as its reveal does.
    =========================================================================
*/
#include <stdarg.h>

#include "cli_render_int.h"
//  --------------------------------------------------------------------------
//  Inbox deliveries: each kind as a sentence, in local time; each that
//  wants an answer ends with the commands that give it, ready to type
//  (the words in capitals are the person's to fill in).

//  "  answer: catchball ..." for the first, "      or: catchball ..." after.
static void
s_answer (FILE *out, bool first, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (out, "  %s%s%scatchball ", cli_c (C_DIM), first ? "answer: " : "    or: ",
             cli_c (C_OFF));
    vfprintf (out, format, args);
    fprintf (out, "\n");
    va_end (args);
}

//  What a reflect does to the helper's draft, as a clause.
static void
s_reflect (FILE *out, const cb_value_t *reflect)
{
    const char *type = cli_str (reflect, "type");
    char n [CLI_NUMBER_MAX];
    cb_value_t *kr = cb_value_get (reflect, "kr");
    if (streq (type, "raise_target"))
        fprintf (out, "raise %s's target to %s", cb_value_str (kr) ? cb_value_str (kr) : "",
                 cli_number (cb_value_get (reflect, "target"), n, sizeof (n)));
    else
    if (streq (type, "new_kr") || streq (type, "shared_kr")) {
        fprintf (out, "%s key result \"%s\", target %s", streq (type, "new_kr") ? "add the"
                                                                              : "share the",
                 cli_str (kr, "text"), cli_number (cb_value_get (kr, "target"), n, sizeof (n)));
        if (*cli_str (kr, "unit"))
            fprintf (out, " %s", cli_str (kr, "unit"));
    }
    else
        cli_json_print (out, reflect, true);
}

//  "d2 kr1 "Activation rate"": the key result an ask is about.
static void
s_ask_kr (FILE *out, const cb_value_t *ask)
{
    fprintf (out, "%s %s", cli_str (ask, "draft"), cli_str (ask, "kr"));
    if (*cli_str (ask, "kr_text"))
        fprintf (out, " \"%s\"", cli_str (ask, "kr_text"));
}

//  ask.new: an ask to the helper, or an offer to the team helped.
static void
s_ask_new (FILE *out, const cb_value_t *ask)
{
    const char *id = cli_str (ask, "id");
    bool offer = streq (cli_str (ask, "kind"), "offer");
    const char *event = cli_str (ask, "event");
    fprintf (out, "  %s%s%s %s (%s %s%s%s, %s%s) with ", cli_c (C_BOLD), cli_str (ask, "from"),
             cli_c (C_OFF), offer ? "offers you help" : "asks you for help",
             offer ? "offer" : "ask", cli_c (C_BOLD), id, cli_c (C_OFF),
             *event ? "event " : "outside any event", event);
    s_ask_kr (out, ask);
    fprintf (out, ":\n  %s", offer ? cli_str (ask, "text") : cli_str (ask, "need"));
    if (*cli_str (ask, "by"))
        fprintf (out, " (by %s)", cli_str (ask, "by"));
    fprintf (out, "\n");
    if (offer) {
        fprintf (out, "  if you take it, %s's draft %s will ", cli_str (ask, "from"),
                 cli_str (ask, "helper_draft"));
        s_reflect (out, cb_value_get_map (ask, "reflect"));
        fprintf (out, "\n");
        s_answer (out, true, "ask take %s", id);
        s_answer (out, false, "ask refuse %s --reason R", id);
    }
    else {
        s_answer (out, true, "ask accept %s " CLI_ANSWER_REFLECT, id);
        s_answer (out, false, "ask counter %s --text T " CLI_ANSWER_REFLECT, id);
        s_answer (out, false, "ask decline %s --reason R", id);
    }
}

//  ask.update: what the other side did, read from the ask's last history
//  entry; a counter asks the asking team to take or refuse it.
static void
s_ask_update (FILE *out, const cb_value_t *ask)
{
    const char *id = cli_str (ask, "id");
    bool offer = streq (cli_str (ask, "kind"), "offer");
    cb_value_t *history = cb_value_get_array (ask, "history");
    size_t entries = cb_value_size (history);
    cb_value_t *last = entries ? cb_value_at (history, entries - 1) : NULL;
    const char *action = last ? cli_str (last, "action") : "";
    const char *node = last ? cli_str (last, "node") : "";
    const char *what = offer ? "offer" : "ask";
    fprintf (out, "  %s%s%s ", cli_c (C_BOLD), node, cli_c (C_OFF));
    if (streq (action, "accept"))
        fprintf (out, "%saccepted%s your ask %s", cli_c (C_GREEN), cli_c (C_OFF), id);
    else
    if (streq (action, "decline"))
        fprintf (out, "%sdeclined%s your ask %s", cli_c (C_RED), cli_c (C_OFF), id);
    else
    if (streq (action, "counter"))
        fprintf (out, "%scountered%s your ask %s", cli_c (C_YEL), cli_c (C_OFF), id);
    else
    if (streq (action, "take"))
        fprintf (out, "%stook%s your %s %s", cli_c (C_GREEN), cli_c (C_OFF),
                 offer ? "offer" : "counter on ask", id);
    else
    if (streq (action, "refuse"))
        fprintf (out, "%srefused%s your %s %s", cli_c (C_RED), cli_c (C_OFF),
                 offer ? "offer" : "counter on ask", id);
    else
        fprintf (out, "changed %s %s", what, id);
    fprintf (out, " (for ");
    s_ask_kr (out, ask);
    fprintf (out, "), now %s", cli_str (ask, "state"));
    if (last && *cli_str (last, "text"))
        fprintf (out, ":\n  %s", cli_str (last, "text"));
    fprintf (out, "\n");
    cb_value_t *revisions = cb_value_get_array (ask, "revisions");
    for (size_t i = 0; i < cb_value_size (revisions); i++) {
        cb_value_t *r = cb_value_at (revisions, i);
        fprintf (out, "  %s revision %lld writes it in: catchball diff %s %lld %lld\n",
                 cli_str (r, "draft"), (long long) cli_int (r, "rev"), cli_str (r, "draft"),
                 (long long) cli_int (r, "parent"), (long long) cli_int (r, "rev"));
    }
    if (streq (cli_str (ask, "state"), "countered")) {
        fprintf (out, "  if you take it, %s's draft %s will ", node, cli_str (ask, "helper_draft"));
        s_reflect (out, cb_value_get_map (ask, "reflect"));
        fprintf (out, "\n");
        s_answer (out, true, "ask take %s", id);
        s_answer (out, false, "ask refuse %s --reason R", id);
    }
}

//  A delivery's one key result change (`diff`, may be NULL), as draft.diff
//  shows it.
static void
s_one_change (FILE *out, const cb_value_t *diff)
{
    cb_value_t *changes = cb_value_new_array ();
    cb_value_t *copy = diff ? cb_value_dup (diff) : NULL;
    if (copy)
        cb_value_push (changes, &copy);
    cli_render_changes (out, changes, "  ");
    cb_value_destroy (&changes);
}

//  link.broken: another draft's revision broke a link of one of ours,
//  with its reason and the change; answered by re-aligning ours.
static void
s_link_broken (FILE *out, const cb_value_t *body)
{
    cb_value_t *dependent = cb_value_get_map (body, "dependent");
    const char *mine = cli_str (dependent, "draft"), *change = cli_str (body, "change");
    bool shared = streq (cli_str (dependent, "link"), "shared_with");
    fprintf (out, "  %s%s%s %s%s%s %s %s in revision %lld, which your %s ", cli_c (C_BOLD),
             cli_str (body, "by"), cli_c (C_OFF), cli_c (C_RED), change, cli_c (C_OFF),
             cli_str (body, "draft"), cli_str (body, "kr"), (long long) cli_int (body, "rev"),
             mine);
    if (shared)
        fprintf (out, "shares (your %s)", cli_str (dependent, "kr"));
    else
        fprintf (out, "aligns to");
    fprintf (out, ":\n  %s\n", cli_str (body, "reason"));
    s_one_change (out, cb_value_get_map (body, "diff"));
    if (shared)
        fprintf (out, "  the two copies no longer agree: %s's next revision drops the link\n",
                 mine);
    else
    if (streq (change, "removed"))
        fprintf (out, "  re-align %s to another key result, or to %s as a whole\n", mine,
                 cli_str (body, "draft"));
    else
        fprintf (out, "  %s still aligns to it, as it now reads\n", mine);
    s_answer (out, true, "draft revise %s FILE --message M", mine);
}

//  draft.raised: a team says it cannot align its draft with yours.
static void
s_raised (FILE *out, const cb_value_t *body)
{
    cb_value_t *r = cb_value_get_map (body, "response");
    fprintf (out, "  %s%s%s cannot align %s with your %s%s%s (%s%s%s):\n  %s\n",
             cli_c (C_BOLD), cli_str (r, "author"), cli_c (C_OFF), cli_str (body, "from_draft"),
             cli_str (body, "draft"), *cli_str (r, "on") ? " " : "", cli_str (r, "on"),
             cli_c (C_RED), cli_str (r, "id"), cli_c (C_OFF), cli_str (r, "text"));
    s_answer (out, true, "draft revise %s FILE --addresses %s --message M",
              cli_str (body, "draft"), cli_str (r, "id"));
}

//  "   see: catchball ..." for news that needs no answer, only a look.
static void
s_see (FILE *out, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (out, "  %s   see: %scatchball ", cli_c (C_DIM), cli_c (C_OFF));
    vfprintf (out, format, args);
    fprintf (out, "\n");
    va_end (args);
}

//  checkin.dropped: confidence fell on a key result one of our drafts
//  aligns to. Our promise leans on it: see where it stands, and say so
//  if we can no longer align.
static void
s_checkin_dropped (FILE *out, const cb_value_t *body)
{
    const cb_value_t *c = cb_value_get_map (body, "checkin");
    const char *mine = cli_str (cb_value_get_map (body, "dependent"), "draft");
    fprintf (out, "  %s%s%s's confidence in %s %s fell ", cli_c (C_BOLD), cli_str (c, "author"),
             cli_c (C_OFF), cli_str (c, "draft"), cli_str (c, "kr"));
    if (cb_value_is_number (cb_value_get (body, "previous")))
        fprintf (out, "%lld -> ", (long long) cli_int (body, "previous"));
    fprintf (out, "%s%lld/5%s, and your %s aligns to it:\n", cli_c (C_RED),
             (long long) cli_int (c, "confidence"), cli_c (C_OFF), mine);
    cli_render_checkin_line (out, c, "  ");
    s_answer (out, true, "progress --draft %s", cli_str (c, "draft"));
    s_answer (out, false, "raise %s --cannot-align TEXT --kr %s", mine, cli_str (c, "kr"));
}

//  checkin.due: key results not checked in for a cadence (or more); to
//  the owner, who owes the check-in, or escalated to the owner of the
//  draft it aligns to, who may want to ask.
static void
s_checkin_due (FILE *out, const cb_value_t *body)
{
    bool escalated = false;
    cb_value_get_bool (body, "escalated", &escalated);
    const char *draft = cli_str (body, "draft");
    if (escalated)
        fprintf (out, "  %s%s%s's %s, aligned to your %s, is late with its check-ins (cycle "
                 "%s, every %lld days):\n", cli_c (C_BOLD), cli_str (body, "owner"), cli_c (C_OFF),
                 draft, cli_str (body, "aligned_to"), cli_str (body, "cycle"),
                 (long long) cli_int (body, "cadence_days"));
    else
        fprintf (out, "  check-ins due on %s (cycle %s, every %lld days):\n", draft,
                 cli_str (body, "cycle"), (long long) cli_int (body, "cadence_days"));
    cb_value_t *krs = cb_value_get_array (body, "krs");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *kr = cb_value_at (krs, i);
        fprintf (out, "  %s%s%s %s: %s%lld cadence(s) without a check-in%s%s%s\n", cli_c (C_BOLD),
                 cli_str (kr, "kr"), cli_c (C_OFF), cli_str (kr, "text"), cli_c (C_YEL),
                 (long long) cli_int (kr, "missed"), cli_c (C_OFF),
                 *cli_str (kr, "last") ? ", the last " : "", cli_str (kr, "last"));
    }
    if (escalated)
        s_see (out, "progress --draft %s", draft);
    else
        s_answer (out, true, "checkin %s %s --value N --confidence 0-5", draft,
                  cli_str (cb_value_at (krs, 0), "kr"));
}

//  checkin.new: a lead checked in on our key result, or the other team on
//  one we share. News: the command shows where it stands.
static void
s_checkin_new (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s%s%s checked in", cli_c (C_BOLD), cli_str (body, "author"), cli_c (C_OFF));
    if (*cli_str (body, "shared_draft"))
        fprintf (out, " on the key result your %s %s shares", cli_str (body, "shared_draft"),
                 cli_str (body, "shared_kr"));
    fprintf (out, ":\n");
    cli_render_checkin_line (out, body, "  ");
    s_see (out, "progress --draft %s", *cli_str (body, "shared_draft")
                                       ? cli_str (body, "shared_draft") : cli_str (body, "draft"));
}

//  draft.aligned: another team now aligns a draft to one of ours. News,
//  not a request (nothing in todo): the command reads their draft.
static void
s_draft_aligned (FILE *out, const cb_value_t *body)
{
    cb_value_t *to = cb_value_get_map (body, "aligned_to");
    cb_value_t *was = cb_value_get_map (body, "was");
    const char *draft = cli_str (body, "draft"), *kr = cli_str (to, "kr");
    fprintf (out, "  %s%s%s aligned %s revision %lld to your %s%s%s%s", cli_c (C_BOLD),
             cli_str (body, "by"), cli_c (C_OFF), draft, (long long) cli_int (body, "rev"),
             cli_str (to, "draft"), *kr ? " " : "", kr, *kr ? "" : " as a whole");
    if (was)
        fprintf (out, " (was %s%s%s)", cli_str (was, "draft"), *cli_str (was, "kr") ? " " : "",
                 cli_str (was, "kr"));
    fprintf (out, ":\n  %s\n", cli_str (body, "objective"));
    s_see (out, "draft show %s", draft);
}

//  parent.changed: a key result one of our drafts aligns to was changed
//  (not broken: the link holds), with the diff; ours may want to follow.
static void
s_parent_changed (FILE *out, const cb_value_t *body)
{
    const char *mine = cli_str (cb_value_get_map (body, "dependent"), "draft");
    fprintf (out, "  %s%s%s changed %s %s in revision %lld, which your %s aligns to:\n",
             cli_c (C_BOLD), cli_str (body, "by"), cli_c (C_OFF), cli_str (body, "draft"),
             cli_str (body, "kr"), (long long) cli_int (body, "rev"), mine);
    s_one_change (out, cb_value_get_map (body, "diff"));
    fprintf (out, "  %s still aligns to it; revise %s if it should follow\n", mine, mine);
    s_answer (out, true, "draft revise %s FILE --message M", mine);
}

//  vote.opened: a sealed vote to cast, by its deadline if it has one.
static void
s_vote_opened (FILE *out, const cb_value_t *vote)
{
    char t [32];
    const char *draft = cli_str (vote, "draft");
    fprintf (out, "  %s%s%s asks your confidence in %s revision %lld (vote %s%s%s): %s\n",
             cli_c (C_BOLD), cli_str (vote, "owner"), cli_c (C_OFF), draft,
             (long long) cli_int (vote, "rev"), cli_c (C_BOLD), cli_str (vote, "id"), cli_c (C_OFF),
             cli_str (vote, "objective"));
    fprintf (out, "  sealed: nobody sees a vote until all %zu voters have voted",
             cb_value_size (cb_value_get_array (vote, "voters")));
    if (cli_int (vote, "deadline"))
        fprintf (out, " or %s passes", cli_render_time (cli_int (vote, "deadline"), t, sizeof (t)));
    fprintf (out, "\n");
    s_answer (out, true, "vote %s --confidence 0-5 [--comment C]", draft);
}

//  vote.revealed: every vote at once, the minimum, median and spread, and
//  what the owner may do now.
static void
s_vote_revealed (FILE *out, const cb_value_t *vote)
{
    char n [CLI_NUMBER_MAX];
    const char *draft = cli_str (vote, "draft"), *by = cli_str (vote, "closed_by");
    cb_value_t *result = cb_value_get_map (vote, "result");
    cb_value_t *votes = cb_value_get_array (result, "votes");
    bool passed = false;
    cb_value_get_bool (result, "passed", &passed);
    fprintf (out, "  vote %s%s%s on %s revision %lld revealed (%s): ", cli_c (C_BOLD),
             cli_str (vote, "id"), cli_c (C_OFF), draft, (long long) cli_int (vote, "rev"),
             streq (by, "voted") ? "everyone voted" : streq (by, "deadline")
             ? "its deadline passed" : "the owner finalised");
    if (cb_value_size (votes))
        fprintf (out, "minimum %lld, median %s, spread %lld; %s%s%s\n",
                 (long long) cli_int (result, "min"),
                 cli_number (cb_value_get (result, "median"), n, sizeof (n)),
                 (long long) cli_int (result, "spread"), cli_c (passed ? C_GREEN : C_RED),
                 passed ? "passed" : "not passed", cli_c (C_OFF));
    else
        fprintf (out, "nobody voted; %snot passed%s\n", cli_c (C_RED), cli_c (C_OFF));
    for (size_t i = 0; i < cb_value_size (votes); i++) {
        cb_value_t *v = cb_value_at (votes, i);
        fprintf (out, "    %s: %lld/5%s%s\n", cli_str (v, "node"),
                 (long long) cli_int (v, "confidence"), *cli_str (v, "comment") ? " - " : "",
                 cli_str (v, "comment"));
    }
    cb_value_t *missing = cb_value_get_array (result, "missing");
    for (size_t i = 0; i < cb_value_size (missing); i++)
        fprintf (out, "%s%s", i ? ", " : "    no vote from ",
                 cb_value_str (cb_value_at (missing, i)));
    if (cb_value_size (missing))
        fprintf (out, "\n");
    if (streq (by, "finalize"))
        return;
    const char *owner = cli_str (vote, "owner");
    if (passed) {
        fprintf (out, "  %s may finalise %s now:\n", owner, draft);
        s_answer (out, true, "finalize %s", draft);
    }
    else {
        fprintf (out, "  it needed a median of %lld and no 0 or 1: %s may revise and vote again, "
                 "or finalise anyway, saying why:\n", (long long) cli_int (vote, "threshold"),
                 owner);
        s_answer (out, true, "vote open %s --voters NODE,...", draft);
        s_answer (out, false, "finalize %s --override --reason TEXT", draft);
    }
}

static void
s_round_thrown (FILE *out, const cb_value_t *body)
{
    char t [32];
    const char *round = cli_str (body, "round");
    fprintf (out, "  %s%s%s threw %s revision %lld to you in round %s%s%s\n", cli_c (C_BOLD),
             cli_str (body, "owner"), cli_c (C_OFF), cli_str (body, "draft"),
             (long long) cli_int (body, "rev"), cli_c (C_BOLD), round, cli_c (C_OFF));
    if (*cli_str (body, "question"))
        fprintf (out, "  question: %s\n", cli_str (body, "question"));
    if (cli_int (body, "deadline"))
        fprintf (out, "  answer by %s\n", cli_render_time (cli_int (body, "deadline"), t,
                 sizeof (t)));
    cli_render_content (out, cb_value_get_map (body, "content"), "  ");
    cli_render_coach (out, cb_value_get_array (body, "coach"), "  ");
    s_answer (out, true, CLI_ANSWER_FEEDBACK, round);
    s_answer (out, false, CLI_ANSWER_COUNTER, round);
    s_answer (out, false, CLI_ANSWER_ENDORSE, round);
}

static void
s_round_response (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  answer in round %s on %s:\n", cli_str (body, "round"), cli_str (body,
             "draft"));
    cli_render_response (out, cb_value_get_map (body, "response"), "  ");
}

static void
s_round_closed (FILE *out, const cb_value_t *body)
{
    const char *by = cli_str (body, "closed_by");
    fprintf (out, "  round %s on %s closed (%s): %zu response(s)",
             cli_str (body, "round"), cli_str (body, "draft"),
             streq (by, "answered") ? "everyone answered" : by,
             cb_value_size (cb_value_get_array (body, "responses")));
    cb_value_t *missing = cb_value_get_array (body, "missing");
    for (size_t i = 0; i < cb_value_size (missing); i++)
        fprintf (out, "%s%s", i ? ", " : "; no answer from ",
                 cb_value_str (cb_value_at (missing, i)));
    fprintf (out, "\n");
}

static void
s_proposal_adopted (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s adopted your counter-proposal %s as %s revision %lld\n",
             cli_str (body, "by"), cli_str (body, "proposal"), cli_str (body, "draft"),
             (long long) cli_int (body, "rev"));
}

static void
s_draft_final (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s is final at revision %lld: %s\n", cli_str (body, "draft"),
             (long long) cli_int (body, "rev"), cli_str (body, "objective"));
    cb_value_t *override = cb_value_get_map (body, "override");
    if (override)
        fprintf (out, "  %sfinalised by override%s, without a vote that passed: %s\n",
                 cli_c (C_YEL), cli_c (C_OFF), cli_str (override, "reason"));
}

static void
s_event_phase (FILE *out, const cb_value_t *body)
{
    char t [32];
    const char *event = cli_str (body, "event"), *phase = cli_str (body, "phase");
    fprintf (out, "  event %s \"%s\" ", event, cli_str (body, "name"));
    if (streq (phase, "closed")) {
        fprintf (out, "is %sclosed%s; its record: catchball report %s\n", cli_c (C_BOLD),
                 cli_c (C_OFF), event);
        return;
    }
    fprintf (out, "is in its %s%s%s phase", cli_c (C_BOLD), phase, cli_c (C_OFF));
    if (cli_int (body, "ends"))
        fprintf (out, " until %s", cli_render_time (cli_int (body, "ends"), t, sizeof (t)));
    fprintf (out, "\n");
    if (streq (phase, "share"))
        fprintf (out, "  share your draft: catchball event share %s DRAFT\n", event);
    else
    if (streq (phase, "negotiate"))
        fprintf (out, "  ask for help: catchball ask new %s --to NODE --kr KR --need TEXT\n",
                 event);
    else
    if (streq (phase, "commit"))
        fprintf (out, "  answer the asks still open: catchball event show %s\n", event);
}

static void
s_event_nudge (FILE *out, const cb_value_t *body)
{
    fprintf (out, "  %s%s%s nudges you in event %s \"%s\"", cli_c (C_BOLD),
             cli_str (body, "by"), cli_c (C_OFF), cli_str (body, "event"),
             cli_str (body, "name"));
    if (*cli_str (body, "text"))
        fprintf (out, ": %s", cli_str (body, "text"));
    fprintf (out, "\n  what waits for you: catchball todo\n");
}

static void
s_ask_new_body (FILE *out, const cb_value_t *body)
{
    s_ask_new (out, cb_value_get_map (body, "ask"));
}

static void
s_ask_update_body (FILE *out, const cb_value_t *body)
{
    s_ask_update (out, cb_value_get_map (body, "ask"));
}

static void
s_cycle_closed (FILE *out, const cb_value_t *body)
{
    cb_value_t *drafts = cb_value_get_array (body, "drafts");
    fprintf (out, "  cycle %s%s%s is closed: score your final OKR%s", cli_c (C_BOLD),
             cli_str (body, "cycle"), cli_c (C_OFF), cb_value_size (drafts) > 1 ? "s" : "");
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        fprintf (out, "%s%s", i ? ", " : " ", cb_value_str (cb_value_at (drafts, i)));
    fprintf (out, "\n");
    for (size_t i = 0; i < cb_value_size (drafts); i++)
        s_answer (out, i == 0, "retro %s --score KR=0..1,... --learned TEXT",
                  cb_value_str (cb_value_at (drafts, i)));
}

//  Each delivery kind and what says it.
static const struct {
    const char *kind;
    void (*render) (FILE *out, const cb_value_t *body);
} s_deliveries [] = {
    { "round.thrown", s_round_thrown },         { "round.response", s_round_response },
    { "round.closed", s_round_closed },         { "proposal.adopted", s_proposal_adopted },
    { "draft.final", s_draft_final },           { "vote.opened", s_vote_opened },
    { "vote.revealed", s_vote_revealed },       { "event.phase", s_event_phase },
    { "event.nudge", s_event_nudge },           { "ask.new", s_ask_new_body },
    { "ask.update", s_ask_update_body },        { "link.broken", s_link_broken },
    { "draft.raised", s_raised },               { "cycle.closed", s_cycle_closed },
    { "draft.aligned", s_draft_aligned },       { "parent.changed", s_parent_changed },
    { "checkin.new", s_checkin_new },           { "checkin.dropped", s_checkin_dropped },
    { "checkin.due", s_checkin_due },
};

void
cli_render_delivery (FILE *out, const cb_value_t *delivery)
{
    const char *kind = cli_str (delivery, "kind");
    cb_value_t *body = cb_value_get_map (delivery, "body");
    char t [32];
    fprintf (out, "%s#%lld %s%s  %s\n", cli_c (C_DIM), (long long) cli_int (delivery, "seq"),
             cli_render_time (cli_int (delivery, "time"), t, sizeof (t)), cli_c (C_OFF), kind);
    for (size_t i = 0; i < sizeof (s_deliveries) / sizeof (s_deliveries [0]); i++)
        if (streq (kind, s_deliveries [i].kind)) {
            s_deliveries [i].render (out, body);
            return;
        }
    //  A kind newer than this client: the facts as they came.
    cli_json_print (out, body, false);
}

//  vote show: an open vote says who has voted (never how) and who it waits
//  for; a revealed one, every vote, as vote.revealed does.
void
cli_render_vote (FILE *out, const cb_value_t *reply)
{
    cb_value_t *vote = cb_value_get_map (reply, "vote");
    if (streq (cli_str (vote, "state"), "revealed")) {
        s_vote_revealed (out, vote);
        return;
    }
    char t [32];
    cb_value_t *voters = cb_value_get_array (vote, "voters");
    cb_value_t *voted = cb_value_get_array (vote, "voted");
    fprintf (out, "vote %s%s%s on %s revision %lld, opened by %s: open, sealed; it needs a median "
             "of %lld and no 0 or 1\n", cli_c (C_BOLD), cli_str (vote, "id"), cli_c (C_OFF),
             cli_str (vote, "draft"), (long long) cli_int (vote, "rev"), cli_str (vote, "owner"),
             (long long) cli_int (vote, "threshold"));
    fprintf (out, "  voted: %zu of %zu", cb_value_size (voted), cb_value_size (voters));
    size_t waiting = 0;
    for (size_t i = 0; i < cb_value_size (voters); i++) {
        const char *who = cb_value_str (cb_value_at (voters, i));
        if (!cli_has (voted, who))
            fprintf (out, "%s%s", waiting++ ? ", " : "; waiting for ", who);
    }
    fprintf (out, "\n");
    if (cli_int (vote, "deadline"))
        fprintf (out, "  revealed when all have voted, or at %s\n",
                 cli_render_time (cli_int (vote, "deadline"), t, sizeof (t)));
}
