/*  =========================================================================
    test_diskfull - the real catchballd on a small, full filesystem

    Mounts a 6 MiB tmpfs (needs root: without it the test says SKIP and
    exits 77), puts a 2 MiB filler file on it, and runs catchballd with its
    store there and a map that may grow to 64 MiB, far beyond the
    filesystem. Then:
    - fills the store with drafts until the broker refuses one: it must be
      STORAGE_FULL (500), after the map grew as far as the disk allowed;
    - the broker stays up and serves reads and pings; more changes get
      STORAGE_FULL and move nothing (LMDB's last transaction id stays);
      the environment opens cleanly beside it (mdb_stat, mdb_dump);
    - the broker restarts on the full disk: it comes up, serves reads,
      refuses changes;
    - the filler is removed: the same broker process stores changes again,
      without a restart, until the disk is full a second time;
    - the filesystem is remounted at 64 MiB: the broker grows its map past
      the old filesystem's size and goes on storing;
    - after a clean stop and a restart, the drafts are exactly those that
      were acknowledged, in order: none lost, none refused one stored.
    =========================================================================
*/
#include <sys/mount.h>

#include "faultutil.h"

static char s_fs [300];             //  The tmpfs mount point
static bool s_mounted;

static void
s_unmount (void)
{
    if (tb_pid > 0)
        tb_stop ();
    if (s_mounted && umount2 (s_fs, MNT_DETACH) == 0)
        s_mounted = false;
}

//  Writes `size` bytes to `path`: 0, or -1 if the disk was full first.
static int
s_write_file (const char *path, size_t size)
{
    FILE *file = fopen (path, "w");
    if (!file)
        return -1;
    char block [65536];
    memset (block, 'f', sizeof (block));
    size_t written = 0;
    while (written < size && fwrite (block, sizeof (block), 1, file) == 1)
        written += sizeof (block);
    return fclose (file) == 0 && written >= size ? 0 : -1;
}

static off_t
s_file_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? st.st_size : -1;
}

//  Adds big drafts until one is refused or `max` are stored; each stored
//  one goes into `acked`. Returns the refusal's code (0 if none).
static int
s_fill (cb_client_t *lead, zlist_t *acked, int max, int *stored)
{
    *stored = 0;
    for (int i = 0; i < max; i++) {
        char objective [64], id [32];
        snprintf (objective, sizeof (objective), "Fill %zu", zlist_size (acked) + 1);
        int code = fu_draft_new (lead, objective, true, id, sizeof (id));
        if (code) {
            if (code != CB_E_STORAGE_FULL)
                fprintf (stderr, "draft.new: %d %s\n", code, cb_client_error_message (lead));
            return code;
        }
        char line [128];
        snprintf (line, sizeof (line), "%s %s", id, objective);
        zlist_append (acked, line);
        (*stored)++;
    }
    return 0;
}

int
main (void)
{
    tb_init ("test_diskfull", false);
    snprintf (s_fs, sizeof (s_fs), "%s/fs", tb_dir);
    REQUIRE (zsys_dir_create ("%s", s_fs) == 0);
    if (mount ("tmpfs", s_fs, "tmpfs", 0, "size=6m,mode=0700") != 0) {
        printf ("SKIP: cannot mount a tmpfs on %s (%s): needs root and a system "
                "that allows mount\n", s_fs, strerror (errno));
        fu_system ("rm -rf '%s'", tb_dir);
        return FU_SKIP;
    }
    s_mounted = true;
    atexit (s_unmount);
    char filler [400], store [400], data [420];
    snprintf (filler, sizeof (filler), "%s/filler", s_fs);
    snprintf (store, sizeof (store), "%s/store", s_fs);
    snprintf (data, sizeof (data), "%s/data.mdb", store);
    REQUIRE (s_write_file (filler, 2 << 20) == 0);

    const char *args [] = { "--map-size=1", "--map-max=64", NULL };
    long mark = fu_log_mark ();
    tb_start (store, NULL, args);
    pid_t pid = tb_pid;
    cb_client_t *lead = cb_client_new (tb_endpoint, "lead", "leadership", NULL);
    zlist_t *acked = zlist_new ();
    zlist_autofree (acked);

    //  1. Fill the disk: STORAGE_FULL, after the map grew (1 -> 2 -> 4 MiB:
    //  the 4 MiB left on the disk).
    int stored;
    int code = s_fill (lead, acked, 5000, &stored);
    CHECK_INT (code, CB_E_STORAGE_FULL);
    CHECK (stored > 100);
    CHECK (tb_log_lines_from (mark, "map grown to 4 MiB") == 1);
    CHECK (tb_log_lines_from (mark, "not stored: the store is full") >= 1);
    printf ("disk full after %d drafts, data.mdb %lld KiB\n", stored,
            (long long) s_file_size (data) >> 10);

    //  2. Still up, still serving; more changes are refused and move nothing.
    CHECK (tb_alive ());
    CHECK_INT (fu_request (lead, "ping"), 0);
    CHECK (fu_drafts_are (lead, acked));
    long txnid = tb_txnid (store);
    CHECK (txnid > 0);
    for (int i = 0; i < 3; i++)
        CHECK_INT (fu_draft_new (lead, "Refused", true, NULL, 0), CB_E_STORAGE_FULL);
    CHECK_INT (tb_txnid (store), txnid);
    CHECK (fu_drafts_are (lead, acked));
    //  A small change may fit in pages LMDB can reuse, or be refused too.
    char id [32];
    code = fu_draft_new (lead, "Small", false, id, sizeof (id));
    CHECK (code == 0 || code == CB_E_STORAGE_FULL);
    if (code == 0) {
        char line [128];
        snprintf (line, sizeof (line), "%s Small", id);
        zlist_append (acked, line);
        txnid = tb_txnid (store);
    }
    printf ("a small change on the full disk: %s\n", code ? "STORAGE_FULL" : "stored");
    CHECK_INT (tb_txnid (store), txnid);
    CHECK (fu_drafts_are (lead, acked));
    CHECK_INT (fu_store_clean (store), 0);
    CHECK (tb_alive ());

    //  A restart on the full disk: the broker comes up, serves reads (and
    //  the hellos of known nodes), refuses changes, and loses nothing.
    cb_client_destroy (&lead);
    CHECK_INT (tb_stop (), 0);
    CHECK_INT (fu_store_clean (store), 0);
    tb_start (store, NULL, args);
    pid = tb_pid;
    lead = cb_client_new (tb_endpoint, "lead", NULL, NULL);
    CHECK (fu_drafts_are (lead, acked));
    CHECK_INT (fu_draft_new (lead, "Refused", true, NULL, 0), CB_E_STORAGE_FULL);
    CHECK_INT (tb_txnid (store), txnid);

    //  3. Space returns (the filler goes): the same process stores again,
    //  until the disk is full once more.
    CHECK (unlink (filler) == 0);
    code = s_fill (lead, acked, 5000, &stored);
    CHECK_INT (code, CB_E_STORAGE_FULL);
    CHECK (stored > 50);
    CHECK (tb_alive () && tb_pid == pid);
    CHECK (fu_drafts_are (lead, acked));
    printf ("disk full again after %d more drafts, data.mdb %lld KiB\n", stored,
            (long long) s_file_size (data) >> 10);

    //  4. A bigger filesystem: the map grows past the old disk's 6 MiB.
    CHECK (mount (NULL, s_fs, NULL, MS_REMOUNT, "size=64m,mode=0700") == 0);
    mark = fu_log_mark ();
    code = 0;
    while (code == 0 && s_file_size (data) < (9 << 20))
        code = s_fill (lead, acked, 50, &stored);
    CHECK_INT (code, 0);
    CHECK (s_file_size (data) >= 9 << 20);
    CHECK (tb_log_lines_from (mark, "map grown to 16 MiB") == 1);
    CHECK (tb_alive () && tb_pid == pid);
    CHECK (fu_drafts_are (lead, acked));
    printf ("%zu drafts acknowledged, data.mdb %lld KiB\n", zlist_size (acked),
            (long long) s_file_size (data) >> 10);
    cb_client_destroy (&lead);

    //  5. A clean stop; LMDB opens the store; after a restart exactly the
    //  acknowledged drafts are there.
    fu_restart_and_check (store, args, acked);
    zlist_destroy (&acked);

    s_unmount ();
    CHECK (!s_mounted);
    return tb_done (TEST_DONE ());
}
