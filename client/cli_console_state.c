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
    and compared with a fresh snapshot. Nothing here draws or talks to the
    broker: cli_console.c does both.
    =========================================================================
*/
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "cli.h"
#include "cli_console_state.h"

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
};

//  --------------------------------------------------------------------------
//  Small helpers

static bool
s_prefixed (const char *key, const char *prefix)
{
    return strncmp (key, prefix, strlen (prefix)) == 0;
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

//  A few words on an object that changed, for the feed.
static void
s_describe (char *buf, size_t size, const char *key, const cb_value_t *value)
{
    const char *id = strchr (key, '/') + 1;
    if (s_prefixed (key, "event/"))
        snprintf (buf, size, "%s %s", id, cli_str (value, "phase"));
    else
    if (s_prefixed (key, "ask/"))
        snprintf (buf, size, "%s %s", id, cli_str (value, "state"));
    else
    if (s_prefixed (key, "draft/"))
        snprintf (buf, size, "%s rev %lld", id, (long long) cli_int (value, "head"));
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

//  Drafts before rounds, so that a new draft's round is known as ours.
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
            if (s_prefixed (key, "round/") != (pass == 1) || !s_take (self, key, value))
                continue;
            char words [96];
            s_describe (words, sizeof (words), key, value);
            size_t len = strlen (summary);
            snprintf (summary + len, sizeof (summary) - len, "%s%s", len ? ", " : "", words);
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
