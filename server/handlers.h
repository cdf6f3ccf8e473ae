/*  =========================================================================
    handlers - one function per request type, and what they share

    Each handler applies one request inside the request's own transaction
    (see records.h): it checks the sender's relation to what it touches
    (owner, recipient), validates, writes, pushes deliveries, and fills
    req->reply; or it fails the request with a code and writes nothing that
    survives. Role checks that depend only on the role are in dispatch.c.
    =========================================================================
*/
#ifndef CB_HANDLERS_H_INCLUDED
#define CB_HANDLERS_H_INCLUDED

#include "paging.h"
#include "records.h"

typedef int (cb_handler_fn) (cb_req_t *req, const cb_value_t *body);

//  drafts.c
int cb_handle_draft_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_revise (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_show (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_list (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_finalize (cb_req_t *req, const cb_value_t *body);
int cb_handle_proposal_adopt (cb_req_t *req, const cb_value_t *body);
//  draft.new's checks, shared with draft.import: `content` validated for a
//  new draft of `cycle` (NULL: the content names it) whose key result ids
//  given must be below *next_kr (1: none may be given), sharing nothing,
//  its aligned_to checked. The normalised content, the caller's; NULL
//  with the request failed.
cb_value_t *cb_draft_check_new (cb_req_t *req, const cb_value_t *content, const char *cycle,
                                int64_t *next_kr);
//  Writes a new draft owned by the sender, in the request's transaction,
//  with `content` (from cb_draft_check_new; taken) as its revision 1 and
//  next_kr as its next key result id. The draft's number, or 0 with the
//  request failed.
uint32_t cb_draft_create (cb_req_t *req, cb_value_t **content_p, const char *message,
                          int64_t next_kr);

//  imports.c
int cb_handle_draft_import (cb_req_t *req, const cb_value_t *body);

//  votes.c: the sealed confidence vote
int cb_handle_vote_open (cb_req_t *req, const cb_value_t *body);
int cb_handle_vote_show (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_vote (cb_req_t *req, const cb_value_t *body);
//  What draft.finalize asks of the draft's vote: a revealed one on the head
//  that passed, or an override (its reason, or NULL); an open vote is
//  revealed. Sets the draft's final_vote and override. 0, or -1 with the
//  request failed (NO_CONFIDENCE).
int cb_vote_check_final (cb_req_t *req, cb_value_t *draft, const char *override);
//  Reveal every open vote whose deadline is at or before req->now.
//  Returns how many, or -1.
int cb_votes_expire (cb_req_t *req);
//  The earliest deadline of an open vote (ms), or 0 if none.
int64_t cb_votes_next_deadline (cb_txn_t *txn);

//  history.c
int cb_handle_draft_history (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_diff (cb_req_t *req, const cb_value_t *body);

//  rounds.c
int cb_handle_round_throw (cb_req_t *req, const cb_value_t *body);
int cb_handle_round_feedback (cb_req_t *req, const cb_value_t *body);
int cb_handle_round_counter (cb_req_t *req, const cb_value_t *body);
int cb_handle_round_endorse (cb_req_t *req, const cb_value_t *body);
int cb_handle_round_show (cb_req_t *req, const cb_value_t *body);
int cb_handle_round_close (cb_req_t *req, const cb_value_t *body);
//  Close every open round whose deadline is at or before req->now.
//  Returns how many were closed, or -1.
int cb_rounds_expire (cb_req_t *req);
//  The earliest deadline of an open round (ms), or 0 if none.
int64_t cb_rounds_next_deadline (cb_txn_t *txn);
//  The round an id such as "r3" names, for readers that go on without it:
//  NULL if none (the request does not fail).
cb_value_t *cb_round_get (cb_txn_t *txn, const char *id);
//  Load a response by id ("f3", "p1", "e2"); NULL with NOT_FOUND.
cb_value_t *cb_response_load (cb_req_t *req, const char *id);
//  Stores a response made outside a round (draft.raise), its id ("f7",
//  from the letter's counter) set in it. 0, or -1 with the request failed.
int cb_response_put (cb_req_t *req, char letter, cb_value_t *response);

//  raise.c
int cb_handle_draft_raise (cb_req_t *req, const cb_value_t *body);

//  retro.c: the end of a cycle
int cb_handle_draft_retro (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_carry (cb_req_t *req, const cb_value_t *body);

//  checkins.c
int cb_handle_checkin_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_checkin_list (cb_req_t *req, const cb_value_t *body);
//  The cadence: checkin.due for every key result of a draft whose last
//  check-in is a whole number of its cycle's cadences old at a tick due
//  by req->now, escalated to the owner of the draft it aligns to from the
//  second cadence missed. Returns how many ticks fired, or -1.
int cb_checkins_expire (cb_req_t *req);
//  The earliest cadence tick (ms), or 0 if none.
int64_t cb_checkins_next_due (cb_txn_t *txn);
//  A draft just finalised: its first cadence tick, one cadence from now
//  if its cycle has one, so that a draft never checked in is reminded.
void cb_checkins_finalized (cb_req_t *req, const cb_value_t *draft);
//  A check-in by id ("c3"), for draft.history: NULL if none (the request
//  does not fail).
cb_value_t *cb_checkin_get (cb_txn_t *txn, const char *id);
//  The last check-in listed on the draft about its key result kr (a new
//  value), or NULL if none.
cb_value_t *cb_checkin_last (cb_req_t *req, const cb_value_t *draft, const char *kr);

//  cycles.c
int cb_handle_cycle_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_cycle_close (cb_req_t *req, const cb_value_t *body);
int cb_handle_cycle_show (cb_req_t *req, const cb_value_t *body);
int cb_handle_cycle_list (cb_req_t *req, const cb_value_t *body);
//  The cycle of that name (a new value), or NULL if it was never created
//  (an undefined cycle: its drafts work as before) or on store error.
cb_value_t *cb_cycle_get (cb_txn_t *txn, const char *name);
//  "planning", "running" or "closed" at `now`; NULL for no cycle.
const char *cb_cycle_state (const cb_value_t *cycle, int64_t now);

//  events.c
int cb_handle_event_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_advance (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_extend (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_nudge (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_share (cb_req_t *req, const cb_value_t *body);
//  Advance every event whose time box has run out by req->now. Returns how
//  many, or -1.
int cb_events_expire (cb_req_t *req);
//  The earliest end of a time box (ms), or 0 if none.
int64_t cb_events_next_timebox (cb_txn_t *txn);
//  Event and ask records. Load: NULL with NOT_FOUND. Save: also notes the
//  change for the event log.
cb_value_t *cb_event_load (cb_req_t *req, uint32_t id);
int cb_event_save (cb_req_t *req, const cb_value_t *event);
//  The event the body's "event" field names; NULL with the request failed.
cb_value_t *cb_event_of (cb_req_t *req, const cb_value_t *body);
//  True if node takes part in the event.
bool cb_event_has (const cb_value_t *event, const char *node);
//  planned 0, share 1, negotiate 2, commit 3, closed 4; -1 if unknown.
int cb_event_phase_index (const char *phase);

//  views.c: the read models
int cb_handle_event_show (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_list (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_snapshot (cb_req_t *req, const cb_value_t *body);
int cb_handle_event_report (cb_req_t *req, const cb_value_t *body);
int cb_handle_cycle_graph (cb_req_t *req, const cb_value_t *body);

//  asks.c
//  Load an ask; NULL with NOT_FOUND.
cb_value_t *cb_ask_load (cb_req_t *req, uint32_t id);
int cb_handle_ask_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_offer_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_ask_accept (cb_req_t *req, const cb_value_t *body);
int cb_handle_ask_decline (cb_req_t *req, const cb_value_t *body);
int cb_handle_ask_counter (cb_req_t *req, const cb_value_t *body);
int cb_handle_ask_take (cb_req_t *req, const cb_value_t *body);
int cb_handle_ask_refuse (cb_req_t *req, const cb_value_t *body);
int cb_handle_ask_list (cb_req_t *req, const cb_value_t *body);
//  Calls fn with each ask record as stored (the key is its number, 4
//  bytes), from ask `from` on, in order, until fn returns non-zero. 0, or
//  -1 on store error.
int cb_asks_scan (cb_txn_t *txn, uint32_t from, cb_scan_fn *fn, void *arg);
//  True if the stored ask is of the cycle: its `cycle`, or (an ask made
//  before asks carried it) its draft's.
bool cb_ask_in_cycle (cb_req_t *req, const void *ask, size_t size, const char *cycle);

//  Shared by drafts.c and rounds.c
//  Load a draft by number; NULL with NOT_FOUND.
cb_value_t *cb_draft_load (cb_req_t *req, uint32_t draft);
//  A draft by number, or NULL if there is none (nothing failed).
cb_value_t *cb_draft_get (cb_txn_t *txn, uint32_t draft);
int cb_draft_save (cb_req_t *req, uint32_t draft, const cb_value_t *record);
//  Calls fn with each draft record as stored (the key is its number, 4
//  bytes), from draft `from` on, in order, until fn returns non-zero. For
//  readers that filter on the stored bytes. 0, or -1 on store error.
int cb_drafts_scan (cb_txn_t *txn, uint32_t from, cb_scan_fn *fn, void *arg);

//  history.c: stores the history entry of revision `number` of a draft
//  (the revision `rev`, whose parent it reads). 0 or -1.
int cb_history_put (cb_req_t *req, uint32_t draft_id, uint32_t number, const cb_value_t *rev);
//  The draft's revisions made between since and until (ms), as in
//  draft.history (no content; changes from the parent). NULL on failure.
cb_value_t *cb_draft_revisions (cb_req_t *req, uint32_t draft, int64_t since, int64_t until);
//  Load a revision; NULL with NOT_FOUND.
cb_value_t *cb_rev_load (cb_req_t *req, uint32_t draft, uint32_t rev);
//  Fail unless the sender owns the draft. 0 or -1.
int cb_draft_check_owner (cb_req_t *req, const cb_value_t *draft);
//  Fail unless the content's aligned_to names an existing draft other than
//  self_id and, if it names one, a key result of that draft's head. 0 or -1.
int cb_draft_check_alignment (cb_req_t *req, const cb_value_t *content, uint32_t self_id);
//  links.c: the links between drafts (aligned_to, shared_with) kept true.
//  shared_with is the broker's: each key result of `content` gets the one
//  of the key result with its id in `base` (the revision it builds on),
//  kept only while the other side shares it back. With `strict`, a
//  shared_with the client sent that `base` does not have is refused
//  (BAD_FIELD); without, it is replaced. 0 or -1.
int cb_links_shared (cb_req_t *req, uint32_t self_id, cb_value_t *content,
                     const cb_value_t *base, bool strict);
//  Checks a new mainline revision `content` of draft self_id against its
//  head content: a key result removed or reworded that another draft's
//  head aligns to, or removed or changed (text, baseline, target, unit)
//  while shared, is refused with LINKED, naming them, unless `unlink` (the
//  reason) is given. Then *breaks_p gets what breaks (for cb_links_record
//  and cb_links_tell; the caller destroys it; NULL if nothing does), and
//  a shared key result kept in `content` loses its shared_with. 0 or -1.
int cb_links_check (cb_req_t *req, uint32_t self_id, const cb_value_t *head,
                    cb_value_t *content, const char *unlink, cb_value_t **breaks_p);
//  How key result `was` became `now`: "removed" (now is NULL), "reworded"
//  (another text), "changed" (its baseline, target or unit), or NULL if
//  none of those differ.
const char *cb_links_change (const cb_value_t *was, const cb_value_t *now);
//  Calls fn for each draft other than `self` ("d1") whose head aligns to
//  a key result of it: the draft's id, its owner and that key result
//  (all lent for the call). Reads every draft's head. 0 or -1 (a store
//  error, the request failed).
typedef void (cb_links_aligned_fn) (const char *draft, const char *owner, const char *kr,
                                    void *arg);
int cb_links_aligned (cb_req_t *req, const char *self, cb_links_aligned_fn *fn, void *arg);
//  Notes the unlink in the revision: unlink: {reason, links: [...]}.
void cb_links_record (cb_value_t *rev, const char *reason, const cb_value_t *breaks);
//  Tells each dependent draft's owner (link.broken). 0 or -1.
int cb_links_tell (cb_req_t *req, const char *draft, uint32_t rev, const char *by,
                   const char *reason, const cb_value_t *breaks);
//  notify.c: alignment that notifies. After mainline revision `rev` of
//  draft draft_id (owned by `owner`) was written with content `now` over
//  head content `was` (NULL for a new draft): draft.aligned to the owner
//  of the draft a new aligned_to names, parent.changed to the owners of
//  the drafts aligned to a key result it rewords or changes, except those
//  links.c told already (`breaks`, or NULL). 0 or -1.
int cb_notify_revision (cb_req_t *req, uint32_t draft_id, const char *owner,
                        const cb_value_t *was, const cb_value_t *now, uint32_t rev,
                        const cb_value_t *breaks);
//  Write a new revision of a draft and update the draft record (head,
//  count, objective) when it is on the mainline. `rev` is filled with the
//  number, time and (unless it names one) the author, the sender; it must
//  hold the other fields. Returns the
//  revision number, or 0 on failure.
uint32_t cb_rev_append (cb_req_t *req, uint32_t draft_id, cb_value_t *draft,
                        cb_value_t *rev);

#endif
