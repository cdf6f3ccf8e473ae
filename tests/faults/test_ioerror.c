/*  =========================================================================
    test_ioerror - I/O errors at commit, injected into the real catchballd

    The broker runs with faultfs.so preloaded (see faultfs.c): while the
    control file says so, LMDB's writes of data pages, its fdatasync, or
    its write of the meta page fail with EIO. For each fault:
    - the request is answered STORAGE (501) with a clear message, the
      broker logs the I/O error, and the fault fired a bounded number of
      times (the batch and at most one redo: no spinning);
    - reads and pings are served while the fault lasts;
    - once it is gone, nothing of the refused change is there (the drafts
      are exactly those acknowledged; LMDB's last transaction id did not
      move) and the next change is stored, by the same process.
    A failed meta page write leaves LMDB's environment fatal (MDB_PANIC on
    every later transaction): the broker must reopen it (and log that)
    and carry on. After a clean stop, the store opens cleanly and, on a
    restart without the shim, holds exactly the acknowledged drafts.
    =========================================================================
*/
#include "faultutil.h"

static char s_ctl [300];            //  faultfs's control file
static char s_faults [300];         //  faultfs's log of injected faults
static char s_store [300];
static zlist_t *s_acked;            //  "id objective" of every acked draft

//  Lines of a file (0 if it does not exist).
static int
s_lines (const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return 0;
    int count = 0, c;
    while ((c = fgetc (file)) != EOF)
        if (c == '\n')
            count++;
    fclose (file);
    return count;
}

//  Turns a fault on ("OP SKIP COUNT ERRNO ID", see faultfs.c) or off (NULL).
static void
s_fault (const char *spec)
{
    if (!spec) {
        REQUIRE (unlink (s_ctl) == 0 || errno == ENOENT);
        return;
    }
    char tmp [320];
    snprintf (tmp, sizeof (tmp), "%s.tmp", s_ctl);
    FILE *file = fopen (tmp, "w");
    REQUIRE (file);
    fprintf (file, "%s\n", spec);
    REQUIRE (fclose (file) == 0);
    REQUIRE (rename (tmp, s_ctl) == 0);
}

//  A draft the broker must store.
static void
s_draft_ok (cb_client_t *lead, const char *objective)
{
    char id [32];
    int code = fu_draft_new (lead, objective, false, id, sizeof (id));
    if (code)
        fprintf (stderr, "draft.new \"%s\": %d %s\n", objective, code,
                 cb_client_error_message (lead));
    CHECK_INT (code, 0);
    if (code == 0) {
        char line [128];
        snprintf (line, sizeof (line), "%s %s", id, objective);
        zlist_append (s_acked, line);
    }
}

//  Sends `count` draft.new requests at once on a raw connection of node
//  lead (they reach the broker together: one batch, or a few), and
//  returns how many were answered with `code` within 10 s.
static int
s_burst (zsock_t *dealer, const char *tag, int count, int code)
{
    for (int i = 0; i < count; i++) {
        cb_value_t *msg = cb_value_new_map ();
        cb_value_set_int (msg, "cb", 1);
        cb_value_set_str (msg, "type", "draft.new");
        char mid [64];
        snprintf (mid, sizeof (mid), "burst-%s-%d", tag, i);
        cb_value_set_str (msg, "mid", mid);
        cb_value_t *body = fu_draft_body ("Must not be stored either", false);
        cb_value_set (msg, "body", &body);
        size_t size;
        void *data = cb_codec_encode (msg, &size);
        cb_value_destroy (&msg);
        REQUIRE (zsock_send (dealer, "b", data, size) == 0);
        free (data);
    }
    int matching = 0;
    zpoller_t *poller = zpoller_new (dealer, NULL);
    int64_t deadline = zclock_mono () + 10000;
    for (int i = 0; i < count && zclock_mono () < deadline; i++) {
        if (!zpoller_wait (poller, (int) (deadline - zclock_mono ())))
            break;
        zframe_t *frame = zframe_recv (dealer);
        cb_value_t *reply = frame
            ? cb_codec_decode (zframe_data (frame), zframe_size (frame), NULL, 0) : NULL;
        int64_t got = -1;
        if (reply && cb_value_get_str (reply, "type")
        &&  streq (cb_value_get_str (reply, "type"), "error"))
            cb_value_get_int (reply, "code", &got);
        if (got == code)
            matching++;
        cb_value_destroy (&reply);
        zframe_destroy (&frame);
    }
    zpoller_destroy (&poller);
    return matching;
}

//  A fault that fails every matching call while it is on: each change is
//  answered STORAGE, reads go on, and nothing of it is stored.
static void
s_case_refused (cb_client_t *lead, zsock_t *raw, const char *name, const char *spec,
                int changes)
{
    printf ("case %s: %s\n", name, spec);
    long txnid = tb_txnid (s_store);
    long mark = fu_log_mark ();
    int fired = s_lines (s_faults);
    s_fault (spec);
    for (int i = 0; i < changes; i++) {
        int before = s_lines (s_faults);
        CHECK_INT (fu_draft_new (lead, "Must not be stored", false, NULL, 0), CB_E_STORAGE);
        CHECK (strstr (cb_client_error_message (lead), "nothing was stored"));
        //  The fault fired, for the batch and at most its one redo.
        int now = s_lines (s_faults);
        CHECK (now > before);
        CHECK (now - before <= 2);
        //  Reads and pings are served meanwhile.
        CHECK_INT (fu_request (lead, "ping"), 0);
        CHECK (fu_drafts_are (lead, s_acked));
    }
    //  Several changes at once: every one refused.
    int before = s_lines (s_faults);
    CHECK_INT (s_burst (raw, name, 5, CB_E_STORAGE), 5);
    CHECK (s_lines (s_faults) > before);
    CHECK (s_lines (s_faults) - before <= 2 * 5);
    CHECK (tb_log_lines_from (mark, "Input/output error") >= changes);
    CHECK (tb_log_lines_from (mark, "not stored: the store failed") > changes);
    CHECK (tb_alive ());
    s_fault (NULL);
    //  Nothing of it: the same last transaction, the same drafts.
    CHECK_INT (tb_txnid (s_store), txnid);
    CHECK (fu_drafts_are (lead, s_acked));
    CHECK_INT (fu_store_clean (s_store), 0);
    //  And the next change is stored.
    int after = s_lines (s_faults);
    char objective [64];
    snprintf (objective, sizeof (objective), "After %s", name);
    s_draft_ok (lead, objective);
    CHECK (tb_txnid (s_store) > txnid);
    CHECK_INT (s_lines (s_faults), after);
    CHECK (fu_drafts_are (lead, s_acked));
    CHECK (fired < after);
}

//  The meta page write fails once: LMDB's environment is fatal; the broker
//  reopens it and redoes the batch, which is stored (once). Then it fails
//  for the batch and its redo: STORAGE, and the environment is left
//  fatal; the fault is then gone: the next request meets MDB_PANIC, the
//  broker reopens, and it is served. `how` is EIO (nothing written) or
//  EIO+ (the new meta page reached the page cache: LMDB must put the old
//  one back, or the refused change would show up after the reopen).
static void
s_case_meta (cb_client_t *lead, const char *how)
{
    printf ("case meta page write (%s), once\n", how);
    char spec [64];
    long mark = fu_log_mark ();
    int fired = s_lines (s_faults);
    snprintf (spec, sizeof (spec), "meta 0 1 %s b1", how);
    s_fault (spec);
    char objective [64];
    snprintf (objective, sizeof (objective), "Meta fails once, %s", how);
    s_draft_ok (lead, objective);
    CHECK_INT (s_lines (s_faults) - fired, 1);
    CHECK_INT (tb_log_lines_from (mark, "store: reopening"), 1);
    s_fault (NULL);
    CHECK (fu_drafts_are (lead, s_acked));

    printf ("case meta page write (%s), twice: MDB_PANIC\n", how);
    long txnid = tb_txnid (s_store);
    mark = fu_log_mark ();
    fired = s_lines (s_faults);
    snprintf (spec, sizeof (spec), "meta 0 2 %s b2", how);
    s_fault (spec);
    CHECK_INT (fu_draft_new (lead, "Must not be stored", false, NULL, 0), CB_E_STORAGE);
    CHECK_INT (s_lines (s_faults) - fired, 2);
    s_fault (NULL);
    CHECK_INT (tb_txnid (s_store), txnid);
    CHECK (fu_drafts_are (lead, s_acked));
    CHECK (tb_log_lines_from (mark, "MDB_PANIC") >= 1);
    CHECK_INT (tb_log_lines_from (mark, "store: reopening"), 2);
    snprintf (objective, sizeof (objective), "After MDB_PANIC, %s", how);
    s_draft_ok (lead, objective);
    CHECK (fu_drafts_are (lead, s_acked));
}

int
main (void)
{
    tb_init ("test_ioerror", false);
    const char *faultfs = getenv ("FAULTFS");
    REQUIRE (faultfs);
    //  With the sanitizers (gcc's shared ASan runtime), their runtime must
    //  come first among the preloaded libraries.
    bool sanitized = getenv ("CB_SANITIZE") != NULL;
    const char *libasan = getenv ("CB_LIBASAN");
    char preload [1024];
    if (sanitized && libasan && access (libasan, R_OK) == 0)
        snprintf (preload, sizeof (preload), "%s %s", libasan, faultfs);
    else
        snprintf (preload, sizeof (preload), "%s", faultfs);
    snprintf (s_ctl, sizeof (s_ctl), "%s/faultfs.ctl", tb_dir);
    snprintf (s_faults, sizeof (s_faults), "%s/faultfs.log", tb_dir);
    snprintf (s_store, sizeof (s_store), "%s/store", tb_dir);
    setenv ("FAULTFS_CTL", s_ctl, 1);
    setenv ("FAULTFS_LOG", s_faults, 1);
    s_acked = zlist_new ();
    zlist_autofree (s_acked);

    if (tb_launch (s_store, preload, NULL) != 0) {
        //  Only the sanitizer build may fail to start with a preloaded
        //  library (the runtime's link order check).
        REQUIRE (sanitized);
        printf ("SKIP: catchballd built with the sanitizers does not start with "
                "LD_PRELOAD=%s (see %s)\n", preload, tb_log);
        return FU_SKIP;
    }
    //  The shim is in the broker.
    CHECK_INT (fu_system ("grep -q faultfs /proc/%d/maps", (int) tb_pid), 0);
    pid_t pid = tb_pid;
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    //  A raw connection of the same node, for bursts of requests.
    zsock_t *raw = zsock_new_dealer (tb_endpoint);
    REQUIRE (raw);
    cb_value_t *hello = cb_value_new_map ();
    cb_value_set_int (hello, "cb", 1);
    cb_value_set_str (hello, "type", "hello");
    cb_value_set_str (hello, "mid", "raw-hello");
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "node", "lead-raw");
    cb_value_set_str (body, "role", "leadership");
    cb_value_set (hello, "body", &body);
    size_t size;
    void *data = cb_codec_encode (hello, &size);
    cb_value_destroy (&hello);
    REQUIRE (zsock_send (raw, "b", data, size) == 0);
    free (data);
    zframe_t *frame = NULL;
    zpoller_t *poller = zpoller_new (raw, NULL);
    if (zpoller_wait (poller, 10000))
        frame = zframe_recv (raw);
    zpoller_destroy (&poller);
    REQUIRE (frame);
    zframe_destroy (&frame);
    for (int i = 1; i <= 3; i++) {
        char objective [32];
        snprintf (objective, sizeof (objective), "Before %d", i);
        s_draft_ok (lead, objective);
    }

    //  (a) The data pages or their sync fail: STORAGE, nothing stored.
    s_case_refused (lead, raw, "data page write", "data 0 -1 EIO a1", 3);
    //  A later write of the same commit fails: some pages reached the file.
    s_case_refused (lead, raw, "second data page write", "data 1 -1 EIO a2", 2);
    s_case_refused (lead, raw, "fdatasync", "sync 0 -1 EIO a3", 2);
    //  The same, the pages having reached the file (or the page cache).
    s_case_refused (lead, raw, "data page write, written", "data 0 -1 EIO+ a4", 2);
    s_case_refused (lead, raw, "fdatasync, synced", "sync 0 -1 EIO+ a5", 2);

    //  (b) The meta page write fails: LMDB's environment turns fatal.
    s_case_meta (lead, "EIO");
    s_case_meta (lead, "EIO+");
    //  The meta page write fails for good: changes are refused, reads
    //  are served (a fatal environment is reopened for them too), and
    //  once the fault is gone changes are stored again.
    s_case_refused (lead, raw, "meta page write, for good", "meta 0 -1 EIO b3", 3);
    s_case_refused (lead, raw, "meta page write, written, for good", "meta 0 -1 EIO+ b4", 3);

    //  Still the same process, never restarted.
    CHECK (tb_alive () && tb_pid == pid);
    cb_client_destroy (&lead);
    zsock_destroy (&raw);

    //  Every acknowledged draft, and nothing else, after a restart without
    //  the shim.
    fu_restart_and_check (s_store, NULL, s_acked);
    zlist_destroy (&s_acked);

    int rc = tb_done (TEST_DONE ());
    if (rc)
        fprintf (stderr, "faults injected: %s\n", s_faults);
    return rc;
}
