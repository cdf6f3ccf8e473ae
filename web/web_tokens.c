/*  =========================================================================
    web_tokens - single-use join tokens, sessions, and the random ids of
    the gateway

    `catchball-web invite NODE --role ROLE` writes a token here and prints
    the link; the serving gateway turns it into a session once. Both live
    as files in the gateway's directory (0700; each file 0600) holding
    "node role", named by the SHA-1 of the secret (czmq's zdigest), so
    that a copy of the directory opens no session and uses no invite.
    Using a token is unlink(2): of two browsers racing with the same link,
    exactly one unlink succeeds, even across processes. A session is good
    while its file exists: `catchball-web revoke NODE` deletes its files,
    and every request and live stream checks it again, so a revoked
    session ends at once, and a restarted gateway keeps its sessions.
    `catchball-web revoke --session ID` ends one session, named by the
    start of its file's name as `sessions` lists it.
    A session's file holds a third word, its CSRF token: another random
    id, given to the session's pages (GET /api/session) and required in
    the header of every state-changing request, so that a request another
    site makes the browser send (which carries the cookie, but cannot read
    the token) is refused. It dies with the session's file.
    Secrets are checked to be 64 hex digits before they are hashed.
    =========================================================================
*/
#include <czmq.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web.h"

bool
web_name_ok (const char *name)
{
    size_t len = name ? strlen (name) : 0;
    if (len < 1 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name [i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

bool
web_role_ok (const char *role)
{
    return role && (!strcmp (role, "leadership") || !strcmp (role, "team")
                ||  !strcmp (role, "facilitator") || !strcmp (role, "observer"));
}

bool
web_id_ok (const char *id)
{
    if (!id || strlen (id) != WEB_ID_HEX)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return true;
}

int
web_id_new (char *id)
{
    unsigned char bytes [WEB_ID_HEX / 2];
    if (getrandom (bytes, sizeof (bytes), 0) != (ssize_t) sizeof (bytes))
        return -1;
    for (size_t i = 0; i < sizeof (bytes); i++)
        snprintf (id + 2 * i, 3, "%02x", bytes [i]);
    return 0;
}

//  The file name of a secret: its SHA-1, as hex.
static void
s_hash (const char *secret, char *hex, size_t size)
{
    zdigest_t *digest = zdigest_new ();
    zdigest_update (digest, (const byte *) secret, strlen (secret));
    snprintf (hex, size, "%s", zdigest_string (digest));
    zdigest_destroy (&digest);
}

int
web_dir_private (const char *dir, char *why, size_t why_size)
{
    static const char *const kinds [] = { "", "/invites", "/sessions", "/inbox", "/keys", NULL };
    for (int i = 0; kinds [i]; i++) {
        char path [4200];
        struct stat st;
        snprintf (path, sizeof (path), "%s%s", dir, kinds [i]);
        if (stat (path, &st))
            continue;               //  Made 0700 when first needed
        if ((st.st_mode & 077) || st.st_uid != geteuid ()) {
            snprintf (why, why_size, "%s is open to others (mode %03o) or not ours: anyone "
                      "who may write there may make a session as anyone. chmod 700 %s",
                      path, (unsigned) (st.st_mode & 0777), path);
            return -1;
        }
    }
    return 0;
}

int
web_dir_make (const char *dir, char *why, size_t why_size)
{
    char path [4096];
    if (snprintf (path, sizeof (path), "%s", dir) >= (int) sizeof (path)) {
        snprintf (why, why_size, "cannot make %s: the path is too long", dir);
        return -1;
    }
    for (char *p = path + 1; ; p++)
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir (path, 0700) && errno != EEXIST) {
                snprintf (why, why_size, "cannot make %s: %s", path, strerror (errno));
                return -1;
            }
            *p = c;
            if (!c)
                return 0;
        }
}

//  DIR/KIND ("invites", "sessions"), made (0700) if missing. 0 or -1 with why.
static int
s_kind_dir (const char *dir, const char *kind, char *path, size_t size, char *why,
            size_t why_size)
{
    if (web_dir_make (dir, why, why_size))
        return -1;
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (why, why_size, "cannot make %s: %s", dir, strerror (errno));
        return -1;
    }
    snprintf (path, size, "%s/%s", dir, kind);
    if (mkdir (path, 0700) && errno != EEXIST) {
        snprintf (why, why_size, "cannot make %s: %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

//  A new secret for node with role: DIR/KIND/SHA1 (0600) holding "node
//  role", and " CSRF" if csrf is not NULL (a second random id, returned
//  there). 0 with the secret in `secret`, or -1 with why.
static int
s_write (const char *dir, const char *kind, const char *node, const char *role, char *secret,
         char *csrf, char *why, size_t why_size)
{
    if (!web_name_ok (node)) {
        snprintf (why, why_size, "'%s' is not a node name (1 to 64 of A-Z a-z 0-9 . _ -)",
                  node);
        return -1;
    }
    if (!web_role_ok (role)) {
        snprintf (why, why_size, "'%s' is not a role (leadership, team, facilitator, observer)",
                  role);
        return -1;
    }
    char kind_dir [4096], hash [64], path [4200];
    if (s_kind_dir (dir, kind, kind_dir, sizeof (kind_dir), why, why_size))
        return -1;
    if (web_id_new (secret) || (csrf && web_id_new (csrf))) {
        snprintf (why, why_size, "no random bytes: %s", strerror (errno));
        return -1;
    }
    s_hash (secret, hash, sizeof (hash));
    snprintf (path, sizeof (path), "%s/%s", kind_dir, hash);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (errno));
        return -1;
    }
    char line [200];
    int len = snprintf (line, sizeof (line), "%s %s%s%s\n", node, role, csrf ? " " : "",
                        csrf ? csrf : "");
    bool written = write (fd, line, len) == len;
    if (close (fd) || !written) {
        snprintf (why, why_size, "cannot write %s", path);
        unlink (path);
        return -1;
    }
    return 0;
}

//  Reads "node role [csrf]" from a file; csrf (if not NULL) gets the
//  third word, "" if there is none. 0, or -1 if it is missing or bad.
static int
s_read_file (const char *path, char *node, char *role, char *csrf)
{
    FILE *file = web_expiry_fopen (path);
    if (!file)
        return -1;
    //  Only what the gateway itself wrote counts: a token or session file
    //  anyone else could write (or own) would let them in as anyone
    struct stat st;
    if (fstat (fileno (file), &st) || (st.st_mode & 077) || st.st_uid != geteuid ()) {
        fclose (file);
        return -1;
    }
    char line [200] = "";
    char *got = fgets (line, sizeof (line), file);
    fclose (file);
    char *space = got ? strchr (line, ' ') : NULL;
    if (!space)
        return -1;
    *space = 0;
    space [1 + strcspn (space + 1, "\n")] = 0;
    char *third = strchr (space + 1, ' ');
    if (third)
        *third++ = 0;
    if (!web_name_ok (line) || !web_role_ok (space + 1) || (third && !web_id_ok (third)))
        return -1;
    if (csrf)
        snprintf (csrf, WEB_ID_MAX, "%s", third ? third : "");
    snprintf (node, WEB_NAME_MAX, "%s", line);
    snprintf (role, 16, "%s", space + 1);
    return 0;
}

//  DIR/KIND/SHA1 of a secret; false if the secret is malformed.
static bool
s_path (const char *dir, const char *kind, const char *secret, char *path, size_t size)
{
    if (!web_id_ok (secret))
        return false;
    char hash [64];
    s_hash (secret, hash, sizeof (hash));
    snprintf (path, size, "%s/%s/%s", dir, kind, hash);
    return true;
}

int
web_invite_new (const char *dir, const char *node, const char *role, char *token,
                char *why, size_t why_size)
{
    return s_write (dir, "invites", node, role, token, NULL, why, why_size);
}

int
web_invite_read (const char *dir, const char *token, char *node, char *role)
{
    char path [4200];
    return s_path (dir, "invites", token, path, sizeof (path))
         ? s_read_file (path, node, role, NULL) : -1;
}

int
web_invite_use (const char *dir, const char *token)
{
    char path [4200];
    return s_path (dir, "invites", token, path, sizeof (path)) && !unlink (path) ? 0 : -1;
}

int
web_session_new (const char *dir, const char *node, const char *role, char *id, char *why,
                 size_t why_size)
{
    char csrf [WEB_ID_MAX];
    return s_write (dir, "sessions", node, role, id, csrf, why, why_size);
}

int
web_session_read (const char *dir, const char *id, char *node, char *role, char *csrf)
{
    char path [4200];
    return s_path (dir, "sessions", id, path, sizeof (path))
        && !web_session_expired (path, true) ? s_read_file (path, node, role, csrf) : -1;
}

int
web_sessions (const char *dir, const char *revoke, const char *session, FILE *out)
{
    //  A session named as `sessions` shows it: the start of its file's
    //  name (the SHA-1 of its secret, never the secret), 8 to 40 hex
    //  digits, either case.
    size_t prefix = session ? strlen (session) : 0;
    if (session) {
        bool hex = prefix >= 8 && prefix <= 40;
        for (size_t i = 0; hex && i < prefix; i++)
            hex = isxdigit ((unsigned char) session [i]);
        if (!hex) {
            errno = EINVAL;
            return -1;
        }
    }
    char kind_dir [4096];
    snprintf (kind_dir, sizeof (kind_dir), "%s/sessions", dir);
    DIR *d = opendir (kind_dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir (d))) {
        if (entry->d_name [0] == '.')
            continue;
        char path [4400], node [WEB_NAME_MAX], role [16];
        snprintf (path, sizeof (path), "%s/%s", kind_dir, entry->d_name);
        struct stat st;
        if (web_session_expired (path, false)
        ||  s_read_file (path, node, role, NULL) || stat (path, &st))
            continue;
        if (session) {
            if (strncasecmp (entry->d_name, session, prefix) || unlink (path))
                continue;
        }
        else
        if (revoke) {
            if (strcmp (node, revoke) || unlink (path))
                continue;
        }
        else {
            char since [32];
            strftime (since, sizeof (since), "%Y-%m-%dT%H:%MZ", gmtime (&st.st_mtime));
            fprintf (out, "%-24s %-12s since %s  (%.8s)\n", node, role, since, entry->d_name);
        }
        count++;
    }
    closedir (d);
    return count;
}
