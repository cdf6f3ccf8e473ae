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

#include "records.h"

typedef int (cb_handler_fn) (cb_req_t *req, const cb_value_t *body);

//  drafts.c
int cb_handle_draft_new (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_revise (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_show (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_list (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_history (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_diff (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_vote (cb_req_t *req, const cb_value_t *body);
int cb_handle_draft_finalize (cb_req_t *req, const cb_value_t *body);
int cb_handle_proposal_adopt (cb_req_t *req, const cb_value_t *body);

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

//  Shared by drafts.c and rounds.c
//  Load a draft by number; NULL with NOT_FOUND.
cb_value_t *cb_draft_load (cb_req_t *req, uint32_t draft);
int cb_draft_save (cb_req_t *req, uint32_t draft, const cb_value_t *record);
//  Load a revision; NULL with NOT_FOUND.
cb_value_t *cb_rev_load (cb_req_t *req, uint32_t draft, uint32_t rev);
//  Load a response by id ("f3", "p1", "e2"); NULL with NOT_FOUND.
cb_value_t *cb_response_load (cb_req_t *req, const char *id);
//  Fail unless the sender owns the draft. 0 or -1.
int cb_draft_check_owner (cb_req_t *req, const cb_value_t *draft);
//  Fail unless the content's aligned_to names an existing draft other than
//  self_id and, if it names one, a key result of that draft's head. 0 or -1.
int cb_draft_check_alignment (cb_req_t *req, const cb_value_t *content, uint32_t self_id);
//  Write a new revision of a draft and update the draft record (head,
//  count, objective) when it is on the mainline. `rev` is filled with the
//  number, author and time; it must hold the other fields. Returns the
//  revision number, or 0 on failure.
uint32_t cb_rev_append (cb_req_t *req, uint32_t draft_id, cb_value_t *draft,
                        cb_value_t *rev);

#endif
