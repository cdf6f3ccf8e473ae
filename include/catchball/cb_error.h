/*  =========================================================================
    cb_error - the error codes that cross the wire

    One enum for every error the broker can answer with. Each has a number
    (stable: part of the protocol), a NAME (stable) and a default message.
    proto/PROTOCOL.md lists them; keep the two in step.
    =========================================================================
*/
#ifndef CB_ERROR_H_INCLUDED
#define CB_ERROR_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CB_OK = 0,
    //  1xx: the message itself is wrong
    CB_E_BAD_MESSAGE = 100,     //  not a well-formed MessagePack map
    CB_E_BAD_VERSION = 101,     //  "cb" is not a version this broker speaks
    CB_E_UNKNOWN_TYPE = 102,    //  no such message type
    CB_E_BAD_FIELD = 103,       //  a field is missing, of the wrong type, or out of limits
    CB_E_TOO_LARGE = 104,       //  the frame is larger than the broker accepts
    //  2xx: who is asking
    CB_E_NOT_HELLO = 200,       //  this connection has not said hello (again)
    CB_E_FORBIDDEN = 201,       //  the node's role may not do this
    CB_E_NOT_OWNER = 202,       //  only the draft's owner may do this
    CB_E_NOT_RECIPIENT = 203,   //  the round was not thrown to this node
    CB_E_ROLE_MISMATCH = 204,   //  the node is known with another role
    CB_E_NOT_PARTICIPANT = 205, //  the node is not a participant of the event
    CB_E_KEY_UNKNOWN = 206,     //  the connection's CURVE key is not (or no longer) allowed
    CB_E_KEY_MISMATCH = 207,    //  the connection's key belongs to another node
    CB_E_NOT_VOTER = 210,       //  the node is not a voter of the draft's confidence vote
    //  3xx: the state of things does not allow it
    CB_E_NOT_FOUND = 300,       //  no such draft, revision, round, response or node
    CB_E_ROUND_OPEN = 301,      //  the draft has a round open
    CB_E_ROUND_CLOSED = 302,    //  the round is closed
    CB_E_ALREADY_ANSWERED = 303,//  this recipient has already given its answer
    CB_E_DRAFT_FINAL = 304,     //  the draft is final: not allowed, or a reason is needed
    CB_E_NO_VOTE = 305,         //  retired: finalize answers NO_CONFIDENCE since issue 14
    CB_E_UNKNOWN_NODE = 306,    //  a named node has never said hello
    CB_E_NOT_PROPOSAL = 307,    //  the response is not a counter-proposal
    CB_E_WRONG_PHASE = 308,     //  the event's phase does not allow it
    CB_E_ASK_STATE = 309,       //  the ask's state does not allow it
    CB_E_NOT_SHARED = 310,      //  the node has not shared a draft into the event
    CB_E_LINKED = 311,          //  another draft aligns to or shares a key result changed
    CB_E_COACH_REFUSED = 312,   //  under --coach strict, the coach finds an error in it
    CB_E_NOT_FINAL = 313,       //  the draft is not final: the end of the cycle comes after
    CB_E_ALREADY_DONE = 314,    //  done once only (a retrospective), and done already
    CB_E_CYCLE_STATE = 315,     //  the cycle's state does not allow it
    CB_E_VOTE_OPEN = 320,       //  the draft's confidence vote is still open
    CB_E_VOTE_CLOSED = 321,     //  the confidence vote is revealed: no more votes
    CB_E_ALREADY_VOTED = 322,   //  this voter has voted already
    CB_E_NO_CONFIDENCE = 323,   //  finalising needs a revealed vote on the head that passed
    //  4xx: slow down
    CB_E_RATE_LIMITED = 400,    //  the node sent more than its rate; retry after a while
    //  5xx: the broker could not do it; nothing was stored
    CB_E_STORAGE_FULL = 500,    //  the store is full
    CB_E_STORAGE = 501,         //  the store failed (I/O error); retry later
    CB_E_INTERNAL = 502,        //  a bug: please report
    CB_E_STORE_DAMAGED = 503,   //  a record the request needs is damaged on disk
    //  6xx: raised by the client library, never sent by the broker
    CB_E_TIMEOUT = 600,         //  no answer from the broker in time
    CB_E_PROTOCOL = 601,        //  the broker's answer did not follow the protocol
    CB_E_REFUSED = 602          //  the broker refused our handshake (CURVE keys)
} cb_err_t;

//  The stable NAME of an error code, for example "NOT_FOUND"; "UNKNOWN" if none.
const char *cb_err_name (int code);
//  A one-line default message for an error code.
const char *cb_strerror (int code);

#ifdef __cplusplus
}
#endif

#endif
