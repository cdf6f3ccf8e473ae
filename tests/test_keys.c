/*  =========================================================================
    test_keys - the broker's key table (keys.c) and its ZAP handler (zap.c)

    The table from a certificate directory: only *.cert files, secret
    files and the broker's own certificate skipped, bad names and roles
    skipped, one key given to two nodes refused until one certificate
    goes, the same certificate twice counted once, and changes noticed
    (cb_keys_refresh, cb_keys_refresh_if_touched). The ZAP handler over
    its real inproc endpoint, as libzmq asks it (RFC 27): a known key let
    in with its Z85 form as User-Id, anything else refused, and a
    certificate added or renamed away seen at the next handshake.
    =========================================================================
*/
#include <czmq.h>

#include "keys.h"
#include "zap.h"
#include "testutil.h"

static char s_dir [256];

//  Writes a public certificate for `cert` as `file` in the directory.
static void
s_write (zcert_t *cert, const char *file)
{
    char path [512];
    snprintf (path, sizeof (path), "%s/%s", s_dir, file);
    REQUIRE (zcert_save_public (cert, path) == 0);
}

static zcert_t *
s_cert (const char *name, const char *role)
{
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "role", "%s", role);
    return cert;
}

static void
s_rename (const char *from, const char *to)
{
    char a [512], b [512];
    snprintf (a, sizeof (a), "%s/%s", s_dir, from);
    snprintf (b, sizeof (b), "%s/%s", s_dir, to);
    REQUIRE (rename (a, b) == 0);
}

static bool
s_knows (cb_keys_t *keys, zcert_t *cert, const char *node)
{
    const char *n, *r;
    return cb_keys_lookup (keys, zcert_public_txt (cert), &n, &r) && streq (n, node);
}

//  One ZAP request (RFC 27) through the handler's real endpoint: the status
//  code, and the user id in `user`.
static int
s_zap (zsock_t *req, const char *mechanism, const void *credential, size_t size,
       char *user, size_t user_size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "1.0");
    zmsg_addstr (msg, "req-1");
    zmsg_addstr (msg, "catchball");
    zmsg_addstr (msg, "127.0.0.1");
    zmsg_addstr (msg, "");
    zmsg_addstr (msg, mechanism);
    if (credential)
        zmsg_addmem (msg, credential, size);
    REQUIRE (zmsg_send (&msg, req) == 0);
    zmsg_t *reply = zmsg_recv (req);
    REQUIRE (reply);
    CHECK_INT (zmsg_size (reply), 6);
    char *version = zmsg_popstr (reply);
    char *id = zmsg_popstr (reply);
    char *code = zmsg_popstr (reply);
    char *text = zmsg_popstr (reply);
    char *who = zmsg_popstr (reply);
    CHECK_STR (version, "1.0");
    CHECK_STR (id, "req-1");
    CHECK (text && *text);
    snprintf (user, user_size, "%s", who ? who : "");
    int status = code ? atoi (code) : -1;
    free (version);
    free (id);
    free (code);
    free (text);
    free (who);
    zmsg_destroy (&reply);
    return status;
}

static void
test_table (void)
{
    zcert_t *a = s_cert ("team-a", "team");
    zcert_t *b = s_cert ("team-b", "team");
    zcert_t *broker = s_cert ("catchballd", "broker");
    zcert_t *bad = s_cert ("Not a name!", "team");
    zcert_t *boss = s_cert ("boss", "emperor");
    s_write (a, "team-a.cert");
    s_write (a, "team-a.cert~");                //  Not a certificate file
    s_write (b, "team-b.cert.disabled");        //  Nor this
    s_write (broker, "catchballd.cert");
    s_write (bad, "bad.cert");
    s_write (boss, "boss.cert");
    cb_keys_t *keys = cb_keys_new (s_dir);
    REQUIRE (keys);
    CHECK_INT (cb_keys_size (keys), 1);
    CHECK (s_knows (keys, a, "team-a"));
    CHECK (!s_knows (keys, b, "team-b"));
    CHECK (!cb_keys_refresh (keys));
    CHECK (!cb_keys_refresh_if_touched (keys));

    //  Renamed back to *.cert: seen by the next refresh, and by the quick
    //  one (the directory's own mtime changed).
    s_rename ("team-b.cert.disabled", "team-b.cert");
    CHECK (cb_keys_refresh_if_touched (keys));
    CHECK (s_knows (keys, b, "team-b"));
    CHECK_INT (cb_keys_size (keys), 2);

    //  The same certificate twice is one key; one key for two nodes is
    //  refused, for both, until one certificate goes.
    s_write (a, "team-a-copy.cert");
    CHECK (cb_keys_refresh (keys));
    CHECK (s_knows (keys, a, "team-a"));
    zcert_t *clash = zcert_new_from (zcert_public_key (b), zcert_secret_key (b));
    zcert_set_meta (clash, "name", "team-z");
    zcert_set_meta (clash, "role", "team");
    s_write (clash, "team-z.cert");
    CHECK (cb_keys_refresh_if_touched (keys));
    CHECK (!s_knows (keys, b, "team-b"));
    CHECK (!s_knows (keys, clash, "team-z"));
    CHECK (s_knows (keys, a, "team-a"));
    s_rename ("team-z.cert", "team-z.cert.off");
    CHECK (cb_keys_refresh_if_touched (keys));
    CHECK (s_knows (keys, b, "team-b"));

    cb_keys_destroy (&keys);
    cb_keys_destroy (&keys);
    zcert_destroy (&a);
    zcert_destroy (&b);
    zcert_destroy (&broker);
    zcert_destroy (&bad);
    zcert_destroy (&boss);
    zcert_destroy (&clash);
}

static void
test_zap (void)
{
    //  A new directory: the one of test_table is left as it was.
    strcat (s_dir, "/zap");
    REQUIRE (zsys_dir_create ("%s", s_dir) == 0);
    zcert_t *a = s_cert ("team-a", "team");
    zcert_t *c = s_cert ("team-c", "team");
    s_write (a, "team-a.cert");
    s_write (a, "team-a.cert~");        //  czmq's zauth aborted on this pair
    //  What the handler logs, to count its refusals.
    FILE *log = tmpfile ();
    REQUIRE (log);
    zsys_set_logstream (log);
    zactor_t *zap = cb_zap_start (s_dir, false);
    REQUIRE (zap);
    zsock_t *req = zsock_new_req ("inproc://zeromq.zap.01");
    REQUIRE (req);
    zsock_set_rcvtimeo (req, 5000);
    char user [64];
    CHECK_INT (s_zap (req, "CURVE", zcert_public_key (a), 32, user, sizeof (user)), 200);
    CHECK_STR (user, zcert_public_txt (a));
    CHECK_INT (s_zap (req, "CURVE", zcert_public_key (c), 32, user, sizeof (user)), 400);
    CHECK_STR (user, "");
    CHECK_INT (s_zap (req, "NULL", NULL, 0, user, sizeof (user)), 400);
    CHECK_INT (s_zap (req, "PLAIN", "x", 1, user, sizeof (user)), 400);
    CHECK_INT (s_zap (req, "CURVE", zcert_public_key (a), 31, user, sizeof (user)), 400);
    //  Added: in at the next handshake. Renamed away: out at the next.
    s_write (c, "team-c.cert");
    CHECK_INT (s_zap (req, "CURVE", zcert_public_key (c), 32, user, sizeof (user)), 200);
    s_rename ("team-a.cert", "team-a.cert.disabled");
    CHECK_INT (s_zap (req, "CURVE", zcert_public_key (a), 32, user, sizeof (user)), 400);
    //  Refused again at once: answered, not logged again (once a minute).
    CHECK_INT (s_zap (req, "PLAIN", "x", 1, user, sizeof (user)), 400);
    CHECK_INT (s_zap (req, "CURVE", zcert_public_key (a), 32, user, sizeof (user)), 400);
    //  A second handler cannot bind the endpoint of the first: refused,
    //  so a broker would not serve CURVE unchecked.
    zactor_t *second = cb_zap_start (s_dir, false);
    CHECK (second == NULL);
    zsock_destroy (&req);
    zactor_destroy (&zap);
    //  Each refused key or mechanism logged once, with the key's
    //  fingerprint: team-c's key, NULL, PLAIN, a short CURVE credential,
    //  team-a's key after its certificate was renamed away.
    zsys_set_logstream (stderr);
    rewind (log);
    char line [512], fingerprint [16];
    snprintf (fingerprint, sizeof (fingerprint), "key %.8s...", zcert_public_txt (c));
    int refusals = 0, of_c = 0;
    while (fgets (line, sizeof (line), log)) {
        refusals += strstr (line, "refused a handshake") != NULL;
        of_c += strstr (line, fingerprint) != NULL;
    }
    fclose (log);
    CHECK_INT (refusals, 5);
    CHECK_INT (of_c, 1);
    zcert_destroy (&a);
    zcert_destroy (&c);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const char *base = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    zsys_dir_create ("%s", base);
    snprintf (s_dir, sizeof (s_dir), "%s/test_keys.XXXXXX", base);
    REQUIRE (mkdtemp (s_dir));
    char top [256];
    snprintf (top, sizeof (top), "%s", s_dir);
    test_table ();
    test_zap ();
    char command [300];
    snprintf (command, sizeof (command), "rm -rf '%s'", top);
    if (system (command) != 0)
        fprintf (stderr, "could not remove %s\n", top);
    return TEST_DONE ();
}
