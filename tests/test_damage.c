/*  =========================================================================
    test_damage - a damaged store is refused or answered with an error,
    never served wrong; one broker per store; files for their owner only

    Against the real catchballd ($CATCHBALLD). A store is built by the
    broker itself (drafts, each with three revisions), the broker stopped,
    and a copy of the store damaged in each way issue 10 lists, then the
    broker started on it again:
    - data.mdb truncated to 8 KiB, to half its size, to 0 bytes; deleted;
      20 and 200 bytes flipped at random places (fixed seeds) in its data
      pages; both meta pages zeroed; and, as a control, free pages (as
      mdb_stat lists them) overwritten, which must be served whole.
    Each must be refused at start, with a log line saying why and no
    "listening", or (where the damage missed every live page) served
    with every draft.show and draft.list answer either the right data or
    STORE_DAMAGED, never anything else, and the broker still running.
    `catchballd check` must exit 1 on each store it cannot call sound; a
    store it calls sound must be served whole.
    - A record damaged while the broker runs (its bytes changed in the
      file under the broker's map): its request is answered STORE_DAMAGED
      with a log line naming the table, the broker serves the rest.
    - A store that existed whose data.mdb is gone is refused; --new-store
      starts a new, empty one there; a backup restored serves it all.
    - A second broker on the same store is refused (exit status 1, "in
      use by another catchballd"); the first keeps serving, and check and
      backup work beside it (check sound every time while it commits).
    - Permissions, with umask 022: the store directory is made 0700, its
      files 0600, a backup's directory 0700 and its data.mdb 0600; a store
      directory open to others gets a warning in the log.
    =========================================================================
*/
#include <czmq.h>
#include <sys/stat.h>

#include "catchball/catchball.h"
#include "testbroker.h"
#include "testutil.h"

#define S_DRAFTS 40                 //  Drafts in the store
#define S_REVS 3                    //  Revisions of each
#define S_TIMEOUT 5000              //  ms for one request

static const char *
s_path (const char *name)
{
    static char paths [4][400];
    static int next = 0;
    char *path = paths [next++ % 4];
    snprintf (path, 400, "%s/%s", tb_dir, name);
    return path;
}

//  The objective of draft d, revision r: unique, so it can be found in
//  the file.
static void
s_objective (char *buf, size_t size, int d, int r)
{
    snprintf (buf, size, "Objective-%03d-rev-%d: grow the thing a lot", d, r);
}

//  The system() status of a shell command, as an exit code.
static int
s_shell (const char *format, ...)
{
    char command [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (command, sizeof (command), format, args);
    va_end (args);
    fflush (stdout);
    fflush (stderr);
    int status = system (command);
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

//  `catchballd --store DIR check`, its output appended to the log.
static int
s_check (const char *store)
{
    return s_shell ("'%s' --store '%s' check >> '%s' 2>&1", tb_catchballd, store, tb_log);
}

//  --------------------------------------------------------------------------
//  The store the damage is done to, made by the broker

static void
s_build (const char *store)
{
    tb_start (store, NULL, NULL);
    cb_client_t *alice = cb_client_new (tb_endpoint, "alice", "team", NULL);
    REQUIRE (alice);
    for (int d = 1; d <= S_DRAFTS; d++) {
        for (int r = 1; r <= S_REVS; r++) {
            char objective [100], id [16];
            s_objective (objective, sizeof (objective), d, r);
            cb_value_t *body = cb_value_new_map ();
            cb_value_t *content = tb_content (objective);
            cb_value_set (body, "content", &content);
            if (r > 1) {
                snprintf (id, sizeof (id), "d%d", d);
                cb_value_set_str (body, "draft", id);
            }
            cb_value_t *reply = cb_client_request (alice, r == 1 ? "draft.new" : "draft.revise",
                                                   &body, S_TIMEOUT);
            REQUIRE (reply);
            cb_value_destroy (&reply);
        }
    }
    //  Rounds thrown to carol (one with a deadline), one answered, her
    //  inbox not acknowledged: rounds, responses, deadlines, inbox items
    //  and the payloads they share, for check to follow.
    cb_client_t *carol = cb_client_new (tb_endpoint, "carol", "team", NULL);
    REQUIRE (carol && cb_client_hello (carol, S_TIMEOUT) == 0);
    for (int d = 1; d <= 2; d++) {
        char id [16];
        snprintf (id, sizeof (id), "d%d", d);
        cb_value_t *body = cb_value_new_map ();
        cb_value_set_str (body, "draft", id);
        cb_value_t *to = cb_value_new_array ();
        cb_value_t *name = cb_value_new_str ("carol");
        cb_value_push (to, &name);
        cb_value_set (body, "to", &to);
        if (d == 2)
            cb_value_set_int (body, "deadline", 3600);
        cb_value_t *reply = cb_client_request (alice, "round.throw", &body, S_TIMEOUT);
        REQUIRE (reply);
        cb_value_destroy (&reply);
    }
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "round", "r1");
    cb_value_set_str (body, "kind", "support");
    cb_value_set_str (body, "text", "Aligned");
    cb_value_t *reply = cb_client_request (carol, "round.feedback", &body, S_TIMEOUT);
    REQUIRE (reply);
    cb_value_destroy (&reply);
    cb_client_destroy (&carol);
    cb_client_destroy (&alice);
    REQUIRE (tb_stop () == 0);
}

//  --------------------------------------------------------------------------
//  Reading everything back: right, or STORE_DAMAGED with a log line

typedef struct {
    int right;                  //  Answers with the right data
    int damaged;                //  STORE_DAMAGED answers
    int wrong;                  //  Anything else: wrong data, other errors
} s_tally_t;

static void
s_read_all (s_tally_t *tally)
{
    cb_client_t *bob = cb_client_new (tb_endpoint, "bob", "observer", NULL);
    REQUIRE (bob);
    for (int d = 1; d <= S_DRAFTS; d++)
        for (int r = 1; r <= S_REVS; r++) {
            char objective [100], id [16];
            s_objective (objective, sizeof (objective), d, r);
            snprintf (id, sizeof (id), "d%d", d);
            cb_value_t *body = cb_value_new_map ();
            cb_value_set_str (body, "draft", id);
            cb_value_set_int (body, "rev", r);
            cb_value_t *reply = cb_client_request (bob, "draft.show", &body, S_TIMEOUT);
            const cb_value_t *revision = reply ? cb_value_get (reply, "revision") : NULL;
            const cb_value_t *content = revision ? cb_value_get (revision, "content") : NULL;
            const char *got = content ? cb_value_get_str (content, "objective") : NULL;
            if (got && streq (got, objective)
            &&  streq (cb_value_get_str (cb_value_get (reply, "draft"), "id"), id))
                tally->right++;
            else
            if (!reply && cb_client_error (bob) == CB_E_STORE_DAMAGED)
                tally->damaged++;
            else {
                tally->wrong++;
                fprintf (stderr, "draft.show %s rev %d: %s\n", id, r,
                         reply ? "wrong data" : cb_client_error_name (bob));
            }
            cb_value_destroy (&reply);
        }
    cb_value_t *reply = cb_client_request (bob, "draft.list", NULL, S_TIMEOUT);
    const cb_value_t *drafts = reply ? cb_value_get (reply, "drafts") : NULL;
    bool whole = drafts && cb_value_size (drafts) == S_DRAFTS;
    for (size_t i = 0; whole && i < S_DRAFTS; i++) {
        char id [16];
        snprintf (id, sizeof (id), "d%zu", i + 1);
        whole = streq (cb_value_get_str (cb_value_at (drafts, i), "id"), id);
    }
    if (whole)
        tally->right++;
    else
    if (!reply && cb_client_error (bob) == CB_E_STORE_DAMAGED)
        tally->damaged++;
    else {
        tally->wrong++;
        fprintf (stderr, "draft.list: %s\n", reply ? "wrong data" : cb_client_error_name (bob));
    }
    cb_value_destroy (&reply);
    cb_client_destroy (&bob);
}

//  --------------------------------------------------------------------------
//  Damage

static void
s_copy (const char *from, const char *to)
{
    REQUIRE (s_shell ("rm -rf '%s' && cp -a '%s' '%s'", to, from, to) == 0);
}

static long
s_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? (long) st.st_size : -1;
}

//  Flips `count` bytes at places drawn from `seed`, past the two meta pages.
static void
s_flip (const char *path, int count, unsigned int seed)
{
    FILE *file = fopen (path, "r+b");
    REQUIRE (file);
    long size = s_size (path), page = sysconf (_SC_PAGESIZE);
    REQUIRE (size > 4 * page);
    for (int i = 0; i < count; i++) {
        long at = 2 * page + (long) (rand_r (&seed) % (unsigned int) (size - 2 * page));
        REQUIRE (fseek (file, at, SEEK_SET) == 0);
        int c = fgetc (file);
        REQUIRE (c != EOF);
        REQUIRE (fseek (file, at, SEEK_SET) == 0);
        fputc (c ^ (1 << (rand_r (&seed) % 8)), file);
    }
    REQUIRE (fclose (file) == 0);
}

//  Changes one character of every copy of `text` in the file; how many.
static int
s_spoil (const char *path, const char *text)
{
    FILE *file = fopen (path, "r+b");
    REQUIRE (file);
    long size = s_size (path);
    char *data = (char *) malloc ((size_t) size);
    REQUIRE (data && fread (data, 1, (size_t) size, file) == (size_t) size);
    int copies = 0;
    size_t len = strlen (text);
    for (long at = 0; at + (long) len <= size; at++)
        if (memcmp (data + at, text, len) == 0) {
            REQUIRE (fseek (file, at + 10, SEEK_SET) == 0);
            fputc (data [at + 10] ^ 0x01, file);
            copies++;
        }
    free (data);
    REQUIRE (fclose (file) == 0);
    return copies;
}

typedef enum {
    S_TRUNC_8K, S_TRUNC_HALF, S_TRUNC_0, S_DELETE, S_FLIP_20, S_FLIP_200, S_FLIP_20B,
    S_FLIP_200B, S_META_ZERO, S_FLIP_FREE, S_KINDS
} s_kind_t;

static const char *s_kind_names [S_KINDS] = {
    "truncated to 8 KiB", "truncated to half", "truncated to 0 bytes", "deleted",
    "20 bytes flipped", "200 bytes flipped", "20 bytes flipped (seed 2)",
    "200 bytes flipped (seed 2)", "both meta pages zeroed", "free pages scribbled on"
};

//  Up to `max` pages of the store that LMDB lists as free (mdb_stat -fff,
//  lmdb-utils): damage there touches no record. How many.
static int
s_free_pages (const char *store, long *pages, int max)
{
    char command [400];
    snprintf (command, sizeof (command), "mdb_stat -fff '%s'", store);
    FILE *pipe = popen (command, "r");
    REQUIRE (pipe);
    char line [256];
    int count = 0;
    bool in_freelist = false;
    while (fgets (line, sizeof (line), pipe)) {
        long page;
        if (strncmp (line, "Freelist", 8) == 0)
            in_freelist = true;
        else
        if (strncmp (line, "Status of", 9) == 0)
            in_freelist = false;
        else
        if (in_freelist && count < max && sscanf (line, " %ld", &page) == 1
        &&  !strstr (line, ":") && !strstr (line, "Transaction"))
            pages [count++] = page;
    }
    REQUIRE (pclose (pipe) == 0);
    return count;
}

static void
s_damage (const char *store, const char *data, s_kind_t kind)
{
    long page = sysconf (_SC_PAGESIZE);
    switch (kind) {
        case S_TRUNC_8K:   REQUIRE (truncate (data, 8192) == 0); break;
        case S_TRUNC_HALF: REQUIRE (truncate (data, s_size (data) / 2) == 0); break;
        case S_TRUNC_0:    REQUIRE (truncate (data, 0) == 0); break;
        case S_DELETE:     REQUIRE (unlink (data) == 0); break;
        case S_FLIP_20:    s_flip (data, 20, 1); break;
        case S_FLIP_200:   s_flip (data, 200, 1); break;
        case S_FLIP_20B:   s_flip (data, 20, 2); break;
        case S_FLIP_200B:  s_flip (data, 200, 2); break;
        case S_META_ZERO: {
            FILE *file = fopen (data, "r+b");
            REQUIRE (file);
            for (long i = 0; i < 2 * page; i++)
                fputc (0, file);
            REQUIRE (fclose (file) == 0);
            break;
        }
        case S_FLIP_FREE: {
            long pages [8];
            int count = s_free_pages (store, pages, 8);
            REQUIRE (count > 0);
            FILE *file = fopen (data, "r+b");
            REQUIRE (file);
            for (int i = 0; i < count; i++) {
                REQUIRE (fseek (file, pages [i] * page, SEEK_SET) == 0);
                for (long j = 0; j < page; j++)
                    fputc (0xa5, file);
            }
            REQUIRE (fclose (file) == 0);
            break;
        }
        default: break;
    }
}

static void
test_damage_kinds (const char *base)
{
    for (int kind = 0; kind < S_KINDS; kind++) {
        char store [300];
        snprintf (store, sizeof (store), "%s", s_path ("damaged"));
        s_copy (base, store);
        char data [400];
        snprintf (data, sizeof (data), "%s/data.mdb", store);
        s_damage (store, data, (s_kind_t) kind);
        int checked = s_check (store);
        long mark = s_size (tb_log);
        int rc = tb_launch (store, NULL, NULL);
        if (rc != 0) {
            //  Refused at start: a reason in the log, never "listening".
            int said = tb_log_lines_from (mark, "not opened");
            printf ("%s: refused at start (check: %d)\n", s_kind_names [kind], checked);
            CHECK (said > 0);
            CHECK_INT (tb_log_lines_from (mark, "listening on"), 0);
            CHECK_INT (checked, 1);
            if (!said || checked != 1)
                fprintf (stderr, "%s: not refused as it should be\n", s_kind_names [kind]);
        }
        else {
            //  Served: only where check found it sound, and then whole.
            s_tally_t tally = { 0, 0, 0 };
            s_read_all (&tally);
            printf ("%s: served (check: %d): %d right, %d damaged, %d wrong\n",
                    s_kind_names [kind], checked, tally.right, tally.damaged, tally.wrong);
            CHECK_INT (tally.wrong, 0);
            CHECK_INT (checked, 0);
            CHECK_INT (tally.right, S_DRAFTS * S_REVS + 1);
            CHECK (tb_alive ());
            CHECK_INT (tb_stop (), 0);
        }
        //  Damage to free pages touches no record: served, not refused.
        if (kind == S_FLIP_FREE)
            CHECK_INT (rc, 0);
    }
}

//  A record damaged under the running broker's map.
static void
test_damage_live (const char *base)
{
    char store [300];
    snprintf (store, sizeof (store), "%s", s_path ("live"));
    s_copy (base, store);
    tb_start (store, NULL, NULL);
    char objective [100], data [400];
    s_objective (objective, sizeof (objective), 7, 2);
    snprintf (data, sizeof (data), "%s/data.mdb", store);
    long mark = s_size (tb_log);
    CHECK (s_spoil (data, objective) > 0);
    cb_client_t *bob = cb_client_new (tb_endpoint, "bob", "observer", NULL);
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d7");
    cb_value_set_int (body, "rev", 2);
    cb_value_t *reply = cb_client_request (bob, "draft.show", &body, S_TIMEOUT);
    CHECK (reply == NULL);
    CHECK_INT (cb_client_error (bob), CB_E_STORE_DAMAGED);
    CHECK_STR (cb_client_error_name (bob), "STORE_DAMAGED");
    cb_value_destroy (&reply);
    CHECK (tb_log_lines_from (mark, "damaged record in table revisions") > 0);
    //  The rest is served.
    body = cb_value_new_map ();
    cb_value_set_str (body, "draft", "d8");
    cb_value_set_int (body, "rev", 2);
    reply = cb_client_request (bob, "draft.show", &body, S_TIMEOUT);
    s_objective (objective, sizeof (objective), 8, 2);
    CHECK (reply && streq (cb_value_get_str (cb_value_get (cb_value_get (reply, "revision"),
                                                           "content"), "objective"), objective));
    cb_value_destroy (&reply);
    cb_client_destroy (&bob);
    CHECK (tb_alive ());
    CHECK_INT (tb_stop (), 0);
    //  Offline, check finds it; the broker will not start on it again.
    CHECK_INT (s_check (store), 1);
    mark = s_size (tb_log);
    CHECK (tb_launch (store, NULL, NULL) != 0);
    CHECK (tb_log_lines_from (mark, "failed its check at start") > 0);
}

//  Missing data file, --new-store, and a backup restored.
static void
test_missing_and_restore (const char *base)
{
    char store [300], backup [300];
    snprintf (store, sizeof (store), "%s", s_path ("missing"));
    snprintf (backup, sizeof (backup), "%s", s_path ("backup"));
    s_copy (base, store);
    //  A backup first (the broker is not running: the command opens the
    //  store itself, and never makes one where none is).
    CHECK_INT (s_shell ("'%s' --store '%s' backup '%s' >> '%s' 2>&1", tb_catchballd, store,
                        backup, tb_log), 0);
    CHECK (s_shell ("'%s' --store '%s' backup '%s' >> '%s' 2>&1", tb_catchballd,
                    s_path ("nowhere"), s_path ("backup2"), tb_log) != 0);
    CHECK (access (s_path ("nowhere"), F_OK) != 0);
    char data [400];
    snprintf (data, sizeof (data), "%s/data.mdb", store);
    REQUIRE (unlink (data) == 0);
    long mark = s_size (tb_log);
    CHECK (tb_launch (store, NULL, NULL) != 0);
    CHECK (tb_log_lines_from (mark, "held a store") > 0);
    CHECK (tb_log_lines_from (mark, "--new-store") > 0);
    CHECK (access (data, F_OK) != 0);       //  Nothing made
    //  --new-store: a new, empty store.
    const char *args [] = { "--new-store", NULL };
    tb_start (store, NULL, args);
    cb_client_t *bob = cb_client_new (tb_endpoint, "bob", "observer", NULL);
    cb_value_t *reply = cb_client_request (bob, "draft.list", NULL, S_TIMEOUT);
    CHECK (reply && cb_value_size (cb_value_get (reply, "drafts")) == 0);
    cb_value_destroy (&reply);
    cb_client_destroy (&bob);
    CHECK_INT (tb_stop (), 0);
    //  The backup restored: everything is there.
    char restored [400];
    snprintf (restored, sizeof (restored), "%s", s_path ("restored"));
    REQUIRE (mkdir (restored, 0700) == 0);
    CHECK_INT (s_shell ("cp '%s/data.mdb' '%s/'", backup, restored), 0);
    CHECK_INT (s_check (restored), 0);
    tb_start (restored, NULL, NULL);
    s_tally_t tally = { 0, 0, 0 };
    s_read_all (&tally);
    CHECK_INT (tally.right, S_DRAFTS * S_REVS + 1);
    CHECK_INT (tb_stop (), 0);
}

//  One broker per store.
static void
test_second_broker (const char *base)
{
    char store [300];
    snprintf (store, sizeof (store), "%s", s_path ("shared"));
    s_copy (base, store);
    tb_start (store, NULL, NULL);
    pid_t first = tb_pid;
    char endpoint [128], other [300];
    snprintf (endpoint, sizeof (endpoint), "%s", tb_endpoint);
    snprintf (other, sizeof (other), "ipc://%s/second.ipc", tb_dir);
    long mark = s_size (tb_log);
    //  Run to its end, within a bound: refused at once, or still serving
    //  when `timeout` stops it (status 124).
    int status = s_shell ("timeout 15 '%s' --endpoint '%s' --store '%s' >> '%s' 2>&1",
                          tb_catchballd, other, store, tb_log);
    CHECK_INT (status, 1);
    CHECK (tb_log_lines_from (mark, "in use by another catchballd") > 0);
    //  The first serves on.
    tb_pid = first;
    snprintf (tb_endpoint, sizeof (tb_endpoint), "%s", endpoint);
    CHECK (tb_alive ());
    cb_client_t *bob = cb_client_new (tb_endpoint, "bob", "observer", NULL);
    cb_value_t *reply = cb_client_request (bob, "draft.list", NULL, S_TIMEOUT);
    CHECK (reply && cb_value_size (cb_value_get (reply, "drafts")) == S_DRAFTS);
    cb_value_destroy (&reply);
    cb_client_destroy (&bob);
    //  Nor does check: it walks one snapshot while the broker commits.
    //  (LMDB's figures for the file must be those of that snapshot: read
    //  from the environment alone, they were a commit ahead now and then.)
    fflush (stdout);
    fflush (stderr);
    pid_t writer = fork ();
    REQUIRE (writer >= 0);
    if (writer == 0) {
        cb_client_t *dave = cb_client_new (tb_endpoint, "dave", "team", NULL);
        int failed = 0;
        for (int i = 0; i < 300; i++) {
            cb_value_t *body = cb_value_new_map ();
            cb_value_t *content = tb_content ("Written while check walks");
            cb_value_set (body, "content", &content);
            cb_value_t *reply2 = cb_client_request (dave, "draft.new", &body, S_TIMEOUT);
            failed += reply2 == NULL;
            cb_value_destroy (&reply2);
        }
        cb_client_destroy (&dave);
        _exit (failed ? 1 : 0);
    }
    int sound = 0;
    for (int i = 0; i < 10; i++)
        sound += s_check (store) == 0;
    int wstatus;
    REQUIRE (waitpid (writer, &wstatus, 0) == writer);
    CHECK (WIFEXITED (wstatus) && WEXITSTATUS (wstatus) == 0);
    CHECK_INT (sound, 10);
    //  The backup command does not take the lock: it works beside it.
    CHECK_INT (s_shell ("'%s' --store '%s' backup '%s' >> '%s' 2>&1", tb_catchballd, store,
                        s_path ("hot-backup"), tb_log), 0);
    CHECK_INT (tb_stop (), 0);
}

static int
s_mode (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? (int) (st.st_mode & 07777) : -1;
}

//  Directories 0700, files 0600, whatever the umask lets through.
static void
test_permissions (void)
{
    umask (022);
    char store [300];
    snprintf (store, sizeof (store), "%s", s_path ("new/parent/store"));
    tb_start (store, NULL, NULL);
    CHECK_INT (tb_stop (), 0);
    char path [500];
    CHECK_INT (s_mode (store), 0700);
    CHECK_INT (s_mode (s_path ("new/parent")), 0700);
    snprintf (path, sizeof (path), "%s/data.mdb", store);
    CHECK_INT (s_mode (path), 0600);
    snprintf (path, sizeof (path), "%s/lock.mdb", store);
    CHECK_INT (s_mode (path), 0600);
    snprintf (path, sizeof (path), "%s/catchball.store", store);
    CHECK_INT (s_mode (path), 0600);
    char backup [400];
    snprintf (backup, sizeof (backup), "%s", s_path ("perm-backup"));
    CHECK_INT (s_shell ("'%s' --store '%s' backup '%s' >> '%s' 2>&1", tb_catchballd, store,
                        backup, tb_log), 0);
    CHECK_INT (s_mode (backup), 0700);
    snprintf (path, sizeof (path), "%s/data.mdb", backup);
    CHECK_INT (s_mode (path), 0600);
    //  A store directory open to all: used, with a warning.
    REQUIRE (chmod (store, 0777) == 0);
    long mark = s_size (tb_log);
    tb_start (store, NULL, NULL);
    CHECK (tb_log_lines_from (mark, "open to other users (mode 0777)") > 0);
    CHECK_INT (tb_stop (), 0);
}

int
main (void)
{
    tb_init ("test_damage", false);
    static char base [400];
    snprintf (base, sizeof (base), "%s", s_path ("base"));
    s_build (base);
    CHECK_INT (s_check (base), 0);
    //  A directory where no store ever was: nothing to check (2), not
    //  damage (1), which a store whose data file is gone is (below).
    const char *never = s_path ("never");
    REQUIRE (mkdir (never, 0700) == 0);
    CHECK_INT (s_check (never), 2);
    CHECK_INT (s_check (s_path ("nowhere")), 2);
    test_damage_kinds (base);
    test_damage_live (base);
    test_missing_and_restore (base);
    test_second_broker (base);
    test_permissions ();
    return tb_done (TEST_DONE ());
}
