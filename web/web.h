/*  =========================================================================
    web - catchball-web, the gateway that serves catchball to browsers

    The gateway is a client of the broker, like the command line: each
    person who joins through it is a real node, and it says hello as that
    node on a libcatchball connection of its own. Its parts:

    web_tokens.c    single-use join tokens in the gateway's directory, and
                    the random ids of tokens and sessions
    web_gateway.c   the broker side: one connection per active node, the
                    boards (an event's state from event.snapshot plus the
                    log, through cli_console_state), each node's inbox;
                    runs in the main thread, the only one calling
                    libcatchball
    web_http.c      the browser side (libmicrohttpd, a thread per
                    connection): pages, assets, join, sessions, the
                    Server-Sent Events stream, the security headers, and
                    the requests pages make (POST /api/act: checked for
                    the session, its CSRF token and the Origin)
    web_tls.c       the certificate and key for HTTPS, checked at start
    web_qr.c        a join link as a QR code, in the terminal and as a PNG
    web_expiry.c    sessions end after an idle and an absolute lifetime
    web_keys.c      CURVE: a key pair per node (DIR/keys/), its certificate
                    in the broker's certs/, revocation seen there
    web_board.c     the board's progress: the final drafts' check-ins
    web_views.c     what everyone reads: the graph, reports, progress,
                    history and diff (web_views.h)
    main.c          the command line: serve, invite; the binding rule

    The HTTP threads never touch a libcatchball client: they leave what
    they need in the gateway (under its lock) and wait for the main thread
    to answer, or read what it has published.
    =========================================================================
*/
#ifndef CB_WEB_H_INCLUDED
#define CB_WEB_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "catchball/cb_value.h"

//  Node names as the broker takes them (PROTOCOL.md section 3).
#define WEB_NAME_MAX    65
//  A token or session id: 32 random bytes as hex.
#define WEB_ID_HEX      64
#define WEB_ID_MAX      (WEB_ID_HEX + 1)

//  --------------------------------------------------------------------------
//  web_tokens.c

//  True if name is a node name the broker takes: 1 to 64 of A-Z a-z 0-9
//  . _ -, starting with a letter or digit. Event ids are checked the same way.
bool web_name_ok (const char *name);
//  True if role is leadership, team, facilitator or observer.
bool web_role_ok (const char *role);
//  Makes the directory and any missing parents (each 0700), as `mkdir -p`
//  would: the gateway's --dir may name one inside a fresh clone (var/web).
//  0, or -1 with why.
int web_dir_make (const char *dir, char *why, size_t why_size);
//  0 if the gateway's directory and its invites/, sessions/, inbox/ and
//  keys/ (those that exist) are the gateway's user's alone (no group or
//  other permission); else -1 with why: the gateway refuses to serve.
int web_dir_private (const char *dir, char *why, size_t why_size);
//  True if id is WEB_ID_HEX lower-case hex digits, nothing else.
bool web_id_ok (const char *id);
//  A new random id (WEB_ID_HEX hex digits from getrandom). 0, or -1.
int web_id_new (char *id);

//  Writes a single-use join token for node with role into DIR/invites/
//  (the directories made mode 0700, the file 0600, named by the token's
//  SHA-1). 0 with the token in `token`, or -1 with the reason in why.
int web_invite_new (const char *dir, const char *node, const char *role, char *token,
                    char *why, size_t why_size);
//  Reads the token's node and role, without using it. 0, or -1 if there
//  is no such token (unknown, or used already).
int web_invite_read (const char *dir, const char *token, char *node, char *role);
//  Uses the token up (unlinks it). 0 if this call took it; -1 if it was
//  gone already (another request used it first).
int web_invite_use (const char *dir, const char *token);

//  A new session for node with role, in DIR/sessions/ as the invites are.
//  0 with its id in `id`, or -1 with why.
int web_session_new (const char *dir, const char *node, const char *role, char *id,
                     char *why, size_t why_size);
//  The session's node and role, and (if csrf is not NULL) its CSRF token
//  (WEB_ID_MAX bytes; "" for a session made before sessions had one): 0,
//  or -1 if it does not exist (never made, or revoked).
int web_session_read (const char *dir, const char *id, char *node, char *role, char *csrf);
//  Lists the sessions on out, one a line (revoke and session NULL), or
//  revokes every session of node `revoke`, or the one session whose file
//  name (as the listing shows it) starts with `session` (8 to 40 hex
//  digits; -1 with EINVAL otherwise). Returns how many, or -1.
int web_sessions (const char *dir, const char *revoke, const char *session, FILE *out);

//  --------------------------------------------------------------------------
//  web_gateway.c

typedef struct _web_gateway_t web_gateway_t;

//  A gateway talking to the broker at endpoint.
web_gateway_t *web_gateway_new (const char *endpoint);
void web_gateway_destroy (web_gateway_t **self_p);
//  The broker loop, in the main thread, until *stop is set.
void web_gateway_run (web_gateway_t *self, volatile int *stop);

//  From any thread. Says hello as node with role (its connection opened
//  if it has none), waiting up to timeout_ms. 0, or -1 with why.
int web_gateway_join (web_gateway_t *self, const char *node, const char *role,
                      int timeout_ms, char *why, size_t why_size);
//  The board of event as node sees it, as JSON (the caller frees it),
//  once its version is above *version_p (then set to it), waiting up to
//  timeout_ms; NULL on time-out. The first call starts the board (snapshot
//  plus follow). A board that failed to start is JSON too: {error}.
char *web_gateway_board (web_gateway_t *self, const char *node, const char *event,
                         uint64_t *version_p, int timeout_ms);
//  Node's page: its inbox as the broker sent it, as JSON (the caller
//  frees it), once its version is above *version_p, as for the board.
char *web_gateway_me (web_gateway_t *self, const char *node, uint64_t *version_p,
                      int timeout_ms);

//  From any thread. Sends a request of type with body (a map, taken) as
//  node, on its connection (web_gateway_join first), waiting up to
//  timeout_ms. Returns the outcome as JSON, the caller's: {ok: reply body}
//  or {error: {code, name, message}} (the broker's refusal, or the
//  client's TIMEOUT).
char *web_gateway_call (web_gateway_t *self, const char *node, const char *type,
                        cb_value_t **body_p, int timeout_ms);

//  The same for what node owes now, as `catchball todo` lists it (built by
//  cli_todo_list from reads on the node's connection): {ok: {node, todo:
//  [item]}} or {error}.
char *web_gateway_todo (web_gateway_t *self, const char *node, int timeout_ms);

//  --------------------------------------------------------------------------
//  web_board.c (on the gateway's loop, the main thread)

struct _cb_client_t;
struct _cli_console_state_t;
struct json_t;

//  Reads the check-ins of the event's final drafts that state lists but
//  does not hold (checkin.list, every page), blocking; a read that timed
//  out is asked again later. True if it read any.
bool web_board_checkins (struct _cb_client_t *client, struct _cli_console_state_t *state);
//  Each key result of the event's final drafts as it stands at `now`
//  (cli_console_state_progress), as a JSON array: the caller's.
struct json_t *web_board_progress (struct _cli_console_state_t *state, int64_t now);

//  --------------------------------------------------------------------------
//  web_http.c

typedef struct _web_http_t web_http_t;
typedef struct _web_tls_t web_tls_t;

//  Serves on addr:port (addr numeric IPv4), the invites in dir, the
//  broker through gateway; HTTPS with tls (lent: it must outlive the
//  server), plain HTTP with tls NULL. NULL with why if it cannot listen.
web_http_t *web_http_new (const char *addr, int port, const char *dir,
                          web_gateway_t *gateway, const web_tls_t *tls, char *why,
                          size_t why_size);
//  The port it listens on (the one the system chose for port 0).
int web_http_port (web_http_t *self);
//  Sets the process's limits on live (SSE) streams: per_session for one
//  session, total for the gateway (at most its connections less those
//  kept for pages and requests). 0, or -1 with why.
int web_http_stream_limits (int per_session, int total, char *why, size_t why_size);
#define WEB_STREAMS_PER_SESSION 8       //  Their defaults
#define WEB_STREAMS_TOTAL       512
void web_http_destroy (web_http_t **self_p);

//  --------------------------------------------------------------------------
//  web_tls.c

struct MHD_OptionItem;

//  The certificate (PEM, a chain allowed) and its private key (PEM,
//  unencrypted, no group or other permission) for HTTPS, read and checked:
//  NULL with why (naming the file) if libmicrohttpd has no TLS, or a file
//  is missing, unreadable, not PEM, too open, or the key not the
//  certificate's.
web_tls_t *web_tls_new (const char *cert_file, const char *key_file, char *why,
                        size_t why_size);
void web_tls_destroy (web_tls_t **self_p);
//  libmicrohttpd's options for HTTPS with it, for MHD_OPTION_ARRAY; for
//  self NULL, none. Lent, as long as self lives.
const struct MHD_OptionItem *web_tls_options (const web_tls_t *self);
//  The host the certificate is for (its first DNS name, else IP address,
//  else common name); "" if it names none, or self is NULL. Lent.
const char *web_tls_name (const web_tls_t *self);

//  --------------------------------------------------------------------------
//  web_expiry.c

//  A session ends when unused this long, or this old (seconds).
#define WEB_SESSION_IDLE    (12 * 3600)
#define WEB_SESSION_MAX     (7 * 86400)

//  Sets the process's session lifetimes: idle 2 minutes or more, max no
//  shorter. 0, or -1 with why.
int web_session_lifetimes (int64_t idle, int64_t max, char *why, size_t why_size);
//  Seconds of "90", "90s", "15m", "12h", "7d"; -1 if it is none of those.
int64_t web_duration (const char *text);
//  True if the session file at path is gone, or has outlived a lifetime
//  (then it is removed). Else, if use, it is marked used now.
bool web_session_expired (const char *path, bool use);
//  Keeps the lifetimes in DIR/session-lifetimes, for `sessions` and
//  `revoke` to load. 0, or -1 with why.
int web_session_lifetimes_save (const char *dir, char *why, size_t why_size);
//  The lifetimes kept in DIR, if there are; else they stay as they are.
void web_session_lifetimes_load (const char *dir);
//  Opens a token's or session's file to read, leaving its access time
//  (a session's last use) as it is. NULL with errno.
FILE *web_expiry_fopen (const char *path);

//  --------------------------------------------------------------------------
//  web_qr.c

//  Prints text as a QR code on out, for a terminal (half blocks).
void web_qr_print (FILE *out, const char *text);
//  Writes text as a QR code to a PNG file at path, mode 0600, replacing
//  any file there at once (never half written). 0, or -1 with why.
int web_qr_png (const char *text, const char *path, char *why, size_t why_size);

//  --------------------------------------------------------------------------
//  web_keys.c: each node by its own CURVE key (--broker-key, --certs)

typedef struct _web_keys_t web_keys_t;
typedef struct _cb_client_t cb_client_t;

//  The gateway's keys in DIR/keys/, the broker's certificate directory
//  certs, the broker's public key (its certificate file, or 40 characters
//  of Z85; NULL where none is needed). NULL with why if certs is not a
//  directory or the broker's key cannot be read.
web_keys_t *web_keys_new (const char *dir, const char *certs, const char *broker_key,
                          char *why, size_t why_size);
void web_keys_destroy (web_keys_t **self_p);
//  For invite: makes node's key pair if the gateway has none (DIR/keys/
//  0700, NODE.cert_secret 0600) and puts NODE.cert into certs/ (written
//  aside, linked into place). 0, or -1 with why: the pair kept is for
//  another role, or certs/ holds a certificate of another key for node.
int web_keys_admit (web_keys_t *self, const char *node, const char *role, char *why,
                    size_t why_size);
//  A connection to endpoint as node with role, by its key. NULL with why.
cb_client_t *web_keys_connect (web_keys_t *self, const char *endpoint, const char *node,
                               const char *role, char *why, size_t why_size);
//  True if the gateway has a key for node and certs/NODE.cert no longer
//  holds it (removed, renamed or replaced): the broker refuses it. One
//  thread only (it caches).
bool web_keys_revoked (web_keys_t *self, const char *node);
//  For revoke: removes certs/NODE.cert if it holds the gateway's key for
//  node. 1 if removed, 0 if there was none, -1 with why (another key's).
int web_keys_revoke (web_keys_t *self, const char *node, char *why, size_t why_size);

//  The serving gateway keeps its --certs (absolute) in DIR/certs, for
//  invite and revoke to use when they are given none; certs NULL removes
//  it (serving without CURVE). 0, or -1 with why.
int web_keys_remember (const char *dir, const char *certs, char *why, size_t why_size);
//  The certificate directory kept in DIR/certs, into certs: false if none.
bool web_keys_remembered (const char *dir, char *certs, size_t size);

//  In web_gateway.c: the gateway connects as each node by its key (keys,
//  lent), and ends a node's sessions in DIR/sessions/ once its
//  certificate is gone. Before web_gateway_run.
void web_gateway_set_keys (web_gateway_t *self, web_keys_t *keys, const char *dir);

#endif
