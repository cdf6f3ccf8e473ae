/*  =========================================================================
    web_tokens - single-use join tokens, and the random ids of the gateway

    `catchball-web invite NODE --role ROLE` writes a token here and prints
    the link; the serving gateway turns it into a session once. A token is
    a file DIR/invites/TOKEN holding "node role": plainly, because the
    directory is the gateway's own (0700, the file 0600) and a token that
    is used is gone. Using one is unlink(2): of two browsers racing with
    the same link, exactly one unlink succeeds, even across processes.
    The token is checked to be 64 hex digits before it names a file, so a
    request can never reach outside the directory.
    =========================================================================
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

//  DIR/invites, made (0700) if missing. 0 or -1 with why.
static int
s_invites_dir (const char *dir, char *path, size_t size, char *why, size_t why_size)
{
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (why, why_size, "cannot make %s: %s", dir, strerror (errno));
        return -1;
    }
    snprintf (path, size, "%s/invites", dir);
    if (mkdir (path, 0700) && errno != EEXIST) {
        snprintf (why, why_size, "cannot make %s: %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

int
web_invite_new (const char *dir, const char *node, const char *role, char *token,
                char *why, size_t why_size)
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
    char invites [4096], path [4200];
    if (s_invites_dir (dir, invites, sizeof (invites), why, why_size))
        return -1;
    if (web_id_new (token)) {
        snprintf (why, why_size, "no random bytes: %s", strerror (errno));
        return -1;
    }
    snprintf (path, sizeof (path), "%s/%s", invites, token);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (errno));
        return -1;
    }
    char line [200];
    int len = snprintf (line, sizeof (line), "%s %s\n", node, role);
    bool written = write (fd, line, len) == len;
    if (close (fd) || !written) {
        snprintf (why, why_size, "cannot write %s", path);
        unlink (path);
        return -1;
    }
    return 0;
}

int
web_invite_read (const char *dir, const char *token, char *node, char *role)
{
    if (!web_id_ok (token))
        return -1;
    char path [4200];
    snprintf (path, sizeof (path), "%s/invites/%s", dir, token);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    char line [200] = "";
    char *got = fgets (line, sizeof (line), file);
    fclose (file);
    char *space = got ? strchr (line, ' ') : NULL;
    if (!space)
        return -1;
    *space = 0;
    line [strcspn (line, "\n")] = 0;
    space [1 + strcspn (space + 1, "\n")] = 0;
    if (!web_name_ok (line) || !web_role_ok (space + 1))
        return -1;
    snprintf (node, WEB_NAME_MAX, "%s", line);
    snprintf (role, 16, "%s", space + 1);
    return 0;
}

int
web_invite_use (const char *dir, const char *token)
{
    if (!web_id_ok (token))
        return -1;
    char path [4200];
    snprintf (path, sizeof (path), "%s/invites/%s", dir, token);
    return unlink (path) ? -1 : 0;
}
