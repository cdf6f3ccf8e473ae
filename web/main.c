/*  =========================================================================
    catchball-web - serve catchball to browsers: the gateway's command line

        catchball-web [--listen ADDR] [--port N] [--endpoint EP] [--dir D]
                      [--tls-cert FILE --tls-key FILE | --insecure-http] [--url BASE]
        catchball-web invite NODE --role ROLE [--dir D] [--url BASE] [--png FILE]
        catchball-web sessions [--dir D]
        catchball-web revoke NODE|--session ID [--dir D]
        (CURVE: --broker-key FILE|Z85 --certs DIR serving, --certs DIR for
        invite and revoke: web_keys.c)

    Serving binds 127.0.0.1 unless told otherwise, and fails closed as the
    broker does (server/main.c, which will not listen beyond the loopback
    without CURVE): any other address needs TLS (--tls-cert and --tls-key,
    web_tls.c), which protects the session cookies and the people's text
    on the network; or --insecure-http, for a lab, which is said loudly at
    start. A certificate or key that is wrong in any way stops the gateway
    before it serves, never later in a browser.

    The gateway's directory (--dir, default $CATCHBALL_WEB_DIR or
    ./catchball-web) holds the join tokens `invite` writes and the
    sessions they became (web_tokens.c), which `sessions` lists and
    `revoke` ends, and which end by themselves (web_expiry.c: the serving
    gateway's lifetimes kept in DIR/session-lifetimes); and the address the serving gateway is reached at
    (DIR/url: https under TLS, the certificate's name, the port it got),
    so that the links `invite` prints are links that work.
    =========================================================================
*/
#include <czmq.h>
#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>

#include "web.h"

#define S_DEFAULT_ENDPOINT  "tcp://127.0.0.1:5555"
#define S_DEFAULT_PORT      8080
#define S_DEFAULT_DIR       "catchball-web"

static const char *s_usage =
"usage: catchball-web [--listen ADDR] [--port N] [--endpoint EP] [--dir D]\n"
"                     [--tls-cert FILE --tls-key FILE | --insecure-http] [--url BASE]\n"
"                     [--session-idle T] [--session-max T]\n"
"                     [--broker-key FILE|Z85 --certs DIR]\n"
"                     [--sse-per-session N] [--sse-total N]\n"
"       catchball-web invite NODE --role ROLE [--dir D] [--url BASE] [--png FILE]\n"
"                     [--certs DIR]\n"
"       catchball-web sessions [--dir D]\n"
"       catchball-web revoke NODE|--session ID [--dir D] [--certs DIR]\n"
"\n"
"Serves catchball to browsers: the facilitator's board (/board?event=e1) and\n"
"each person's page, for the people who join with a link from `invite`.\n"
"\n"
"  --listen ADDR    address to bind (default 127.0.0.1); any other than the\n"
"                   loopback needs TLS, or --insecure-http\n"
"  --port N         port (default $CATCHBALL_WEB_PORT or 8080; 0: any free one,\n"
"                   printed)\n"
"  --endpoint EP    the broker (default $CATCHBALL_ENDPOINT or " S_DEFAULT_ENDPOINT ")\n"
"  --dir D          the gateway's directory: join tokens, sessions (default\n"
"                   $CATCHBALL_WEB_DIR or ./" S_DEFAULT_DIR ")\n"
"  --tls-cert FILE  serve HTTPS with this certificate (PEM; a chain allowed)\n"
"  --tls-key FILE   and its private key (PEM, unencrypted, mode 0600: a key\n"
"                   group or others may read is refused); the session cookie\n"
"                   is then Secure, and the join links https\n"
"  --insecure-http  serve plain HTTP beyond the loopback (a lab only: anyone on\n"
"                   the network can read the sessions' cookies); said loudly\n"
"  --url BASE       where people reach the gateway, for the join links: kept\n"
"                   in DIR/url by the serving gateway (default https://NAME:PORT\n"
"                   under TLS, NAME the certificate's, else http://ADDR:PORT),\n"
"                   and read from there by invite (else http://127.0.0.1:PORT)\n"
"  --session-idle T a session ends unused this long (default 12h; T is N, Ns,\n"
"                   Nm, Nh or Nd; an open live page uses it every few seconds)\n"
"  --session-max T  and this long after the join, in any case (default 7d)\n"
"  --broker-key K   CURVE: the broker's public certificate, or its key in Z85;\n"
"                   the gateway connects as each node by the node's own key\n"
"  --certs DIR      the broker's certificate directory (its --certs): invite\n"
"                   makes NODE's key pair in D/keys/ (0600) and puts NODE.cert\n"
"                   there; serving, a node whose NODE.cert is gone from it has\n"
"                   its sessions ended; revoke NODE removes NODE.cert too.\n"
"                   Kept in D/certs by the serving gateway, for invite and\n"
"                   revoke to use when given none\n"
"  --sse-per-session N\n"
"                   live pages (SSE streams) one session may hold open\n"
"                   (default 8); one more is refused (429)\n"
"  --sse-total N    live pages open at once in all (default 512, at most 752:\n"
"                   the rest of the 768 connections stay for requests)\n"
"  invite NODE --role ROLE\n"
"                   writes a single-use join token for NODE (leadership, team,\n"
"                   facilitator, observer) and prints its link (on stdout),\n"
"                   the link as a QR code (on stderr), and as a PNG (mode 0600)\n"
"  --png FILE       where invite writes the PNG (default NODE.png)\n"
"  sessions         lists the sessions: node, role, since when, its ID (not the\n"
"                   expired)\n"
"  revoke NODE      ends every session of NODE at once, live pages included\n"
"  revoke --session ID\n"
"                   ends the one session `sessions` lists with that ID\n";

static volatile int s_stop = 0;
static web_keys_t *s_keys = NULL;       //  CURVE, serving: each node by its key

static void
s_on_signal (int sig)
{
    s_stop = 1;
}

//  True for a numeric IPv4 loopback address (127.0.0.0/8).
static bool
s_loopback (const char *addr)
{
    struct in_addr in;
    return inet_pton (AF_INET, addr, &in) == 1 && (ntohl (in.s_addr) >> 24) == 127;
}

//  The address the serving gateway is reached at, as it wrote it into
//  DIR/url, into base; false if there is none (it never served here).
static bool
s_read_url (const char *dir, char *base, size_t size)
{
    char path [4200];
    snprintf (path, sizeof (path), "%s/url", dir);
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    bool got = fgets (base, (int) size, file) != NULL;
    fclose (file);
    base [strcspn (base, "\n")] = 0;
    return got && (!strncmp (base, "http://", 7) || !strncmp (base, "https://", 8));
}

//  Writes base into DIR/url (the directory made if missing, 0700, as the
//  tokens' is) for `invite` to read: aside, then renamed, so an invite
//  never reads half of it. 0, or -1 with why.
static int
s_write_url (const char *dir, const char *base, char *why, size_t why_size)
{
    char path [4200], temp [4200];
    snprintf (path, sizeof (path), "%s/url", dir);
    snprintf (temp, sizeof (temp), "%s/url.new", dir);
    if (web_dir_make (dir, why, why_size))
        return -1;
    FILE *file = fopen (temp, "w");
    bool written = file && fprintf (file, "%s\n", base) > 0;
    if (!file || fclose (file) || !written || rename (temp, path)) {
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (errno));
        unlink (temp);
        return -1;
    }
    return 0;
}

//  invite --certs DIR: NODE's key pair, made if the gateway has none, and
//  its certificate in the broker's DIR (web_keys.c). An exit status.
static int
s_admit (const char *dir, const char *certs, const char *node, const char *role)
{
    char why [PATH_MAX + 512];
    if (!web_name_ok (node) || !web_role_ok (role))
        return 0;               //  s_invite says what is wrong with them
    web_keys_t *keys = web_keys_new (dir, certs, NULL, why, sizeof (why));
    int rc = keys ? web_keys_admit (keys, node, role, why, sizeof (why)) : -1;
    web_keys_destroy (&keys);
    if (rc)
        fprintf (stderr, "catchball-web: invite: %s\n", why);
    else
        fprintf (stderr, "catchball-web: %s's key: %s/keys/%s.cert_secret (mode 0600); its "
                 "certificate: %s/%s.cert\n", node, dir, node, certs, node);
    return rc ? 1 : 0;
}

//  revoke NODE --certs DIR: removes NODE.cert from the broker's DIR if it
//  is the gateway's key for NODE; the broker refuses the key from then on,
//  and the serving gateway ends what is left. The pair stays: a new
//  invite puts the certificate back, and the node's inbox with it.
static int
s_uncert (const char *dir, const char *certs, const char *node)
{
    char why [PATH_MAX + 512];
    web_keys_t *keys = web_keys_new (dir, certs, NULL, why, sizeof (why));
    int rc = keys ? web_keys_revoke (keys, node, why, sizeof (why)) : -1;
    web_keys_destroy (&keys);
    if (rc < 0)
        fprintf (stderr, "catchball-web: revoke: %s\n", why);
    else
    if (rc > 0)
        printf ("removed %s/%s.cert: the broker refuses %s's key\n", certs, node, node);
    return rc < 0 ? 1 : 0;
}

//  catchball-web invite NODE --role ROLE: a token, its link (on stdout),
//  the link as a QR code (on stderr) and as a PNG. An exit status.
static int
s_invite (const char *node, const char *role, const char *dir, const char *url,
          const char *png)
{
    char token [WEB_ID_MAX], why [512];
    if (web_invite_new (dir, node, role ? role : "", token, why, sizeof (why))) {
        fprintf (stderr, "catchball-web: invite: %s\n", why);
        return 1;
    }
    char link [1024];
    if (snprintf (link, sizeof (link), "%s/join?token=%s", url, token) >= (int) sizeof (link)) {
        web_invite_use (dir, token);
        fputs ("catchball-web: invite: --url: too long for a link\n", stderr);
        return 2;
    }
    char png_path [300];
    snprintf (png_path, sizeof (png_path), "%s.png", node);
    if (web_qr_png (link, png ? png : png_path, why, sizeof (why))) {
        //  No half an invitation: the token goes with the PNG that failed.
        web_invite_use (dir, token);
        fprintf (stderr, "catchball-web: invite: %s\n", why);
        return 1;
    }
    //  The link alone on stdout, for scripts; the rest for people.
    printf ("%s\n", link);
    fflush (stdout);
    fprintf (stderr, "catchball-web: a join link for %s as %s: it works once\n", node, role);
    web_qr_print (stderr, link);
    fprintf (stderr, "catchball-web: the QR code as a PNG: %s (mode 0600: it holds the "
             "link's secret)\n", png ? png : png_path);
    return 0;
}

//  catchball-web revoke NODE: ends every session of NODE; revoke --session
//  ID, the one session with that ID. An exit status.
static int
s_revoke (const char *dir, const char *session, int argc, char **argv)
{
    if (session ? argc != 0 : (argc != 1 || !web_name_ok (argv [0]))) {
        fputs ("catchball-web: revoke NODE, or revoke --session ID\n", stderr);
        return 2;
    }
    int count = web_sessions (dir, session ? NULL : argv [0], session, NULL);
    if (count < 0 && errno == EINVAL) {
        fprintf (stderr, "catchball-web: revoke --session %s: not a session's ID (8 to 40 hex "
                 "digits, as `sessions` lists them)\n", session);
        return 2;
    }
    if (count < 0) {
        fprintf (stderr, "catchball-web: revoke: cannot read %s: %s\n", dir, strerror (errno));
        return 1;
    }
    if (session)
        printf ("revoked %d session%s %s\n", count, count == 1 ? "" : "s", session);
    else
        printf ("revoked %d session%s of %s\n", count, count == 1 ? "" : "s", argv [0]);
    return count == 0 && session ? 1 : 0;
}

//  The address people reach a gateway at, for the join links: the
//  scheme it serves, the name its certificate is for (the only one a
//  browser accepts it under), else the address it binds (this host's name
//  for 0.0.0.0, which nobody can connect to), and the port it got.
static void
s_base (char *base, size_t size, const char *listen, int port, const web_tls_t *tls)
{
    char host [256];
    snprintf (host, sizeof (host), "%s", web_tls_name (tls));
    if (!host [0]) {
        snprintf (host, sizeof (host), "%s", listen);
        if (streq (listen, "0.0.0.0") && gethostname (host, sizeof (host) - 1))
            snprintf (host, sizeof (host), "%s", listen);
    }
    snprintf (base, size, "%s://%s:%d", tls ? "https" : "http", host, port);
}

//  Serves until SIGINT or SIGTERM, with tls or plain HTTP, the join links'
//  address url (NULL: s_base's). An exit status.
static int
s_serve (const char *listen, int port, const char *endpoint, const char *dir,
         const web_tls_t *tls, const char *url)
{
    //  The gateway says hello for its people: quiet czmq's own chatter.
    zsys_init ();
    zsys_handler_set (NULL);
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);
    signal (SIGPIPE, SIG_IGN);
    //  768 HTTP connections and two sockets for each of 256 nodes need
    //  more descriptors than a soft limit of 1024: up to the hard limit.
    struct rlimit files;
    if (getrlimit (RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit (RLIMIT_NOFILE, &files);
    }
    web_gateway_t *gateway = web_gateway_new (endpoint);
    //  The directory always (each node's inbox is kept there); the keys
    //  with CURVE only
    web_gateway_set_keys (gateway, s_keys, dir);
    if (s_keys) {
        fprintf (stderr, "catchball-web: CURVE: each node by its own key, kept in %s/keys\n",
                 dir);
    }
    char why [4400];
    if (web_dir_private (dir, why, sizeof (why))) {
        fprintf (stderr, "catchball-web: refusing to serve: %s\n", why);
        web_gateway_destroy (&gateway);
        return 1;
    }
    web_http_t *http = web_http_new (listen, port, dir, gateway, tls, why, sizeof (why));
    char base [600];
    if (url)
        snprintf (base, sizeof (base), "%s", url);
    else
    if (http)
        s_base (base, sizeof (base), listen, web_http_port (http), tls);
    if (!http || s_write_url (dir, base, why, sizeof (why))
    ||  web_session_lifetimes_save (dir, why, sizeof (why))) {
        fprintf (stderr, "catchball-web: %s\n", why);
        web_http_destroy (&http);
        web_gateway_destroy (&gateway);
        return 1;
    }
    if (!tls && !s_loopback (listen))
        fprintf (stderr, "catchball-web: INSECURE: serving plain HTTP on %s, beyond the "
                 "loopback, without TLS (--insecure-http): anyone on the network can read "
                 "the join links and the session cookies, and speak for the people who "
                 "joined\n", listen);
    //  The line a script waits for: the address, with the port chosen.
    printf ("catchball-web: serving %s://%s:%d (broker %s; join links %s)\n",
            tls ? "https" : "http", listen, web_http_port (http), endpoint, base);
    fflush (stdout);
    web_gateway_run (gateway, &s_stop);
    web_http_destroy (&http);
    web_gateway_destroy (&gateway);
    return 0;
}

int
main (int argc, char *argv [])
{
    const char *listen = "127.0.0.1";
    const char *endpoint = getenv ("CATCHBALL_ENDPOINT") ? getenv ("CATCHBALL_ENDPOINT")
                                                         : S_DEFAULT_ENDPOINT;
    const char *dir = getenv ("CATCHBALL_WEB_DIR") ? getenv ("CATCHBALL_WEB_DIR")
                                                   : S_DEFAULT_DIR;
    const char *role = NULL, *url = NULL, *png = NULL, *session = NULL;
    const char *tls_cert = NULL, *tls_key = NULL;
    const char *broker_key = NULL, *certs = NULL;
    bool insecure_http = false;
    int64_t idle = WEB_SESSION_IDLE, max = WEB_SESSION_MAX;
    int sse_per_session = WEB_STREAMS_PER_SESSION, sse_total = WEB_STREAMS_TOTAL;
    int port = S_DEFAULT_PORT;
    //  As --port: tests and scripts run the README's commands as written
    const char *port_env = getenv ("CATCHBALL_WEB_PORT");
    if (port_env && *port_env) {
        char *end;
        port = (int) strtol (port_env, &end, 10);
        if (*end || port < 0 || port > 65535) {
            fprintf (stderr, "catchball-web: $CATCHBALL_WEB_PORT %s: not a port\n", port_env);
            return 2;
        }
    }
    static struct option options [] = {
        { "listen", required_argument, NULL, 'l' },
        { "port", required_argument, NULL, 'p' },
        { "endpoint", required_argument, NULL, 'e' },
        { "dir", required_argument, NULL, 'd' },
        { "role", required_argument, NULL, 'r' },
        { "url", required_argument, NULL, 'u' },
        { "tls-cert", required_argument, NULL, 'C' },
        { "tls-key", required_argument, NULL, 'K' },
        { "insecure-http", no_argument, NULL, 'I' },
        { "png", required_argument, NULL, 'P' },
        { "session-idle", required_argument, NULL, 'S' },
        { "session-max", required_argument, NULL, 'M' },
        { "session", required_argument, NULL, 's' },
        { "broker-key", required_argument, NULL, 'B' },
        { "certs", required_argument, NULL, 'c' },
        { "sse-per-session", required_argument, NULL, 'E' },
        { "sse-total", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        char *end;
        switch (opt) {
            case 'l': listen = optarg; break;
            case 'e': endpoint = optarg; break;
            case 'd': dir = optarg; break;
            case 'r': role = optarg; break;
            case 'u': url = optarg; break;
            case 'C': tls_cert = optarg; break;
            case 'K': tls_key = optarg; break;
            case 'I': insecure_http = true; break;
            case 'P': png = optarg; break;
            case 'S':
            case 'M':
                *(opt == 'S' ? &idle : &max) = web_duration (optarg);
                if (web_duration (optarg) < 0) {
                    fprintf (stderr, "catchball-web: --session-%s %s: not a duration (90s, "
                             "15m, 12h, 7d)\n", opt == 'S' ? "idle" : "max", optarg);
                    return 2;
                }
                break;
            case 's': session = optarg; break;
            case 'B': broker_key = optarg; break;
            case 'c': certs = optarg; break;
            case 'E':
            case 'T':
                *(opt == 'E' ? &sse_per_session : &sse_total) = (int) strtol (optarg, &end, 10);
                if (*end || !*optarg) {
                    fprintf (stderr, "catchball-web: --sse-%s %s: not a number\n",
                             opt == 'E' ? "per-session" : "total", optarg);
                    return 2;
                }
                break;
            case 'p':
                port = (int) strtol (optarg, &end, 10);
                if (*end || port < 0 || port > 65535) {
                    fprintf (stderr, "catchball-web: --port %s: not a port\n", optarg);
                    return 2;
                }
                break;
            case 'h': fputs (s_usage, stdout); return 0;
            default: fputs (s_usage, stderr); return 2;
        }
    }
    //  invite and revoke: the serving gateway's certs/, unless told.
    char kept [PATH_MAX];
    if (!certs && optind < argc && (streq (argv [optind], "invite")
                                ||  streq (argv [optind], "revoke"))
    &&  web_keys_remembered (dir, kept, sizeof (kept)))
        certs = kept;
    if (optind < argc && streq (argv [optind], "invite")) {
        if (optind + 2 != argc || !role) {
            fputs ("catchball-web: invite NODE --role ROLE\n", stderr);
            return 2;
        }
        if (certs && s_admit (dir, certs, argv [optind + 1], role))
            return 1;
        char base [600];
        if (!url && !s_read_url (dir, base, sizeof (base)))
            snprintf (base, sizeof (base), "http://127.0.0.1:%d", port);
        return s_invite (argv [optind + 1], role, dir, url ? url : base, png);
    }
    //  sessions and revoke leave out what the serving gateway would refuse.
    web_session_lifetimes_load (dir);
    if (optind + 1 == argc && streq (argv [optind], "sessions")) {
        int count = web_sessions (dir, NULL, NULL, stdout);
        if (count < 0)
            fprintf (stderr, "catchball-web: sessions: cannot read %s: %s\n", dir,
                     strerror (errno));
        return count < 0 ? 1 : 0;
    }
    if (optind < argc && streq (argv [optind], "revoke")) {
        int rc = s_revoke (dir, session, argc - optind - 1, argv + optind + 1);
        if (rc == 0 && certs && !session)
            rc = s_uncert (dir, certs, argv [optind + 1]);
        return rc;
    }
    if (optind < argc) {
        fprintf (stderr, "catchball-web: unknown command '%s'\n%s", argv [optind], s_usage);
        return 2;
    }
    //  Fail closed: beyond the loopback, TLS protects the sessions'
    //  cookies and the people's text on the network, or the operator
    //  says in words that nothing need be protected.
    if (!tls_cert != !tls_key) {
        fputs ("catchball-web: TLS needs both --tls-cert FILE and --tls-key FILE\n", stderr);
        return 2;
    }
    if (tls_cert && insecure_http) {
        fputs ("catchball-web: --insecure-http and --tls-cert: choose one\n", stderr);
        return 2;
    }
    if (!tls_cert && !insecure_http && !s_loopback (listen)) {
        fprintf (stderr, "catchball-web: --listen %s: refused: without TLS the gateway "
                 "serves only the loopback (127.0.0.1). Give --tls-cert and --tls-key, "
                 "or say --insecure-http for a lab network\n", listen);
        return 2;
    }
    char why [1024];
    if (web_session_lifetimes (idle, max, why, sizeof (why))
    ||  web_http_stream_limits (sse_per_session, sse_total, why, sizeof (why))) {
        fprintf (stderr, "catchball-web: %s\n", why);
        return 2;
    }
    if (!broker_key != !certs) {
        fputs ("catchball-web: CURVE needs both --broker-key and --certs DIR (the broker's "
               "certificate directory)\n", stderr);
        return 2;
    }
    if ((certs && !(s_keys = web_keys_new (dir, certs, broker_key, why, sizeof (why))))
    ||  web_keys_remember (dir, certs, why, sizeof (why))) {
        fprintf (stderr, "catchball-web: refusing to serve: %s\n", why);
        web_keys_destroy (&s_keys);
        return 1;
    }
    web_tls_t *tls = NULL;
    if (tls_cert) {
        tls = web_tls_new (tls_cert, tls_key, why, sizeof (why));
        if (!tls) {
            fprintf (stderr, "catchball-web: refusing to serve: %s\n", why);
            return 1;
        }
    }
    int rc = s_serve (listen, port, endpoint, dir, tls, url);
    web_tls_destroy (&tls);
    web_keys_destroy (&s_keys);
    return rc;
}
