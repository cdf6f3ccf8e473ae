/*  =========================================================================
    faultutil - what the storage fault tests share besides the broker
    process (tests/testbroker.h): requests through libcatchball, LMDB's own
    tools on the store, and the broker's log

    Nothing here sleeps: the broker is ready when it answers a hello (the
    client retries until then), and replies are waited for with timeouts.
    =========================================================================
*/
#ifndef CB_FAULTUTIL_H_INCLUDED
#define CB_FAULTUTIL_H_INCLUDED

#include <czmq.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "catchball/catchball.h"
#include "testbroker.h"
#include "testutil.h"

#define FU_SKIP 77                  //  ctest's SKIP_RETURN_CODE for these tests

//  Runs a shell command, returns its exit status (-1 if it did not exit).
static int
fu_system (const char *format, ...)
{
    char command [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (command, sizeof (command), format, args);
    va_end (args);
    int status = system (command);
    return status != -1 && WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

//  The environment opens and every table reads through (mdb_stat of all
//  tables, mdb_dump of all of them): 0 if so.
static int
fu_store_clean (const char *store)
{
    return fu_system ("mdb_stat -a '%s' >/dev/null 2>&1 && mdb_dump -a '%s' >/dev/null 2>&1",
                      store, store);
}

//  The broker log's current size: log lines after it are "since".
static long
fu_log_mark (void)
{
    struct stat st;
    return stat (tb_log, &st) == 0 ? (long) st.st_size : 0;
}

//  --------------------------------------------------------------------------
//  Requests

//  A draft body: a small one, or (big) one of about 5.5 KB (the largest
//  narrative and seven long key results).
static cb_value_t *
fu_draft_body (const char *objective, bool big)
{
    cb_value_t *body = cb_value_new_map ();
    cb_value_t *c = cb_value_new_map ();
    cb_value_set_str (c, "cycle", "2027-Q1");
    cb_value_set_str (c, "objective", objective);
    char text [4001];
    if (big) {
        memset (text, 'n', 4000);
        text [4000] = 0;
        cb_value_set_str (c, "narrative", text);
    }
    cb_value_t *krs = cb_value_new_array ();
    for (int i = 0; i < (big ? 7 : 1); i++) {
        cb_value_t *kr = cb_value_new_map ();
        memset (text, 'k', 200);
        text [big ? 200 : 10] = 0;
        text [0] = (char) ('A' + i);
        cb_value_set_str (kr, "text", text);
        cb_value_set_int (kr, "target", 60 + i);
        cb_value_push (krs, &kr);
    }
    cb_value_set (c, "key_results", &krs);
    cb_value_set (body, "content", &c);
    return body;
}

//  A new draft with objective `objective`: 0 and its id in `id`, or the
//  error code (CB_E_TIMEOUT if no answer in 10 s).
static int
fu_draft_new (cb_client_t *client, const char *objective, bool big, char *id, size_t idsize)
{
    cb_value_t *body = fu_draft_body (objective, big);
    cb_value_t *reply = cb_client_request (client, "draft.new", &body, 10000);
    if (!reply)
        return cb_client_error (client);
    if (id)
        snprintf (id, idsize, "%s", cb_value_get_str (reply, "draft")
                                    ? cb_value_get_str (reply, "draft") : "?");
    cb_value_destroy (&reply);
    return 0;
}

//  A request with an empty body: 0 or the error code.
static int
fu_request (cb_client_t *client, const char *type)
{
    cb_value_t *reply = cb_client_request (client, type, NULL, 10000);
    if (!reply)
        return cb_client_error (client);
    cb_value_destroy (&reply);
    return 0;
}

//  Every draft as "id objective" lines in id order, or NULL on error.
static zlist_t *
fu_draft_list (cb_client_t *client)
{
    cb_value_t *reply = cb_client_request (client, "draft.list", NULL, 10000);
    if (!reply)
        return NULL;
    zlist_t *list = zlist_new ();
    zlist_autofree (list);
    cb_value_t *drafts = cb_value_get (reply, "drafts");
    for (size_t i = 0; i < cb_value_size (drafts); i++) {
        cb_value_t *draft = cb_value_at (drafts, i);
        char line [400];
        snprintf (line, sizeof (line), "%s %s", cb_value_get_str (draft, "id"),
                  cb_value_get_str (draft, "objective"));
        zlist_append (list, line);
    }
    cb_value_destroy (&reply);
    return list;
}

//  The drafts the broker lists are exactly `expected` ("id objective"
//  lines, in order)? Prints the first difference.
static bool
fu_drafts_are (cb_client_t *client, zlist_t *expected)
{
    zlist_t *list = fu_draft_list (client);
    if (!list) {
        fprintf (stderr, "draft.list failed: %s\n", cb_client_error_message (client));
        return false;
    }
    bool same = zlist_size (list) == zlist_size (expected);
    if (!same)
        fprintf (stderr, "the broker lists %zu drafts, %zu were acknowledged\n",
                 zlist_size (list), zlist_size (expected));
    const char *a = (const char *) zlist_first (list);
    const char *b = (const char *) zlist_first (expected);
    while (same && a && b) {
        if (strcmp (a, b) != 0) {
            fprintf (stderr, "listed \"%s\", acknowledged \"%s\"\n", a, b);
            same = false;
        }
        a = (const char *) zlist_next (list);
        b = (const char *) zlist_next (expected);
    }
    zlist_destroy (&list);
    return same;
}

//  The end of a fault test: a clean stop, LMDB finds the store sound, and
//  a broker started on it again (`args` as before, no shim) lists exactly
//  the `expected` drafts.
static void
fu_restart_and_check (const char *store, const char *const *args, zlist_t *expected)
{
    CHECK_INT (tb_stop (), 0);
    CHECK_INT (fu_store_clean (store), 0);
    tb_start (store, NULL, args);
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", NULL, NULL);
    CHECK (fu_drafts_are (lead, expected));
    cb_client_destroy (&lead);
    CHECK_INT (tb_stop (), 0);
}

#endif
