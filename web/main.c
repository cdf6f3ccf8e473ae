/*  =========================================================================
    catchball-web - serve catchball to browsers: the gateway's command line

        catchball-web [--listen ADDR] [--port N] [--endpoint EP] [--dir D]
        catchball-web invite NODE --role ROLE [--dir D] [--url BASE]
        catchball-web sessions [--dir D]
        catchball-web revoke NODE|--session ID [--dir D]

    Serving binds 127.0.0.1 unless told otherwise, and refuses any other
    address: the same fail-closed rule as the broker's (server/main.c),
    which will not listen beyond the loopback without CURVE. Here the
    protection would be TLS, which this version does not have yet, so
    there is no way around the refusal: no --insecure-http either, until
    --tls-cert and --tls-key exist to be the normal way.

    The gateway's directory (--dir, default $CATCHBALL_WEB_DIR or
    ./catchball-web) holds the join tokens `invite` writes and the
    sessions they became (web_tokens.c), which `sessions` lists and
    `revoke` ends.
    =========================================================================
*/
#include <czmq.h>
#include <getopt.h>
#include <qrencode.h>
#include <signal.h>

#include "web.h"

#define S_DEFAULT_ENDPOINT  "tcp://127.0.0.1:5555"
#define S_DEFAULT_PORT      8080
#define S_DEFAULT_DIR       "catchball-web"

static const char *s_usage =
"usage: catchball-web [--listen ADDR] [--port N] [--endpoint EP] [--dir D]\n"
"       catchball-web invite NODE --role ROLE [--dir D] [--url BASE]\n"
"       catchball-web sessions [--dir D]\n"
"       catchball-web revoke NODE|--session ID [--dir D]\n"
"\n"
"Serves catchball to browsers: the facilitator's board (/board?event=e1) and\n"
"each person's page, for the people who join with a link from `invite`.\n"
"\n"
"  --listen ADDR    address to bind (default 127.0.0.1; only the loopback:\n"
"                   TLS is not implemented yet, so nothing else is served)\n"
"  --port N         port (default 8080; 0: any free one, printed)\n"
"  --endpoint EP    the broker (default $CATCHBALL_ENDPOINT or " S_DEFAULT_ENDPOINT ")\n"
"  --dir D          the gateway's directory: join tokens (default\n"
"                   $CATCHBALL_WEB_DIR or ./" S_DEFAULT_DIR ")\n"
"  invite NODE --role ROLE\n"
"                   writes a single-use join token for NODE (leadership, team,\n"
"                   facilitator, observer) and prints its link (on stdout)\n"
"                   and the link as a QR code (on stderr)\n"
"  --url BASE       the gateway's address in the link (default\n"
"                   http://127.0.0.1:PORT)\n"
"  sessions         lists the sessions: node, role, since when, (its ID)\n"
"  revoke NODE      ends every session of NODE at once, live pages included\n"
"  revoke --session ID\n"
"                   ends the one session `sessions` lists with that ID\n";

static volatile int s_stop = 0;

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

//  True if the module at (x, y) is dark; outside the symbol, light.
static bool
s_dark (const QRcode *qr, int x, int y)
{
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return false;
    return qr->data [y * qr->width + x] & 1;
}

//  The link as a QR code in the terminal, for a phone's camera: two rows
//  of modules per line with half blocks, light modules drawn (as
//  `qrencode -t UTF8` does, for a terminal's dark background), with the
//  quiet zone of two modules scanners need around it.
static void
s_print_qr (FILE *out, const char *text)
{
    QRcode *qr = QRcode_encodeString (text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (!qr) {
        fprintf (out, "(no QR code: %s)\n", strerror (errno));
        return;
    }
    const int quiet = 2, side = qr->width + 2 * quiet;
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            bool top = s_dark (qr, x - quiet, y - quiet);
            bool bottom = y + 1 < side ? s_dark (qr, x - quiet, y + 1 - quiet) : false;
            fputs (!top && !bottom ? "\u2588" : !top ? "\u2580" : !bottom ? "\u2584" : " ",
                   out);
        }
        fputc ('\n', out);
    }
    QRcode_free (qr);
}

static int
s_invite (const char *node, const char *role, const char *dir, const char *url)
{
    char token [WEB_ID_MAX], why [512];
    if (web_invite_new (dir, node, role ? role : "", token, why, sizeof (why))) {
        fprintf (stderr, "catchball-web: invite: %s\n", why);
        return 1;
    }
    //  The link alone on stdout, for scripts; the rest for people.
    char link [512];
    snprintf (link, sizeof (link), "%s/join?token=%s", url, token);
    printf ("%s\n", link);
    fflush (stdout);
    fprintf (stderr, "catchball-web: a join link for %s as %s: it works once\n", node, role);
    s_print_qr (stderr, link);
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

//  Serves until SIGINT or SIGTERM. An exit status.
static int
s_serve (const char *listen, int port, const char *endpoint, const char *dir)
{
    //  The gateway says hello for its people: quiet czmq's own chatter.
    zsys_init ();
    zsys_handler_set (NULL);
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);
    signal (SIGPIPE, SIG_IGN);
    web_gateway_t *gateway = web_gateway_new (endpoint);
    char why [512];
    web_http_t *http = web_http_new (listen, port, dir, gateway, why, sizeof (why));
    if (!http) {
        fprintf (stderr, "catchball-web: %s\n", why);
        web_gateway_destroy (&gateway);
        return 1;
    }
    //  The line a script waits for: the address, with the port chosen.
    printf ("catchball-web: serving http://%s:%d (broker %s)\n", listen, web_http_port (http),
            endpoint);
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
    const char *role = NULL, *url = NULL, *session = NULL;
    const char *tls = NULL;
    int port = S_DEFAULT_PORT;
    static struct option options [] = {
        { "listen", required_argument, NULL, 'l' },
        { "port", required_argument, NULL, 'p' },
        { "endpoint", required_argument, NULL, 'e' },
        { "dir", required_argument, NULL, 'd' },
        { "role", required_argument, NULL, 'r' },
        { "url", required_argument, NULL, 'u' },
        { "session", required_argument, NULL, 's' },
        { "tls-cert", required_argument, NULL, 'T' },
        { "tls-key", required_argument, NULL, 'T' },
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
            case 's': session = optarg; break;
            case 'T': tls = optarg; break;
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
    char base [300];
    if (!url) {
        snprintf (base, sizeof (base), "http://127.0.0.1:%d", port);
        url = base;
    }
    if (optind < argc && streq (argv [optind], "invite")) {
        if (optind + 2 != argc || !role) {
            fputs ("catchball-web: invite NODE --role ROLE\n", stderr);
            return 2;
        }
        return s_invite (argv [optind + 1], role, dir, url);
    }
    if (optind + 1 == argc && streq (argv [optind], "sessions")) {
        int count = web_sessions (dir, NULL, NULL, stdout);
        if (count < 0)
            fprintf (stderr, "catchball-web: sessions: cannot read %s: %s\n", dir,
                     strerror (errno));
        return count < 0 ? 1 : 0;
    }
    if (optind < argc && streq (argv [optind], "revoke"))
        return s_revoke (dir, session, argc - optind - 1, argv + optind + 1);
    if (optind < argc) {
        fprintf (stderr, "catchball-web: unknown command '%s'\n%s", argv [optind], s_usage);
        return 2;
    }
    //  Fail closed: nothing but the loopback until TLS protects the
    //  sessions' cookies and the people's text on the network.
    if (tls) {
        fputs ("catchball-web: TLS (--tls-cert, --tls-key) is not implemented yet: the "
               "gateway serves the loopback only\n", stderr);
        return 2;
    }
    if (!s_loopback (listen)) {
        fprintf (stderr, "catchball-web: --listen %s: refused: without TLS (not implemented "
                 "yet) the gateway serves only the loopback (127.0.0.1)\n", listen);
        return 2;
    }
    return s_serve (listen, port, endpoint, dir);
}
