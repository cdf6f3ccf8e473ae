/*  =========================================================================
    cb_zap - the broker's ZAP handler: which CURVE handshakes may complete

    libzmq asks the handler bound at inproc://zeromq.zap.01 about every
    handshake on a socket with a ZAP domain (ZeroMQ RFC 27). This one
    answers from a key table of its own (keys.c) read from the broker's
    certificate directory: a client key in the table is let in (200) with
    its Z85 form as the User-Id the broker later reads from each message,
    anything else is refused (400). Before each answer the table is read
    again if the directory changed (one stat when it did not), so a
    certificate added lets its node in at once and one removed or renamed
    away keeps it out at once; a certificate rewritten in place is seen
    within a second.

    It replaces czmq's zauth, which loaded every file of the directory
    into a certificate store and aborted the whole broker (an assert in
    zcertstore_insert) when two files held one key, as team-a.cert and an
    editor's team-a.cert~ do. A refused handshake is logged with the key's
    fingerprint and the peer's address, once a minute at most per key. It
    runs as an actor, in a thread of its own:
    handshakes never wait for a batch's commit.

    Fail closed: libzmq lets every CURVE client in when no handler is
    bound, so the broker starts the actor and asks it whether it bound
    (cb_zap_start) before binding its own socket, and refuses to start if
    not.
    =========================================================================
*/
#include "zap.h"
#include "keys.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_RELOAD_MS    1000
#define S_REFUSED_MS   60000    //  A refused key is logged once a minute at most
#define S_REFUSED_KEYS 1024     //  Refused keys remembered for that, at most

//  A refused handshake, logged: once a minute at most for the same key (a
//  client retrying does not flood the log), with a fingerprint of the key
//  (its first 8 Z85 characters) and where it came from.
static void
s_log_refused (zhashx_t *refused, const char *key, const char *mechanism,
               const char *address)
{
    int64_t now = zclock_mono ();
    const char *which = *key ? key : mechanism;
    int64_t *last = (int64_t *) zhashx_lookup (refused, which);
    if (last && now - *last < S_REFUSED_MS)
        return;
    if (!last && zhashx_size (refused) >= S_REFUSED_KEYS)
        zhashx_purge (refused);
    if (!last) {
        last = (int64_t *) zmalloc (sizeof (int64_t));
        zhashx_insert (refused, which, last);
    }
    *last = now;
    if (*key)
        zsys_warning ("zap: refused a handshake from %s: key %.8s... is not in the "
                      "certificate directory (logged once a minute per key)",
                      address ? address : "?", key);
    else
        zsys_warning ("zap: refused a handshake from %s: no CURVE key (mechanism %s)",
                      address ? address : "?", mechanism ? mechanism : "none");
}

static void
s_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  One ZAP request answered: 0, or -1 if nothing could be read.
static int
s_answer (zsock_t *handler, cb_keys_t *keys, zhashx_t *refused, bool verbose)
{
    zmsg_t *request = zmsg_recv (handler);
    if (!request)
        return -1;
    char *version = zmsg_popstr (request);
    zframe_t *request_id = zmsg_pop (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    zframe_t *identity = zmsg_pop (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *credential = zmsg_pop (request);

    char public_key [41] = "";
    const char *node = NULL, *role = NULL;
    bool curve = mechanism && streq (mechanism, "CURVE") && credential
              && zframe_size (credential) == 32;
    if (curve)
        zmq_z85_encode (public_key, zframe_data (credential), 32);
    if (curve) {
        cb_keys_refresh_if_touched (keys);
        curve = cb_keys_lookup (keys, public_key, &node, &role);
    }
    if (verbose)
        zsys_info ("zap: %s %s key %s from %s", curve ? "allowed" : "denied",
                   mechanism ? mechanism : "?", public_key [0] ? public_key : "-",
                   address ? address : "?");
    else
    if (!curve)
        s_log_refused (refused, public_key, mechanism, address);

    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    if (request_id)
        zmsg_append (reply, &request_id);
    else
        zmsg_addstr (reply, "");
    zmsg_addstr (reply, curve ? "200" : "400");
    zmsg_addstr (reply, curve ? "OK" : "No access");
    zmsg_addstr (reply, curve ? public_key : "");
    zmsg_addmem (reply, "", 0);
    zmsg_send (&reply, handler);

    zframe_destroy (&credential);
    zframe_destroy (&identity);
    zframe_destroy (&request_id);
    free (mechanism);
    free (address);
    free (domain);
    free (version);
    zmsg_destroy (&request);
    return 0;
}

//  The actor. args: the certificate directory (const char *).
void
cb_zap_actor (zsock_t *pipe, void *args)
{
    const char *dir = (const char *) args;
    zsock_t *handler = zsock_new (ZMQ_REP);
    bool ready = handler && zsock_bind (handler, S_ZAP_ENDPOINT) == 0;
    cb_keys_t *keys = ready ? cb_keys_new (dir) : NULL;
    ready = ready && keys;
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, ready ? handler : NULL, NULL);
    bool verbose = false;
    zhashx_t *refused = zhashx_new ();          //  Key -> when last logged
    zhashx_set_destructor (refused, s_free);
    while (true) {
        //  A certificate rewritten in place leaves the directory's mtime
        //  as it was: the whole directory is checked once a second too.
        void *which = zpoller_wait (poller, S_RELOAD_MS);
        if (!which && !zpoller_terminated (poller)) {
            if (keys)
                cb_keys_refresh (keys);
        }
        else
        if (which == handler)
            s_answer (handler, keys, refused, verbose);
        else
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            if (!command)
                break;
            bool term = streq (command, "$TERM");
            if (streq (command, "VERBOSE"))
                verbose = true;
            if (streq (command, "READY"))
                zsock_signal (pipe, ready ? 0 : 1);
            free (command);
            if (term)
                break;
        }
        else
            break;              //  Interrupted
    }
    zpoller_destroy (&poller);
    zhashx_destroy (&refused);
    cb_keys_destroy (&keys);
    zsock_destroy (&handler);
}

zactor_t *
cb_zap_start (const char *certs, bool verbose)
{
    zactor_t *actor = zactor_new (cb_zap_actor, (void *) certs);
    if (!actor)
        return NULL;
    if (verbose)
        zstr_send (actor, "VERBOSE");
    zstr_send (actor, "READY");
    if (zsock_wait (actor) != 0) {
        zsys_error ("zap: cannot check handshakes (bind %s, read %s): refusing to serve "
                    "CURVE without it", S_ZAP_ENDPOINT, certs);
        zactor_destroy (&actor);
    }
    return actor;
}
