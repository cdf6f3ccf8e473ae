/*  =========================================================================
    web_views - what everyone can read in the browser: the alignment
    graph, the reports, progress, a draft's history and diffs

    Routes (GET, with a session; web_http.c sends them here):

        /graph?cycle=C      the views' page (views.html, views.js), which
        /report?cycle=C     reads what it shows from the API below; one
        /report?event=E     page for all, by its path
        /progress?cycle=C|draft=D
        /history?draft=D
        GET /api/view/graph?cycle=C[&event=E]
                            cycle.graph, every page, with each key
                            result's last check-in: what `catchball graph`
                            draws (cli_graph_gather)
        GET /api/view/graph.svg?cycle=C[&event=E]
                            the same drawn by cli_graph_svg (Graphviz's
                            `dot -Tsvg`), as image/svg+xml
        GET /api/view/report?cycle=C
                            `catchball report --cycle C --format json`
                            (cli_cycle_report_gather)
        GET /api/view/report?event=E
                            event.report
        GET /api/view/progress?cycle=C|draft=D
                            `catchball progress --json` (cli_progress_list),
                            with who may check in, and the CLI's own words
                            for the share, the trend and the age
        GET /api/view/history?draft=D
                            draft.history, every page
        GET /api/view/diff?draft=D&from=N&to=M
                            draft.diff

    Each answer is {ok: ...} or {error: {code, name, message}}, as the
    gateway's other reads. The reads run on the gateway's loop, on the
    node's own connection (web_gateway_read); Graphviz runs here, in the
    HTTP thread, so that a large graph never holds up the loop.

    The SVG is shown in the page with <img>, never inline: an image runs
    no script, loads nothing and follows no link, whatever it holds, so
    the page need not trust a sanitizer to keep it so. (Graphviz escapes
    people's text as XML too, and cli_graph escapes it for Graphviz: the
    test checks that hostile text stays text in it.) Opened alone, the
    SVG comes with a second Content-Security-Policy of its own,
    default-src 'none': as a document it may run and load nothing either.
    =========================================================================
*/
#include <czmq.h>
#include <jansson.h>

#include "web_views.h"

#define S_VIEW_MS       20000   //  How long a view waits for its reads
#define S_JOIN_MS       10000   //  How long it waits for the node's hello

//  --------------------------------------------------------------------------
//  The reads, on the gateway's loop

static const char *
s_arg (const cb_value_t *args, const char *name)
{
    return cb_value_get_str (args, name);
}

static cb_value_t *
s_graph (cli_t *cli, const cb_value_t *args, int *status)
{
    return cli_graph_gather (cli, s_arg (args, "cycle"), s_arg (args, "event"), status);
}

static cb_value_t *
s_report (cli_t *cli, const cb_value_t *args, int *status)
{
    if (s_arg (args, "cycle"))
        return cli_cycle_report_gather (cli, s_arg (args, "cycle"), status);
    cb_value_t *body = cli_body ("event", s_arg (args, "event"));
    return cli_request (cli, "event.report", &body, status);
}

//  The progress, each key result with the command line's own words for
//  its share of the way, confidence trend and last check-in's age.
static cb_value_t *
s_progress (cli_t *cli, const cb_value_t *args, int *status)
{
    cb_value_t *reply = cli_progress_list (cli, s_arg (args, "cycle"), s_arg (args, "draft"),
                                           true, status);
    cb_value_t *list = cb_value_get_array (reply, "progress");
    for (size_t i = 0; i < cb_value_size (list); i++) {
        cb_value_t *p = cb_value_at (list, i);
        char buf [2048];
        cb_value_set_str (p, "covered",
                          cli_progress_percent (cb_value_get (p, "share"), buf, sizeof (buf)));
        cb_value_t *confidence = cb_value_get_array (p, "confidence");
        cb_value_set_str (p, "trend", cli_progress_trend (confidence, buf, sizeof (buf)));
        cb_value_set_str (p, "sparkline",
                          cli_progress_sparkline (confidence, buf, sizeof (buf)));
        if (cli_int (p, "checkins"))
            cb_value_set_str (p, "age",
                              cli_progress_age (cli_int (p, "age_ms"), buf, sizeof (buf)));
    }
    return reply;
}

static cb_value_t *
s_history (cli_t *cli, const cb_value_t *args, int *status)
{
    cb_value_t *body = cli_body ("draft", s_arg (args, "draft"));
    return cli_request (cli, "draft.history", &body, status);
}

static cb_value_t *
s_diff (cli_t *cli, const cb_value_t *args, int *status)
{
    cb_value_t *body = cli_body ("draft", s_arg (args, "draft"));
    cb_value_set_int (body, "from", strtoll (s_arg (args, "from"), NULL, 10));
    cb_value_set_int (body, "to", strtoll (s_arg (args, "to"), NULL, 10));
    return cli_request (cli, "draft.diff", &body, status);
}

//  A view: its name under /api/view/, how it is read, and the query
//  fields it needs (one of `one`, all of `all`)
typedef struct {
    const char *name;
    web_read_fn *fn;
    const char *one [3];        //  It needs one of these, NULL-ended
    const char *all [3];        //  And all of these
    const char *usage;          //  Said when they are missing
} s_view_t;

static const s_view_t s_views [] = {
    { "graph", s_graph, { "cycle" }, { NULL }, "?cycle=C" },
    { "graph.svg", s_graph, { "cycle" }, { NULL }, "?cycle=C" },
    { "report", s_report, { "cycle", "event" }, { NULL }, "?cycle=C or ?event=E" },
    { "progress", s_progress, { "cycle", "draft" }, { NULL }, "?cycle=C or ?draft=D" },
    { "history", s_history, { "draft" }, { NULL }, "?draft=D" },
    { "diff", s_diff, { "draft" }, { "from", "to" }, "?draft=D&from=N&to=M" },
    { NULL }
};


//  --------------------------------------------------------------------------
//  The HTTP side

static enum MHD_Result
s_respond (struct MHD_Connection *connection, unsigned status, const char *type,
           const char *data, size_t size)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (
        size, (void *) data, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header (response, "Content-Type", type);
    return web_http_queue (connection, status, response);
}

//  Each query argument as a string field of args. The values are names,
//  ids and numbers: one of a few hundred bytes at most is plenty.
static enum MHD_Result
s_query_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    if (key && value && strlen (value) <= 256)
        cb_value_set_str ((cb_value_t *) cls, key, value);
    return MHD_YES;
}

//  The graph of an outcome as SVG, through Graphviz.
static enum MHD_Result
s_svg (struct MHD_Connection *connection, json_t *outcome)
{
    cb_value_t *graph = cli_json_to_value (json_object_get (outcome, "ok"));
    if (!cb_value_size (cb_value_get_array (graph, "drafts"))) {
        cb_value_destroy (&graph);
        return web_http_refuse (connection, MHD_HTTP_NOT_FOUND, "NOT_FOUND",
                         "This cycle has no drafts (a mistyped name?).");
    }
    char *svg = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&svg, &size);
    assert (out);
    int rc = cli_graph_svg (out, graph);
    fclose (out);
    cb_value_destroy (&graph);
    enum MHD_Result result;
    if (rc)
        result = web_http_refuse (connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "NO_GRAPHVIZ",
                           "Graphviz's dot could not draw the graph (the gateway's log "
                           "says why).");
    else {
        struct MHD_Response *response = MHD_create_response_from_buffer (
            size, svg, MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header (response, "Content-Type", "image/svg+xml");
        MHD_add_response_header (response, "Content-Security-Policy", "default-src 'none'");
        result = web_http_queue (connection, MHD_HTTP_OK, response);
    }
    free (svg);
    return result;
}

bool
web_views_page (const char *url)
{
    return streq (url, "/graph") || streq (url, "/report") || streq (url, "/progress")
        || streq (url, "/history");
}

enum MHD_Result
web_views_api (web_gateway_t *gateway, struct MHD_Connection *connection, const char *url,
               const char *node, const char *role)
{
    const char *name = url + strlen ("/api/view/");
    const s_view_t *view = s_views;
    while (view->name && !streq (view->name, name))
        view++;
    if (!view->name)
        return web_http_refuse (connection, MHD_HTTP_NOT_FOUND, "NOT_FOUND", "No such view.");
    cb_value_t *args = cb_value_new_map ();
    MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, s_query_arg, args);
    bool one = false, all = true;
    for (int i = 0; view->one [i]; i++)
        one |= cb_value_get_str (args, view->one [i]) != NULL;
    for (int i = 0; view->all [i]; i++)
        all &= cb_value_get_str (args, view->all [i]) != NULL;
    if (!one || !all) {
        cb_value_destroy (&args);
        char why [128];
        snprintf (why, sizeof (why), "Which one? %s, say.", view->usage);
        return web_http_refuse (connection, MHD_HTTP_BAD_REQUEST, "BAD_REQUEST", why);
    }
    char why [512];
    if (web_gateway_join (gateway, node, role, S_JOIN_MS, why, sizeof (why))) {
        cb_value_destroy (&args);
        return web_http_refuse (connection, MHD_HTTP_BAD_GATEWAY, "NOT_CONNECTED", why);
    }
    char *text = web_gateway_read (gateway, node, view->name, view->fn, &args, S_VIEW_MS);
    json_t *outcome = json_loads (text, 0, NULL);
    json_t *error = json_object_get (outcome, "error");
    enum MHD_Result rc;
    if (error) {
        //  The broker's refusal, by the hundreds of its code as /api/read.
        json_int_t code = json_integer_value (json_object_get (error, "code"));
        unsigned status = code < 200 ? MHD_HTTP_BAD_REQUEST
                        : code < 300 ? MHD_HTTP_FORBIDDEN
                        : code < 400 ? MHD_HTTP_CONFLICT
                                     : MHD_HTTP_BAD_GATEWAY;
        rc = s_respond (connection, status, "application/json", text, strlen (text));
    }
    else
    if (streq (view->name, "graph.svg"))
        rc = s_svg (connection, outcome);
    else
        rc = s_respond (connection, MHD_HTTP_OK, "application/json", text, strlen (text));
    json_decref (outcome);
    free (text);
    return rc;
}
