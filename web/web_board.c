/*  =========================================================================
    web_board - the board's progress: the check-ins of an event's final
    drafts, read as the facilitator console reads them, shown as the
    console shows them

    event.snapshot lists a draft's check-ins by id only. Once a draft of
    the event is final, the console reads its check-ins (checkin.list) and
    the log brings each later one; cli_console_state keeps them and works
    out each key result's progress. The gateway does the same on its loop
    (the main thread, the only one calling libcatchball), so that the
    projector shows how the deals the event agreed are going, not only
    how they were made.
    =========================================================================
*/
#include <czmq.h>
#include <jansson.h>

#include "catchball/catchball.h"
#include "cli.h"
#include "cli_console_state.h"
#include "web.h"

#define S_READ_MS       10000   //  A read not answered by then has failed

bool
web_board_checkins (cb_client_t *client, cli_console_state_t *state)
{
    bool read = false;
    const char *id;
    while ((id = cli_console_state_missing_checkins (state))) {
        char draft [WEB_NAME_MAX];
        snprintf (draft, sizeof (draft), "%s", id);
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "draft", draft);
        cb_value_t *list = cb_client_request_pages (client, "checkin.list", &body, S_READ_MS);
        if (list) {
            cli_console_state_add_checkins (state, list);
            cb_value_destroy (&list);
            read = true;
        }
        else
        if (cb_client_error (client) == CB_E_TIMEOUT) {
            //  The broker is gone for now: asked again on a later turn of
            //  the loop (a refusal would only be repeated, so it is not).
            cli_console_state_retry_checkins (state, draft);
            break;
        }
    }
    return read;
}

json_t *
web_board_progress (cli_console_state_t *state, int64_t now)
{
    cb_value_t *progress = cli_console_state_progress (state, now);
    json_t *json = cli_value_to_json (progress);
    cb_value_destroy (&progress);
    return json ? json : json_array ();
}
