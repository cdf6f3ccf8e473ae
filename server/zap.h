/*  =========================================================================
    cb_zap - the broker's ZAP handler: which CURVE handshakes may complete

    See zap.c. The handler lets in exactly the keys of the certificate
    directory's *.cert files (keys.c), read again whenever the directory
    changes, and gives each connection its Z85 public key as User-Id.
    =========================================================================
*/
#ifndef CB_ZAP_H_INCLUDED
#define CB_ZAP_H_INCLUDED

#include <czmq.h>

//  Starts the handler for the certificate directory `certs` (which must
//  outlive it) and waits until it is bound. NULL, logged, if it could not
//  bind or read the directory: the broker must not serve CURVE then.
//  zactor_destroy stops it; destroy the CURVE sockets first.
zactor_t *cb_zap_start (const char *certs, bool verbose);

//  The actor itself (for zactor_new); args is the directory.
void cb_zap_actor (zsock_t *pipe, void *args);

#endif
