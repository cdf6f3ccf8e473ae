/*  =========================================================================
    cb_keys - the broker's table of node keys, from a certificate directory

    Only files named *.cert are read: renaming team-a.cert to
    team-a.cert.disabled, or an editor's team-a.cert~ left behind, must not
    keep team-a enrolled. A certificate is accepted when its "name" is a
    valid node name and its "role" one of leadership, team, facilitator or
    observer. Others (the broker's own, with role "broker", secret files,
    anything unreadable) are skipped, with a warning for what looks like a
    mistake. Two certificates giving one key to different nodes or roles
    are both refused. Changes to the directory are noticed by a signature
    of its entries (names, sizes, modification times to the nanosecond),
    checked by cb_keys_refresh.

    Handshakes are checked against this table too (zap.c): czmq's zauth
    loaded every file of the directory into its certificate store, and
    aborted the process on a key it met twice (zcertstore_insert's
    assert), which a copy such as team-a.cert~ beside team-a.cert was.
    =========================================================================
*/
#include <dirent.h>
#include <sys/stat.h>

#include "keys.h"
#include "records.h"

typedef struct {
    char *node;                 //  Node name
    char *role;                 //  Its role
} s_key_t;

struct _cb_keys_t {
    char *dir;                  //  The certificate directory
    zhashx_t *keys;             //  Z85 public key -> s_key_t
    uint64_t signature;         //  Of the directory as last read
    struct timespec touched;    //  The directory's own mtime then
};

static void
s_key_free (void **item_p)
{
    s_key_t *key = (s_key_t *) *item_p;
    if (key) {
        free (key->node);
        free (key->role);
        free (key);
        *item_p = NULL;
    }
}

static bool
s_ends_with (const char *s, const char *suffix)
{
    size_t n = strlen (s), m = strlen (suffix);
    return n >= m && streq (s + n - m, suffix);
}

static uint64_t
s_fnv (uint64_t hash, const void *data, size_t size)
{
    const unsigned char *p = (const unsigned char *) data;
    for (size_t i = 0; i < size; i++) {
        hash ^= p [i];
        hash *= 1099511628211ull;
    }
    return hash;
}

//  A signature of the directory's entries, independent of their order;
//  0 if it cannot be read.
static uint64_t
s_signature (const char *dir)
{
    DIR *handle = opendir (dir);
    if (!handle)
        return 0;
    uint64_t sum = 1, mix = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        if (entry->d_name [0] == '.')
            continue;
        char path [PATH_MAX];
        struct stat st;
        snprintf (path, sizeof (path), "%s/%s", dir, entry->d_name);
        if (stat (path, &st))
            continue;
        uint64_t h = s_fnv (14695981039346656037ull, entry->d_name, strlen (entry->d_name));
        h = s_fnv (h, &st.st_size, sizeof (st.st_size));
        h = s_fnv (h, &st.st_mtim, sizeof (st.st_mtim));
        h = s_fnv (h, &st.st_ino, sizeof (st.st_ino));
        sum += h;
        mix ^= h * 31;
    }
    closedir (handle);
    return s_fnv (sum, &mix, sizeof (mix)) | 1;
}

static bool
s_role_valid (const char *role)
{
    return role && (streq (role, "leadership") || streq (role, "team")
                 || streq (role, "facilitator") || streq (role, "observer"));
}

static void
s_load (cb_keys_t *self)
{
    zhashx_purge (self->keys);
    DIR *handle = opendir (self->dir);
    if (!handle)
        return;
    zhashx_t *conflicts = zhashx_new ();
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        const char *name = entry->d_name;
        if (name [0] == '.')
            continue;
        char path [PATH_MAX];
        snprintf (path, sizeof (path), "%s/%s", self->dir, name);
        if (s_ends_with (name, "_secret")) {
            zsys_warning ("keys: %s is a secret key: it does not belong in the "
                          "certificate directory (skipped)", path);
            continue;
        }
        if (!s_ends_with (name, ".cert"))
            continue;
        struct stat st;
        if (stat (path, &st) || !S_ISREG (st.st_mode))
            continue;
        zcert_t *cert = zcert_load (path);
        if (!cert) {
            zsys_warning ("keys: %s is not a certificate (skipped)", path);
            continue;
        }
        const char *node = zcert_meta (cert, "name");
        const char *role = zcert_meta (cert, "role");
        if (role && streq (role, "broker"))
            ;       //  The broker's own public certificate: not a node
        else
        if (!node || !cb_node_name_valid (node) || !s_role_valid (role))
            zsys_warning ("keys: %s has no valid 'name' and 'role' (make certificates "
                          "with catchball keygen): skipped", path);
        else {
            const char *public_key = zcert_public_txt (cert);
            s_key_t *known = (s_key_t *) zhashx_lookup (self->keys, public_key);
            if (zhashx_lookup (conflicts, public_key))
                ;       //  Refused already
            else
            if (known && (!streq (known->node, node) || !streq (known->role, role))) {
                zsys_warning ("keys: %s gives the key of %s (%s) to %s (%s): neither is "
                              "accepted until one certificate goes", path, known->node,
                              known->role, node, role);
                zhashx_insert (conflicts, public_key, (void *) 1);
                zhashx_delete (self->keys, public_key);
            }
            else
            if (!known) {
                s_key_t *key = (s_key_t *) zmalloc (sizeof (s_key_t));
                key->node = strdup (node);
                key->role = strdup (role);
                zhashx_insert (self->keys, public_key, key);
            }
        }
        zcert_destroy (&cert);
    }
    closedir (handle);
    zhashx_destroy (&conflicts);
}

cb_keys_t *
cb_keys_new (const char *dir)
{
    uint64_t signature = s_signature (dir);
    if (!signature) {
        zsys_error ("keys: cannot read the certificate directory %s: %s", dir,
                    strerror (errno));
        return NULL;
    }
    cb_keys_t *self = (cb_keys_t *) zmalloc (sizeof (cb_keys_t));
    self->dir = strdup (dir);
    self->keys = zhashx_new ();
    zhashx_set_destructor (self->keys, s_key_free);
    self->signature = signature;
    struct stat st;
    if (stat (dir, &st) == 0)
        self->touched = st.st_mtim;
    s_load (self);
    return self;
}

void
cb_keys_destroy (cb_keys_t **self_p)
{
    cb_keys_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->keys);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

bool
cb_keys_refresh (cb_keys_t *self)
{
    uint64_t signature = s_signature (self->dir);
    if (signature == self->signature)
        return false;
    //  An unreadable directory (0) empties the table: fail closed.
    self->signature = signature;
    s_load (self);
    return true;
}

//  A file added, removed or renamed changes the directory's own mtime: one
//  stat tells whether the whole signature is worth computing again.
bool
cb_keys_refresh_if_touched (cb_keys_t *self)
{
    struct stat st;
    if (stat (self->dir, &st) == 0) {
        if (st.st_mtim.tv_sec == self->touched.tv_sec
        &&  st.st_mtim.tv_nsec == self->touched.tv_nsec)
            return false;
        self->touched = st.st_mtim;
    }
    return cb_keys_refresh (self);
}

bool
cb_keys_lookup (cb_keys_t *self, const char *public_key, const char **node, const char **role)
{
    s_key_t *key = public_key ? (s_key_t *) zhashx_lookup (self->keys, public_key) : NULL;
    if (!key)
        return false;
    *node = key->node;
    *role = key->role;
    return true;
}

size_t
cb_keys_size (cb_keys_t *self)
{
    return zhashx_size (self->keys);
}

int
cb_keys_check_secret (const char *path, char *why, size_t size)
{
    struct stat st;
    if (stat (path, &st)) {
        snprintf (why, size, "cannot read %s: %s", path, strerror (errno));
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (why, size, "%s is readable or writable by group or others (mode %04o): "
                  "chmod 600 it", path, (unsigned) (st.st_mode & 07777));
        return -1;
    }
    return 0;
}
