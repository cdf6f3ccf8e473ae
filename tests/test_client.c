/*  =========================================================================
    test_client - libcatchball's view of its link, and requests that do not
    wait (cb_client_link, cb_client_send / pump / done)

    Against the real catchballd over TCP: the link goes up with the
    handshake, down when the broker is killed, up again when it comes back;
    a request sent while the broker is gone is answered once it is back
    (the client says hello again by itself), one that outlives its timeout
    ends with TIMEOUT, and a subscription follows the log across the
    restart. Then over CURVE: a key the broker does not know is REFUSED
    at once, and a client that keeps pumping gets in once its certificate
    is added to the broker's directory (libzmq gives up on the refused
    connection: the client opens a new one). The command line's refusals
    are in tests/e2e/curve.py. Waiting is pumping with a deadline, never
    sleeping.
    =========================================================================
*/
#include "testutil.h"
#include "testbroker.h"

#include <sys/stat.h>

#include "catchball/catchball.h"

//  Pumps until the link is `want`, at most 15 s. True if it got there.
static bool
s_pump_until_link (cb_client_t *client, cb_link_t want)
{
    int64_t deadline = zclock_mono () + 15000;
    while (cb_client_link (client, NULL) != want && zclock_mono () < deadline)
        cb_client_pump (client, 50);
    return cb_client_link (client, NULL) == want;
}

//  Pumps until a request has finished, at most 15 s: its reply, or NULL.
static cb_value_t *
s_pump_until_done (cb_client_t *client, uint64_t *ticket_p)
{
    int64_t deadline = zclock_mono () + 15000;
    cb_value_t *reply = NULL;
    while (!(reply = cb_client_done (client, ticket_p)) && zclock_mono () < deadline)
        cb_client_pump (client, 50);
    return reply;
}

//  A key pair for node, written as NAME.cert and NAME.cert_secret (0600)
//  in dir; the path of the public one in path.
static void
s_keygen (const char *dir, const char *name, const char *role, char *path, size_t size)
{
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "role", "%s", role);
    snprintf (path, size, "%s/%s.cert", dir, name);
    REQUIRE (zcert_save (cert, path) == 0);
    char secret [600];
    snprintf (secret, sizeof (secret), "%s_secret", path);
    REQUIRE (chmod (secret, 0600) == 0);
    zcert_destroy (&cert);
}

//  Copies a public certificate into the broker's directory the way its
//  readers expect: a temporary name, then a rename.
static void
s_install (const char *public_path, const char *certs, const char *name)
{
    zcert_t *cert = zcert_load (public_path);
    REQUIRE (cert);
    char temp [600], final [600];
    snprintf (temp, sizeof (temp), "%s/%s.tmp", certs, name);
    snprintf (final, sizeof (final), "%s/%s.cert", certs, name);
    REQUIRE (zcert_save_public (cert, temp) == 0);
    REQUIRE (rename (temp, final) == 0);
    zcert_destroy (&cert);
}

//  Starts catchballd over CURVE on store, without waiting (tb_launch's
//  probe has no key): the caller waits for a known key's link to go up.
static void
s_start_curve (const char *store, const char *key, const char *certs)
{
    fflush (stdout);
    fflush (stderr);
    tb_pid = fork ();
    REQUIRE (tb_pid >= 0);
    if (tb_pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        FILE *out = freopen (tb_log, "a", stdout);
        (void) out;
        dup2 (1, 2);
        execl (tb_catchballd, tb_catchballd, "--endpoint", tb_endpoint, "--store", store,
               "--key", key, "--certs", certs, (char *) NULL);
        _exit (127);
    }
}

static int64_t
s_code (const cb_value_t *reply)
{
    int64_t code = 0;
    cb_value_get_int (reply, "code", &code);
    return code;
}

int
main (void)
{
    tb_init ("test_client", true);
    char store [300];
    snprintf (store, sizeof (store), "%s/store", tb_dir);
    tb_start (store, NULL, NULL);

    //  The link goes up with the handshake, and says since when.
    int64_t before = zclock_time ();
    cb_client_t *fac = cb_client_new (tb_endpoint, "fac", "facilitator", NULL);
    REQUIRE (fac);
    CHECK (s_pump_until_link (fac, CB_LINK_UP));
    int64_t since = 0;
    CHECK_INT (cb_client_link (fac, &since), CB_LINK_UP);
    CHECK (since >= before && since <= zclock_time ());
    CHECK_STR (cb_link_name (CB_LINK_UP), "up");
    CHECK_STR (cb_client_link_why (fac), "");

    //  A participant, known to the broker.
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    REQUIRE (lead);
    REQUIRE (cb_client_hello (lead, 5000) == 0);
    cb_client_destroy (&lead);

    //  A request without waiting: hello first by itself, then its reply.
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "name", "market");
    cb_value_set_str (body, "cycle", "2027-Q1");
    cb_value_t *participants = cb_value_new_array ();
    cb_value_t *name = cb_value_new_str ("lead");
    cb_value_push (participants, &name);
    cb_value_t *copy = cb_value_dup (participants);
    cb_value_set (body, "participants", &copy);
    uint64_t ticket = cb_client_send (fac, "event.new", &body, 5000);
    CHECK (ticket > 0);
    CHECK (body == NULL);
    CHECK_INT (cb_client_in_flight (fac), 1);
    uint64_t done_ticket = 0;
    cb_value_t *reply = s_pump_until_done (fac, &done_ticket);
    CHECK_INT (done_ticket, ticket);
    CHECK_STR (cb_value_get_str (reply, "type"), "ok");
    CHECK_STR (cb_value_get_str (cb_value_get_map (reply, "body"), "event"), "e1");
    CHECK_INT (cb_client_in_flight (fac), 0);
    CHECK (cb_client_heard (fac) >= before);
    cb_value_destroy (&reply);

    //  Two at once come back, each with its own ticket.
    uint64_t t1 = cb_client_send (fac, "ping", NULL, 5000);
    body = cb_value_new_map ();
    cb_value_set_str (body, "event", "e404");
    uint64_t t2 = cb_client_send (fac, "event.show", &body, 5000);
    CHECK (t1 != t2);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        reply = s_pump_until_done (fac, &done_ticket);
        if (done_ticket == t1 && streq (cb_value_get_str_or (reply, "type", ""), "ok"))
            seen |= 1;
        if (done_ticket == t2 && s_code (reply) == CB_E_NOT_FOUND)
            seen |= 2;
        cb_value_destroy (&reply);
    }
    CHECK_INT (seen, 3);

    //  A follower of the log, to see it follow across the restart.
    cb_client_t *watcher = cb_client_new (tb_endpoint, "watcher", "observer", NULL);
    REQUIRE (watcher);
    REQUIRE (cb_client_subscribe (watcher, 1, 5000) == 0);
    cb_value_t *entry = NULL;
    int64_t deadline = zclock_mono () + 10000;
    while (!entry && zclock_mono () < deadline) {
        cb_client_pump (watcher, 50);
        entry = cb_client_recv_log (watcher, 0);
    }
    CHECK (entry);      //  The event.new above
    cb_value_destroy (&entry);

    //  The broker dies: the link is down, since then.
    before = zclock_time ();
    tb_kill9 ();
    CHECK (s_pump_until_link (fac, CB_LINK_DOWN));
    CHECK_INT (cb_client_link (fac, &since), CB_LINK_DOWN);
    CHECK (since >= before);
    CHECK (s_pump_until_link (watcher, CB_LINK_DOWN));

    //  A request that cannot be answered in time ends with TIMEOUT, and
    //  pumping never waits longer than asked meanwhile.
    ticket = cb_client_send (fac, "ping", NULL, 300);
    reply = s_pump_until_done (fac, &done_ticket);
    CHECK_INT (done_ticket, ticket);
    CHECK_INT (s_code (reply), CB_E_TIMEOUT);
    CHECK_STR (cb_value_get_str (reply, "name"), "TIMEOUT");
    cb_value_destroy (&reply);

    //  One sent while the broker is gone is answered when it is back: the
    //  client says hello to the new broker by itself.
    body = cb_value_new_map ();
    cb_value_set_str (body, "event", "e1");
    ticket = cb_client_send (fac, "event.show", &body, 20000);
    CHECK (cb_client_done (fac, NULL) == NULL);
    tb_start (store, NULL, NULL);
    reply = s_pump_until_done (fac, &done_ticket);
    CHECK_INT (done_ticket, ticket);
    CHECK_STR (cb_value_get_str (reply, "type"), "ok");
    CHECK_STR (cb_value_get_str (cb_value_get_map (cb_value_get_map (reply, "body"), "event"),
                                 "name"), "market");
    cb_value_destroy (&reply);
    CHECK_INT (cb_client_link (fac, NULL), CB_LINK_UP);

    //  The follower is up again and gets what happens after the restart,
    //  without any request of its own: its subscription was renewed.
    CHECK (s_pump_until_link (watcher, CB_LINK_UP));
    body = cb_value_new_map ();
    cb_value_set_str (body, "name", "second");
    cb_value_set_str (body, "cycle", "2027-Q1");
    cb_value_set (body, "participants", &participants);
    reply = cb_client_request (fac, "event.new", &body, 5000);
    CHECK (reply);
    cb_value_destroy (&reply);
    deadline = zclock_mono () + 15000;
    while (!entry && zclock_mono () < deadline) {
        cb_client_pump (watcher, 50);
        entry = cb_client_recv_log (watcher, 0);
    }
    CHECK (entry);
    CHECK (cb_value_get_map (cb_value_get_map (entry, "objects"), "event/e2"));
    cb_value_destroy (&entry);

    cb_client_destroy (&watcher);
    cb_client_destroy (&fac);
    CHECK (fac == NULL);
    CHECK_INT (tb_stop (), 0);

    //  Over CURVE: the broker knows lead's key, not team-z's.
    char keys [300], certs [300], broker_pub [600], lead_pub [600], z_pub [600];
    snprintf (keys, sizeof (keys), "%s/keys", tb_dir);
    snprintf (certs, sizeof (certs), "%s/certs", tb_dir);
    REQUIRE (mkdir (keys, 0700) == 0 && mkdir (certs, 0700) == 0);
    s_keygen (keys, "catchballd", "broker", broker_pub, sizeof (broker_pub));
    s_keygen (keys, "lead", "leadership", lead_pub, sizeof (lead_pub));
    s_keygen (keys, "team-z", "team", z_pub, sizeof (z_pub));
    s_install (lead_pub, certs, "lead");
    char broker_secret [700], store2 [300], why [256];
    snprintf (broker_secret, sizeof (broker_secret), "%s_secret", broker_pub);
    snprintf (store2, sizeof (store2), "%s/store-curve", tb_dir);
    s_start_curve (store2, broker_secret, certs);
    cb_client_t *known = cb_client_new_curve (tb_endpoint, NULL, NULL, NULL, lead_pub,
                                              broker_pub, why, sizeof (why));
    REQUIRE (known);
    //  Ready: a known key gets through the handshake (libzmq retries the
    //  connection until the broker listens).
    REQUIRE (s_pump_until_link (known, CB_LINK_UP));
    reply = cb_client_request (known, "ping", NULL, 5000);
    CHECK (reply);
    cb_value_destroy (&reply);

    //  An unknown key: refused at the handshake, and a request fails at
    //  once with REFUSED, saying so.
    cb_client_t *stranger = cb_client_new_curve (tb_endpoint, NULL, NULL, NULL, z_pub,
                                                 broker_pub, why, sizeof (why));
    REQUIRE (stranger);
    CHECK (s_pump_until_link (stranger, CB_LINK_REFUSED));
    CHECK (strstr (cb_client_link_why (stranger), "the broker refused our key"));
    ticket = cb_client_send (stranger, "ping", NULL, 60000);
    reply = cb_client_done (stranger, &done_ticket);
    if (!reply)
        reply = s_pump_until_done (stranger, &done_ticket);
    CHECK_INT (done_ticket, ticket);
    CHECK_INT (s_code (reply), CB_E_REFUSED);
    CHECK_STR (cb_value_get_str (reply, "name"), "REFUSED");
    cb_value_destroy (&reply);
    CHECK (cb_client_request (stranger, "ping", NULL, 60000) == NULL);
    CHECK_INT (cb_client_error (stranger), CB_E_REFUSED);

    //  Its certificate is added: the client, still pumping, gets in on a
    //  new connection, and its requests are served.
    s_install (z_pub, certs, "team-z");
    CHECK (s_pump_until_link (stranger, CB_LINK_UP));
    CHECK_STR (cb_client_link_why (stranger), "");
    ticket = cb_client_send (stranger, "ping", NULL, 5000);
    reply = s_pump_until_done (stranger, &done_ticket);
    CHECK_INT (done_ticket, ticket);
    CHECK_STR (cb_value_get_str (reply, "type"), "ok");
    cb_value_destroy (&reply);
    cb_client_destroy (&stranger);
    cb_client_destroy (&known);
    CHECK_INT (tb_stop (), 0);
    return TEST_DONE ();
}
