/*  =========================================================================
    replay - runs the fuzz targets over their corpus with an ordinary
    compiler, so `make test` (gcc, and gcc with ASan/UBSan in test-asan)
    replays every seed and every input a fuzzing run kept

    The targets are compiled a second time for this program with
    -DCB_FUZZ_REPLAY (a broken invariant is counted instead of aborting)
    and their entry points renamed by -D (see tests/fuzz/CMakeLists.txt):
        fuzz_codec.c:    LLVMFuzzerTestOneInput -> cb_fuzz_codec_one
        fuzz_dispatch.c: LLVMFuzzerTestOneInput -> cb_fuzz_dispatch_one
                         LLVMFuzzerInitialize   -> cb_fuzz_dispatch_init

    Usage: replay DIR|FILE...   every regular file (directories are read
    one level deep, in name order) goes through both targets. Prints one
    line per failing input and "N passed, M failed"; exits 1 if any input
    failed or nothing was replayed. A crash ends the program with its
    signal (ctest reports it); set CB_FUZZ_VERBOSE=1 to print each file's
    name before it runs (and each dispatch outcome), to see which one.
    =========================================================================
*/
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dispatch.h"
#include "fuzz.h"

int cb_fuzz_failures = 0;

int cb_fuzz_codec_one (const uint8_t *data, size_t size);
int cb_fuzz_dispatch_one (const uint8_t *data, size_t size);
int cb_fuzz_dispatch_init (int *argc, char ***argv);

static int s_passed, s_failed;
static bool s_verbose;

static void
s_replay_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        fprintf (stderr, "replay: %s: %s\n", path, strerror (errno));
        s_failed++;
        return;
    }
    size_t cap = 4096, size = 0;
    uint8_t *data = malloc (cap);
    size_t n;
    while (data && (n = fread (data + size, 1, cap - size, file)) > 0) {
        size += n;
        if (size == cap)
            data = realloc (data, cap *= 2);
    }
    fclose (file);
    if (!data) {
        fprintf (stderr, "replay: out of memory on %s\n", path);
        exit (1);
    }
    if (s_verbose)
        fprintf (stderr, "replay: %s (%zu bytes)\n", path, size);
    //  Exactly the bytes of the file, in a buffer of their size: ASan sees
    //  any read past the end, as under libFuzzer.
    uint8_t *copy = malloc (size ? size : 1);
    memcpy (copy, data, size);
    free (data);
    int before = cb_fuzz_failures;
    cb_fuzz_codec_one (copy, size);
    cb_fuzz_dispatch_one (copy, size);
    free (copy);
    if (cb_fuzz_failures > before) {
        fprintf (stderr, "replay: FAILED %s\n", path);
        s_failed++;
    }
    else
        s_passed++;
}

static int
s_by_name (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
s_replay_path (const char *path)
{
    struct stat st;
    if (stat (path, &st)) {
        fprintf (stderr, "replay: %s: %s\n", path, strerror (errno));
        s_failed++;
        return;
    }
    if (!S_ISDIR (st.st_mode)) {
        s_replay_file (path);
        return;
    }
    DIR *dir = opendir (path);
    if (!dir) {
        fprintf (stderr, "replay: %s: %s\n", path, strerror (errno));
        s_failed++;
        return;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (entry->d_name [0] == '.')
            continue;
        names = realloc (names, (count + 1) * sizeof (char *));
        size_t len = strlen (path) + strlen (entry->d_name) + 2;
        names [count] = malloc (len);
        snprintf (names [count], len, "%s/%s", path, entry->d_name);
        count++;
    }
    closedir (dir);
    if (count)
        qsort (names, count, sizeof (char *), s_by_name);
    for (size_t i = 0; i < count; i++) {
        if (stat (names [i], &st) == 0 && S_ISREG (st.st_mode))
            s_replay_file (names [i]);
        free (names [i]);
    }
    free (names);
}

int
main (int argc, char *argv [])
{
    if (argc < 2) {
        fprintf (stderr, "usage: %s DIR|FILE...\n", argv [0]);
        return 2;
    }
    s_verbose = getenv ("CB_FUZZ_VERBOSE") && atoi (getenv ("CB_FUZZ_VERBOSE")) > 0;
    cb_fuzz_dispatch_init (&argc, &argv);
    //  The fuzzer's list of protocol types (from PROTOCOL.md) and the
    //  broker's route table must name the same types with the same roles:
    //  a type the list lacks stops the fuzzer on its first seed of it.
    size_t routes = 0;
    unsigned roles = 0;
    for (const char *type; (type = cb_dispatch_route (routes, &roles)); routes++) {
        const fz_type_t *known = fz_type_find (type);
        if (!known || (roles && known->roles != roles)) {
            fprintf (stderr, "replay: route %s is %s in tests/fuzz/fuzz.h\n", type,
                     known ? "of other roles" : "missing");
            s_failed++;
        }
    }
    if (routes != FZ_TYPES) {
        fprintf (stderr, "replay: the broker routes %zu types, fuzz.h lists %zu\n", routes,
                 (size_t) FZ_TYPES);
        s_failed++;
    }
    for (int i = 1; i < argc; i++)
        s_replay_path (argv [i]);
    printf ("replay: %d passed, %d failed\n", s_passed, s_failed);
    return s_failed || !s_passed ? 1 : 0;
}
