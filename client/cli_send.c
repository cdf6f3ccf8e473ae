/*  =========================================================================
    cli_send - what every command does: send a request to the broker and
    print its reply

    Moved out of cli.c into the cbcli library so that what is built from
    requests (cli_todo.c's list) can run in another program than the
    command line: catchball-web builds a node's todo with it, on that
    node's own connection. The connection is made on first use; a refusal
    is said on stderr (and as JSON on stdout with --json).
    =========================================================================
*/
#include "cli_cmd.h"

//  Connects on first use; 0, or -1 with the reason on stderr.
static int
s_connect (cli_t *cli)
{
    if (cli->client)
        return 0;
    char why [PATH_MAX + 200];
    snprintf (why, sizeof (why), "invalid endpoint '%s'", cli->endpoint);
    if (cli->key && !cli->broker_key)
        snprintf (why, sizeof (why), "--key needs --broker-key (or $CATCHBALL_BROKER_KEY)");
    else
    if (cli->key)
        cli->client = cb_client_new_curve (cli->endpoint, cli->node, cli->role, cli->parent,
                                           cli->key, cli->broker_key, why, sizeof (why));
    else
        cli->client = cb_client_new (cli->endpoint, cli->node, cli->role, cli->parent);
    if (!cli->client) {
        fprintf (stderr, "catchball: %s\n", why);
        return -1;
    }
    return 0;
}

//  The broker's refusal, on stderr (and as JSON on stdout with --json).
static void
s_print_error (cli_t *cli)
{
    int code = cb_client_error (cli->client);
    if (cli->json) {
        cb_value_t *err = cb_value_new_map ();
        cb_value_t *e = cb_value_new_map ();
        cb_value_set_int (e, "code", code);
        cb_value_set_str (e, "name", cb_client_error_name (cli->client));
        cb_value_set_str (e, "message", cb_client_error_message (cli->client));
        cb_value_set (err, "error", &e);
        cli_json_print (stdout, err, true);
        cb_value_destroy (&err);
    }
    if (code == CB_E_TIMEOUT)
        //  Most often nothing listens there: say so, and what to do.
        fprintf (stderr, "catchball: no answer from the broker at %s within %d ms: "
                         "is it running? (make run starts one; --endpoint or "
                         "$CATCHBALL_ENDPOINT names another)\n",
                 cli->endpoint, cli->timeout);
    else
        fprintf (stderr, "catchball: %s (%d): %s\n", cb_client_error_name (cli->client),
                 code, cb_client_error_message (cli->client));
    if (code == CB_E_BAD_FIELD && strstr (cb_client_error_message (cli->client), "'role'"))
        fprintf (stderr, "catchball: give --role leadership|team|facilitator|observer, "
                         "or set CATCHBALL_ROLE\n");
}

cb_value_t *
cli_request (cli_t *cli, const char *type, cb_value_t **body_p, int *status)
{
    if (s_connect (cli)) {
        cb_value_destroy (body_p);
        *status = 2;
        return NULL;
    }
    //  Paged reads are read to their end: the command shows everything.
    bool paged = streq (type, "draft.list") || streq (type, "draft.history")
              || streq (type, "event.list") || streq (type, "event.snapshot")
              || streq (type, "cycle.graph") || streq (type, "ask.list")
              || streq (type, "checkin.list") || streq (type, "cycle.list");
    cb_value_t *reply = paged ? cb_client_request_pages (cli->client, type, body_p, cli->timeout)
                              : cb_client_request (cli->client, type, body_p, cli->timeout);
    if (!reply) {
        s_print_error (cli);
        *status = cb_client_error (cli->client) == CB_E_TIMEOUT ? 3 : 1;
    }
    return reply;
}

int64_t
cli_now (cli_t *cli)
{
    if (s_connect (cli))
        return zclock_time ();
    //  Connected first, so that the round trip is the ping's alone
    cb_value_t *body = cb_value_new_map ();
    int64_t sent = zclock_time ();
    cb_value_t *reply = cb_client_request (cli->client, "ping", &body, cli->timeout);
    int64_t received = zclock_time ();
    cb_value_t *time = cb_value_get (reply, "time");
    int64_t now = cb_value_type (time) == CB_INT
                ? received + cli_progress_clock_offset (cb_value_int (time), sent, received)
                : received;
    cb_value_destroy (&reply);
    return now;
}

//  A one-line confirmation: the format's %s are the reply's fields named
//  in the variadic list.
static void
s_confirm (const cb_value_t *reply, const char *format, va_list args)
{
    for (const char *p = format; *p; p++) {
        if (*p == '%' && p [1] == 's') {
            const char *key = va_arg (args, const char *);
            cb_value_t *v = cb_value_get (reply, key);
            if (cb_value_type (v) == CB_INT)
                printf ("%lld", (long long) cb_value_int (v));
            else
                printf ("%s", cb_value_str (v) ? cb_value_str (v) : "");
            p++;
        }
        else
            putchar (*p);
    }
    putchar ('\n');
    bool closed = false;
    if (cb_value_get_bool (reply, "round_closed", &closed) && closed)
        printf ("round %s is now closed: every recipient has answered\n",
                cb_value_get_str (reply, "round"));
}

static void
s_vprint (cli_t *cli, cb_value_t **reply_p, cli_render_fn *render, const char *format,
          va_list args)
{
    if (cli->json)
        cli_json_print (stdout, *reply_p, false);
    else
    if (render)
        render (stdout, *reply_p);
    else {
        s_confirm (*reply_p, format, args);
        //  What the coach found in the content just sent (draft new,
        //  revise, counter): said every time, never in the way.
        cli_render_coach (stdout, cb_value_get_array (*reply_p, "coach"), "");
    }
    cb_value_destroy (reply_p);
}

void
cli_print (cli_t *cli, cb_value_t **reply_p, cli_render_fn *render, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_vprint (cli, reply_p, render, format, args);
    va_end (args);
}

static int
s_vsend (cli_t *cli, const char *type, cb_value_t **body_p, cli_render_fn *render,
         const char *format, va_list args)
{
    int status = 0;
    cb_value_t *reply = cli_request (cli, type, body_p, &status);
    if (reply)
        s_vprint (cli, &reply, render, format, args);
    return status;
}

int
cli_send (cli_t *cli, const char *type, cb_value_t **body_p, cli_render_fn *render,
          const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int status = s_vsend (cli, type, body_p, render, format, args);
    va_end (args);
    return status;
}

int
cli_send_one (cli_t *cli, const char *type, const char *field, const char *value,
              cli_render_fn *render, const char *format, ...)
{
    cb_value_t *body = cli_body (field, value);
    va_list args;
    va_start (args, format);
    int status = s_vsend (cli, type, &body, render, format, args);
    va_end (args);
    return status;
}

cb_value_t *
cli_body (const char *field, const char *value)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, field, value);
    return body;
}
