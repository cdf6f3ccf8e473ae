/*  =========================================================================
    cb_broker security - CURVE, the bind address and the descriptor limit

    What must be settled before the socket binds: CURVE with our own ZAP
    handler running first (or a loopback address, or --insecure), the
    soft descriptor limit raised to the hard one, and the listen backlog.
    =========================================================================
*/
#include <sys/resource.h>

#include "broker_int.h"

#define S_BACKLOG   4096    //  Asked of listen (2); the kernel caps it at somaxconn

//  True for endpoints only this machine can reach: ipc, inproc and tcp on
//  a loopback address.
bool
cb_broker_is_local (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    return strncmp (host, "127.", 4) == 0 || strncmp (host, "localhost:", 10) == 0
        || strncmp (host, "[::1]:", 6) == 0;
}

//  CURVE, or the refusal to serve the network without it. Before bind:
//  The ZAP handler must be running before the first handshake, or CURVE lets anyone
//  in. 0 if the broker may go on.
int
cb_broker_security (cb_broker_t *self)
{
    const cb_broker_config_t *config = &self->config;
    if (!config->key && !config->certs) {
        if (cb_broker_is_local (config->endpoint) || config->insecure)
            return 0;
        zsys_error ("refusing to bind %s without CURVE: anyone on the network could speak "
                    "for any node. Give --key and --certs (see catchball keygen), bind a "
                    "loopback address, or say --insecure for a lab network",
                    config->endpoint);
        return -1;
    }
    if (!config->key || !config->certs) {
        zsys_error ("CURVE needs both --key (the broker's secret certificate) and --certs "
                    "(the directory of node certificates)");
        return -1;
    }
    char why [PATH_MAX + 100];
    if (cb_keys_check_secret (config->key, why, sizeof (why))) {
        zsys_error ("refusing the broker's secret key: %s", why);
        return -1;
    }
    zcert_t *cert = zcert_load (config->key);
    if (!cert || streq (zcert_secret_txt (cert), "0000000000000000000000000000000000000000")) {
        zsys_error ("%s holds no secret key: give the _secret file written by "
                    "catchball keygen", config->key);
        zcert_destroy (&cert);
        return -1;
    }
    self->keys = cb_keys_new (config->certs);
    if (!self->keys) {
        zcert_destroy (&cert);
        return -1;
    }
    self->auth = cb_zap_start (config->certs, config->verbose);
    if (!self->auth) {
        zcert_destroy (&cert);
        return -1;
    }
    zcert_apply (cert, self->router);
    zsock_set_curve_server (self->router, 1);
    zsock_set_zap_domain (self->router, "catchball");
    zsys_info ("CURVE: the broker's public key is %s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

//  Raises the soft descriptor limit to the hard one (each connection is a
//  descriptor) and returns it.
size_t
cb_broker_raise_nofile (void)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit))
        return 1024;
    rlim_t before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &limit))
            getrlimit (RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (1 << 24))
        limit.rlim_cur = 1 << 24;
    zsys_info ("descriptors: up to %llu (soft limit %s %llu, hard limit %llu)",
               (unsigned long long) limit.rlim_cur,
               before < limit.rlim_cur ? "raised from" : "was",
               (unsigned long long) before, (unsigned long long) limit.rlim_max);
    return (size_t) limit.rlim_cur;
}

//  The listen backlog: libzmq's default of 100 overflowed with 2,000 nodes
//  connecting at once (each one dropped waits a second for its SYN to be
//  sent again). The kernel caps it at net.core.somaxconn.
int
cb_broker_backlog (void)
{
    int somaxconn = -1;
    FILE *file = fopen ("/proc/sys/net/core/somaxconn", "r");
    if (file) {
        if (fscanf (file, "%d", &somaxconn) != 1)
            somaxconn = -1;
        fclose (file);
    }
    int effective = somaxconn > 0 && somaxconn < S_BACKLOG ? somaxconn : S_BACKLOG;
    zsys_info ("listen backlog: %d (asked %d; net.core.somaxconn %d)", effective, S_BACKLOG,
               somaxconn);
    return S_BACKLOG;
}
