/*  =========================================================================
    cli_console - the facilitator's console for a live alignment-marketplace
    event: a full-screen ncurses view, often shown on a projector

    This file is the console's loop and its keys. What the console knows
    of its event is cli_console_state (the objects of event.snapshot, kept
    up to date from the log); what it draws is cli_console_view, from that
    state and the link's state; cli_console_screen cuts lines to the
    screen.

    Nothing here waits for the broker once the console runs. The loop
    pumps the client library for at most 50 ms (replies, log entries, link
    events, its pings and resends), applies what came, redraws when
    something changed or the second turned (the countdown, the ages), then
    waits at most 50 ms for a key. An action (advance, extend, nudge) is
    sent with cb_client_send and its outcome goes to the status line when
    its reply arrives, whenever that is; the screen goes on meanwhile. The
    client library says hello again and renews the log subscription by
    itself after the broker restarts, so the state picks up where it was.

    Progress after finalize: the check-ins of each final draft are read
    once (checkin.list, without waiting, as the drafts aligned to are),
    then the log brings each new one. Their ages are on the broker's
    clock, which may be far from this terminal's: a `ping` at the start and
    each time the link comes back up gives the broker's time, and the view
    adds the difference to the terminal's clock (cli_progress_clock_offset).

    Actions that change the event for everyone ask first: `a` asks
    "advance to PHASE? y/n", `n` asks for the nudge's text (empty, or Esc,
    cancels).
    =========================================================================
*/
#include <errno.h>
#include <locale.h>
#include <ncurses.h>
#include <stdarg.h>
#include <unistd.h>

#include "cli.h"
#include "cli_console_state.h"
#include "cli_console_view.h"
#include "cli_progress.h"

#define S_PUMP_MS       50      //  Longest wait for the broker, then for a key
#define S_REQUEST_MS    10000   //  An action not answered by then has failed
#define S_ACTIONS_MAX   16      //  Actions in flight at once
#define S_NUDGE_MAX     500     //  Characters in a nudge (PROTOCOL.md)

//  What a key press means now
typedef enum {
    S_KEYS_MAIN,                //  The main screen's keys
    S_KEYS_CONFIRM,             //  "advance to PHASE? y/n"
    S_KEYS_TEXT                 //  Typing the nudge's text
} s_keys_t;

//  An action sent, waiting for its reply
typedef struct {
    uint64_t ticket;            //  The client's ticket, 0 if the slot is free
    char type [32];             //  The request type
    char node [64];             //  The node nudged
    char text [S_NUDGE_MAX * 4 + 1];    //  The nudge's text
    int64_t sent;               //  When it was sent (a ping's, for the clock)
} s_action_t;

//  The console
typedef struct {
    cb_client_t *client;        //  Our connection, lent
    cli_console_state_t *state; //  What we know of the event
    const char *event;          //  The event's id, lent
    const char *dump_path;      //  Where 'd' writes, or NULL
    cli_console_view_t view;    //  What the screen shows
    s_keys_t keys;              //  What a key means now
    char phase [32];            //  The phase 'a' would advance to
    char from [32];             //  ... from this one, as asked (the broker refuses
                                //  the advance if a time box ended it meanwhile)
    char nudged [64];           //  The node 'n' nudges
    char text [S_NUDGE_MAX * 4 + 1];    //  The nudge's text typed so far (UTF-8)
    s_action_t actions [S_ACTIONS_MAX];  //  Actions in flight
} s_console_t;


//  --------------------------------------------------------------------------
//  The status line

static void
s_status (s_console_t *self, bool error, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (self->view.status, sizeof (self->view.status), format, args);
    va_end (args);
    self->view.status_error = error;
    self->view.status_time = zclock_time ();
}


//  --------------------------------------------------------------------------
//  Actions: sent now, answered later

//  Sends an action (body taken); its outcome comes to s_outcome.
static void
s_send (s_console_t *self, const char *type, cb_value_t **body_p, const char *node,
        const char *text)
{
    s_action_t *slot = NULL;
    for (int i = 0; i < S_ACTIONS_MAX && !slot; i++)
        if (!self->actions [i].ticket)
            slot = &self->actions [i];
    if (!slot) {
        cb_value_destroy (body_p);
        s_status (self, true, "%s: too many actions waiting for the broker", type);
        return;
    }
    slot->ticket = cb_client_send (self->client, type, body_p, S_REQUEST_MS);
    snprintf (slot->type, sizeof (slot->type), "%s", type);
    snprintf (slot->node, sizeof (slot->node), "%s", node ? node : "");
    snprintf (slot->text, sizeof (slot->text), "%s", text ? text : "");
    s_status (self, false, "%s: sent, waiting for the broker", type);
}

//  Sends a request for the console's own use (context, check-ins, the
//  clock), without a word on the status line: false if no slot is free.
static bool
s_send_quiet (s_console_t *self, const char *type, cb_value_t **body_p, const char *node)
{
    for (int i = 0; i < S_ACTIONS_MAX; i++) {
        s_action_t *slot = &self->actions [i];
        if (slot->ticket)
            continue;
        slot->sent = zclock_time ();
        slot->ticket = cb_client_send (self->client, type, body_p, S_REQUEST_MS);
        snprintf (slot->type, sizeof (slot->type), "%s", type);
        snprintf (slot->node, sizeof (slot->node), "%s", node ? node : "");
        return true;
    }
    cb_value_destroy (body_p);
    return false;
}

//  Asks for a page of a draft's check-ins (after `after`, if not NULL).
static void
s_read_checkins_page (s_console_t *self, const char *draft, const char *after)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", draft);
    if (after)
        cb_value_set_str (body, "after", after);
    s_send_quiet (self, "checkin.list", &body, draft);
}

//  "12:34" until `ends`, or "--:--".
static void
s_left (char *buf, size_t size, const cb_value_t *body)
{
    int64_t ends;
    if (!cb_value_get_int (body, "ends", &ends)) {
        snprintf (buf, size, "--:--");
        return;
    }
    int64_t left = (ends - zclock_time () + 999) / 1000;
    if (left < 0)
        left = 0;
    snprintf (buf, size, "%02d:%02d", (int) (left / 60), (int) (left % 60));
}

//  An action's reply has come: its outcome on the status line.
static void
s_outcome (s_console_t *self, s_action_t *action, const cb_value_t *reply)
{
    const char *type = action->type;
    bool quiet = streq (type, "draft.show") || streq (type, "checkin.list")
              || streq (type, "ping");
    if (!streq (cb_value_get_str_or (reply, "type", ""), "ok") && quiet) {
        //  Context only: its failures say nothing. Check-ins not read for
        //  want of a broker are read again (a refusal would only repeat).
        if (streq (type, "checkin.list") && cli_int (reply, "code") == CB_E_TIMEOUT)
            cli_console_state_retry_checkins (self->state, action->node);
        return;
    }
    if (!streq (cb_value_get_str_or (reply, "type", ""), "ok")) {
        s_status (self, true, "%s: %s: %s", type, cb_value_get_str_or (reply, "name", "?"),
                  cb_value_get_str_or (reply, "message", ""));
        return;
    }
    cb_value_t *body = cb_value_get_map (reply, "body");
    char left [32];
    s_left (left, sizeof (left), body);
    int64_t ends;
    bool timed = cb_value_get_int (body, "ends", &ends);
    if (streq (type, "event.advance"))
        s_status (self, false, "advanced: phase %s%s%s", cb_value_get_str_or (body, "phase", "?"),
                  timed ? ", left " : "", timed ? left : "");
    else
    if (streq (type, "event.extend"))
        s_status (self, false, "extended %s by 5 minutes: %s left",
                  cb_value_get_str_or (body, "phase", "?"), left);
    else
    if (streq (type, "event.nudge")) {
        //  The feed shows it when the log brings the event's new nudge.
        s_status (self, false, "nudged %s: %s", action->node, action->text);
    }
    else
    if (streq (type, "draft.show"))
        cli_console_state_add_context (self->state, body);
    else
    if (streq (type, "checkin.list")) {
        cli_console_state_add_checkins (self->state, body);
        if (cb_value_get_str (body, "next"))
            s_read_checkins_page (self, action->node, cb_value_get_str (body, "next"));
    }
    else
    if (streq (type, "ping"))
        self->view.clock_offset = cli_progress_clock_offset (cli_int (body, "time"),
                                                             action->sent, zclock_time ());
}

//  Every action answered since the last call. True if any was.
static bool
s_outcomes (s_console_t *self)
{
    bool any = false;
    uint64_t ticket;
    cb_value_t *reply;
    while ((reply = cb_client_done (self->client, &ticket))) {
        for (int i = 0; i < S_ACTIONS_MAX; i++)
            if (self->actions [i].ticket == ticket) {
                s_outcome (self, &self->actions [i], reply);
                self->actions [i].ticket = 0;
            }
        cb_value_destroy (&reply);
        any = true;
    }
    return any;
}

//  Reads the drafts aligned to that the event does not hold (see
//  cli_console_state_missing_target), without waiting: context only, so
//  its failures say nothing.
static void
s_read_targets (s_console_t *self)
{
    const char *id;
    while ((id = cli_console_state_missing_target (self->state))) {
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "draft", id);
        if (!s_send_quiet (self, "draft.show", &body, NULL))
            return;
    }
    //  The check-ins of final drafts that the snapshot only listed.
    while ((id = cli_console_state_missing_checkins (self->state)))
        s_read_checkins_page (self, id, NULL);
}


//  --------------------------------------------------------------------------
//  Keys

static void
s_key_advance (s_console_t *self)
{
    const char *phase = cb_value_get_str_or (cli_console_state_event (self->state), "phase", "");
    const char *next = cli_console_next_phase (phase);
    if (!next) {
        s_status (self, true, "the event is %s: no phase after it", phase);
        return;
    }
    snprintf (self->phase, sizeof (self->phase), "%s", next);
    snprintf (self->from, sizeof (self->from), "%s", phase);
    snprintf (self->view.prompt, sizeof (self->view.prompt),
              "advance %s to %s? y/n (it ends %s for every team)", self->event, next, phase);
    self->keys = S_KEYS_CONFIRM;
}

static void
s_key_extend (s_console_t *self)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    cb_value_set_int (body, "minutes", 5);
    s_send (self, "event.extend", &body, NULL, NULL);
}

static void
s_prompt_text (s_console_t *self)
{
    //  The end of a long text, where the typing is.
    const char *shown = self->text;
    size_t len = strlen (shown);
    if (len > 300) {
        shown += len - 300;
        while (((unsigned char) *shown & 0xC0) == 0x80)
            shown++;
    }
    snprintf (self->view.prompt, sizeof (self->view.prompt),
              "nudge %.64s, text (enter sends, empty or Esc cancels): %.300s_", self->nudged,
              shown);
}

static void
s_key_nudge (s_console_t *self)
{
    const char *node = cli_console_state_selected (self->state);
    if (!node) {
        s_status (self, true, "no participant to nudge");
        return;
    }
    snprintf (self->nudged, sizeof (self->nudged), "%s", node);
    self->text [0] = 0;
    self->keys = S_KEYS_TEXT;
    s_prompt_text (self);
}

static void
s_key_dump (s_console_t *self)
{
    if (!self->dump_path)
        s_status (self, true, "no dump file: start the console with --dump FILE");
    else
    if (cli_console_state_dump (self->state, self->dump_path))
        s_status (self, true, "dump: %s: %s", self->dump_path, strerror (errno));
    else
        s_status (self, false, "dumped %zu objects as of seq %lld to %s",
                  cb_value_size (cli_console_state_objects (self->state)),
                  (long long) cli_console_state_seq (self->state), self->dump_path);
}

//  A key while asked "advance to PHASE? y/n".
static void
s_key_confirm (s_console_t *self, int key)
{
    self->keys = S_KEYS_MAIN;
    self->view.prompt [0] = 0;
    if (key != 'y' && key != 'Y') {
        s_status (self, false, "not advanced: the phase stays");
        return;
    }
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    cb_value_set_str (body, "from", self->from);
    s_send (self, "event.advance", &body, NULL, NULL);
}

//  Characters (UTF-8 bytes as curses gives them) in `text`.
static size_t
s_chars (const char *text)
{
    size_t count = 0;
    for (const char *p = text; *p; p++)
        if (((unsigned char) *p & 0xC0) != 0x80)
            count++;
    return count;
}

//  A key while typing the nudge's text.
static void
s_key_text (s_console_t *self, int key)
{
    size_t len = strlen (self->text);
    if (key == 27) {                                    //  Esc
        self->keys = S_KEYS_MAIN;
        self->view.prompt [0] = 0;
        s_status (self, false, "nudge cancelled");
        return;
    }
    if (key == KEY_ENTER || key == '\n' || key == '\r') {
        self->keys = S_KEYS_MAIN;
        self->view.prompt [0] = 0;
        if (len == 0) {
            s_status (self, false, "nudge cancelled: no text");
            return;
        }
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "event", self->event);
        cb_value_set_str (body, "node", self->nudged);
        cb_value_set_str (body, "text", self->text);
        s_send (self, "event.nudge", &body, self->nudged, self->text);
        return;
    }
    if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        //  One character back, however many bytes it took.
        while (len > 0 && ((unsigned char) self->text [len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0)
            len--;
        self->text [len] = 0;
    }
    else
    if (key >= 32 && key <= 255 && len + 1 < sizeof (self->text)
    &&  (s_chars (self->text) < S_NUDGE_MAX || ((unsigned) key & 0xC0) == 0x80)) {
        self->text [len] = (char) key;
        self->text [len + 1] = 0;
    }
    s_prompt_text (self);
}

//  Handles one key. Returns false to quit.
static bool
s_key (s_console_t *self, int key)
{
    if (self->keys == S_KEYS_CONFIRM) {
        s_key_confirm (self, key);
        return true;
    }
    if (self->keys == S_KEYS_TEXT) {
        s_key_text (self, key);
        return true;
    }
    if (self->view.detail || self->view.legend || self->view.progress) {
        //  Any key leaves the detail, the legend and the progress
        self->view.detail = self->view.legend = self->view.progress = false;
        return true;
    }
    switch (key) {
        case 'q':
        case 'Q':
            return false;
        case 'a':
            s_key_advance (self);
            break;
        case 'e':
            s_key_extend (self);
            break;
        case 'n':
            s_key_nudge (self);
            break;
        case 'd':
            s_key_dump (self);
            break;
        case '?':
        case 'h':
            self->view.legend = true;
            break;
        case 'p':
            self->view.progress = true;
            break;
        case KEY_UP:
        case 'k':
            cli_console_state_select (self->state, -1);
            break;
        case KEY_DOWN:
        case 'j':
            cli_console_state_select (self->state, 1);
            break;
        case KEY_ENTER:
        case '\n':
        case '\r':
            self->view.detail = true;
            break;
        case 12:                //  Ctrl-L: repaint everything
            clearok (curscr, TRUE);
            break;
        default:
            break;
    }
    return true;
}


//  --------------------------------------------------------------------------
//  The console

//  Reads the snapshot and subscribes to the log after it: the one time the
//  console waits for the broker, before the screen is taken. 0 or -1 with
//  a message on stderr.
static int
s_start (s_console_t *self)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "event", self->event);
    //  Every page of it: their objects merged, and the first page's seq,
    //  which every page repeats (PROTOCOL.md section 12).
    cb_value_t *snapshot = cb_client_request_pages (self->client, "event.snapshot", &body,
                                                    S_REQUEST_MS);
    if (!snapshot) {
        fprintf (stderr, "catchball: console: %s: %s\n", cb_client_error_name (self->client),
                 cb_client_error_message (self->client));
        return -1;
    }
    int rc = cli_console_state_load (self->state, snapshot);
    cb_value_destroy (&snapshot);
    if (rc) {
        fprintf (stderr, "catchball: console: the snapshot has no event/%s\n", self->event);
        return -1;
    }
    //  The broker's clock, for the ages of check-ins (its reply {time}).
    int64_t sent = zclock_time ();
    cb_value_t *pong = cb_client_request (self->client, "ping", NULL, S_REQUEST_MS);
    if (pong)
        self->view.clock_offset = cli_progress_clock_offset (cli_int (pong, "time"), sent,
                                                             zclock_time ());
    cb_value_destroy (&pong);
    uint64_t next = (uint64_t) cli_console_state_seq (self->state) + 1;
    if (cb_client_subscribe (self->client, next, S_REQUEST_MS)) {
        fprintf (stderr, "catchball: console: log.subscribe: %s: %s\n",
                 cb_client_error_name (self->client), cb_client_error_message (self->client));
        return -1;
    }
    return 0;
}

//  Takes what the client library has for us: replies, log entries, the
//  link's state. True if the screen must be drawn again.
static bool
s_take_news (s_console_t *self)
{
    bool dirty = s_outcomes (self);
    cb_value_t *entry;
    for (int n = 0; n < 1000 && (entry = cb_client_recv_log (self->client, 0)); n++) {
        if (cli_console_state_apply (self->state, entry))
            dirty = true;
        cb_value_destroy (&entry);
    }
    //  Our own inbox deliveries (the event's phases, say) are in the log
    //  as well: read them so they do not pile up, and leave them
    //  unacknowledged for the inbox command.
    cb_value_t *delivery;
    while ((delivery = cb_client_recv (self->client, 0)))
        cb_value_destroy (&delivery);
    s_read_targets (self);
    cli_console_view_t *view = &self->view;
    int64_t since = 0;
    cb_link_t link = cb_client_link (self->client, &since);
    int64_t heard = cb_client_heard (self->client);
    size_t in_flight = 0;
    for (int i = 0; i < S_ACTIONS_MAX; i++)
        if (self->actions [i].ticket && !streq (self->actions [i].type, "draft.show")
        &&  !streq (self->actions [i].type, "checkin.list")
        &&  !streq (self->actions [i].type, "ping"))
            in_flight++;
    //  A broker that comes back may have another clock: ask it the time.
    if (link == CB_LINK_UP && view->link != CB_LINK_UP)
        s_send_quiet (self, "ping", NULL, NULL);
    if (link != view->link || since != view->link_since || heard != view->heard
    ||  in_flight != view->in_flight)
        dirty = true;
    view->link = link;
    view->link_since = since;
    view->heard = heard;
    view->in_flight = in_flight;
    snprintf (view->link_why, sizeof (view->link_why), "%s", cb_client_link_why (self->client));
    return dirty;
}

int
cli_console (cb_client_t *client, const char *event, const char *dump_path)
{
    assert (client && event);
    //  Its keys act on a live event ('a' advances it): never take them
    //  from a file or a pipe, where every byte would be a key.
    if (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO)) {
        fprintf (stderr, "catchball: console: needs a terminal (its keys act on the live "
                 "event); for the state as data: catchball event snapshot %s\n", event);
        return 2;
    }
    s_console_t *self = (s_console_t *) calloc (1, sizeof (s_console_t));
    assert (self);
    self->client = client;
    self->event = event;
    self->dump_path = dump_path;
    self->state = cli_console_state_new (event);
    self->view.state = self->state;
    self->view.event = event;
    if (s_start (self)) {
        cli_console_state_destroy (&self->state);
        free (self);
        return 1;
    }
    //  Only the character type: numbers keep printing with a point.
    setlocale (LC_CTYPE, "");
    SCREEN *screen = newterm (NULL, stdout, stdin);
    if (!screen) {
        fprintf (stderr, "catchball: console: cannot use the terminal (TERM=%s)\n",
                 getenv ("TERM") ? getenv ("TERM") : "");
        cli_console_state_destroy (&self->state);
        free (self);
        return 1;
    }
    set_term (screen);
    cbreak ();
    noecho ();
    nonl ();
    keypad (stdscr, TRUE);
    curs_set (0);
    set_escdelay (25);          //  Esc cancels a prompt at once
    cli_console_view_colors (&self->view);
    timeout (S_PUMP_MS);

    bool dirty = true;
    int64_t drawn = 0;
    while (!zsys_interrupted) {
        cb_client_pump (client, S_PUMP_MS);
        if (s_take_news (self))
            dirty = true;
        int64_t now = zclock_time ();
        if (now / 1000 != drawn / 1000)
            dirty = true;       //  The countdown and the ages tick
        if (dirty) {
            self->view.now = now;
            cli_console_view_draw (&self->view);
            drawn = now;
            dirty = false;
        }
        int key = getch ();
        if (key == ERR)
            continue;
        dirty = true;
        if (key == KEY_RESIZE)
            continue;
        if (!s_key (self, key))
            break;
    }
    endwin ();
    delscreen (screen);

    int rc = 0;
    if (dump_path && cli_console_state_dump (self->state, self->dump_path)) {
        fprintf (stderr, "catchball: console: cannot write %s: %s\n", dump_path,
                 strerror (errno));
        rc = 1;
    }
    cli_console_view_free (&self->view);
    cli_console_state_destroy (&self->state);
    free (self);
    return rc;
}
