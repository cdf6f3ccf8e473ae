/*  =========================================================================
    catchballd - the catchball broker

    Parses the command line, starts the broker in the foreground, stops
    cleanly on SIGINT or SIGTERM.
    =========================================================================
*/
#include <getopt.h>

#include "broker.h"
#include "cb_coach.h"
#include "coaching.h"
#include "logtime.h"
#include "store.h"

#define S_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"
#define S_DEFAULT_STORE "./var/catchball"

static void
s_usage (FILE *out)
{
    fprintf (out,
"Usage: catchballd [OPTION]...\n"
"       catchballd [--store DIR] backup BACKUP_DIR\n"
"       catchballd [--store DIR] check\n"
"The catchball broker: passes OKR drafts and answers between leadership and\n"
"team nodes, runs the catchball rounds, and keeps every revision in LMDB.\n"
"\n"
"  -e, --endpoint EP   ZeroMQ endpoint to bind (default " S_DEFAULT_ENDPOINT ",\n"
"                      or $CATCHBALL_ENDPOINT); tcp://HOST:PORT or ipc://PATH\n"
"  -s, --store DIR     LMDB store directory, created (0700) if missing\n"
"                      (default " S_DEFAULT_STORE ", or $CATCHBALL_STORE);\n"
"                      one broker per store: a second one is refused\n"
"      --new-store     make a new, empty store where the old one's data.mdb\n"
"                      is missing or empty (otherwise refused: restore it)\n"
"  -m, --map-size MB   initial LMDB map size in MiB (default 64); the map\n"
"                      doubles by itself when full, up to --map-max\n"
"  -M, --map-max MB    largest map size in MiB (default 65536)\n"
"  -w, --window N      deliveries in flight per node before an ack (default 128)\n"
"  -r, --rate N        requests a second per node before RATE_LIMITED\n"
"                      (default 10000; 0 turns the limit off)\n"
"  -k, --key FILE      CURVE: the broker's secret certificate (mode 0600),\n"
"                      written by 'catchball keygen NAME --role broker'\n"
"                      (or $CATCHBALLD_KEY)\n"
"  -c, --certs DIR     CURVE: the directory of node certificates (only *.cert\n"
"                      files); removing one revokes that node\n"
"                      (or $CATCHBALLD_CERTS)\n"
"      --insecure      allow a non-loopback endpoint without CURVE (lab only)\n"
"      --peer-bytes MB\n"
"                      bytes a TCP peer may leave unread, each way (sent and\n"
"                      not read by the broker, or queued and not read by the\n"
"                      peer); past it its connection is closed (default 16)\n"
"      --hello-timeout S\n"
"                      close a connection without a hello after S s (default 10)\n"
"      --max-connections N\n"
"                      connections open at once; more are closed at once\n"
"                      (default: the descriptor limit, raised to the hard\n"
"                      limit, less 64)\n"
"      --coach MODE    the coach on draft.new, draft.revise, round.counter and\n"
"                      round.thrown: warn (default: findings come with the\n"
"                      reply), strict (findings at error level are refused,\n"
"                      COACH_REFUSED) or off; its word lists are found as\n"
"                      'catchball lint' finds them ($CATCHBALL_COACH_WORDS)\n"
"      --clock FILE    tests only: the broker's time is the one written in\n"
"                      FILE (milliseconds since 1970, or UTC ISO 8601 like\n"
"                      2027-01-04T09:00:00Z) and stands still until FILE\n"
"                      changes; it never goes back (a test plays a quarter\n"
"                      in seconds: deadlines, time boxes, check-in cadences)\n"
"  -v, --verbose       also log every refused request\n"
"  -h, --help          show this help and exit\n"
"\n"
"backup BACKUP_DIR: write a compact, consistent copy of the store into\n"
"BACKUP_DIR (new or empty) while the broker runs. To restore, stop the broker\n"
"and start it with --store BACKUP_DIR (or copy BACKUP_DIR/data.mdb into an\n"
"empty store directory). The copy is 0600 in a 0700 directory.\n"
"\n"
"check: verify the whole store offline: every record's checksum, every\n"
"record decoded, every reference resolved, LMDB's pages accounted for.\n"
"Exit status 0 if sound, 1 if damaged, 2 if it could not check. The broker\n"
"runs the quick part of it (checksums, order, pages) at every start and\n"
"refuses a damaged store; so it does a store whose data file is truncated\n"
"or, where a store was, missing.\n"
"\n"
"Logs one line per significant event to standard output. Stops cleanly on\n"
"SIGINT or SIGTERM. Every change is synced to disk before it is answered.\n");
}

//  --coach: warn, strict or off.
static const char *s_coach_mode = "warn";

//  --------------------------------------------------------------------------
//  The options into `config` (its defaults set): -1 to go on, else the
//  exit status (help given, or an option refused).

static int
s_options (int argc, char *argv [], cb_broker_config_t *config)
{
    static struct option options [] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "store", required_argument, NULL, 's' },
        { "map-size", required_argument, NULL, 'm' },
        { "map-max", required_argument, NULL, 'M' },
        { "window", required_argument, NULL, 'w' },
        { "verbose", no_argument, NULL, 'v' },
        { "rate", required_argument, NULL, 'r' },
        { "key", required_argument, NULL, 'k' },
        { "certs", required_argument, NULL, 'c' },
        { "insecure", no_argument, NULL, 'I' },
        { "peer-bytes", required_argument, NULL, 1001 },
        { "hello-timeout", required_argument, NULL, 1002 },
        { "max-connections", required_argument, NULL, 1003 },
        { "new-store", no_argument, NULL, 'N' },
        { "coach", required_argument, NULL, 1004 },
        { "clock", required_argument, NULL, 1005 },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "e:s:m:M:w:r:k:c:vh", options, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
            case 'e': config->endpoint = optarg; break;
            case 's': config->store = optarg; break;
            case 'm':
            case 'M': {
                unsigned long long mb = strtoull (optarg, &end, 10);
                if (!*optarg || *end || mb == 0 || mb > (1ull << 22)) {
                    fprintf (stderr, "catchballd: --%s takes a size in MiB\n",
                             c == 'm' ? "map-size" : "map-max");
                    return 2;
                }
                if (c == 'm')
                    config->mapsize = (size_t) mb << 20;
                else
                    config->mapmax = (size_t) mb << 20;
                break;
            }
            case 'w':
                config->window = atoi (optarg);
                if (config->window < 1 || config->window > 100000) {
                    fprintf (stderr, "catchballd: --window takes 1 to 100000\n");
                    return 2;
                }
                break;
            case 'r': {
                long rate = strtol (optarg, &end, 10);
                if (!*optarg || *end || rate < 0 || rate > 100000000) {
                    fprintf (stderr, "catchballd: --rate takes 0 to 100000000\n");
                    return 2;
                }
                config->rate = rate ? (int) rate : -1;
                break;
            }
            case 'k': config->key = optarg; break;
            case 'c': config->certs = optarg; break;
            case 'I': config->insecure = true; break;
            case 1001:
            case 1002:
            case 1003: {
                //  MiB, seconds, connections: 1 to a million each.
                long n = strtol (optarg, &end, 10);
                if (!*optarg || *end || n < 1 || n > 1000000) {
                    const char *names [] = { "peer-bytes", "hello-timeout", "max-connections" };
                    fprintf (stderr, "catchballd: --%s takes 1 to 1000000\n", names [c - 1001]);
                    return 2;
                }
                if (c == 1001)
                    config->peer_bytes = (size_t) n << 20;
                else
                if (c == 1002)
                    config->hello_timeout = (int) n;
                else
                    config->max_connections = (int) n;
                break;
            }
            case 1004:
                if (!streq (optarg, "warn") && !streq (optarg, "strict") && !streq (optarg, "off")) {
                    fprintf (stderr, "catchballd: --coach takes warn, strict or off\n");
                    return 2;
                }
                s_coach_mode = optarg;
                break;
            case 1005: config->clock = optarg; break;
            case 'N': config->new_store = true; break;
            case 'v': config->verbose = true; break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 2;
        }
    }
    return -1;
}

//  The coach, as --coach says: its word lists read once, for every
//  request. Without them the broker runs without the coach (and says so),
//  unless strict was asked for. 0, or -1 to stop.
static int
s_coach_start (cb_coach_t **coach_p)
{
    if (streq (s_coach_mode, "off")) {
        zsys_info ("coach: off (--coach off): replies carry coach: nil");
        return 0;
    }
    bool strict = streq (s_coach_mode, "strict");
    char error [512];
    char *path = cb_coach_words_path ();
    *coach_p = cb_coach_new (NULL, error, sizeof (error));
    if (!*coach_p && strict) {
        zsys_error ("coach: %s: --coach strict needs its word lists", error);
        free (path);
        return -1;
    }
    if (!*coach_p)
        zsys_warning ("coach: %s: running without the coach (replies carry coach: nil)", error);
    else
        zsys_info ("coach: word lists from %s%s", path ? path : "?",
                   strict ? "; strict: findings at error level are refused" : "");
    free (path);
    cb_coaching_set (*coach_p, strict);
    return 0;
}

int
main (int argc, char *argv [])
{
    cb_broker_config_t config = { 0 };
    config.endpoint = getenv ("CATCHBALL_ENDPOINT") ? getenv ("CATCHBALL_ENDPOINT")
                                                   : S_DEFAULT_ENDPOINT;
    config.store = getenv ("CATCHBALL_STORE") ? getenv ("CATCHBALL_STORE") : S_DEFAULT_STORE;
    config.key = getenv ("CATCHBALLD_KEY");
    config.certs = getenv ("CATCHBALLD_CERTS");
    int status = s_options (argc, argv, &config);
    if (status >= 0)
        return status;
    if (optind + 2 == argc && streq (argv [optind], "backup")) {
        zsys_init ();
        zsys_set_logstream (stderr);
        //  Not locked: the broker may be running (LMDB copies from a read
        //  transaction). Never creates a store.
        cb_store_t *store = cb_store_open (config.store, config.mapsize, config.mapmax, 0);
        int rc = store ? cb_store_backup (store, argv [optind + 1]) : -1;
        cb_store_destroy (&store);
        if (rc == 0)
            printf ("catchballd: backup of %s written to %s\n", config.store, argv [optind + 1]);
        return rc ? 1 : 0;
    }
    if (optind + 1 == argc && streq (argv [optind], "check")) {
        zsys_init ();
        FILE *log = cb_logtime_stream (stdout);
        zsys_set_logstream (log ? log : stdout);
        int rc = cb_store_check (config.store, true);
        zsys_set_logstream (stdout);
        if (log)
            fclose (log);
        return rc == 0 ? 0 : rc == 1 ? 1 : 2;
    }
    if (optind < argc) {
        fprintf (stderr, "catchballd: unexpected argument '%s'\n", argv [optind]);
        s_usage (stderr);
        return 2;
    }
    //  Without TZ, glibc reads /etc/localtime again for every log line.
    if (!getenv ("TZ"))
        setenv ("TZ", ":/etc/localtime", 1);
    tzset ();
    zsys_init ();
    //  czmq stamps its lines "26-12-04 18:26:42": ours say ISO 8601
    FILE *log = cb_logtime_stream (stdout);
    zsys_set_logstream (log ? log : stdout);
    cb_coach_t *coach = NULL;
    if (s_coach_start (&coach))
        return 1;
    cb_broker_t *broker = cb_broker_new (&config);
    int rc = broker ? cb_broker_run (broker) : 1;
    cb_broker_destroy (&broker);
    cb_coaching_set (NULL, false);
    cb_coach_destroy (&coach);
    zsys_set_logstream (stdout);
    if (log)
        fclose (log);
    return rc;
}
