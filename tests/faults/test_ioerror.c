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

//  A fault that fails every matching call while it is on: each change is
//  answered STORAGE, reads go on, and nothing of it is stored.
static void
s_case_refused (cb_client_t *lead, const char *name, const char *spec, int changes)
{
    printf ("case %s: %s\n", name, spec);
    long txnid = fu_txnid (s_store);
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
    CHECK (fu_log_count (mark, "Input/output error") >= changes);
    CHECK_INT (fu_log_count (mark, "not stored: the store failed"), changes);
    CHECK (fu_alive ());
    s_fault (NULL);
    //  Nothing of it: the same last transaction, the same drafts.
    CHECK_INT (fu_txnid (s_store), txnid);
    CHECK (fu_drafts_are (lead, s_acked));
    CHECK_INT (fu_store_clean (s_store), 0);
    //  And the next change is stored.
    int after = s_lines (s_faults);
    char objective [64];
    snprintf (objective, sizeof (objective), "After %s", name);
    s_draft_ok (lead, objective);
    CHECK (fu_txnid (s_store) > txnid);
    CHECK_INT (s_lines (s_faults), after);
    CHECK (fu_drafts_are (lead, s_acked));
    CHECK (fired < after);
}

int
main (void)
{
    fu_init ("test_ioerror");
    const char *faultfs = getenv ("FAULTFS");
    REQUIRE (faultfs);
    //  With the sanitizers, their runtime must come first among the
    //  preloaded libraries.
    char preload [1024];
    if (getenv ("CB_SANITIZE") && getenv ("CB_LIBASAN"))
        snprintf (preload, sizeof (preload), "%s %s", getenv ("CB_LIBASAN"), faultfs);
    else
        snprintf (preload, sizeof (preload), "%s", faultfs);
    snprintf (s_ctl, sizeof (s_ctl), "%s/faultfs.ctl", fu_dir);
    snprintf (s_faults, sizeof (s_faults), "%s/faultfs.log", fu_dir);
    snprintf (s_store, sizeof (s_store), "%s/store", fu_dir);
    setenv ("FAULTFS_CTL", s_ctl, 1);
    setenv ("FAULTFS_LOG", s_faults, 1);
    s_acked = zlist_new ();
    zlist_autofree (s_acked);

    fu_start (s_store, preload, NULL);
    //  The shim is in the broker.
    CHECK_INT (fu_system ("grep -q faultfs /proc/%d/maps", (int) fu_pid), 0);
    pid_t pid = fu_pid;
    cb_client_t *lead = cb_client_new (fu_endpoint, "lead", "leadership", NULL);
    for (int i = 1; i <= 3; i++) {
        char objective [32];
        snprintf (objective, sizeof (objective), "Before %d", i);
        s_draft_ok (lead, objective);
    }

    //  (a) The data pages or their sync fail: STORAGE, nothing stored.
    s_case_refused (lead, "data page write", "data 0 -1 EIO a1", 3);
    //  A later write of the same commit fails: some pages reached the file.
    s_case_refused (lead, "second data page write", "data 1 -1 EIO a2", 2);
    s_case_refused (lead, "fdatasync", "sync 0 -1 EIO a3", 2);

    //  (b) The meta page write fails once: LMDB's environment is fatal;
    //  the broker reopens it and redoes the batch, which is stored (once).
    printf ("case meta page write, once\n");
    long mark = fu_log_mark ();
    int fired = s_lines (s_faults);
    s_fault ("meta 0 1 EIO b1");
    s_draft_ok (lead, "Meta fails once");
    CHECK_INT (s_lines (s_faults) - fired, 1);
    CHECK_INT (fu_log_count (mark, "store: reopening"), 1);
    s_fault (NULL);
    CHECK (fu_drafts_are (lead, s_acked));

    //  The meta page write fails for the batch and its redo: STORAGE, and
    //  the environment is left fatal. The fault is then gone: the next
    //  request meets MDB_PANIC, the broker reopens, and it is served.
    printf ("case meta page write, twice: MDB_PANIC\n");
    long txnid = fu_txnid (s_store);
    mark = fu_log_mark ();
    fired = s_lines (s_faults);
    s_fault ("meta 0 2 EIO b2");
    CHECK_INT (fu_draft_new (lead, "Must not be stored", false, NULL, 0), CB_E_STORAGE);
    CHECK_INT (s_lines (s_faults) - fired, 2);
    s_fault (NULL);
    CHECK_INT (fu_txnid (s_store), txnid);
    CHECK (fu_drafts_are (lead, s_acked));
    CHECK (fu_log_count (mark, "MDB_PANIC") >= 1);
    CHECK_INT (fu_log_count (mark, "store: reopening"), 2);
    s_draft_ok (lead, "After MDB_PANIC");
    CHECK (fu_drafts_are (lead, s_acked));

    //  The meta page write fails for good: changes are refused, reads
    //  are served (a fatal environment is reopened for them too), and
    //  once the fault is gone changes are stored again.
    s_case_refused (lead, "meta page write, for good", "meta 0 -1 EIO b3", 3);

    //  Still the same process, never restarted.
    CHECK (fu_alive () && fu_pid == pid);
    cb_client_destroy (&lead);
    CHECK_INT (fu_stop (), 0);
    CHECK_INT (fu_store_clean (s_store), 0);

    //  Every acknowledged draft, and nothing else, after a restart without
    //  the shim.
    fu_start (s_store, NULL, NULL);
    lead = cb_client_new (fu_endpoint, "lead", NULL, NULL);
    CHECK (fu_drafts_are (lead, s_acked));
    cb_client_destroy (&lead);
    CHECK_INT (fu_stop (), 0);
    zlist_destroy (&s_acked);

    int rc = TEST_DONE ();
    if (rc == 0)
        fu_system ("rm -rf '%s'", fu_dir);
    else
        fprintf (stderr, "broker log: %s\nfaults injected: %s\n", fu_log, s_faults);
    return rc;
}
