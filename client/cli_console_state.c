/*  =========================================================================
    cli_console_state - the facilitator console's state: one event's
    objects, kept as event.snapshot would return them

    The console follows its event as PROTOCOL.md section 12 says a console
    does (the Clone pattern): event.snapshot gives the objects as of log
    sequence S, log.subscribe from S + 1 brings every later change, and
    applying an entry replaces each key it carries. The state keeps only
    the keys event.snapshot would return for the event (the event, its
    asks, the drafts of the event's cycle owned by its participants and
    the open rounds of those drafts), so that what it holds can be dumped
    and compared with a fresh snapshot. Check-ins on those drafts are kept
    apart (they are not in a snapshot): read once per final draft, then
    followed through the log, for the drafts' progress (cli_progress).
    Nothing here draws or talks to the broker: cli_console.c does both.
    =========================================================================
*/
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <unistd.h>

#include "cli.h"
#include "cli_console_state.h"
#include "cli_progress.h"

#define S_FEED_MAX      50      //  Log entries kept for the feed

const char *cli_console_ask_states [CLI_CONSOLE_ASK_STATES] = {
    "open", "countered", "accepted", "declined"
};

struct _cli_console_state_t {
    char *event;                //  The event's id
    char event_key [80];        //  "event/e1"
    cb_value_t *objects;        //  The objects we hold, by key
    int64_t seq;                //  The last log sequence applied
    cli_console_feed_t feed [S_FEED_MAX];   //  The latest relevant entries, a ring
    size_t feed_size;           //  Entries in the ring
    size_t feed_next;           //  Where the next one goes
    size_t selected;            //  The selected participant
    cb_value_t *context;        //  Drafts aligned to that are not the event's, by key
    cb_value_t *asked;          //  Their ids, once asked for (draft.show)
    char missing [64];          //  The last id missing_target returned
    cb_value_t *checkins;       //  Check-ins on the event's drafts, by key ("checkin/c1")
    cb_value_t *checkins_asked; //  Drafts whose check-ins were asked for, by id
    char missing_checkins [64]; //  The last id missing_checkins returned
};

//  --------------------------------------------------------------------------
//  Small helpers

static bool
s_prefixed (const char *key, const char *prefix)
{
    return strncmp (key, prefix, strlen (prefix)) == 0;
}

//  The string at index of an array, "" if it is none.
static const char *
s_item_str (const cb_value_t *array, size_t index)
{
    const char *s = cb_value_str (cb_value_at (array, index));
    return s ? s : "";
}

//  --------------------------------------------------------------------------
//  Construction

cli_console_state_t *
cli_console_state_new (const char *event)
{
    cli_console_state_t *self = (cli_console_state_t *) calloc (1, sizeof (*self));
    assert (self);
    self->event = strdup (event);
    assert (self->event);
    snprintf (self->event_key, sizeof (self->event_key), "event/%s", event);
    self->objects = cb_value_new_map ();
    self->context = cb_value_new_map ();
    self->asked = cb_value_new_map ();
    self->checkins = cb_value_new_map ();
    self->checkins_asked = cb_value_new_map ();
    return self;
}

void
cli_console_state_destroy (cli_console_state_t **self_p)
{
    assert (self_p);
    cli_console_state_t *self = *self_p;
    if (!self)
        return;
    cb_value_destroy (&self->objects);
    cb_value_destroy (&self->context);
    cb_value_destroy (&self->asked);
    cb_value_destroy (&self->checkins);
    cb_value_destroy (&self->checkins_asked);
    free (self->event);
    free (self);
    *self_p = NULL;
}

int
cli_console_state_load (cli_console_state_t *self, const cb_value_t *snapshot)
{
    cb_value_t *objects = cb_value_get_map (snapshot, "objects");
    cb_value_destroy (&self->objects);
    self->objects = objects ? cb_value_dup (objects) : cb_value_new_map ();
    self->seq = cli_int (snapshot, "seq");
    return cli_console_state_event (self) ? 0 : -1;
}

//  --------------------------------------------------------------------------
//  Log entries

//  True if an object of a log entry belongs to the event, as event.snapshot
//  decides: the event, its asks, the drafts of its cycle owned by its
//  participants, and rounds of those drafts (the caller keeps only the open
//  ones). Unknown kinds of object are not ours.
static bool
s_relevant (cli_console_state_t *self, const char *key, const cb_value_t *value)
{
    if (cb_value_type (value) != CB_MAP)
        return false;
    if (s_prefixed (key, "event/"))
        return streq (key, self->event_key);
    if (s_prefixed (key, "ask/"))
        return streq (cli_str (value, "event"), self->event);
    cb_value_t *event = cli_console_state_event (self);
    if (s_prefixed (key, "draft/"))
        return cli_has (cb_value_get_array (event, "participants"), cli_str (value, "owner"))
               && streq (cli_str (value, "cycle"), cli_str (event, "cycle"));
    if (s_prefixed (key, "round/"))
        return cli_console_state_object (self, "draft", cli_str (value, "draft")) != NULL;
    return false;
}

//  A few words on an object that changed, for the feed. A nudge changes
//  the event by adding to its `nudges`: the feed says whom and what.
static void
s_describe (char *buf, size_t size, const char *key, const cb_value_t *value,
            const char *kind)
{
    const char *id = strchr (key, '/') + 1;
    cb_value_t *nudges = cb_value_get_array (value, "nudges");
    if (s_prefixed (key, "event/") && streq (kind, "event.nudge") && cb_value_size (nudges)) {
        cb_value_t *last = cb_value_at (nudges, cb_value_size (nudges) - 1);
        snprintf (buf, size, "%s: %s", cli_str (last, "node"), cli_str (last, "text"));
    }
    else
    if (s_prefixed (key, "event/"))
        snprintf (buf, size, "%s %s", id, cli_str (value, "phase"));
    else
    if (s_prefixed (key, "ask/"))
        snprintf (buf, size, "%s %s", id, cli_str (value, "state"));
    else
    if (s_prefixed (key, "draft/"))
        snprintf (buf, size, "%s rev %lld", id, (long long) cli_int (value, "head"));
    else
    if (s_prefixed (key, "checkin/")) {
        char number [CLI_NUMBER_MAX];
        snprintf (buf, size, "%s %s/%s = %s, confidence %lld", id, cli_str (value, "draft"),
                  cli_str (value, "kr"), cli_number (cb_value_get (value, "value"), number,
                                                     sizeof (number)),
                  (long long) cli_int (value, "confidence"));
    }
    else
        snprintf (buf, size, "%s %s", id, cli_str (value, "state"));
}

//  Takes one object of an entry if it is ours; true if it was.
static bool
s_take (cli_console_state_t *self, const char *key, const cb_value_t *value)
{
    if (!s_relevant (self, key, value))
        return false;
    if (s_prefixed (key, "round/") && !streq (cli_str (value, "state"), "open")) {
        if (!cb_value_get (self->objects, key))
            return false;       //  A round we never held, closed
        cb_value_remove (self->objects, key);
    }
    else {
        cb_value_t *copy = cb_value_dup (value);
        cb_value_set (self->objects, key, &copy);
    }
    return true;
}

//  Takes a check-in if it is about a draft of the event (made on it, or on
//  a key result another draft shares with it); true if it was.
static bool
s_take_checkin (cli_console_state_t *self, const char *key, const cb_value_t *value)
{
    if (cb_value_type (value) != CB_MAP
    ||  (!cli_console_state_object (self, "draft", cli_str (value, "draft"))
      && !cli_console_state_object (self, "draft", cli_str (value, "shared_draft"))))
        return false;
    cb_value_t *copy = cb_value_dup (value);
    cb_value_set (self->checkins, key, &copy);
    return true;
}

//  Notes an entry that changed something in the feed's ring.
static void
s_feed_add (cli_console_state_t *self, const cb_value_t *entry, const char *summary)
{
    cli_console_feed_t *item = &self->feed [self->feed_next];
    item->seq = cli_int (entry, "seq");
    item->time = cli_int (entry, "time");
    snprintf (item->node, sizeof (item->node), "%s", cli_str (entry, "node"));
    snprintf (item->kind, sizeof (item->kind), "%s", cli_str (entry, "kind"));
    snprintf (item->summary, sizeof (item->summary), "%s", summary);
    self->feed_next = (self->feed_next + 1) % S_FEED_MAX;
    if (self->feed_size < S_FEED_MAX)
        self->feed_size++;
}

//  Drafts before rounds and check-ins, so that a new draft's round is known
//  as ours, and a check-in's draft is the one it lists it.
bool
cli_console_state_apply (cli_console_state_t *self, const cb_value_t *entry)
{
    int64_t seq = cli_int (entry, "seq");
    if (seq > self->seq)
        self->seq = seq;
    cb_value_t *objects = cb_value_get_map (entry, "objects");
    char summary [256] = "";
    bool changed = false;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cb_value_size (objects); i++) {
            const char *key = cb_value_key_at (objects, i);
            cb_value_t *value = cb_value_val_at (objects, i);
            bool checkin = s_prefixed (key, "checkin/");
            if ((s_prefixed (key, "round/") || checkin) != (pass == 1))
                continue;
            if (cb_value_get (self->context, key) && cb_value_type (value) == CB_MAP) {
                //  A context draft: kept up to date, though not the event's.
                cb_value_t *copy = cb_value_dup (value);
                cb_value_set (self->context, key, &copy);
                changed = true;
                continue;
            }
            if (checkin ? !s_take_checkin (self, key, value) : !s_take (self, key, value))
                continue;
            char words [256];
            s_describe (words, sizeof (words), key, value, cli_str (entry, "kind"));
            size_t len = strlen (summary);
            if (len + 2 < sizeof (summary))
                snprintf (summary + len, sizeof (summary) - len, "%s%.*s", len ? ", " : "",
                          (int) (sizeof (summary) - len - 3), words);
            changed = true;
        }
    if (changed)
        s_feed_add (self, entry, summary);
    return changed;
}

int
cli_console_state_dump (cli_console_state_t *self, const char *path)
{
    char temp [PATH_MAX];
    if (snprintf (temp, sizeof (temp), "%s.tmp.%d", path, (int) getpid ())
        >= (int) sizeof (temp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *file = fopen (temp, "w");
    if (!file)
        return -1;
    cb_value_t *dump = cb_value_new_map ();
    cb_value_set_int (dump, "seq", self->seq);
    cb_value_t *objects = cb_value_dup (self->objects);
    cb_value_set (dump, "objects", &objects);
    cli_json_print (file, dump, false);
    cb_value_destroy (&dump);
    int rc = fflush (file) == 0 && !ferror (file) && fsync (fileno (file)) == 0 ? 0 : -1;
    int saved = errno;
    if (fclose (file) && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename (temp, path)) {
        rc = -1;
        saved = errno;
    }
    if (rc) {
        unlink (temp);
        errno = saved;
    }
    return rc;
}

//  --------------------------------------------------------------------------
//  What the screen reads

cb_value_t *
cli_console_state_objects (cli_console_state_t *self)
{
    return self->objects;
}

cb_value_t *
cli_console_state_event (cli_console_state_t *self)
{
    return cb_value_get_map (self->objects, self->event_key);
}

cb_value_t *
cli_console_state_object (cli_console_state_t *self, const char *kind, const char *id)
{
    if (!id || !*id)
        return NULL;
    char key [128];
    snprintf (key, sizeof (key), "%s/%s", kind, id);
    return cb_value_get_map (self->objects, key);
}

const char *
cli_console_state_event_id (cli_console_state_t *self)
{
    return self->event;
}

int64_t
cli_console_state_seq (cli_console_state_t *self)
{
    return self->seq;
}

size_t
cli_console_state_feed_size (cli_console_state_t *self)
{
    return self->feed_size;
}

const cli_console_feed_t *
cli_console_state_feed (cli_console_state_t *self, size_t n)
{
    if (n >= self->feed_size)
        return NULL;
    return &self->feed [(self->feed_next + S_FEED_MAX - 1 - n) % S_FEED_MAX];
}

size_t
cli_console_state_waiting (cli_console_state_t *self, const char *node)
{
    size_t count = 0;
    for (size_t i = 0; i < cb_value_size (self->objects); i++) {
        if (!s_prefixed (cb_value_key_at (self->objects, i), "round/"))
            continue;
        cb_value_t *round = cb_value_val_at (self->objects, i);
        if (streq (cli_str (round, "state"), "open")
        &&  cli_has (cb_value_get_array (round, "recipients"), node)
        && !cli_has (cb_value_get_array (round, "answered"), node))
            count++;
    }
    return count;
}

void
cli_console_state_ask_counts (cli_console_state_t *self, const char *node, int *sent,
                              int *received)
{
    for (int s = 0; s < CLI_CONSOLE_ASK_STATES; s++)
        sent [s] = received [s] = 0;
    for (size_t i = 0; i < cb_value_size (self->objects); i++) {
        if (!s_prefixed (cb_value_key_at (self->objects, i), "ask/"))
            continue;
        cb_value_t *ask = cb_value_val_at (self->objects, i);
        for (int s = 0; s < CLI_CONSOLE_ASK_STATES; s++)
            if (streq (cli_str (ask, "state"), cli_console_ask_states [s])) {
                if (streq (cli_str (ask, "from"), node))
                    sent [s]++;
                if (streq (cli_str (ask, "to"), node))
                    received [s]++;
            }
    }
}

const char *
cli_console_state_selected (cli_console_state_t *self)
{
    cb_value_t *participants = cb_value_get_array (cli_console_state_event (self),
                                                   "participants");
    if (cb_value_size (participants) == 0)
        return NULL;
    if (self->selected >= cb_value_size (participants))
        self->selected = cb_value_size (participants) - 1;
    const char *name = cb_value_str (cb_value_at (participants, self->selected));
    return name ? name : "";
}

size_t
cli_console_state_selected_index (cli_console_state_t *self)
{
    cli_console_state_selected (self);      //  Clamps
    return self->selected;
}

void
cli_console_state_select (cli_console_state_t *self, int delta)
{
    if (delta < 0 && (size_t) -delta > self->selected)
        self->selected = 0;
    else
        self->selected = (size_t) ((int64_t) self->selected + delta);
    cli_console_state_selected (self);      //  Clamps
}


//  --------------------------------------------------------------------------
//  What the facilitator needs to see from the back of the room

const char *
cli_console_next_phase (const char *phase)
{
    static const char *phases [] = { "planned", "share", "negotiate", "commit", "closed" };
    for (size_t i = 0; i + 1 < sizeof (phases) / sizeof (phases [0]); i++)
        if (phase && streq (phase, phases [i]))
            return phases [i + 1];
    return NULL;
}

cb_value_t *
cli_console_state_draft (cli_console_state_t *self, const char *id)
{
    cb_value_t *draft = cli_console_state_object (self, "draft", id);
    if (!draft && id && *id) {
        char key [128];
        snprintf (key, sizeof (key), "draft/%s", id);
        draft = cb_value_get_map (self->context, key);
    }
    return draft;
}

const char *
cli_console_state_missing_target (cli_console_state_t *self)
{
    for (int pass = 0; pass < 2; pass++) {
        cb_value_t *drafts = pass ? self->context : self->objects;
        for (size_t i = 0; i < cb_value_size (drafts); i++) {
            if (!s_prefixed (cb_value_key_at (drafts, i), "draft/"))
                continue;
            cb_value_t *aligned = cb_value_get_map (
                cb_value_get_map (cb_value_val_at (drafts, i), "content"), "aligned_to");
            const char *target = cli_str (aligned, "draft");
            if (!*target || cli_console_state_draft (self, target)
            ||  cb_value_get (self->asked, target))
                continue;
            cb_value_set_bool (self->asked, target, true);
            snprintf (self->missing, sizeof (self->missing), "%s", target);
            return self->missing;
        }
    }
    return NULL;
}

void
cli_console_state_add_context (cli_console_state_t *self, const cb_value_t *show)
{
    cb_value_t *draft = cb_value_get_map (show, "draft");
    const char *id = cli_str (draft, "id");
    if (!*id || cli_console_state_object (self, "draft", id))
        return;
    cb_value_t *copy = cb_value_dup (draft);
    cb_value_t *content = cb_value_get_map (cb_value_get_map (show, "revision"), "content");
    cb_value_t *content_copy = content ? cb_value_dup (content) : cb_value_new_map ();
    cb_value_set (copy, "content", &content_copy);
    char key [128];
    snprintf (key, sizeof (key), "draft/%s", id);
    cb_value_set (self->context, key, &copy);
}

int
cli_console_state_confidence (cli_console_state_t *self, const char *id, const char **node_p)
{
    cb_value_t *draft = cli_console_state_draft (self, id);
    cb_value_t *votes = cb_value_get_array (draft, "votes");
    int64_t head = cli_int (draft, "head");
    int confidence = -1;
    for (size_t i = 0; i < cb_value_size (votes); i++) {
        cb_value_t *vote = cb_value_at (votes, i);
        if (cli_int (vote, "rev") != head)
            continue;
        confidence = (int) cli_int (vote, "confidence");    //  The latest wins
        if (node_p)
            *node_p = cli_str (vote, "node");
    }
    return confidence;
}

//  Adds one owed item if there is room; counts it anyway.
static void
s_owe (cli_console_owed_t *owed, size_t max, size_t *count, const char *node,
       const char *format, ...)
{
    if (*count < max) {
        cli_console_owed_t *item = &owed [*count];
        snprintf (item->node, sizeof (item->node), "%s", node);
        va_list args;
        va_start (args, format);
        vsnprintf (item->what, sizeof (item->what), format, args);
        va_end (args);
    }
    (*count)++;
}

//  What one node owes.
static void
s_owed_by (cli_console_state_t *self, const char *node, cli_console_owed_t *owed, size_t max,
           size_t *count)
{
    for (size_t i = 0; i < cb_value_size (self->objects); i++) {
        const char *key = cb_value_key_at (self->objects, i);
        cb_value_t *value = cb_value_val_at (self->objects, i);
        if (s_prefixed (key, "round/")
        &&  streq (cli_str (value, "state"), "open")
        &&  cli_has (cb_value_get_array (value, "recipients"), node)
        && !cli_has (cb_value_get_array (value, "answered"), node))
            s_owe (owed, max, count, node, "an answer to round %s on %s (%s): %s",
                   cli_str (value, "id"), cli_str (value, "draft"), cli_str (value, "owner"),
                   cli_str (value, "question"));
        if (!s_prefixed (key, "ask/"))
            continue;
        const char *state = cli_str (value, "state");
        bool offer = streq (cli_str (value, "kind"), "offer");
        const char *text = cb_value_get_str (value, "need");
        if (!text)
            text = cli_str (value, "text");
        if (streq (state, "open") && streq (cli_str (value, "to"), node))
            s_owe (owed, max, count, node, offer ? "take or refuse offer %s from %s: %s"
                                                 : "accept, counter or decline %s from %s: %s",
                   cli_str (value, "id"), cli_str (value, "from"), text);
        if (streq (state, "countered") && streq (cli_str (value, "from"), node))
            s_owe (owed, max, count, node, "take or refuse %s's counter on %s: %s",
                   cli_str (value, "to"), cli_str (value, "id"), cli_str (value, "counter"));
    }
    //  In the commit phase, a revealed confidence vote on the shared
    //  draft's head: its owner opens a sealed one (vote open), its voters
    //  cast theirs; the console sees the votes once they are revealed.
    cb_value_t *event = cli_console_state_event (self);
    const char *shared = cb_value_get_str (cb_value_get_map (event, "shared"), node);
    if (streq (cli_str (event, "phase"), "commit") && shared
    &&  cli_console_state_object (self, "draft", shared)
    &&  cli_console_state_confidence (self, shared, NULL) < 0)
        s_owe (owed, max, count, node, "a revealed confidence vote on %s (revision %lld): "
               "vote open, then the voters vote", shared,
               (long long) cli_int (cli_console_state_object (self, "draft", shared), "head"));
}

size_t
cli_console_state_owed (cli_console_state_t *self, cli_console_owed_t *owed, size_t max)
{
    size_t count = 0;
    cb_value_t *participants = cb_value_get_array (cli_console_state_event (self),
                                                   "participants");
    for (size_t i = 0; i < cb_value_size (participants); i++) {
        const char *node = cb_value_str (cb_value_at (participants, i));
        if (node)
            s_owed_by (self, node, owed, max, &count);
    }
    return count;
}

size_t
cli_console_state_stuck (cli_console_state_t *self, cli_console_stuck_t *stuck, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < cb_value_size (self->objects); i++) {
        if (!s_prefixed (cb_value_key_at (self->objects, i), "ask/"))
            continue;
        cb_value_t *ask = cb_value_val_at (self->objects, i);
        const char *state = cli_str (ask, "state");
        bool offer = streq (cli_str (ask, "kind"), "offer");
        const char *answer, *by;
        if (streq (state, "open")) {
            answer = offer ? "ask take" : "ask accept";
            by = cli_str (ask, "to");
        }
        else
        if (streq (state, "countered")) {
            answer = "ask take";
            by = cli_str (ask, "from");
        }
        else
            continue;
        //  The drafts the answer would change: the helper's; for a shared
        //  key result (known once countered, or offered) the helped one's too.
        const char *drafts [2] = { cli_str (ask, "helper_draft"), NULL };
        if (streq (cli_str (cb_value_get_map (ask, "reflect"), "type"), "shared_kr"))
            drafts [1] = cli_str (ask, "draft");
        for (int d = 0; d < 2 && drafts [d]; d++) {
            cb_value_t *draft = cli_console_state_object (self, "draft", drafts [d]);
            const char *round_id = cb_value_get_str (draft, "round");
            if (!round_id)
                continue;
            if (count < max) {
                cli_console_stuck_t *item = &stuck [count];
                memset (item, 0, sizeof (*item));
                snprintf (item->ask, sizeof (item->ask), "%s", cli_str (ask, "id"));
                snprintf (item->answer, sizeof (item->answer), "%s", answer);
                snprintf (item->by, sizeof (item->by), "%s", by);
                snprintf (item->draft, sizeof (item->draft), "%s", drafts [d]);
                snprintf (item->round, sizeof (item->round), "%s", round_id);
                cb_value_t *round = cli_console_state_object (self, "round", round_id);
                snprintf (item->owner, sizeof (item->owner), "%s",
                          round ? cli_str (round, "owner") : cli_str (draft, "owner"));
                cb_value_t *recipients = cb_value_get_array (round, "recipients");
                cb_value_t *answered = cb_value_get_array (round, "answered");
                for (size_t r = 0; r < cb_value_size (recipients); r++) {
                    const char *name = cb_value_str (cb_value_at (recipients, r));
                    if (!name || cli_has (answered, name))
                        continue;
                    size_t len = strlen (item->waiting);
                    snprintf (item->waiting + len, sizeof (item->waiting) - len, "%s%s",
                              len ? ", " : "", name);
                }
            }
            count++;
            break;              //  One reason is enough
        }
    }
    return count;
}


//  --------------------------------------------------------------------------
//  Progress after finalize

//  A final draft of the event (a Draft with its head's content), or NULL.
static cb_value_t *
s_final_draft (cli_console_state_t *self, size_t index)
{
    if (!s_prefixed (cb_value_key_at (self->objects, index), "draft/"))
        return NULL;
    cb_value_t *draft = cb_value_val_at (self->objects, index);
    return streq (cli_str (draft, "state"), "final") ? draft : NULL;
}

const char *
cli_console_state_missing_checkins (cli_console_state_t *self)
{
    for (size_t i = 0; i < cb_value_size (self->objects); i++) {
        cb_value_t *draft = s_final_draft (self, i);
        const char *id = cli_str (draft, "id");
        if (!draft || !*id || cb_value_get (self->checkins_asked, id))
            continue;
        cb_value_t *ids = cb_value_get_array (draft, "checkins");
        for (size_t k = 0; k < cb_value_size (ids); k++) {
            char key [80];
            snprintf (key, sizeof (key), "checkin/%s", s_item_str (ids, k));
            if (cb_value_get (self->checkins, key))
                continue;
            cb_value_set_bool (self->checkins_asked, id, true);
            snprintf (self->missing_checkins, sizeof (self->missing_checkins), "%s", id);
            return self->missing_checkins;
        }
    }
    return NULL;
}

void
cli_console_state_retry_checkins (cli_console_state_t *self, const char *draft)
{
    cb_value_remove (self->checkins_asked, draft);
}

void
cli_console_state_add_checkins (cli_console_state_t *self, const cb_value_t *list)
{
    cb_value_t *checkins = cb_value_get_array (list, "checkins");
    for (size_t i = 0; i < cb_value_size (checkins); i++) {
        cb_value_t *checkin = cb_value_at (checkins, i);
        char key [80];
        snprintf (key, sizeof (key), "checkin/%s", cli_str (checkin, "id"));
        if (!cb_value_get (self->checkins, key))
            s_take_checkin (self, key, checkin);
    }
}

size_t
cli_console_state_checkin_count (cli_console_state_t *self)
{
    return cb_value_size (self->checkins);
}

//  Check-ins in the order they were made: ids count up (c1, c2...).
static int
s_by_id (const void *a, const void *b)
{
    long long x = atoll (cli_str (*(const cb_value_t *const *) a, "id") + 1);
    long long y = atoll (cli_str (*(const cb_value_t *const *) b, "id") + 1);
    return (x > y) - (x < y);
}

cb_value_t *
cli_console_state_progress (cli_console_state_t *self, int64_t now)
{
    size_t count = cb_value_size (self->checkins);
    const cb_value_t **sorted = (const cb_value_t **) calloc (count + 1, sizeof (*sorted));
    assert (sorted);
    for (size_t i = 0; i < count; i++)
        sorted [i] = cb_value_val_at (self->checkins, i);
    qsort (sorted, count, sizeof (*sorted), s_by_id);
    cb_value_t *checkins = cb_value_new_array ();
    for (size_t i = 0; i < count; i++) {
        cb_value_t *copy = cb_value_dup (sorted [i]);
        cb_value_push (checkins, &copy);
    }
    free (sorted);
    cb_value_t *list = cb_value_new_array ();
    for (size_t i = 0; i < cb_value_size (self->objects); i++) {
        cb_value_t *draft = s_final_draft (self, i);
        if (!draft)
            continue;
        cb_value_t *krs = cb_value_get_array (cb_value_get_map (draft, "content"),
                                              "key_results");
        for (size_t k = 0; k < cb_value_size (krs); k++) {
            cb_value_t *p = cli_progress_kr (cli_str (draft, "id"), cb_value_at (krs, k),
                                             checkins, now);
            cb_value_set_str (p, "owner", cli_str (draft, "owner"));
            cb_value_set_str (p, "objective", cli_str (draft, "objective"));
            cb_value_push (list, &p);
        }
    }
    cb_value_destroy (&checkins);
    return list;
}
