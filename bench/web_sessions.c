/*  =========================================================================
    bench/web_sessions.c - benchmark 7: catchball-web with 200 sessions,
    against the same requests from libcatchball

    The gateway (web/) speaks for each person who joins through it on a
    libcatchball connection of its own, and its HTTP threads hand every
    request to its single main loop (web_gateway_call). This measures what
    that costs a browser, against what the same request costs a program
    that links libcatchball itself (the command line does):

    - the real catchball-web is started on the broker cbbench started, and
      `sessions` team nodes are invited (the real `catchball-web invite`)
      and joined over HTTP (POST /join with the gateway's Origin: a cookie;
      GET /api/session: the CSRF token), as a browser does;
    - a leadership node (libcatchball) throws a round to every one of them,
      100 a throw (the protocol's most), and to as many other team nodes
      that speak through libcatchball;
    - through the gateway: each session, on a thread of its own, keeps one
      HTTP/1.1 keep-alive connection (plain sockets) and sends `requests`
      GET /api/read?type=round.show&round=R one after the other, all the
      sessions at once; the latency is from the request's first byte sent
      to the reply's last byte read;
    - from the library: as many threads, each with its own cb_client, send
      the same round.show with cb_client_request, all at once, timed the
      same way. The library's figures are the baseline of the ratio.

    Memory: the gateway's resident set (VmRSS) serving with nobody joined,
    then with every session joined and its connection open, after the load:
    the difference divided by the sessions is its memory per session. It
    holds a libcatchball connection per node (a ZeroMQ DEALER, its pipes),
    a thread per HTTP connection (libmicrohttpd's thread-per-connection
    mode: a stack, of which only the touched pages are resident), the
    node's inbox, and the connection's 64 KiB memory pool.
    =========================================================================
*/
#include "common.h"
#include "web_sessions.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catchball/catchball.h"

#define S_PER_THROW     100     //  The protocol's most recipients a throw
#define S_WARMUP        5       //  Untimed requests of each session first
#define S_TIMEOUT_MS    30000   //  Any one request or answer

static pid_t s_web_pid;         //  The running catchball-web, killed if we die

static void
s_kill_web (void)
{
    if (s_web_pid > 0)
        kill (s_web_pid, SIGKILL);
}


//  --------------------------------------------------------------------------
//  HTTP/1.1 on a plain socket, one request at a time (keep-alive)

typedef struct {
    int fd;
    char buf [65536];           //  What was read and not yet used
    size_t have;
    bool closed;                //  The last response said Connection: close
} s_http_t;

static void
s_http_open (s_http_t *http, int port)
{
    http->fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    inet_pton (AF_INET, "127.0.0.1", &sin.sin_addr);
    if (http->fd < 0 || connect (http->fd, (struct sockaddr *) &sin, sizeof (sin)))
        bench_die ("web: cannot connect to the gateway on port %d: %s", port, strerror (errno));
    //  A request is one small write: no Nagle delay on it (a browser's
    //  request is not held back either).
    int one = 1;
    setsockopt (http->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
    http->have = 0;
}

static void
s_http_close (s_http_t *http)
{
    close (http->fd);
    http->fd = -1;
}

static void
s_http_send (s_http_t *http, const char *data, size_t size)
{
    while (size) {
        ssize_t sent = send (http->fd, data, size, MSG_NOSIGNAL);
        if (sent <= 0)
            bench_die ("web: send to the gateway: %s", strerror (errno));
        data += sent;
        size -= (size_t) sent;
    }
}

//  Reads more into the buffer, waiting up to S_TIMEOUT_MS.
static void
s_http_more (s_http_t *http)
{
    if (http->have == sizeof (http->buf))
        bench_die ("web: a reply over %zu bytes", sizeof (http->buf));
    struct pollfd item = { .fd = http->fd, .events = POLLIN };
    if (poll (&item, 1, S_TIMEOUT_MS) != 1)
        bench_die ("web: the gateway did not answer within %d ms", S_TIMEOUT_MS);
    ssize_t got = recv (http->fd, http->buf + http->have, sizeof (http->buf) - http->have, 0);
    if (got <= 0)
        bench_die ("web: the gateway closed the connection");
    http->have += (size_t) got;
}

//  One response: its status; its body (0-terminated, in the connection's
//  buffer until the next call) in *body_p, its size in *size_p; the
//  Set-Cookie value, if cookie is not NULL (up to 255 bytes). If the
//  server said Connection: close, http->closed is set.
static int
s_http_response (s_http_t *http, char **body_p, size_t *size_p, char *cookie)
{
    http->closed = false;
    char *end;
    while (!(end = memmem (http->buf, http->have, "\r\n\r\n", 4)))
        s_http_more (http);
    size_t head = (size_t) (end - http->buf) + 4;
    end [2] = 0;        //  The head as a string (its last line's CRLF kept)
    int status = atoi (http->buf + 9);
    size_t length = 0;
    for (char *line = strstr (http->buf, "\r\n"); line && line [2];
         line = strstr (line + 2, "\r\n")) {
        if (!strncasecmp (line + 2, "Content-Length:", 15))
            length = (size_t) strtoul (line + 17, NULL, 10);
        if (!strncasecmp (line + 2, "Connection: close", 17))
            http->closed = true;
        if (cookie && !strncasecmp (line + 2, "Set-Cookie:", 11))
            snprintf (cookie, 256, "%.*s", (int) strcspn (line + 14, ";\r"), line + 14);
    }
    if (head + length >= sizeof (http->buf))
        bench_die ("web: a reply of %zu bytes", length);
    while (http->have < head + length)
        s_http_more (http);
    //  The body moves to the buffer's start; what came after it stays.
    static __thread char body [65536];
    memcpy (body, http->buf + head, length);
    body [length] = 0;
    memmove (http->buf, http->buf + head + length, http->have - head - length);
    http->have -= head + length;
    *body_p = body;
    *size_p = length;
    return status;
}


//  Opens the session's live page (GET /live/me, Server-Sent Events) on
//  http, and reads its first message (the page as it is); dies unless it
//  is let in. The stream stays open on http.
static void
s_http_live (s_http_t *http, int port, const char *cookie, const char *node)
{
    char request [512];
    int len = snprintf (request, sizeof (request),
                        "GET /live/me HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: %s\r\n"
                        "Accept: text/event-stream\r\n\r\n", port, cookie);
    s_http_send (http, request, (size_t) len);
    char *end;
    while (!(end = memmem (http->buf, http->have, "\r\n\r\n", 4)))
        s_http_more (http);
    if (atoi (http->buf + 9) != 200)
        bench_die ("web: %s's live page refused: %.*s", node, (int) http->have, http->buf);
    while (!memmem (end + 4, http->have - (size_t) (end + 4 - http->buf), "\n\n", 2))
        s_http_more (http);
}


//  --------------------------------------------------------------------------
//  The gateway: started, invited, joined

typedef struct {
    char node [32];
    char cookie [256];          //  cb_session=ID
    char csrf [80];
    char round [16];            //  The round it reads
} s_session_t;

//  Starts catchball-web on a free port; returns the port once it serves.
//  Its output goes to DIR/catchball-web.log (czmq logs on stdout), where
//  the line it prints when it serves is looked for.
static int
s_web_start (const char *web_bin, const char *endpoint, const char *dir)
{
    char log [4200];
    snprintf (log, sizeof (log), "%s/catchball-web.log", dir);
    int fd = open (log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        bench_die ("cannot open %s", log);
    s_web_pid = fork ();
    if (s_web_pid == 0) {
        bench_child_init ();
        dup2 (fd, 1);
        dup2 (fd, 2);
        char gw [4200];
        snprintf (gw, sizeof (gw), "%s/gw", dir);
        execl (web_bin, web_bin, "--port", "0", "--endpoint", endpoint, "--dir", gw,
               (char *) NULL);
        fprintf (stderr, "cannot run %s: %s\n", web_bin, strerror (errno));
        _exit (127);
    }
    close (fd);
    atexit (s_kill_web);
    //  catchball-web: serving http://127.0.0.1:PORT ...
    for (int i = 0; i < 1000; i++) {
        FILE *file = fopen (log, "r");
        char line [1024];
        while (file && fgets (line, sizeof (line), file)) {
            char *port = strstr (line, "serving http://127.0.0.1:");
            if (port) {
                fclose (file);
                return atoi (port + 25);
            }
        }
        if (file)
            fclose (file);
        if (waitpid (s_web_pid, NULL, WNOHANG) == s_web_pid)
            bench_die ("%s exited at start; see %s", web_bin, log);
        usleep (10000);
    }
    bench_die ("%s did not start within 10 s; see %s", web_bin, log);
}

static void
s_web_stop (void)
{
    kill (s_web_pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        int status;
        if (waitpid (s_web_pid, &status, WNOHANG) == s_web_pid) {
            s_web_pid = 0;
            return;
        }
        usleep (10000);
    }
    kill (s_web_pid, SIGKILL);
    waitpid (s_web_pid, NULL, 0);
    s_web_pid = 0;
}

//  `catchball-web invite NODE --role team`: the token of the link printed.
static void
s_invite (const char *web_bin, const char *dir, int port, const char *node, char *token)
{
    char cmd [9000];
    snprintf (cmd, sizeof (cmd), "'%s' invite %s --role team --dir '%s/gw' "
              "--url http://127.0.0.1:%d --png '%s/%s.png' 2>/dev/null", web_bin, node, dir,
              port, dir, node);
    FILE *p = popen (cmd, "r");
    char link [1024] = "";
    if (!p || !fgets (link, sizeof (link), p) || pclose (p) != 0 || !strstr (link, "token="))
        bench_die ("web: invite %s failed", node);
    snprintf (token, 80, "%.64s", strstr (link, "token=") + 6);
}

//  Joins as a browser does: POST /join (the cookie), GET /api/session
//  (the CSRF token).
static void
s_join (s_http_t *http, int port, const char *token, s_session_t *session)
{
    char request [1024], *body;
    size_t size;
    int len = snprintf (request, sizeof (request),
                        "POST /join HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                        "Origin: http://127.0.0.1:%d\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: %zu\r\n\r\ntoken=%s", port, port, 6 + strlen (token),
                        token);
    s_http_send (http, request, (size_t) len);
    int status = s_http_response (http, &body, &size, session->cookie);
    if (status != 303 || strncmp (session->cookie, "cb_session=", 11))
        bench_die ("web: join as %s: %d %s", session->node, status, body);
    if (http->closed) {
        s_http_close (http);
        s_http_open (http, port);
    }
    len = snprintf (request, sizeof (request),
                    "GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: %s\r\n\r\n",
                    port, session->cookie);
    s_http_send (http, request, (size_t) len);
    status = s_http_response (http, &body, &size, NULL);
    char *csrf = strstr (body, "\"csrf\":\"");
    if (status != 200 || !csrf)
        bench_die ("web: /api/session as %s: %d %s", session->node, status, body);
    snprintf (session->csrf, sizeof (session->csrf), "%.64s", csrf + 8);
}


//  --------------------------------------------------------------------------
//  The broker side: the leadership's rounds

//  A request that must succeed; its reply.
static cb_value_t *
s_must (cb_client_t *client, const char *type, cb_value_t *body)
{
    cb_value_t *reply = cb_client_request (client, type, &body, S_TIMEOUT_MS);
    if (!reply)
        bench_die ("web: %s as %s: %s %s", type, cb_client_node (client),
                   cb_client_error_name (client), cb_client_error_message (client));
    return reply;
}

//  A new draft, thrown to nodes [first, first + count) of `prefix`: the
//  round's id in round.
static void
s_throw (cb_client_t *lead, const char *prefix, int first, int count, char *round)
{
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "cycle", "2027-Q1");
    cb_value_set_str (content, "objective",
                      "Make onboarding so good that new customers succeed in their first week");
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = cb_value_new_map ();
    cb_value_set_str (kr, "text",
                      "Activation rate of new accounts within seven days of signing up");
    cb_value_set_int (kr, "baseline", 40);
    cb_value_set_int (kr, "target", 55);
    cb_value_set_str (kr, "unit", "%");
    cb_value_push (krs, &kr);
    cb_value_set (content, "key_results", &krs);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set (body, "content", &content);
    cb_value_t *reply = s_must (lead, "draft.new", body);
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", cb_value_get_str (reply, "draft"));
    cb_value_destroy (&reply);
    cb_value_set_str (body, "question", "Can you commit to this?");
    cb_value_t *to = cb_value_new_array ();
    for (int i = first; i < first + count; i++) {
        char node [32];
        snprintf (node, sizeof (node), "%s-%03d", prefix, i);
        cb_value_t *name = cb_value_new_str (node);
        cb_value_push (to, &name);
    }
    cb_value_set (body, "to", &to);
    reply = s_must (lead, "round.throw", body);
    snprintf (round, 16, "%s", cb_value_get_str (reply, "round"));
    cb_value_destroy (&reply);
}


//  --------------------------------------------------------------------------
//  The load: every session at once, one request in flight each

typedef struct {
    int index;
    int port;                   //  The gateway's; 0 for the library
    const char *endpoint;       //  The broker's, for the library
    s_session_t *session;       //  Through the gateway
    cb_client_t *client;        //  From the library
    int requests;
    bool live;                  //  Each session holds its live page open too
    double *samples;            //  requests, microseconds
    pthread_barrier_t *start, *done, *release;
    size_t request_size, reply_size;
    int reconnects;             //  Connections the gateway closed after a reply
} s_worker_t;

static void *
s_web_worker (void *arg)
{
    s_worker_t *w = (s_worker_t *) arg;
    s_http_t *http = (s_http_t *) malloc (sizeof (s_http_t));
    s_http_t *live = (s_http_t *) malloc (sizeof (s_http_t));
    s_http_open (http, w->port);
    //  A browser's page: its live stream open while it makes requests.
    if (w->live) {
        s_http_open (live, w->port);
        s_http_live (live, w->port, w->session->cookie, w->session->node);
    }
    char request [1024], *body;
    size_t size;
    int len = snprintf (request, sizeof (request),
                        "GET /api/read?type=round.show&round=%s HTTP/1.1\r\n"
                        "Host: 127.0.0.1:%d\r\nCookie: %s\r\n\r\n", w->session->round,
                        w->port, w->session->cookie);
    w->request_size = (size_t) len;
    for (int i = 0; i < S_WARMUP + w->requests; i++) {
        if (i == S_WARMUP)
            pthread_barrier_wait (w->start);
        int64_t t0 = bench_now_us ();
        s_http_send (http, request, (size_t) len);
        int status = s_http_response (http, &body, &size, NULL);
        //  A connection the gateway closes is opened again, as a browser
        //  does, and the request pays for it.
        if (http->closed) {
            s_http_close (http);
            s_http_open (http, w->port);
            w->reconnects += i >= S_WARMUP;
        }
        int64_t t1 = bench_now_us ();
        if (status != 200 || strncmp (body, "{\"ok\":{", 7))
            bench_die ("web: round.show as %s: %d %.200s", w->session->node, status, body);
        if (i >= S_WARMUP)
            w->samples [i - S_WARMUP] = (double) (t1 - t0);
        w->reply_size = size;
    }
    //  Every connection stays open until the gateway's memory is read.
    pthread_barrier_wait (w->done);
    pthread_barrier_wait (w->release);
    s_http_close (http);
    if (w->live)
        s_http_close (live);
    free (http);
    free (live);
    return NULL;
}

static void *
s_lib_worker (void *arg)
{
    s_worker_t *w = (s_worker_t *) arg;
    for (int i = 0; i < S_WARMUP + w->requests; i++) {
        if (i == S_WARMUP)
            pthread_barrier_wait (w->start);
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "round", w->session->round);
        int64_t t0 = bench_now_us ();
        cb_value_t *reply = cb_client_request (w->client, "round.show", &body, S_TIMEOUT_MS);
        int64_t t1 = bench_now_us ();
        if (!reply)
            bench_die ("web: round.show from the library as %s: %s", w->session->node,
                       cb_client_error_name (w->client));
        cb_value_destroy (&reply);
        if (i >= S_WARMUP)
            w->samples [i - S_WARMUP] = (double) (t1 - t0);
    }
    pthread_barrier_wait (w->done);
    pthread_barrier_wait (w->release);
    return NULL;
}

//  Runs one worker a session, all at once; their samples into all
//  (sessions * requests), sorted. Calls measure() while every worker is
//  done and still connected. Returns the timed phase's requests a second.
static double
s_load (s_worker_t *workers, int sessions, void *(*fn) (void *), double *all,
        void (*measure) (void))
{
    pthread_barrier_t start, done, release;
    pthread_barrier_init (&start, NULL, (unsigned) sessions + 1);
    pthread_barrier_init (&done, NULL, (unsigned) sessions + 1);
    pthread_barrier_init (&release, NULL, (unsigned) sessions + 1);
    pthread_t *threads = (pthread_t *) calloc ((size_t) sessions, sizeof (pthread_t));
    pthread_attr_t attr;
    pthread_attr_init (&attr);
    pthread_attr_setstacksize (&attr, 256 * 1024);
    for (int i = 0; i < sessions; i++) {
        workers [i].start = &start;
        workers [i].done = &done;
        workers [i].release = &release;
        if (pthread_create (&threads [i], &attr, fn, &workers [i]))
            bench_die ("web: cannot start thread %d", i);
    }
    pthread_barrier_wait (&start);
    int64_t t0 = bench_now_us ();
    pthread_barrier_wait (&done);
    int64_t t1 = bench_now_us ();
    if (measure)
        measure ();
    pthread_barrier_wait (&release);
    for (int i = 0; i < sessions; i++)
        pthread_join (threads [i], NULL);
    pthread_attr_destroy (&attr);
    free (threads);
    pthread_barrier_destroy (&start);
    pthread_barrier_destroy (&done);
    pthread_barrier_destroy (&release);
    size_t n = 0;
    for (int i = 0; i < sessions; i++)
        for (int j = 0; j < workers [i].requests; j++)
            all [n++] = workers [i].samples [j];
    return (double) n / ((double) (t1 - t0) / 1e6);
}

static bench_web_t *s_out;

static void
s_measure_active (void)
{
    s_out->active_kb = (double) bench_rss_kb (s_web_pid);
}

void
bench_web_sessions (const char *endpoint, const char *web_bin, const char *dir, int sessions,
                    int requests, bool live, bench_web_t *out)
{
    memset (out, 0, sizeof (*out));
    s_out = out;
    out->sessions = sessions;
    out->requests = requests;
    out->live = live;
    //  czmq's own signal handling would take SIGINT from cbbench.
    zsys_handler_set (NULL);
    cb_client_t *lead = cb_client_new (endpoint, "lead", "leadership", NULL);
    if (!lead || cb_client_hello (lead, S_TIMEOUT_MS))
        bench_die ("web: the leadership node cannot say hello");

    int port = s_web_start (web_bin, endpoint, dir);
    out->idle_kb = (double) bench_rss_kb (s_web_pid);
    printf ("   catchball-web (pid %d) serving on port %d, resident %.1f MB\n", (int) s_web_pid,
            port, out->idle_kb / 1024.0);
    fflush (stdout);

    //  The sessions, as browsers make them; the library's clients.
    s_session_t *web = (s_session_t *) calloc ((size_t) sessions, sizeof (s_session_t));
    s_session_t *lib = (s_session_t *) calloc ((size_t) sessions, sizeof (s_session_t));
    cb_client_t **clients = (cb_client_t **) calloc ((size_t) sessions, sizeof (cb_client_t *));
    s_http_t *http = (s_http_t *) malloc (sizeof (s_http_t));
    int64_t t0 = bench_now_us ();
    for (int i = 0; i < sessions; i++) {
        char token [80];
        snprintf (web [i].node, sizeof (web [i].node), "team-%03d", i);
        s_invite (web_bin, dir, port, web [i].node, token);
        s_http_open (http, port);
        s_join (http, port, token, &web [i]);
        s_http_close (http);
        snprintf (lib [i].node, sizeof (lib [i].node), "lib-%03d", i);
        clients [i] = cb_client_new (endpoint, lib [i].node, "team", NULL);
        if (!clients [i] || cb_client_hello (clients [i], S_TIMEOUT_MS))
            bench_die ("web: %s cannot say hello", lib [i].node);
    }
    free (http);
    out->joined_kb = (double) bench_rss_kb (s_web_pid);
    printf ("   %d invited and joined through the gateway (and %d library clients) in %.1f s; "
            "gateway resident %.1f MB\n", sessions, sessions,
            (double) (bench_now_us () - t0) / 1e6, out->joined_kb / 1024.0);
    for (int first = 0; first < sessions; first += S_PER_THROW) {
        int count = sessions - first < S_PER_THROW ? sessions - first : S_PER_THROW;
        char round [16];
        s_throw (lead, "team", first, count, round);
        for (int i = first; i < first + count; i++)
            snprintf (web [i].round, sizeof (web [i].round), "%s", round);
        s_throw (lead, "lib", first, count, round);
        for (int i = first; i < first + count; i++)
            snprintf (lib [i].round, sizeof (lib [i].round), "%s", round);
    }

    s_worker_t *workers = (s_worker_t *) calloc ((size_t) sessions, sizeof (s_worker_t));
    double *all = (double *) calloc ((size_t) sessions * (size_t) requests, sizeof (double));
    size_t n = (size_t) sessions * (size_t) requests;
    //  The library first, then the gateway: each on the same broker, the
    //  same rounds' shape, nothing else running.
    for (int i = 0; i < sessions; i++)
        workers [i] = (s_worker_t) { .index = i, .endpoint = endpoint, .session = &lib [i],
                                     .client = clients [i], .requests = requests,
                                     .samples = calloc ((size_t) requests, sizeof (double)) };
    out->lib_rate = s_load (workers, sessions, s_lib_worker, all, NULL);
    out->lib_p50 = bench_percentile (all, n, 50);
    out->lib_p99 = bench_percentile (all, n, 99);
    for (int i = 0; i < sessions; i++) {
        free (workers [i].samples);
        workers [i] = (s_worker_t) { .index = i, .port = port, .session = &web [i],
                                     .requests = requests, .live = live,
                                     .samples = calloc ((size_t) requests, sizeof (double)) };
    }
    out->web_rate = s_load (workers, sessions, s_web_worker, all, s_measure_active);
    out->web_p50 = bench_percentile (all, n, 50);
    out->web_p99 = bench_percentile (all, n, 99);
    out->peak_kb = (double) bench_hwm_kb (s_web_pid);
    for (int i = 0; i < sessions; i++)
        out->reconnects += workers [i].reconnects;
    out->request_size = workers [0].request_size;
    out->reply_size = workers [0].reply_size;
    for (int i = 0; i < sessions; i++)
        free (workers [i].samples);
    free (workers);
    free (all);
    s_web_stop ();
    for (int i = 0; i < sessions; i++)
        cb_client_destroy (&clients [i]);
    cb_client_destroy (&lead);
    free (clients);
    free (web);
    free (lib);
}
