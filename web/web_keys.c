/*  =========================================================================
    web_keys - each node the gateway serves, a real node by its own CURVE
    key (--broker-key, --certs)

    The broker's rule is "a node is who its key says it is" (PROTOCOL.md
    section 1.1). A gateway that said hello for everyone with one key of
    its own would break it, so it keeps a key pair for each node it serves,
    as `catchball keygen` would make it for that node's own machine:

        DIR/keys/            mode 0700, in the gateway's directory
            team-a.cert          the public certificate (name, role)
            team-a.cert_secret   the key pair, mode 0600; never served (the
                                 gateway serves only its compiled assets)

    `invite` makes the pair when the gateway has none for the node, and
    puts the public certificate into the broker's certs/ as keygen's files
    appear: written aside under a name the broker does not read, then
    linked into place, so the broker never reads half of one and nothing
    that is there is ever replaced. A certificate of another key for that
    node in certs/ is refused, never overwritten: it is someone's key.

    The serving gateway keeps the path of certs/ in DIR/certs, so that an
    invite without --certs still gives the node its key, as DIR/url gives
    it the gateway's address.

    Revocation is the broker's: removing (or renaming) certs/NODE.cert.
    The serving gateway looks at that one file (a stat per look; read
    again only when it changed) and ends the node's sessions when it no
    longer holds the node's key (web_gateway.c).
    =========================================================================
*/
#include <czmq.h>

#include "catchball/catchball.h"
#include "web.h"

//  What the serving gateway last saw of certs/NODE.cert
typedef struct {
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    off_t size;
    bool revoked;               //  We have a key for the node, and it is not that
} s_seen_t;

struct _web_keys_t {
    char *dir;                  //  DIR/keys
    char *certs;                //  The broker's certificate directory
    char *broker_key;           //  The broker's public key: a file or Z85; NULL
    zhashx_t *seen;             //  Node name -> s_seen_t, for web_keys_revoked
};

static void
s_seen_free (void **item)
{
    free (*item);
    *item = NULL;
}

web_keys_t *
web_keys_new (const char *dir, const char *certs, const char *broker_key, char *why,
              size_t why_size)
{
    struct stat st;
    if (stat (certs, &st) || !S_ISDIR (st.st_mode)) {
        snprintf (why, why_size, "--certs %s: not a directory (the broker's --certs)", certs);
        return NULL;
    }
    if (broker_key) {
        //  Read now, so that a wrong --broker-key stops the gateway at
        //  start, not at the first join.
        bool ok;
        if (strlen (broker_key) == 40 && access (broker_key, F_OK) != 0) {
            uint8_t decoded [32];
            ok = zmq_z85_decode (decoded, broker_key) != NULL;
        }
        else {
            zcert_t *cert = zcert_load (broker_key);
            ok = cert != NULL;
            zcert_destroy (&cert);
        }
        if (!ok) {
            snprintf (why, why_size, "--broker-key %s: neither the broker's public certificate "
                      "(a file) nor its key (40 characters of Z85)", broker_key);
            return NULL;
        }
    }
    web_keys_t *self = (web_keys_t *) calloc (1, sizeof (web_keys_t));
    assert (self);
    self->dir = zsys_sprintf ("%s/keys", dir);
    self->certs = strdup (certs);
    self->broker_key = broker_key ? strdup (broker_key) : NULL;
    self->seen = zhashx_new ();
    zhashx_set_destructor (self->seen, s_seen_free);
    return self;
}

void
web_keys_destroy (web_keys_t **self_p)
{
    web_keys_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->seen);
    free (self->dir);
    free (self->certs);
    free (self->broker_key);
    free (self);
    *self_p = NULL;
}

//  Writes cert (its secret too if secret) to path the way keygen does: to
//  a temporary name beside it that the broker does not read, then linked
//  to path, which link() never replaces. 0, or -1 with why.
static int
s_write (zcert_t *cert, const char *path, bool secret, char *why, size_t why_size)
{
    char temp [PATH_MAX + 32];
    snprintf (temp, sizeof (temp), "%s.%d.tmp", path, (int) getpid ());
    mode_t old = umask (secret ? 077 : 022);
    int rc = secret ? zcert_save_secret (cert, temp) : zcert_save_public (cert, temp);
    umask (old);
    if (rc == 0)
        rc = chmod (temp, secret ? 0600 : 0644);
    if (rc == 0)
        rc = link (temp, path);
    int error = errno;
    unlink (temp);
    if (rc)
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (error));
    return rc ? -1 : 0;
}

//  The gateway's pair for node, from DIR/keys/NODE.cert_secret; NULL if it
//  has none.
static zcert_t *
s_pair (web_keys_t *self, const char *node)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/%s.cert_secret", self->dir, node);
    return zcert_load (path);
}

//  The public key of certs/NODE.cert into public (41 bytes): 0, or -1 if
//  there is no such certificate (or none czmq can read).
static int
s_cert_key (web_keys_t *self, const char *node, char *public)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/%s.cert", self->certs, node);
    zcert_t *cert = zcert_load (path);
    if (!cert)
        return -1;
    snprintf (public, 41, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

int
web_keys_admit (web_keys_t *self, const char *node, const char *role, char *why,
                size_t why_size)
{
    //  The gateway's directory, then its keys/, each 0700: a keys/ that
    //  others may enter is refused, not used.
    char *parent = strdup (self->dir);
    *strrchr (parent, '/') = 0;
    if (web_dir_make (parent, why, why_size)) {
        free (parent);
        return -1;
    }
    free (parent);
    struct stat st;
    if (mkdir (self->dir, 0700) && errno != EEXIST) {
        snprintf (why, why_size, "cannot make %s: %s", self->dir, strerror (errno));
        return -1;
    }
    if (stat (self->dir, &st) || (st.st_mode & 077)) {
        snprintf (why, why_size, "%s holds secret keys and is open to group or others (mode "
                  "%04o): chmod 700 it", self->dir, (unsigned) (st.st_mode & 07777));
        return -1;
    }
    char path [PATH_MAX], secret [PATH_MAX + 8];
    snprintf (path, sizeof (path), "%s/%s.cert", self->dir, node);
    snprintf (secret, sizeof (secret), "%s_secret", path);
    zcert_t *cert = s_pair (self, node);
    if (cert) {
        //  A pair made for this node before: the same role, or refused
        //  (the broker would refuse its hello: ROLE_MISMATCH).
        const char *kept = zcert_meta (cert, "role");
        if (!streq (kept ? kept : "", role)) {
            snprintf (why, why_size, "%s's key here is for role %s (%s), not %s: invite it "
                      "as %s", node, kept ? kept : "none", secret, role, kept ? kept : "?");
            zcert_destroy (&cert);
            return -1;
        }
    }
    else {
        cert = zcert_new ();
        zcert_set_meta (cert, "name", "%s", node);
        zcert_set_meta (cert, "role", "%s", role);
        //  The secret first: a public certificate never stands without it.
        if (s_write (cert, secret, true, why, why_size)
        ||  s_write (cert, path, false, why, why_size)) {
            zcert_destroy (&cert);
            return -1;
        }
    }
    //  The broker's certs/: ours already, missing (linked into place), or
    //  another key's (refused).
    char there [41];
    char cert_path [PATH_MAX];
    snprintf (cert_path, sizeof (cert_path), "%s/%s.cert", self->certs, node);
    int rc = 0;
    if (access (cert_path, F_OK) != 0)
        rc = s_write (cert, cert_path, false, why, why_size);
    else
    if (s_cert_key (self, node, there) || !streq (there, zcert_public_txt (cert))) {
        snprintf (why, why_size, "%s holds another key for %s: not overwritten (remove it "
                  "first if the gateway is to serve %s)", cert_path, node, node);
        rc = -1;
    }
    zcert_destroy (&cert);
    return rc;
}

cb_client_t *
web_keys_connect (web_keys_t *self, const char *endpoint, const char *node, const char *role,
                  char *why, size_t why_size)
{
    char secret [PATH_MAX];
    snprintf (secret, sizeof (secret), "%s/%s.cert_secret", self->dir, node);
    if (access (secret, F_OK)) {
        snprintf (why, why_size, "the gateway has no key for %s: it was invited without "
                  "--certs; invite it again (catchball-web invite %s --role ROLE)", node, node);
        return NULL;
    }
    return cb_client_new_curve (endpoint, node, role, NULL, secret, self->broker_key, why,
                                why_size);
}

bool
web_keys_revoked (web_keys_t *self, const char *node)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/%s.cert", self->certs, node);
    struct stat st;
    if (stat (path, &st)) {
        //  Gone: revoked, if the gateway has a key for the node at all.
        zhashx_delete (self->seen, node);
        char secret [PATH_MAX];
        snprintf (secret, sizeof (secret), "%s/%s.cert_secret", self->dir, node);
        return access (secret, F_OK) == 0;
    }
    s_seen_t *seen = (s_seen_t *) zhashx_lookup (self->seen, node);
    if (seen && seen->dev == st.st_dev && seen->ino == st.st_ino && seen->size == st.st_size
    &&  seen->mtime.tv_sec == st.st_mtim.tv_sec && seen->mtime.tv_nsec == st.st_mtim.tv_nsec)
        return seen->revoked;
    //  New, or changed since: read it again.
    char there [41];
    zcert_t *pair = s_pair (self, node);
    bool revoked = pair && (s_cert_key (self, node, there)
                         || !streq (there, zcert_public_txt (pair)));
    zcert_destroy (&pair);
    if (!seen) {
        seen = (s_seen_t *) calloc (1, sizeof (s_seen_t));
        assert (seen);
        zhashx_insert (self->seen, node, seen);
    }
    seen->dev = st.st_dev;
    seen->ino = st.st_ino;
    seen->size = st.st_size;
    seen->mtime = st.st_mtim;
    seen->revoked = revoked;
    return revoked;
}

int
web_keys_revoke (web_keys_t *self, const char *node, char *why, size_t why_size)
{
    char path [PATH_MAX], there [41];
    snprintf (path, sizeof (path), "%s/%s.cert", self->certs, node);
    zcert_t *pair = s_pair (self, node);
    bool ours = pair && s_cert_key (self, node, there) == 0
             && streq (there, zcert_public_txt (pair));
    zcert_destroy (&pair);
    if (!ours) {
        //  Not the gateway's to remove: someone else's key, or none.
        if (access (path, F_OK) == 0) {
            snprintf (why, why_size, "%s is not the key this gateway keeps for %s: left as it "
                      "is", path, node);
            return -1;
        }
        return 0;
    }
    if (unlink (path)) {
        snprintf (why, why_size, "cannot remove %s: %s", path, strerror (errno));
        return -1;
    }
    return 1;
}

int
web_keys_remember (const char *dir, const char *certs, char *why, size_t why_size)
{
    char path [PATH_MAX], temp [PATH_MAX + 8];
    snprintf (path, sizeof (path), "%s/certs", dir);
    if (!certs) {
        if (unlink (path) && errno != ENOENT) {
            snprintf (why, why_size, "cannot remove %s: %s", path, strerror (errno));
            return -1;
        }
        return 0;
    }
    //  Absolute: invite may run from another directory.
    char *full = realpath (certs, NULL);
    snprintf (temp, sizeof (temp), "%s.new", path);
    if (web_dir_make (dir, why, why_size)) {
        free (full);
        return -1;
    }
    FILE *file = full ? fopen (temp, "w") : NULL;
    bool written = file && fprintf (file, "%s\n", full) > 0;
    if (!file || fclose (file) || !written || rename (temp, path)) {
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (errno));
        unlink (temp);
        free (full);
        return -1;
    }
    free (full);
    return 0;
}

bool
web_keys_remembered (const char *dir, char *certs, size_t size)
{
    char path [PATH_MAX];
    snprintf (path, sizeof (path), "%s/certs", dir);
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    bool got = fgets (certs, (int) size, file) != NULL;
    fclose (file);
    certs [strcspn (certs, "\n")] = 0;
    return got && certs [0] == '/';
}
