/*  =========================================================================
    cli_console_state - what the facilitator console knows of its event,
    without a screen

    The console's state model: the objects of one event as event.snapshot
    gives them, kept up to date by log entries (PROTOCOL.md section 12),
    the feed of the latest changes, the selected participant, and what the
    screen asks of them (rounds a team has not answered, its asks by
    state), and the progress of the event's final drafts from their
    check-ins. cli_console.c draws it with ncurses; a test drives it with
    values alone.
    =========================================================================
*/
#ifndef CB_CLI_CONSOLE_STATE_H_INCLUDED
#define CB_CLI_CONSOLE_STATE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cli_value.h"

typedef struct _cli_console_state_t cli_console_state_t;

//  Ask states, in the order the team counts show them (o/c/a/d).
#define CLI_CONSOLE_ASK_STATES 4
extern const char *cli_console_ask_states [CLI_CONSOLE_ASK_STATES];

//  One entry of the feed.
typedef struct {
    int64_t seq;                //  Log sequence
    int64_t time;               //  When the broker committed it (ms)
    char node [64];             //  Who made it
    char kind [40];             //  The request type, or deadline / timebox
    char summary [256];         //  What changed, short
} cli_console_feed_t;

//  The state of event EVENT (its id, copied), holding nothing yet.
cli_console_state_t *cli_console_state_new (const char *event);

//  Destroys the state and nulls the pointer; safe on NULL.
void cli_console_state_destroy (cli_console_state_t **self_p);

//  Takes the objects and seq of an event.snapshot reply (copied). 0, or -1
//  if the event itself is not among them.
int cli_console_state_load (cli_console_state_t *self, const cb_value_t *snapshot);

//  Applies one log entry (log.subscribe): replaces each key it carries
//  that belongs to the event, drops rounds that closed, and notes the
//  entry in the feed. True if anything the console shows changed.
bool cli_console_state_apply (cli_console_state_t *self, const cb_value_t *entry);

//  Writes {seq, objects} to path as JSON, through a temporary file and a
//  rename so that a reader never sees half of it. 0, or -1 with errno set.
int cli_console_state_dump (cli_console_state_t *self, const char *path);

//  The objects held, by key ("event/e1", "draft/d1"...), lent until the
//  next load or apply.
cb_value_t *cli_console_state_objects (cli_console_state_t *self);

//  The event object, or the object of kind and id ("draft", "d1"); NULL
//  if not held. Lent, as the objects.
cb_value_t *cli_console_state_event (cli_console_state_t *self);
cb_value_t *cli_console_state_object (cli_console_state_t *self, const char *kind,
                                      const char *id);

//  The event's id; the last log sequence applied (or the snapshot's).
const char *cli_console_state_event_id (cli_console_state_t *self);
int64_t cli_console_state_seq (cli_console_state_t *self);

//  How many entries the feed holds, and the nth newest (0 the newest).
size_t cli_console_state_feed_size (cli_console_state_t *self);
const cli_console_feed_t *cli_console_state_feed (cli_console_state_t *self, size_t n);

//  Open rounds on the participants' drafts that node has not answered.
size_t cli_console_state_waiting (cli_console_state_t *self, const char *node);

//  Counts of the asks node sent (from) and received (to), by state, in
//  the order of cli_console_ask_states.
void cli_console_state_ask_counts (cli_console_state_t *self, const char *node,
                                   int *sent, int *received);

//  The selected participant's name (lent), or NULL if there is none; the
//  selection stays within the participants.
const char *cli_console_state_selected (cli_console_state_t *self);
size_t cli_console_state_selected_index (cli_console_state_t *self);

//  Moves the selection by delta participants, within the list.
void cli_console_state_select (cli_console_state_t *self, int delta);

//  --------------------------------------------------------------------------
//  What the facilitator needs to see from the back of the room

//  The phase after `phase` ("planned" -> "share" -> ... -> "closed"), or
//  NULL after "closed" or for an unknown phase.
const char *cli_console_next_phase (const char *phase);


//  Drafts aligned to that the state does not hold (a draft of a node that
//  is not a participant, say: the snapshot has only participants' drafts).
//  Returns the id of one not yet asked for, and notes it as asked (the
//  console then reads it with draft.show); NULL if none.
const char *cli_console_state_missing_target (cli_console_state_t *self);
//  Keeps a draft.show reply {draft, revision} as context: the draft with
//  its revision's content, shown in the alignment tree but not one of the
//  event's objects (not dumped); log entries naming it update it.
void cli_console_state_add_context (cli_console_state_t *self, const cb_value_t *show);
//  A draft of the event, or a context draft; NULL if neither. Lent.
cb_value_t *cli_console_state_draft (cli_console_state_t *self, const char *id);

//  The latest confidence vote on a draft's head revision, 0..5, or -1 if
//  none; with `node_p`, who cast it (lent).
int cli_console_state_confidence (cli_console_state_t *self, const char *draft,
                                  const char **node_p);

//  Something a participant owes: an answer to a round, to an ask, to a
//  counter or an offer, or (in the commit phase) a vote.
typedef struct {
    char node [64];             //  Who owes it
    char what [320];            //  On what, as a short sentence
} cli_console_owed_t;

//  What the participants owe now, up to max items, in participant order.
//  Returns how many there are (may be more than max).
size_t cli_console_state_owed (cli_console_state_t *self, cli_console_owed_t *owed,
                               size_t max);

//  A deal that cannot go on: the answer an ask waits for would be refused
//  with ROUND_OPEN, because the draft it changes has a catchball round
//  open. Only the round's owner (closing it) or its recipients who have
//  not answered (answering it) can unblock it.
typedef struct {
    char ask [16];              //  The ask
    char answer [32];           //  The answer it waits for, that would be refused
    char by [64];               //  Who would give that answer
    char draft [16];            //  The draft with the open round
    char round [16];            //  The round
    char owner [64];            //  The round's owner, who can close it
    char waiting [256];         //  Its recipients who have not answered, ", "-separated
} cli_console_stuck_t;

//  The stuck deals, up to max; returns how many there are.
size_t cli_console_state_stuck (cli_console_state_t *self, cli_console_stuck_t *stuck,
                                size_t max);

//  --------------------------------------------------------------------------
//  Progress after finalize: the event's final drafts and their check-ins
//
//  event.snapshot has no check-ins, only each draft's `checkins` (ids):
//  the console reads those of a final draft once (checkin.list {draft}),
//  then the log brings each new one (`checkin/cN`, with its draft).

//  A final draft of the event whose check-ins are listed but not all held,
//  not yet asked for: its id, noted as asked (the console then reads them
//  with checkin.list); NULL if none.
const char *cli_console_state_missing_checkins (cli_console_state_t *self);
//  Forgets that a draft's check-ins were asked for, so that
//  missing_checkins names it again: for a read that timed out (the broker
//  gone for longer than a request waits), not for one refused.
void cli_console_state_retry_checkins (cli_console_state_t *self, const char *draft);
//  Keeps the check-ins of a checkin.list reply (a page) that are about the
//  event's drafts. Check-ins are never changed: one held is kept as is.
void cli_console_state_add_checkins (cli_console_state_t *self, const cb_value_t *list);
//  How many check-ins are held.
size_t cli_console_state_checkin_count (cli_console_state_t *self);
//  The progress of every key result of the event's final drafts (their
//  heads), in draft order then key result order, at `now` on the broker's
//  clock: an array of cli_progress_kr's maps, each with `owner` and
//  `objective` of its draft added. The caller's.
cb_value_t *cli_console_state_progress (cli_console_state_t *self, int64_t now);

#endif
