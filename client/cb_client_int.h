/*  =========================================================================
    cb_client_int - what the two files of libcatchball's client share

    cb_client.c is the client: its socket and link, synchronous requests,
    the inbox and the event log; cb_client_flight.c its requests in flight
    (cb_client_send, cb_client_pump's work, cb_client_done). Both see the
    client's struct, here, and call each other through the functions
    below; nothing outside client/cb_client*.c includes this file.
    =========================================================================
*/
#ifndef CB_CLIENT_INT_H_INCLUDED
#define CB_CLIENT_INT_H_INCLUDED

#include <czmq.h>

#include "catchball/catchball.h"

#define CB_CLIENT_MAX_RETRY     8000    //  The longest wait before a resend
#define CB_CLIENT_PING_MS       2000    //  Ping after this long without news
#define CB_CLIENT_PING_TIMEOUT  3000    //  A ping is given up after this (the link says the rest)
#define CB_CLIENT_HOUSEKEEPING  5000    //  Timeout of the client's own requests

//  Why a request in flight was sent
typedef enum {
    CB_FOR_CALLER,              //  cb_client_send: its reply goes to the done list
    CB_FOR_HELLO,               //  Our hello, before anything else
    CB_FOR_PING,                //  Keeps the session known to be alive
    CB_FOR_SUBSCRIBE,           //  Follow the log again (a gap, a new session)
    CB_FOR_ACK                  //  log.ack
} cb_purpose_t;

//  A request in flight (cb_client_send and the client's own)
typedef struct {
    uint64_t ticket;            //  The caller's handle (0 for our own)
    cb_purpose_t purpose;       //  Why it was sent
    char mid [64];              //  Its message id: a resend uses the same
    char type [64];             //  Its message type
    void *data;                 //  The encoded request
    size_t size;                //  Its size
    int64_t value;              //  log.subscribe's from, log.ack's upto
    int64_t deadline;           //  Given up then (monotonic ms)
    int64_t resend;             //  Sent (again) then; 0: at the first chance
    int interval;               //  The next wait before a resend
} cb_flight_t;

struct _cb_client_t {
    zsock_t *dealer;            //  Our connection to the broker
    zsock_t *monitor;           //  The dealer's events (inproc PAIR)
    zpoller_t *poller;          //  Dealer and monitor
    char endpoint [256];        //  Where the broker is
    char key [48];              //  Our public key (Z85), or "" without CURVE
    zcert_t *cert;              //  Our certificate, or NULL without CURVE
    char server_key [48];       //  The broker's public key (Z85), with CURVE
    bool refused_auth;          //  Refused by the broker's ZAP handler (our key)
    int64_t reopen_at;          //  Then try a new socket (monotonic ms)
    cb_link_t link;             //  The link's state
    int64_t link_since;         //  Since when (wall clock ms)
    char link_why [256];        //  Why it was refused
    int handshake_failures;     //  NO_DETAIL failures since the last success
    bool was_up;                //  The link has been up before
    int64_t heard;              //  The last message from the broker (wall ms)
    zlist_t *flights;           //  Requests in flight (cb_flight_t)
    zlist_t *done;              //  Finished requests' replies, for cb_client_done
    uint64_t ticket_next;       //  The last ticket handed out
    char *node;                 //  Node name
    char *role;                 //  Its role
    char *parent;               //  Its parent, or NULL
    bool hello;                 //  The broker knows this connection
    char mid_prefix [24];       //  Random per client: message ids stay unique
    uint64_t mid_next;          //  Counter for message ids
    zlist_t *inbox;             //  Deliveries received, not yet handed out
    zlist_t *log;               //  Log entries received, not yet handed out
    bool subscribed;            //  Following the event log
    uint64_t log_next;          //  The next log sequence to hand out
    uint64_t log_acked;         //  The last log sequence acknowledged to the broker
    cb_value_t *log_filter;     //  The subscription's filter, or NULL: the whole log
    uint64_t delivered;         //  Highest sequence handed out
    uint64_t inbox_last;        //  From hello
    uint64_t inbox_acked;       //  From hello and acks
    int retry;                  //  Resend after this many ms (then twice that...)
    int64_t next_ping;          //  When cb_client_recv pings next (monotonic ms)
    int error;                  //  Last error code
    char error_name [32];       //  Its name
    char error_message [512];   //  Its message
};

//  cb_client.c

//  Sets the client's last error: code, its NAME, message (or the default).
void cb_client_set_error (cb_client_t *self, int code, const char *message);
//  True if the broker would decode this request frame: it is checked
//  as the broker checks it (cb_codec_decode: UTF-8 without NUL, at most
//  256 entries a map, 16 deep), so that a request the broker could only
//  answer BAD_MESSAGE without its mid, which no caller would hear, fails
//  here at once. Else false with the reason in why.
bool cb_client_frame_ok (const void *data, size_t size, char *why, size_t why_size);
//  Handles the link events that have arrived, without waiting.
void cb_client_link_events (cb_client_t *self);
//  A new message id, never used before by this node.
void cb_client_next_mid (cb_client_t *self, char *mid, size_t size);
//  Receives one message and sorts it (deliveries and log entries to their
//  queues, a reply to a request in flight to it); returns any other reply.
cb_value_t *cb_client_recv_one (cb_client_t *self);
//  A hello's body: who we are.
cb_value_t *cb_client_hello_body (cb_client_t *self);

//  cb_client_flight.c

//  A request in flight (body taken), sent by the next cb_flight_due.
//  Returns its ticket (0 for the client's own).
uint64_t cb_flight_new (cb_client_t *self, cb_purpose_t purpose, const char *type,
                        cb_value_t **body_p, int timeout_ms, int64_t value);
//  True if a request of that purpose is in flight.
bool cb_flight_flying (cb_client_t *self, cb_purpose_t purpose);
//  A reply to a request in flight: handled and taken, true; false if it is
//  not one of theirs.
bool cb_flight_reply (cb_client_t *self, cb_value_t **msg_p);
//  Does what is due for the requests in flight (with `ping`, a ping too).
void cb_flight_due (cb_client_t *self, bool ping);
//  Waits up to timeout_ms for news, handles it and what is due.
void cb_flight_pump (cb_client_t *self, int timeout_ms, bool ping);
//  Frees every request in flight and every finished one.
void cb_flight_destroy_all (cb_client_t *self);

#endif
