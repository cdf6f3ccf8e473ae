/*  =========================================================================
    libcatchball - talk to a catchball broker as a leadership, team,
    facilitator or observer node

    A client holds one DEALER connection. It says hello as its node, sends
    requests and waits for their replies, and receives its inbox
    deliveries, which it acknowledges. It survives a broker restart or a
    lost reply: a request is resent with the same message id until its
    reply comes (the broker answers a resend with the original reply and
    changes nothing twice), and after a reconnection it says hello again
    and the broker sends every unacknowledged delivery again, which the
    client passes on only once.

        cb_client_t *client = cb_client_new ("tcp://127.0.0.1:5555", "team-a", "team", NULL);
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "draft", "d1");
        cb_value_t *reply = cb_client_request (client, "draft.show", &body, 5000);
        ...
        cb_value_destroy (&reply);
        //  A long read, every page of it (PROTOCOL.md section 4.1):
        reply = cb_client_request_pages (client, "draft.list", NULL, 5000);
        ...
        cb_value_destroy (&reply);
        cb_client_destroy (&client);

    Not thread-safe: use one client per thread.
    =========================================================================
*/
#ifndef CATCHBALL_H_INCLUDED
#define CATCHBALL_H_INCLUDED

#include "cb_codec.h"
#include "cb_error.h"
#include "cb_value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _cb_client_t cb_client_t;

//  The state of a client's link to its broker, as its socket's handshake
//  events tell it.
typedef enum {
    CB_LINK_CONNECTING,         //  Not up yet (no handshake has succeeded)
    CB_LINK_UP,                 //  The handshake succeeded; the link is up
    CB_LINK_DOWN,               //  It was up and is lost; ZeroMQ reconnects
    CB_LINK_REFUSED             //  The broker refused the handshake (CURVE keys)
} cb_link_t;

//  Create a client for node `node` with `role` (leadership, team,
//  facilitator, observer; NULL for a node the broker knows already) and an
//  optional parent node. Connects at once;
//  says hello with the first request. NULL if the endpoint is invalid.
cb_client_t *cb_client_new (const char *endpoint, const char *node, const char *role,
                            const char *parent);

//  The same over CURVE: the connection is encrypted, and the broker knows
//  the node by the key in `cert_path` (the secret certificate written by
//  `catchball keygen`, which must not be readable by group or others).
//  `broker_key` is the broker's public key: 40 characters of Z85, or the
//  path of the broker's public certificate. `node` and `role` may be NULL:
//  they are then taken from the certificate. NULL on error, with the
//  reason in `why`.
cb_client_t *cb_client_new_curve (const char *endpoint, const char *node, const char *role,
                                  const char *parent, const char *cert_path,
                                  const char *broker_key, char *why, size_t why_size);
void cb_client_destroy (cb_client_t **self_p);

//  Say hello now, waiting up to timeout_ms. 0 on success, -1 on error.
int cb_client_hello (cb_client_t *self, int timeout_ms);

//  Send a request of `type` with `body` (taken; NULL for an empty map) and
//  wait up to timeout_ms for its reply. Returns the reply's body (the
//  caller destroys it), or NULL on error: see cb_client_error*.
cb_value_t *cb_client_request (cb_client_t *self, const char *type, cb_value_t **body_p,
                               int timeout_ms);

//  A paged read (draft.list, draft.history, event.list, event.snapshot,
//  cycle.graph: PROTOCOL.md section 4.1) in full: sends the request, then again with
//  `after` set to each reply's `next` until it is nil, and returns the
//  pages as one body: their lists appended (drafts, events, revisions,
//  rounds, asks), their maps merged (a snapshot's objects; a later page's entry
//  wins), other fields as the first page gave them, and no `next`.
//  timeout_ms bounds each page's request, as for cb_client_request. `body` is taken (NULL: none). NULL
//  on error, as for cb_client_request.
cb_value_t *cb_client_request_pages (cb_client_t *self, const char *type,
                                     cb_value_t **body_p, int timeout_ms);

//  The last error: its code (cb_err_t), NAME and message. Lent.
int cb_client_error (cb_client_t *self);
const char *cb_client_error_name (cb_client_t *self);
const char *cb_client_error_message (cb_client_t *self);

//  The next inbox delivery, waiting up to timeout_ms (0: only what has
//  arrived). Returns the whole delivery message {seq, kind, time, body}
//  (the caller destroys it), or NULL if none came. Each sequence number
//  is passed on once per client, however often the broker sends it.
//  While waiting, the client pings the broker now and then, so that it
//  notices a restarted broker and says hello again.
cb_value_t *cb_client_recv (cb_client_t *self, int timeout_ms);

//  Acknowledge every delivery up to seq: the broker deletes them and never
//  sends them again. 0 or -1.
int cb_client_ack (cb_client_t *self, uint64_t seq, int timeout_ms);

//  Follow the global event log from sequence `from` (see PROTOCOL.md,
//  section 12). The subscription is renewed by itself after a reconnection
//  or a broker restart, from the entry after the last one handed out.
//  0 or -1.
int cb_client_subscribe (cb_client_t *self, uint64_t from, int timeout_ms);
//  The same with a filter {drafts?, nodes?, cycle?, kinds?} (copied; NULL:
//  the whole log): only the entries that concern it come, with their
//  global sequences, so they skip numbers. `from` 0 follows from the next
//  entry on. Renewed with the same filter after a reconnection. 0 or -1
//  (a filter naming nothing that exists is refused: cb_client_error).
int cb_client_subscribe_filter (cb_client_t *self, uint64_t from, const cb_value_t *filter,
                                int timeout_ms);
//  The next log entry, waiting up to timeout_ms (0: only what has
//  arrived): {seq, time, node, kind, objects}, the caller's to destroy; or
//  NULL. Entries come in sequence order, each once; the client
//  acknowledges them to the broker by itself.
cb_value_t *cb_client_recv_log (cb_client_t *self, int timeout_ms);

//  From the last hello: the inbox's last sequence and acknowledged one.
//  The node this client speaks for.
const char *cb_client_node (cb_client_t *self);
uint64_t cb_client_inbox_last (cb_client_t *self);
uint64_t cb_client_inbox_acked (cb_client_t *self);

//  How long to wait for a reply before sending the request again (ms,
//  default 1000).
void cb_client_set_retry (cb_client_t *self, int retry_ms);

//  The link's state now, and (if since_p) since when, in wall-clock ms
//  (zclock_time). While it is CB_LINK_REFUSED every request fails at once
//  with CB_E_REFUSED, whose message says why (our key unknown to the
//  broker, the broker's key not the one we were given, or no key for a
//  CURVE broker); a successful handshake ends it. libzmq gives up on a
//  connection whose key was refused: cb_client_pump tries a new one every
//  3 s, so that a key added to the broker's certificates lets in a client
//  that keeps running.
cb_link_t cb_client_link (cb_client_t *self, int64_t *since_p);
//  Why the link is refused ("" if it is not). Lent.
const char *cb_client_link_why (cb_client_t *self);
//  "connecting", "up", "down" or "refused".
const char *cb_link_name (cb_link_t link);
//  When the broker last sent us anything (wall-clock ms), 0 if never.
int64_t cb_client_heard (cb_client_t *self);

//  Requests without waiting, for a caller with a loop of its own (the
//  console's). cb_client_send queues a request of `type` with `body`
//  (taken; NULL for none) and returns its ticket (never 0). The client says
//  hello first if it must, resends with the same message id, says hello
//  again on NOT_HELLO and gives up after timeout_ms, or at once when the
//  link is refused.
uint64_t cb_client_send (cb_client_t *self, const char *type, cb_value_t **body_p,
                         int timeout_ms);
//  Waits up to timeout_ms for news from the broker or the link, handles
//  what arrived (replies, deliveries, log entries) and what is due
//  (resends, time-outs, a ping now and then). Never waits longer; returns
//  early when something arrived.
void cb_client_pump (cb_client_t *self, int timeout_ms);
//  A finished request: its whole reply, {type: "ok", body} or {type:
//  "error", code, name, message} (a time-out or refusal made by the client
//  looks the same), with `ticket` set; the caller destroys it. NULL if none
//  has finished. *ticket_p, if given, is set to its ticket.
cb_value_t *cb_client_done (cb_client_t *self, uint64_t *ticket_p);
//  How many of the caller's requests are in flight.
size_t cb_client_in_flight (cb_client_t *self);

#ifdef __cplusplus
}
#endif

#endif
