/*  =========================================================================
    web_tls - the gateway's certificate and key, checked before it serves

    `catchball-web --tls-cert FILE --tls-key FILE` serves HTTPS through
    libmicrohttpd's GnuTLS support, with both files handed over in memory.
    This file reads them and refuses, at start and with a sentence that
    names the file, everything that would otherwise fail later or quietly:
    a libmicrohttpd built without TLS, a file missing or unreadable or not
    a regular file, text that is not a PEM certificate or an unencrypted
    PEM private key, a key that is not the certificate's, and a key file
    that group or others may read or write. That last one is the broker's
    rule for CURVE secrets (server/keys.c): a key anyone on the machine
    can read protects nobody, and libraries load one without a word.

    The certificate's name (web_tls_name) is the host a browser will
    accept it for, so it is the host the join links name.
    =========================================================================
*/
#include <czmq.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sys/stat.h>

#include "web.h"

//  A PEM file is a few KiB; a chain a few times that. More is a mistake.
#define S_FILE_MAX  (1024 * 1024)

//  TLS 1.2 and 1.3 only: what browsers speak, nothing they dropped.
static const char *s_priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

struct _web_tls_t {
    char *cert;                         //  The certificate (chain), PEM, NUL-ended
    char *key;                          //  The private key, PEM, NUL-ended
    char name [256];                    //  The host the certificate is for, or ""
    struct MHD_OptionItem options [4];  //  For libmicrohttpd: key, cert, priorities
};

//  The options of no TLS: plain HTTP.
static const struct MHD_OptionItem s_no_options [] = { { MHD_OPTION_END, 0, NULL } };


//  --------------------------------------------------------------------------
//  Reads a whole file as a string (the caller frees it), refusing one that
//  is not a regular file or too large and, if secret, one with any group
//  or other permission. NULL with why.

static char *
s_read (const char *path, const char *what, bool secret, char *why, size_t why_size)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf (why, why_size, "%s %s: cannot read it: %s", what, path, strerror (errno));
        return NULL;
    }
    //  The mode of the file opened, not of a name that may change under us.
    struct stat st;
    char *text = NULL;
    if (fstat (fd, &st))
        snprintf (why, why_size, "%s %s: cannot read it: %s", what, path, strerror (errno));
    else
    if (!S_ISREG (st.st_mode))
        snprintf (why, why_size, "%s %s: not a regular file", what, path);
    else
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)))
        snprintf (why, why_size, "%s %s is readable or writable by group or others "
                  "(mode %04o): chmod 600 it", what, path, (unsigned) (st.st_mode & 07777));
    else
    if (st.st_size > S_FILE_MAX)
        snprintf (why, why_size, "%s %s: too large for a PEM file (%lld bytes)", what, path,
                  (long long) st.st_size);
    else {
        text = (char *) calloc (1, (size_t) st.st_size + 1);
        assert (text);
        ssize_t got = read (fd, text, (size_t) st.st_size);
        if (got != (ssize_t) st.st_size) {
            snprintf (why, why_size, "%s %s: cannot read it: %s", what, path,
                      got < 0 ? strerror (errno) : "it changed while read");
            free (text);
            text = NULL;
        }
    }
    close (fd);
    return text;
}

//  The host a certificate is for, as a browser checks it: its first DNS
//  subject alternative name, else its first IP address one, else its
//  common name (which browsers no longer read, but a link may still use).
//  A wildcard (*.example.org) names no host a link could go to: skipped.
static void
s_name (gnutls_x509_crt_t crt, char *name, size_t size)
{
    name [0] = 0;
    for (int type = GNUTLS_SAN_DNSNAME; type; type = type == GNUTLS_SAN_DNSNAME
                                                     ? GNUTLS_SAN_IPADDRESS : 0)
        for (unsigned seq = 0; !name [0]; seq++) {
            unsigned char value [256];
            size_t value_size = sizeof (value) - 1;
            int got = gnutls_x509_crt_get_subject_alt_name (crt, seq, value, &value_size, NULL);
            if (got < 0)
                break;          //  No more names (or one too long to be a host)
            if (got != type)
                continue;
            if (type == GNUTLS_SAN_DNSNAME) {
                value [value_size] = 0;
                if (!strchr ((char *) value, '*'))
                    snprintf (name, size, "%s", (char *) value);
            }
            else
            if (value_size == 4)
                inet_ntop (AF_INET, value, name, (socklen_t) size);
            else
            if (value_size == 16 && size > 2) {
                //  An IPv6 address goes in brackets in a URL.
                name [0] = '[';
                inet_ntop (AF_INET6, value, name + 1, (socklen_t) size - 2);
                strcat (name, "]");
            }
        }
    if (!name [0]) {
        size_t name_size = size;
        if (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name,
                                           &name_size) < 0 || strchr (name, '*'))
            name [0] = 0;
    }
}

//  Checks that cert is PEM certificates and key an unencrypted PEM private
//  key that is the first certificate's, and finds the certificate's name.
//  0, or -1 with why.
static int
s_check (web_tls_t *self, const char *cert_file, const char *key_file, char *why,
         size_t why_size)
{
    gnutls_x509_crt_t *crts = NULL;
    unsigned int crt_count = 0;
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t cert_datum = { (unsigned char *) self->cert, (unsigned) strlen (self->cert) };
    gnutls_datum_t key_datum = { (unsigned char *) self->key, (unsigned) strlen (self->key) };
    int rc = -1;
    int err = gnutls_x509_crt_list_import2 (&crts, &crt_count, &cert_datum,
                                            GNUTLS_X509_FMT_PEM, 0);
    if (err < 0 || crt_count == 0) {
        snprintf (why, why_size, "--tls-cert %s: not a PEM certificate (%s)", cert_file,
                  err < 0 ? gnutls_strerror (err) : "none in it");
        goto done;
    }
    gnutls_x509_privkey_init (&key);
    //  No password: a gateway that starts unattended could not type one.
    err = gnutls_x509_privkey_import2 (key, &key_datum, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (err < 0) {
        snprintf (why, why_size, "--tls-key %s: not an unencrypted PEM private key (%s)",
                  key_file, gnutls_strerror (err));
        goto done;
    }
    //  The key is the certificate's if their public keys' ids agree.
    unsigned char cert_id [64], key_id [64];
    size_t cert_id_size = sizeof (cert_id), key_id_size = sizeof (key_id);
    if (gnutls_x509_crt_get_key_id (crts [0], 0, cert_id, &cert_id_size) < 0
    ||  gnutls_x509_privkey_get_key_id (key, 0, key_id, &key_id_size) < 0
    ||  cert_id_size != key_id_size || memcmp (cert_id, key_id, key_id_size)) {
        snprintf (why, why_size, "--tls-key %s is not the key of the certificate in "
                  "--tls-cert %s", key_file, cert_file);
        goto done;
    }
    //  A certificate out of its dates: every browser would refuse it, at
    //  the event, in front of everyone; refused here, before serving.
    time_t now = time (NULL);
    time_t expires = gnutls_x509_crt_get_expiration_time (crts [0]);
    time_t begins = gnutls_x509_crt_get_activation_time (crts [0]);
    char date [32];
    struct tm tm;
    if (expires != (time_t) -1 && expires < now) {
        strftime (date, sizeof (date), "%Y-%m-%dT%H:%MZ", gmtime_r (&expires, &tm));
        snprintf (why, why_size, "--tls-cert %s expired on %s: browsers refuse it; renew it",
                  cert_file, date);
        goto done;
    }
    if (begins != (time_t) -1 && begins > now) {
        strftime (date, sizeof (date), "%Y-%m-%dT%H:%MZ", gmtime_r (&begins, &tm));
        snprintf (why, why_size, "--tls-cert %s is not valid before %s: browsers refuse it",
                  cert_file, date);
        goto done;
    }
    s_name (crts [0], self->name, sizeof (self->name));
    rc = 0;
done:
    if (key)
        gnutls_x509_privkey_deinit (key);
    for (unsigned int i = 0; i < crt_count; i++)
        gnutls_x509_crt_deinit (crts [i]);
    gnutls_free (crts);
    return rc;
}

web_tls_t *
web_tls_new (const char *cert_file, const char *key_file, char *why, size_t why_size)
{
    if (MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES) {
        snprintf (why, why_size, "this libmicrohttpd (%s) was built without TLS: it cannot "
                  "serve HTTPS", MHD_get_version ());
        return NULL;
    }
    web_tls_t *self = (web_tls_t *) calloc (1, sizeof (web_tls_t));
    assert (self);
    self->cert = s_read (cert_file, "--tls-cert", false, why, why_size);
    if (self->cert)
        self->key = s_read (key_file, "--tls-key", true, why, why_size);
    if (!self->key || s_check (self, cert_file, key_file, why, why_size)) {
        web_tls_destroy (&self);
        return NULL;
    }
    self->options [0] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, self->key };
    self->options [1] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, self->cert };
    self->options [2] = (struct MHD_OptionItem) {
        MHD_OPTION_HTTPS_PRIORITIES, 0, (void *) s_priorities };
    self->options [3] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };
    return self;
}

void
web_tls_destroy (web_tls_t **self_p)
{
    web_tls_t *self = *self_p;
    if (!self)
        return;
    //  The key is a secret: not left behind in freed memory.
    if (self->key) {
        explicit_bzero (self->key, strlen (self->key));
        free (self->key);
    }
    free (self->cert);
    free (self);
    *self_p = NULL;
}

const struct MHD_OptionItem *
web_tls_options (const web_tls_t *self)
{
    return self ? self->options : s_no_options;
}

const char *
web_tls_name (const web_tls_t *self)
{
    return self ? self->name : "";
}
