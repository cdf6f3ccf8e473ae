/*  =========================================================================
    cb_error - names and messages of the error codes that cross the wire
    =========================================================================
*/
#include <stddef.h>

#include "catchball/cb_error.h"

typedef struct {
    int code;                   //  The number on the wire
    const char *name;           //  Its stable NAME
    const char *message;        //  A default one-line message
} s_error_t;

static const s_error_t s_errors [] = {
    { CB_OK,                 "OK",               "success" },
    { CB_E_BAD_MESSAGE,      "BAD_MESSAGE",      "the message is not a well-formed MessagePack map" },
    { CB_E_BAD_VERSION,      "BAD_VERSION",      "unsupported protocol version" },
    { CB_E_UNKNOWN_TYPE,     "UNKNOWN_TYPE",     "unknown message type" },
    { CB_E_BAD_FIELD,        "BAD_FIELD",        "a field is missing, of the wrong type or out of limits" },
    { CB_E_TOO_LARGE,        "TOO_LARGE",        "the message is too large" },
    { CB_E_NOT_HELLO,        "NOT_HELLO",        "say hello first" },
    { CB_E_FORBIDDEN,        "FORBIDDEN",        "this role may not do that" },
    { CB_E_NOT_OWNER,        "NOT_OWNER",        "only the draft's owner may do that" },
    { CB_E_NOT_RECIPIENT,    "NOT_RECIPIENT",    "the round was not thrown to this node" },
    { CB_E_ROLE_MISMATCH,    "ROLE_MISMATCH",    "the node is known with another role" },
    { CB_E_NOT_PARTICIPANT,  "NOT_PARTICIPANT",  "the node is not a participant of the event" },
    { CB_E_KEY_UNKNOWN,      "KEY_UNKNOWN",      "this connection's key is not in the broker's certificate directory" },
    { CB_E_KEY_MISMATCH,     "KEY_MISMATCH",     "this connection's key belongs to another node" },
    { CB_E_NOT_VOTER,        "NOT_VOTER",        "this node is not a voter of the draft's confidence vote" },
    { CB_E_NOT_FOUND,        "NOT_FOUND",        "no such thing" },
    { CB_E_ROUND_OPEN,       "ROUND_OPEN",       "the draft has a round open" },
    { CB_E_ROUND_CLOSED,     "ROUND_CLOSED",     "the round is closed" },
    { CB_E_ALREADY_ANSWERED, "ALREADY_ANSWERED", "this recipient has already answered the round" },
    { CB_E_DRAFT_FINAL,      "DRAFT_FINAL",      "the draft is final" },
    { CB_E_NO_VOTE,          "NO_VOTE",          "retired: finalize answers NO_CONFIDENCE" },
    { CB_E_UNKNOWN_NODE,     "UNKNOWN_NODE",     "no node of that name has ever said hello" },
    { CB_E_NOT_PROPOSAL,     "NOT_PROPOSAL",     "that response is not a counter-proposal" },
    { CB_E_WRONG_PHASE,      "WRONG_PHASE",      "the event's phase does not allow that" },
    { CB_E_ASK_STATE,        "ASK_STATE",        "the ask's state does not allow that" },
    { CB_E_NOT_SHARED,       "NOT_SHARED",       "share a draft into the event first" },
    { CB_E_LINKED,           "LINKED",           "another draft aligns to or shares that key result: keep it, or unlink with a reason" },
    { CB_E_NOT_FINAL,        "NOT_FINAL",        "the draft is not final: finalise it first" },
    { CB_E_ALREADY_DONE,     "ALREADY_DONE",     "this is done once only, and it is done already" },
    { CB_E_COACH_REFUSED,    "COACH_REFUSED",    "the coach finds an error in it (the broker runs --coach strict): see catchball lint" },
    { CB_E_VOTE_OPEN,        "VOTE_OPEN",        "the draft's confidence vote is still open" },
    { CB_E_VOTE_CLOSED,      "VOTE_CLOSED",      "the confidence vote is revealed: it takes no more votes" },
    { CB_E_ALREADY_VOTED,    "ALREADY_VOTED",    "this voter has voted already" },
    { CB_E_NO_CONFIDENCE,    "NO_CONFIDENCE",    "finalising needs a revealed confidence vote on the head revision that passed, or an override with a reason" },
    { CB_E_CYCLE_STATE,      "CYCLE_STATE",      "the cycle's state does not allow that: see catchball cycle show" },
    { CB_E_RATE_LIMITED,     "RATE_LIMITED",     "too many requests: retry after a while; nothing was stored" },
    { CB_E_STORAGE_FULL,     "STORAGE_FULL",     "the store is full; nothing was stored" },
    { CB_E_STORAGE,          "STORAGE",          "the store failed; nothing was stored" },
    { CB_E_INTERNAL,         "INTERNAL",         "internal error" },
    { CB_E_STORE_DAMAGED,    "STORE_DAMAGED",    "a record in the broker's store is damaged; nothing was stored" },
    { CB_E_TIMEOUT,          "TIMEOUT",          "no answer from the broker in time" },
    { CB_E_PROTOCOL,         "PROTOCOL",         "the broker's answer did not follow the protocol" },
    { CB_E_REFUSED,          "REFUSED",          "the broker refused our handshake: check the CURVE keys" },
};

static const s_error_t *
s_lookup (int code)
{
    for (size_t i = 0; i < sizeof (s_errors) / sizeof (s_errors [0]); i++)
        if (s_errors [i].code == code)
            return &s_errors [i];
    return NULL;
}

const char *
cb_err_name (int code)
{
    const s_error_t *e = s_lookup (code);
    return e ? e->name : "UNKNOWN";
}

const char *
cb_strerror (int code)
{
    const s_error_t *e = s_lookup (code);
    return e ? e->message : "unknown error";
}
