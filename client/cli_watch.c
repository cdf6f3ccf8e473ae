/*  =========================================================================
    cli_watch - catchball watch: follow only what concerns one draft, one
    node or one cycle, as it happens

    A team that cares about one draft, or a lead who follows one cycle,
    should not read the whole organisation's log. watch subscribes to the
    event log with a filter (PROTOCOL.md, section 12.1) and prints each
    entry that concerns the target as one line (cli_render_log_entry),
    until interrupted. The library renews the subscription, with the same
    filter, after a reconnection or a broker restart, from the entry after
    the last one printed, so nothing is missed or printed twice.

    For scripts: --from SEQ starts from an earlier entry (1: the whole
    history of the target), and --count N stops after N entries.
    =========================================================================
*/
#include "cli_cmd.h"

//  The filter the target and options name; NULL after a usage error.
static cb_value_t *
s_filter (cli_args_t *a)
{
    cb_value_t *filter = cb_value_new_map ();
    if (a->argc) {
        cb_value_t *drafts = cli_split (a->argv [0]);
        cb_value_set (filter, "drafts", &drafts);
    }
    if (a->o [CLI_O_OWNER]) {
        cb_value_t *nodes = cli_split (a->o [CLI_O_OWNER]);
        cb_value_set (filter, "nodes", &nodes);
    }
    if (a->o [CLI_O_CYCLE])
        cb_value_set_str (filter, "cycle", a->o [CLI_O_CYCLE]);
    if (a->o [CLI_O_KIND]) {
        cb_value_t *kinds = cli_split (a->o [CLI_O_KIND]);
        cb_value_set (filter, "kinds", &kinds);
    }
    return filter;
}

static int
s_watch (cli_t *cli, cli_args_t *a)
{
    if (!a->argc && !a->o [CLI_O_OWNER] && !a->o [CLI_O_CYCLE])
        return cli_fail_usage ("%s", "watch: name what to follow: a draft (watch d3), "
                                     "--owner NODE or --cycle C");
    int64_t from = 0, count = 0;
    if (a->o [CLI_O_FROM] && (cli_int_arg (a->o [CLI_O_FROM], &from) || from < 1))
        return cli_fail_usage ("--from takes a sequence number from 1, not '%s'",
                               a->o [CLI_O_FROM]);
    if (a->o [CLI_O_LIMIT] && (cli_int_arg (a->o [CLI_O_LIMIT], &count) || count < 1))
        return cli_fail_usage ("--count takes a number from 1, not '%s'", a->o [CLI_O_LIMIT]);
    cb_value_t *filter = s_filter (a);
    //  Asked once as a request, so that a refusal (a draft that does not
    //  exist) reads as every refusal does; the library then subscribes
    //  again from the same place, and keeps the filter for its renewals.
    cb_value_t *body = cb_value_new_map ();
    if (from)
        cb_value_set_int (body, "from", from);
    cb_value_t *copy = cb_value_dup (filter);
    cb_value_set (body, "filter", &copy);
    int status = 0;
    cb_value_t *reply = cli_request (cli, "log.subscribe", &body, &status);
    if (reply) {
        from = cb_value_get_int_or (reply, "from", 1);
        cb_value_destroy (&reply);
        if (cb_client_subscribe_filter (cli->client, (uint64_t) from, filter, cli->timeout)) {
            fprintf (stderr, "catchball: watch: %s\n", cb_client_error_message (cli->client));
            status = 1;
        }
    }
    cb_value_destroy (&filter);
    if (status)
        return status;
    for (int64_t shown = 0; !zsys_interrupted && (!count || shown < count); ) {
        cb_value_t *entry = cb_client_recv_log (cli->client, 1000);
        if (!entry)
            continue;
        if (cli->json)
            cli_json_print (stdout, entry, true);
        else
            cli_render_log_entry (stdout, entry);
        fflush (stdout);
        cb_value_destroy (&entry);
        shown++;
    }
    return 0;
}

const cli_command_t cli_watch_commands [] = {
    { "watch", NULL, "watch [DRAFT] [--owner NODE] [--cycle C] [--kind K,...] [--from SEQ] "
                     "[--count N]",
      "follow what concerns a draft, a node or a cycle, as it happens",
      "Prints each change that concerns the target as one line (who, what, when), as it "
      "is made, until interrupted (Ctrl-C). Name a draft, or a node with --owner (its "
      "drafts, its rounds, its asks, its changes: the global --node says who you are), or "
      "a cycle with --cycle; give several and a change must concern each. Survives a "
      "restart of the broker without missing or repeating a change.",
      -1, false, { { CLI_O_OWNER, "follow what concerns this node" },
                   { CLI_O_CYCLE, "follow the drafts, rounds, asks and events of this cycle" },
                   { CLI_O_KIND, "only these kinds of change: draft.revise,round.throw,..." },
                   { CLI_O_FROM, "start from this entry of the event log (1: the whole "
                                 "history); default: the next change" },
                   { CLI_O_LIMIT, "stop after N changes (for scripts)" } },
      s_watch },
    { NULL }
};
