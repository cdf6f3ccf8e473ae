/*  =========================================================================
    web_views - what everyone can read in the browser: the alignment
    graph as SVG, the cycle and event reports, progress, a draft's
    history and the diff of two of its revisions

    Each is built by the command line's own code (cbcli: cli_graph_gather
    and cli_graph_svg, cli_cycle_report_gather, cli_progress_list, the
    paged reads of cli_request), run by the gateway's loop on the node's
    own connection (web_gateway_read): the HTTP threads never touch
    libcatchball, as web.h says.
    =========================================================================
*/
#ifndef CB_WEB_VIEWS_H_INCLUDED
#define CB_WEB_VIEWS_H_INCLUDED

#include <microhttpd.h>

#include "cli_cmd.h"
#include "web.h"

//  A read built on a node's connection: cli is the node's (its client
//  set), args the query's fields (lent). The answer is the caller's; NULL
//  with *status set when a request was refused (the client's error says
//  why).
typedef cb_value_t *(web_read_fn) (cli_t *cli, const cb_value_t *args, int *status);

//  web_gateway.c. From any thread: web_gateway_call, but with fn (not
//  NULL) the loop runs fn (cli, args) on node's connection instead of
//  sending a request of type (then only a label). Takes args.
char *web_gateway_read (web_gateway_t *self, const char *node, const char *type,
                        web_read_fn *fn, cb_value_t **args_p, int timeout_ms);

//  web_http.c. Queues a response with the gateway's security headers and
//  destroys it: what every route answers through.
enum MHD_Result web_http_queue (struct MHD_Connection *connection, unsigned status,
                                struct MHD_Response *response);
//  web_http.c: a refusal made by the gateway, {error: {code, name,
//  message}} with the HTTP status, in the broker's shape.
enum MHD_Result web_http_refuse (struct MHD_Connection *connection, unsigned status,
                                 const char *name, const char *message);

//  True if url is one of the views' pages (/graph, /report, /progress,
//  /history): web_http serves views.html for it.
bool web_views_page (const char *url);
//  GET /api/view/NAME?...: one view's data as the session's node (joined
//  first, as role), JSON; /api/view/graph.svg the graph as SVG.
enum MHD_Result web_views_api (web_gateway_t *gateway, struct MHD_Connection *connection,
                               const char *url, const char *node, const char *role);

#endif
