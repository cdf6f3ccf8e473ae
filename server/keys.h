/*  =========================================================================
    cb_keys - the broker's table of node keys, from a certificate directory

    With CURVE on, a node is who its authenticated public key says it is.
    This table, owned by the broker and read from its certificate
    directory (the ZAP handler, zap.c, keeps one of its own to check
    handshakes), maps each public key
    to a node name and role (the certificate's "name" and "role" metadata,
    written by `catchball keygen`). Nothing a client sends, nor its routing
    id, can change it. The directory is read again when it changes: removing
    a certificate revokes the node's key.
    =========================================================================
*/
#ifndef CB_KEYS_H_INCLUDED
#define CB_KEYS_H_INCLUDED

#include <czmq.h>

typedef struct _cb_keys_t cb_keys_t;

//  Reads every public certificate (*.cert) in `dir`. NULL if the directory cannot be
//  read (logged).
cb_keys_t *cb_keys_new (const char *dir);
void cb_keys_destroy (cb_keys_t **self_p);

//  Reads the directory again if it changed since the last read. Returns
//  true if the table was reloaded.
bool cb_keys_refresh (cb_keys_t *self);

//  The same, only if the directory itself changed (a file added, removed
//  or renamed in it): one stat when it did not, so it may be called for
//  every handshake.
bool cb_keys_refresh_if_touched (cb_keys_t *self);

//  The node and role a Z85 public key belongs to, or false if the key is
//  not in the table. The strings stay valid until the next refresh.
bool cb_keys_lookup (cb_keys_t *self, const char *public_key, const char **node,
                     const char **role);

//  Keys in the table.
size_t cb_keys_size (cb_keys_t *self);

//  0 if the file `path` can be a secret key file: it exists and neither
//  group nor others may read or write it. Otherwise -1, with why in `why`.
int cb_keys_check_secret (const char *path, char *why, size_t size);

#endif
