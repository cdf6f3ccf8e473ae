/*  =========================================================================
    web_http - the gateway's browser side: libmicrohttpd, a thread per
    connection

    Routes (GETs, and two POSTs; anything else is refused):

        /join?token=T       the join page: a Join button (a GET uses nothing
                            up, so a link preview cannot spend the token)
        POST /join          token=T from that page, with the gateway's own
                            Origin: the single-use token to a session
                            cookie, then /me
        /board?event=E      the facilitator's board (a static page)
        /me                 a node's page: its inbox, what it owes, the
                            forms that answer rounds and asks (static)
        GET /api/session    {node, role, csrf}: who the page speaks for,
                            and the token its POSTs must carry
        GET /api/todo       what the node owes: {ok: {node, todo: [item]}},
                            as `catchball todo` lists it
        GET /api/read?type=T&FIELD=V...
                            a read as the session's node (round.show,
                            draft.show, draft.list, ask.list, vote.show:
                            what the page needs to know what is still
                            owed), the fields strings
        POST /api/act       {type, body} as JSON: one request to the broker
                            as the session's node (s_act says what is
                            checked first); {ok: reply} or {error: {code,
                            name, message}}, the broker's own refusal
        /live/board?event=E the board as Server-Sent Events
        /live/me            the node's page as Server-Sent Events
        /assets/NAME        the compiled-in HTML, CSS and JavaScript
        /graph, /report, /progress, /history, GET /api/view/...
                            what everyone reads: web_views.c

    Every response carries the security headers (s_headers): a
    Content-Security-Policy allowing only this origin's own scripts and
    styles (no inline ones, which the pages never use), frame-ancestors
    'none', nosniff, a Referer for this origin alone (a join link's token
    never leaks to another site; "no-referrer" would make the browser
    send Origin: null, which the join's Origin check refuses) and no
    caching. Pages build their DOM with textContent from
    the JSON the live streams send, so user text is never parsed as HTML.

    Limits: S_CONNECTIONS connections, S_STREAMS_MAX live streams per
    session and S_STREAMS_TOTAL in all (--sse-per-session, --sse-total:
    web_http_stream_limits; the rest of the connections stay for pages
    and requests, however many streams are open), 64 KiB of memory per
    connection, S_BODY_MAX bytes of body for POST /join, S_ACT_MAX for
    POST /api/act (a counter-proposal's whole content); no other
    request's body is read. A stream over a limit is answered 429 with
    which limit, in words.

    A state-changing request (POST /api/act) must carry all of: the
    session's cookie (SameSite=Strict: another site's page never sends
    it), the gateway's own Origin, the session's CSRF token in the
    X-CSRF-Token header (compared in constant time; another site cannot
    read it, and a cross-site form cannot set a header) and a JSON body
    (application/json, which a cross-site form cannot send either). Each
    layer alone would stop a forged request; they are there together so
    that one mistake in a browser does not open the door. A refusal never
    reaches the broker, so nothing is stored; the broker's own refusals
    come back as it gave them (code, name, message) for the page to show.

    A session is a random id in an HttpOnly, SameSite=Strict cookie
    (Secure under TLS), good while its file is in the gateway's
    directory (web_tokens.c): checked at every request and before every
    message of a live stream, so `catchball-web revoke NODE` ends them at
    once, and a restarted gateway keeps them (it says hello for their
    nodes again as their streams come back).

    An SSE message is the whole board, never a delta, with `id:` the log
    sequence it is as of: a browser that reconnects (with Last-Event-ID or
    not) gets the state as of now at once, so it misses nothing.
    =========================================================================
*/
#include <czmq.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

#include "cli.h"
#include "web.h"
#include "web_assets.h"
#include "web_views.h"

#define S_SESSIONS_MAX  1024    //  Sessions with live streams at once
#define S_CONNECTIONS   768     //  HTTP connections at once (SSE streams hold one):
                                //  for each of the 256 nodes served, a live page, the
                                //  board and one for requests
#define S_JOIN_MS       10000   //  How long a join waits for the node's hello
#define S_LIVE_MS       5000    //  An SSE stream sends a comment when idle this long
#define S_BODY_MAX      256     //  Bytes of a request body (POST /join's token)
#define S_ACT_MAX       65536   //  Bytes of a POST /api/act body
#define S_ACT_MS        15000   //  How long an act waits for the broker's reply
#define S_ACT_DEPTH     8       //  Nesting a body may have (a content's is 5)
#define S_STREAMS_MAX   WEB_STREAMS_PER_SESSION //  Live streams one session may hold open
#define S_STREAMS_TOTAL WEB_STREAMS_TOTAL       //  Live streams in all
#define S_STREAMS_ROOM  16      //  Connections never given to streams
#define S_COOKIE        "cb_session"

static const char *s_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

//  A session: who a browser speaks for (its file in DIR/sessions says)
typedef struct {
    char id [WEB_ID_MAX];       //  The cookie's value
    char node [WEB_NAME_MAX];
    char role [16];
    char csrf [WEB_ID_MAX];     //  The token its POSTs must carry
} s_session_t;

//  The live streams a session holds open now
typedef struct {
    char id [WEB_ID_MAX];       //  The session's id; "" a free slot
    int streams;
} s_streams_t;

struct _web_http_t {
    struct MHD_Daemon *daemon;
    char *dir;                  //  The gateway's directory (invites)
    web_gateway_t *gateway;
    bool tls;                   //  HTTPS: the cookie is Secure, the Origin https
    pthread_mutex_t lock;       //  Guards the stream counts
    s_streams_t streams [S_SESSIONS_MAX];
    int streams_open;           //  Live streams in all
    volatile int closing;       //  SSE streams end
};

//  A POST's body, gathered over several calls, up to max bytes
typedef struct {
    char *data;                 //  What came, 0-terminated
    size_t size;
    size_t max;                 //  S_BODY_MAX or S_ACT_MAX, by route
    bool too_big;               //  More came than max: refused
} s_body_t;

//  One SSE stream
typedef struct {
    web_http_t *http;
    char session [WEB_ID_MAX];  //  Whose stream it is (its count is kept)
    char node [WEB_NAME_MAX];
    char event [WEB_NAME_MAX];  //  "" for the node's page
    uint64_t version;           //  The last version sent
    char *pending;              //  What is left to send of the last message
    size_t offset;
    bool ended;                 //  The last message is out: end the stream
} s_stream_t;


//  --------------------------------------------------------------------------
//  Responses

//  Serving HTTPS: browsers are told to come back by HTTPS only (HSTS), so
//  that a link typed as http:// later cannot hand the cookie to someone
//  on the network. One gateway a process: set once by web_http_new.
static bool s_https;

static void
s_headers (struct MHD_Response *response)
{
    if (s_https)
        MHD_add_response_header (response, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header (response, "Content-Security-Policy", s_csp);
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "X-Frame-Options", "DENY");
    MHD_add_response_header (response, "Referrer-Policy", "same-origin");
    MHD_add_response_header (response, "Cache-Control", "no-store");
}

static enum MHD_Result
s_queue (struct MHD_Connection *connection, unsigned status, struct MHD_Response *response)
{
    s_headers (response);
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}

enum MHD_Result
web_http_queue (struct MHD_Connection *connection, unsigned status,
                struct MHD_Response *response)
{
    return s_queue (connection, status, response);
}

//  A plain-text answer: the refusals say why in words, never as HTML.
static enum MHD_Result
s_text (struct MHD_Connection *connection, unsigned status, const char *format, ...)
{
    char text [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof (text), format, args);
    va_end (args);
    strncat (text, "\n", sizeof (text) - strlen (text) - 1);
    struct MHD_Response *response = MHD_create_response_from_buffer (
        strlen (text), text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header (response, "Content-Type", "text/plain; charset=utf-8");
    return s_queue (connection, status, response);
}

static enum MHD_Result
s_asset (struct MHD_Connection *connection, const char *path)
{
    for (const web_asset_t *asset = web_assets; asset->path; asset++)
        if (streq (asset->path, path)) {
            struct MHD_Response *response = MHD_create_response_from_buffer (
                asset->size, (void *) asset->data, MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header (response, "Content-Type", asset->mime);
            return s_queue (connection, MHD_HTTP_OK, response);
        }
    return s_text (connection, MHD_HTTP_NOT_FOUND, "Not found.");
}


//  --------------------------------------------------------------------------
//  Sessions

//  The session of the request's cookie, copied into *session; false if
//  it has none, or one the gateway's directory does not hold (never made,
//  or revoked).
static bool
s_session (web_http_t *self, struct MHD_Connection *connection, s_session_t *session)
{
    const char *id = MHD_lookup_connection_value (connection, MHD_COOKIE_KIND, S_COOKIE);
    if (web_session_read (self->dir, id, session->node, session->role, session->csrf))
        return false;
    snprintf (session->id, sizeof (session->id), "%s", id);
    return true;
}

//  The refusal of a token that is not (or no longer) there.
static enum MHD_Result
s_no_token (struct MHD_Connection *connection)
{
    return s_text (connection, MHD_HTTP_FORBIDDEN,
                   "This join link is unknown or has been used already: each link "
                   "works once. Ask the facilitator for a new one.");
}

//  GET /join?token=T: the page with the Join button, if the token is
//  good. A GET uses nothing up: a chat's link preview fetching the link
//  must not spend it.
static enum MHD_Result
s_join_page (web_http_t *self, struct MHD_Connection *connection)
{
    const char *token = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "token");
    char node [WEB_NAME_MAX], role [16];
    if (web_invite_read (self->dir, token, node, role))
        return s_no_token (connection);
    return s_asset (connection, "/assets/join.html");
}

//  True if the request comes from a page of this gateway: its Origin is
//  http://HOST (https:// under TLS), HOST as the request names it.
//  Browsers send Origin with every POST; a cross-site form, or a request
//  without one, is refused.
static bool
s_same_origin (web_http_t *self, struct MHD_Connection *connection)
{
    const char *origin = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Host");
    const char *scheme = self->tls ? "https://" : "http://";
    return origin && host && !strncmp (origin, scheme, strlen (scheme))
        && streq (origin + strlen (scheme), host);
}

//  POST /join, body token=T: the token, once, to a session.
static enum MHD_Result
s_join (web_http_t *self, struct MHD_Connection *connection, const char *body)
{
    if (!s_same_origin (self, connection))
        return s_text (connection, MHD_HTTP_FORBIDDEN,
                       "Refused: this request did not come from the gateway's own page.");
    //  token=HEX, as the join page's form sends it; nothing else.
    char token [WEB_ID_MAX] = "";
    if (!strncmp (body, "token=", 6))
        snprintf (token, sizeof (token), "%.*s", WEB_ID_HEX, body + 6);
    if (strlen (body) != 6 + WEB_ID_HEX)
        token [0] = 0;
    char node [WEB_NAME_MAX], role [16], why [512];
    if (web_invite_read (self->dir, token, node, role))
        return s_no_token (connection);
    if (web_gateway_join (self->gateway, node, role, S_JOIN_MS, why, sizeof (why)))
        return s_text (connection, MHD_HTTP_BAD_GATEWAY,
                       "Could not join as %s: %s. The link still works: try again.", node, why);
    //  The hello went through: now use the token up. Of two browsers
    //  racing with one link, only one gets past here.
    if (web_invite_use (self->dir, token))
        return s_text (connection, MHD_HTTP_FORBIDDEN,
                       "This join link has been used already: each link works once.");
    char id [WEB_ID_MAX];
    if (web_session_new (self->dir, node, role, id, why, sizeof (why)))
        return s_text (connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "No session: %s.", why);
    zsys_info ("catchball-web: %s joined as %s", node, role);
    char cookie [256];
    snprintf (cookie, sizeof (cookie), S_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
              id, self->tls ? "; Secure" : "");
    struct MHD_Response *response = MHD_create_response_from_buffer (0, "",
                                                                     MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header (response, "Set-Cookie", cookie);
    MHD_add_response_header (response, "Location", "/me");
    return s_queue (connection, MHD_HTTP_SEE_OTHER, response);
}


//  --------------------------------------------------------------------------
//  Acting: the state-changing requests

//  The request types a page may send through POST /api/act: the answers
//  to rounds and asks, the leadership's round and draft actions, the
//  facilitator's making and running of an event, a team's share, asks
//  and offers in one, and check-ins (web_views.c's progress page). The
//  broker decides who may send each (PROTOCOL.md section 13); this list
//  keeps the gateway from relaying what no page of it offers.
static const char *s_act_types [] = {
    "round.feedback", "round.counter", "round.endorse", "draft.raise",
    "ask.accept", "ask.decline", "ask.counter", "ask.take", "ask.refuse",
    "round.throw", "round.close", "proposal.adopt", "vote.open", "draft.vote",
    "draft.finalize", "draft.new", "draft.revise",
    "event.new", "event.advance", "event.extend", "event.nudge", "event.share", "ask.new",
    "offer.new", "checkin.new",
    NULL
};

//  A JSON answer.
static enum MHD_Result
s_json_text (struct MHD_Connection *connection, unsigned status, const char *json)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (
        strlen (json), (void *) json, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header (response, "Content-Type", "application/json");
    return s_queue (connection, status, response);
}

//  A refusal made here, before the broker: {error: {code, name, message}},
//  in the broker's shape so that the page shows both alike (web_views.c's
//  too).
enum MHD_Result
web_http_refuse (struct MHD_Connection *connection, unsigned status, const char *name,
                 const char *message)
{
    json_t *json = json_pack ("{s:{s:i, s:s, s:s}}", "error", "code", (int) status,
                              "name", name, "message", message);
    char *text = json_dumps (json, JSON_COMPACT);
    json_decref (json);
    enum MHD_Result rc = s_json_text (connection, status, text);
    free (text);
    return rc;
}

//  True if a and b are the same token, in a time that does not depend on
//  where they differ. "" is never a token (a session made before sessions
//  had one cannot act: it joins again).
static bool
s_token_equal (const char *a, const char *b)
{
    if (!a || !b || strlen (a) != WEB_ID_HEX || strlen (b) != WEB_ID_HEX)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < WEB_ID_HEX; i++)
        diff |= (unsigned char) (a [i] ^ b [i]);
    return diff == 0;
}

//  How deeply json nests (a scalar: 0), counting no further than limit + 1.
//  The broker drops a message nested past its decoder's limit without an
//  answer, so the gateway refuses those itself rather than wait for none.
static int
s_depth (const json_t *json, int limit)
{
    if (limit < 0 || !(json_is_object (json) || json_is_array (json)))
        return 0;
    int deepest = 0;
    const char *key;
    json_t *item;
    size_t index;
    if (json_is_object (json)) {
        json_object_foreach ((json_t *) json, key, item) {
            int d = s_depth (item, limit - 1);
            deepest = d > deepest ? d : deepest;
        }
    }
    else
        json_array_foreach (json, index, item) {
            int d = s_depth (item, limit - 1);
            deepest = d > deepest ? d : deepest;
        }
    return deepest + 1;
}

//  The HTTP status of an outcome: 200 for {ok}, else by the hundreds of
//  the broker's code (PROTOCOL.md section 8).
static unsigned
s_outcome_status (const char *outcome)
{
    json_t *json = json_loads (outcome, 0, NULL);
    json_t *error = json_object_get (json, "error");
    json_int_t code = json_integer_value (json_object_get (error, "code"));
    json_decref (json);
    if (!error)
        return MHD_HTTP_OK;
    return code < 200 ? MHD_HTTP_BAD_REQUEST
         : code < 300 ? MHD_HTTP_FORBIDDEN
         : code < 400 ? MHD_HTTP_CONFLICT
         : code < 500 ? MHD_HTTP_TOO_MANY_REQUESTS
                      : MHD_HTTP_BAD_GATEWAY;
}

//  GET /api/session: who the page speaks for, and its CSRF token. Only a
//  page of this origin can read it (no CORS header is ever sent).
static enum MHD_Result
s_api_session (struct MHD_Connection *connection, const s_session_t *session)
{
    json_t *json = json_pack ("{s:s, s:s, s:s}", "node", session->node,
                              "role", session->role, "csrf", session->csrf);
    char *text = json_dumps (json, JSON_COMPACT);
    json_decref (json);
    enum MHD_Result rc = s_json_text (connection, MHD_HTTP_OK, text);
    free (text);
    return rc;
}

//  The reads GET /api/read relays: everything is readable by every node
//  (PROTOCOL.md section 6), and these are what the pages need.
static const char *s_read_types [] = {
    "round.show", "draft.show", "draft.list", "ask.list", "vote.show", NULL
};

//  Each query argument but `type` as a string field of the body.
static enum MHD_Result
s_read_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    if (key && value && !streq (key, "type"))
        cb_value_set_str ((cb_value_t *) cls, key, value);
    return MHD_YES;
}

//  GET /api/todo: what the session's node owes, as the command line's
//  todo says it.
static enum MHD_Result
s_api_todo (web_http_t *self, struct MHD_Connection *connection, const s_session_t *session)
{
    char why [512];
    if (web_gateway_join (self->gateway, session->node, session->role, S_JOIN_MS, why,
                          sizeof (why)))
        return web_http_refuse (connection, MHD_HTTP_BAD_GATEWAY, "NOT_CONNECTED", why);
    char *outcome = web_gateway_todo (self->gateway, session->node, S_ACT_MS);
    enum MHD_Result rc = s_json_text (connection, s_outcome_status (outcome), outcome);
    free (outcome);
    return rc;
}

//  GET /api/read?type=T&...: one read as the session's node. Not a
//  change, so no CSRF token: a cross-site page cannot read the answer.
static enum MHD_Result
s_api_read (web_http_t *self, struct MHD_Connection *connection, const s_session_t *session)
{
    const char *type = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "type");
    bool known = false;
    for (const char **t = s_read_types; type && *t && !known; t++)
        known = streq (*t, type);
    if (!known)
        return web_http_refuse (connection, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST",
                             "This gateway does not relay that read.");
    char why [512];
    if (web_gateway_join (self->gateway, session->node, session->role, S_JOIN_MS, why,
                          sizeof (why)))
        return web_http_refuse (connection, MHD_HTTP_BAD_GATEWAY, "NOT_CONNECTED", why);
    cb_value_t *body = cb_value_new_map ();
    MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, s_read_arg, body);
    char *outcome = web_gateway_call (self->gateway, session->node, type, &body, S_ACT_MS);
    enum MHD_Result rc = s_json_text (connection, s_outcome_status (outcome), outcome);
    free (outcome);
    return rc;
}

//  POST /api/act {type, body}: checks, in order, the Origin, the session,
//  its CSRF token, the body's kind, size and shape and the type; then
//  sends the request as the session's node and answers the outcome.
static enum MHD_Result
s_act (web_http_t *self, struct MHD_Connection *connection, const s_body_t *body)
{
    if (!s_same_origin (self, connection))
        return web_http_refuse (connection, MHD_HTTP_FORBIDDEN, "CROSS_SITE",
                             "Refused: this request did not come from the gateway's own page.");
    s_session_t session;
    if (!s_session (self, connection, &session))
        return web_http_refuse (connection, MHD_HTTP_FORBIDDEN, "NO_SESSION",
                             "You have not joined, or your session has ended: open a new "
                             "join link.");
    const char *csrf = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                    "X-CSRF-Token");
    if (!s_token_equal (csrf, session.csrf))
        return web_http_refuse (connection, MHD_HTTP_FORBIDDEN, "BAD_CSRF",
                             "Refused: the request lacks this session's token. Reload "
                             "the page and try again.");
    const char *kind = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                    "Content-Type");
    if (!kind || strncmp (kind, "application/json", 16))
        return web_http_refuse (connection, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST",
                             "Send the request as application/json.");
    if (body->too_big)
        return web_http_refuse (connection, MHD_HTTP_CONTENT_TOO_LARGE, "TOO_LARGE",
                             "Too large a request (64 KiB at most).");
    json_t *json = json_loadb (body->data ? body->data : "", body->size, 0, NULL);
    const char *type = json_string_value (json_object_get (json, "type"));
    json_t *args = json_object_get (json, "body");
    bool known = false;
    for (const char **t = s_act_types; type && *t && !known; t++)
        known = streq (*t, type);
    enum MHD_Result rc;
    char why [512];
    if (!json_is_object (json) || !type || !json_is_object (args)
    ||  json_object_size (json) != 2)
        rc = web_http_refuse (connection, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST",
                           "The request must be {\"type\": ..., \"body\": {...}}.");
    else
    if (!known)
        rc = web_http_refuse (connection, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST",
                           "This gateway does not send that type of request.");
    else
    if (s_depth (args, S_ACT_DEPTH) > S_ACT_DEPTH)
        rc = web_http_refuse (connection, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST",
                           "The request's body is nested too deeply.");
    else
    if (web_gateway_join (self->gateway, session.node, session.role, S_JOIN_MS, why,
                          sizeof (why)))
        rc = web_http_refuse (connection, MHD_HTTP_BAD_GATEWAY, "NOT_CONNECTED", why);
    else {
        cb_value_t *value = cli_json_to_value (args);
        char *outcome = web_gateway_call (self->gateway, session.node, type, &value, S_ACT_MS);
        zsys_info ("catchball-web: %s: %s: %.120s", session.node, type, outcome);
        rc = s_json_text (connection, s_outcome_status (outcome), outcome);
        free (outcome);
    }
    json_decref (json);
    return rc;
}


//  --------------------------------------------------------------------------
//  Server-Sent Events

//  The next message of a stream into its pending buffer: the board or the
//  page when it has changed, else a comment (which also finds out whether
//  the browser is still there).
static void
s_stream_next (s_stream_t *stream)
{
    web_http_t *self = stream->http;
    char node [WEB_NAME_MAX], role [16];
    if (web_session_read (self->dir, stream->session, node, role, NULL)) {
        stream->pending = strdup ("retry: 10000\nevent: failure\n"
                                  "data: {\"error\":\"This session has ended (revoked): "
                                  "open a new join link.\"}\n\n");
        stream->ended = true;
        return;
    }
    char *json = stream->event [0]
        ? web_gateway_board (self->gateway, stream->node, stream->event, &stream->version,
                             S_LIVE_MS)
        : web_gateway_me (self->gateway, stream->node, &stream->version, S_LIVE_MS);
    if (!json) {
        stream->pending = strdup (": idle\n\n");
        return;
    }
    json_t *value = json_loads (json, 0, NULL);
    json_int_t seq = json_integer_value (json_object_get (value, "seq"));
    bool failed = json_object_get (value, "error") != NULL;
    json_decref (value);
    //  A failure is the stream's last message; the page says why and the
    //  browser tries again after a while.
    if (failed) {
        stream->pending = zsys_sprintf ("retry: 10000\nevent: failure\ndata: %s\n\n", json);
        stream->ended = true;
    }
    else
    if (stream->event [0])
        stream->pending = zsys_sprintf ("id: %lld\nevent: board\ndata: %s\n\n",
                                        (long long) seq, json);
    else
        stream->pending = zsys_sprintf ("event: me\ndata: %s\n\n", json);
    free (json);
}

static ssize_t
s_stream_read (void *cls, uint64_t pos, char *buf, size_t max)
{
    s_stream_t *stream = (s_stream_t *) cls;
    if (!stream->pending) {
        if (stream->ended || stream->http->closing)
            return MHD_CONTENT_READER_END_OF_STREAM;
        s_stream_next (stream);
        stream->offset = 0;
    }
    size_t left = strlen (stream->pending) - stream->offset;
    size_t size = left < max ? left : max;
    memcpy (buf, stream->pending + stream->offset, size);
    stream->offset += size;
    if (stream->offset == strlen (stream->pending)) {
        free (stream->pending);
        stream->pending = NULL;
    }
    return (ssize_t) size;
}

//  The stream limits of this process (web_http_stream_limits)
static int s_streams_max = S_STREAMS_MAX;
static int s_streams_total = S_STREAMS_TOTAL;

int
web_http_stream_limits (int per_session, int total, char *why, size_t why_size)
{
    int most = S_CONNECTIONS - S_STREAMS_ROOM;
    if (total < 1 || total > most) {
        snprintf (why, why_size, "--sse-total %d: 1 to %d (the gateway keeps %d of its %d "
                  "connections for pages and requests)", total, most, S_STREAMS_ROOM,
                  S_CONNECTIONS);
        return -1;
    }
    if (per_session < 1 || per_session > total) {
        snprintf (why, why_size, "--sse-per-session %d: 1 to --sse-total (%d)", per_session,
                  total);
        return -1;
    }
    s_streams_max = per_session;
    s_streams_total = total;
    return 0;
}

//  Counts a stream of a session in (delta 1: false if it holds its most
//  already, or the gateway holds its most streams in all, *full_p then
//  set) or out (delta -1).
static bool
s_stream_count (web_http_t *self, const char *session, int delta, bool *full_p)
{
    pthread_mutex_lock (&self->lock);
    if (delta > 0 && self->streams_open >= s_streams_total) {
        pthread_mutex_unlock (&self->lock);
        *full_p = true;
        return false;
    }
    s_streams_t *slot = NULL, *free_slot = NULL;
    for (int i = 0; i < S_SESSIONS_MAX && !slot; i++)
        if (streq (self->streams [i].id, session))
            slot = &self->streams [i];
        else
        if (!self->streams [i].id [0] && !free_slot)
            free_slot = &self->streams [i];
    if (!slot && delta > 0 && free_slot) {
        slot = free_slot;
        snprintf (slot->id, sizeof (slot->id), "%s", session);
        slot->streams = 0;
    }
    bool ok = slot && (delta < 0 || slot->streams < s_streams_max);
    if (ok) {
        slot->streams += delta;
        self->streams_open += delta;
        if (slot->streams == 0)
            slot->id [0] = 0;       //  The slot is free again
    }
    pthread_mutex_unlock (&self->lock);
    return ok;
}

static void
s_stream_free (void *cls)
{
    s_stream_t *stream = (s_stream_t *) cls;
    s_stream_count (stream->http, stream->session, -1, NULL);
    free (stream->pending);
    free (stream);
}

static enum MHD_Result
s_live (web_http_t *self, struct MHD_Connection *connection, const s_session_t *session,
        const char *event)
{
    //  A node without a connection here (the gateway restarted since it
    //  joined, say): say hello for it again, as its session's role.
    char why [512];
    if (web_gateway_join (self->gateway, session->node, session->role, S_JOIN_MS, why,
                          sizeof (why)))
        return s_text (connection, MHD_HTTP_BAD_GATEWAY, "Not connected as %s: %s.",
                       session->node, why);
    bool full = false;
    if (!s_stream_count (self, session->id, 1, &full))
        return full
            ? s_text (connection, MHD_HTTP_TOO_MANY_REQUESTS,
                      "The gateway has %d live pages open already, its most "
                      "(--sse-total): try again in a while.", s_streams_total)
            : s_text (connection, MHD_HTTP_TOO_MANY_REQUESTS,
                      "This session has %d live pages open already, its most "
                      "(--sse-per-session): close one.", s_streams_max);
    s_stream_t *stream = (s_stream_t *) calloc (1, sizeof (s_stream_t));
    assert (stream);
    stream->http = self;
    snprintf (stream->session, sizeof (stream->session), "%s", session->id);
    snprintf (stream->node, sizeof (stream->node), "%s", session->node);
    snprintf (stream->event, sizeof (stream->event), "%s", event ? event : "");
    struct MHD_Response *response = MHD_create_response_from_callback (
        MHD_SIZE_UNKNOWN, 4096, s_stream_read, stream, s_stream_free);
    MHD_add_response_header (response, "Content-Type", "text/event-stream");
    return s_queue (connection, MHD_HTTP_OK, response);
}


//  --------------------------------------------------------------------------
//  Routing

//  A request without a body after its first call (s_request)
static char s_answer_next;

static enum MHD_Result
s_request (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size,
           void **req_cls)
{
    web_http_t *self = (web_http_t *) cls;
    bool act = streq (url, "/api/act");
    if (streq (method, "POST") && (streq (url, "/join") || act)) {
        //  The body comes over several calls: gathered, bounded, then used.
        s_body_t *body = (s_body_t *) *req_cls;
        if (!body) {
            body = (s_body_t *) calloc (1, sizeof (s_body_t));
            assert (body);
            body->max = act ? S_ACT_MAX : S_BODY_MAX;
            body->data = (char *) calloc (1, body->max + 1);
            assert (body->data);
            *req_cls = body;
            return MHD_YES;
        }
        if (*upload_data_size) {
            size_t room = body->max - body->size;
            size_t take = *upload_data_size < room ? *upload_data_size : room;
            memcpy (body->data + body->size, upload_data, take);
            body->size += take;
            body->too_big |= take < *upload_data_size;
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (act)
            return s_act (self, connection, body);
        if (body->too_big)
            return s_text (connection, MHD_HTTP_CONTENT_TOO_LARGE, "Too large a request.");
        return s_join (self, connection, body->data);
    }
    //  libmicrohttpd (0.9.75) closes the connection after a response
    //  queued in a request's first call: answering a GET in the second
    //  keeps it open for the browser's next request (no new connection,
    //  thread and, under TLS, handshake for each one). A request with a
    //  body is answered at once as before, its body never read.
    bool bodiless = (streq (method, "GET") || streq (method, "HEAD"))
        && !MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Content-Length")
        && !MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Transfer-Encoding");
    if (bodiless && !*req_cls) {
        *req_cls = &s_answer_next;
        return MHD_YES;
    }
    if (act)
        return web_http_refuse (connection, MHD_HTTP_METHOD_NOT_ALLOWED, "BAD_REQUEST",
                             "Acting is a POST.");
    if (!streq (method, "GET") && !streq (method, "HEAD"))
        return s_text (connection, MHD_HTTP_METHOD_NOT_ALLOWED,
                       "Only GET is served here, and POST to /join and /api/act.");
    if (!strncmp (url, "/assets/", 8))
        return s_asset (connection, url);
    if (streq (url, "/join"))
        return s_join_page (self, connection);
    s_session_t session;
    if (!s_session (self, connection, &session))
        return s_text (connection, MHD_HTTP_FORBIDDEN,
                       "You have not joined: open the join link the facilitator gave you.");
    const char *event = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "event");
    if (streq (url, "/draft"))
        return s_asset (connection, "/assets/draft.html");
    if (streq (url, "/") || streq (url, "/me"))
        return s_asset (connection, "/assets/me.html");
    if (streq (url, "/live/me"))
        return s_live (self, connection, &session, NULL);
    if (streq (url, "/api/session"))
        return s_api_session (connection, &session);
    if (streq (url, "/api/todo"))
        return s_api_todo (self, connection, &session);
    if (streq (url, "/api/read"))
        return s_api_read (self, connection, &session);
    if (web_views_page (url))
        return s_asset (connection, "/assets/views.html");
    if (!strncmp (url, "/api/view/", 10))
        return web_views_api (self->gateway, connection, url, session.node, session.role);
    if (streq (url, "/board") || streq (url, "/live/board")) {
        if (!web_name_ok (event))
            return s_text (connection, MHD_HTTP_BAD_REQUEST,
                           "Which event? /board?event=e1, say.");
        if (streq (url, "/board"))
            return s_asset (connection, "/assets/board.html");
        return s_live (self, connection, &session, event);
    }
    return s_text (connection, MHD_HTTP_NOT_FOUND, "Not found.");
}

//  A request ended: frees the body it gathered, if any.
static void
s_completed (void *cls, struct MHD_Connection *connection, void **req_cls,
             enum MHD_RequestTerminationCode code)
{
    s_body_t *body = (s_body_t *) *req_cls;
    if (body && *req_cls != &s_answer_next) {
        free (body->data);
        free (body);
    }
    *req_cls = NULL;
}

web_http_t *
web_http_new (const char *addr, int port, const char *dir, web_gateway_t *gateway,
              const web_tls_t *tls, char *why, size_t why_size)
{
    struct sockaddr_in sin;
    memset (&sin, 0, sizeof (sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons ((uint16_t) port);
    if (inet_pton (AF_INET, addr, &sin.sin_addr) != 1) {
        snprintf (why, why_size, "'%s' is not a numeric IPv4 address", addr);
        return NULL;
    }
    web_http_t *self = (web_http_t *) calloc (1, sizeof (web_http_t));
    assert (self);
    self->dir = strdup (dir);
    self->gateway = gateway;
    self->tls = tls != NULL;
    s_https = self->tls;
    pthread_mutex_init (&self->lock, NULL);
    //  poll(), not select(): the nodes' sockets take many descriptors,
    //  and select() refuses a connection whose descriptor is 1024 or more.
    self->daemon = MHD_start_daemon (
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL
        | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0),
        0, NULL, NULL, s_request, self,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sin,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) S_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 65536,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
        MHD_OPTION_ARRAY, web_tls_options (tls),
        MHD_OPTION_END);
    if (!self->daemon) {
        snprintf (why, why_size, "cannot listen on %s:%d: %s", addr, port, strerror (errno));
        web_http_destroy (&self);
        return NULL;
    }
    return self;
}

int
web_http_port (web_http_t *self)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon,
                                                            MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : -1;
}

void
web_http_destroy (web_http_t **self_p)
{
    web_http_t *self = *self_p;
    if (!self)
        return;
    self->closing = 1;
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    pthread_mutex_destroy (&self->lock);
    free (self->dir);
    free (self);
    *self_p = NULL;
}
