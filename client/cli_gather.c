/*  =========================================================================
    cli_gather - what the commands build from several reads, and
    catchball-web builds the same way: the graph `catchball graph` draws
    (cycle.graph with each key result's last check-in) and the progress
    `catchball progress` lists

    In the library cbcli, beside cli_todo_list, so that the gateway runs
    the command line's own code on a node's connection (cli->client set)
    rather than a copy of it. A refusal is said on stderr, as the
    commands say it.
    =========================================================================
*/
#include "cli_cmd.h"

//  --------------------------------------------------------------------------
//  The graph

void
cli_progress_annotate (cb_value_t *graph, const cb_value_t *checkins)
{
    cb_value_t *drafts = cb_value_get_array (graph, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *draft = cb_value_at (drafts, i);
        const char *id = cli_str (draft, "id");
        cb_value_t *krs = cb_value_get_array (cb_value_get_map (draft, "content"), "key_results");
        for (size_t j = 0; j < cb_value_size (krs); j++) {
            cb_value_t *kr = cb_value_at (krs, j);
            const cb_value_t *last = NULL;
            for (size_t k = 0; k < cb_value_size (checkins); k++)
                if (cli_checkin_about (cb_value_at (checkins, k), id, cli_str (kr, "id")))
                    last = cb_value_at (checkins, k);
            if (!last)
                continue;
            cb_value_t *progress = cb_value_new_map ();
            cb_value_t *current = cb_value_dup (cb_value_get (last, "value"));
            cb_value_set (progress, "current", &current);
            cb_value_set_int (progress, "confidence", cli_int (last, "confidence"));
            cb_value_set_str (progress, "checkin", cli_str (last, "id"));
            cb_value_set (kr, "progress", &progress);
        }
    }
}

cb_value_t *
cli_graph_gather (cli_t *cli, const char *cycle, const char *event, int *status)
{
    cb_value_t *body = cli_body ("cycle", cycle);
    if (event)
        cb_value_set_str (body, "event", event);
    cb_value_t *reply = cli_request (cli, "cycle.graph", &body, status);
    //  Where each key result stands: its last check-in (checkin.list; a
    //  broker from before check-ins draws the graph without).
    cb_value_t *lbody = cli_body ("cycle", cycle);
    cb_value_t *listed = reply ? cb_client_request_pages (cli->client, "checkin.list", &lbody,
                                                          cli->timeout) : NULL;
    if (listed)
        cli_progress_annotate (reply, cb_value_get_array (listed, "checkins"));
    cb_value_destroy (&lbody);
    cb_value_destroy (&listed);
    return reply;
}

//  --------------------------------------------------------------------------
//  Progress

//  The draft.show reply of a draft, or NULL (the error said).
static cb_value_t *
s_show (cli_t *cli, const char *draft, int *status)
{
    cb_value_t *body = cli_body ("draft", draft);
    return cli_request (cli, "draft.show", &body, status);
}

//  Adds the progress of each key result of the draft's head to `list`;
//  with who, naming who may check in (its owner, the key result's leads).
static void
s_draft_progress (const cb_value_t *shown, const cb_value_t *checkins, cb_value_t *list,
                  int64_t now, bool who)
{
    const char *draft = cli_str (cb_value_get_map (shown, "draft"), "id");
    cb_value_t *content = cb_value_get_map (cb_value_get_map (shown, "revision"), "content");
    cb_value_t *krs = cb_value_get_array (content, "key_results");
    for (size_t i = 0; i < cb_value_size (krs); i++) {
        cb_value_t *p = cli_progress_kr (draft, cb_value_at (krs, i), checkins, now);
        if (who) {
            cb_value_set_str (p, "owner",
                              cli_str (cb_value_get_map (shown, "draft"), "owner"));
            cb_value_t *leads = cb_value_get (cb_value_at (krs, i), "leads");
            leads = leads ? cb_value_dup (leads) : cb_value_new_array ();
            cb_value_set (p, "leads", &leads);
        }
        cb_value_push (list, &p);
    }
}

cb_value_t *
cli_progress_list (cli_t *cli, const char *cycle, const char *draft, bool who, int *status)
{
    cb_value_t *body = cb_value_new_map ();
    if (draft)
        cb_value_set_str (body, "draft", draft);
    if (cycle)
        cb_value_set_str (body, "cycle", cycle);
    cb_value_t *listed = cli_request (cli, "checkin.list", &body, status);
    if (!listed)
        return NULL;
    cb_value_t *checkins = cb_value_get_array (listed, "checkins");
    //  Ages on the broker's clock: a check-in's time is the broker's
    int64_t now = cli_now (cli);
    cb_value_t *list = cb_value_new_array ();
    if (draft) {
        cb_value_t *shown = s_show (cli, draft, status);
        if (shown)
            s_draft_progress (shown, checkins, list, now, who);
        cb_value_destroy (&shown);
    }
    else {
        //  Every final draft (of the cycle): progress follows finalize.
        cb_value_t *lbody = cb_value_new_map ();
        if (cycle)
            cb_value_set_str (lbody, "cycle", cycle);
        cb_value_t *drafts = cli_request (cli, "draft.list", &lbody, status);
        cb_value_t *items = cb_value_get_array (drafts, "drafts");
        for (size_t i = 0; drafts && !*status && i < cb_value_size (items); i++) {
            cb_value_t *d = cb_value_at (items, i);
            if (!streq (cli_str (d, "state"), "final"))
                continue;
            cb_value_t *shown = s_show (cli, cli_str (d, "id"), status);
            if (shown)
                s_draft_progress (shown, checkins, list, now, who);
            cb_value_destroy (&shown);
        }
        cb_value_destroy (&drafts);
    }
    cb_value_destroy (&listed);
    if (*status) {
        cb_value_destroy (&list);
        return NULL;
    }
    cb_value_t *reply = cb_value_new_map ();
    cb_value_set (reply, "progress", &list);
    return reply;
}
