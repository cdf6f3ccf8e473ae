/*  raw_tables - what a synced LMDB commit costs by the number of tables
    it touches (for benchmark 2, latency; not part of cbbench's table)

    A raw LMDB environment on the real disk (BENCH_TMP or /tmp) with 8
    named tables of --rows rows each (4-byte big-endian keys, --value byte
    values, the size of catchball's records). Then, for k = 1 to 8, --n
    transactions each append one row to each of k tables and commit with
    LMDB's default (synced) flags. Prints the median commit time for each
    k. catchballd's draft.new touches 6 tables (meta, drafts, revisions,
    history, log, requests); raw_rtt --commit, the latency baseline,
    touches 1. Every table adds a leaf and a branch page to the commit, and
    the synced write of those pages is what the latency target compares.

    Prints: tables=1 p50_us=.. (one line per k)
*/
#include "common.h"

#include <getopt.h>
#include <lmdb.h>

int
main (int argc, char *argv [])
{
    int n = 300, rows = 3000;
    size_t value = 250;
    static struct option options [] = {
        { "n", required_argument, NULL, 'n' }, { "rows", required_argument, NULL, 'r' },
        { "value", required_argument, NULL, 'v' }, { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
        switch (c) {
            case 'n': n = atoi (optarg); break;
            case 'r': rows = atoi (optarg); break;
            case 'v': value = (size_t) atol (optarg); break;
            default: return 2;
        }
    char *dir = bench_mkdtemp ("rawtables");
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi [8];
    if (mdb_env_create (&env) || mdb_env_set_maxdbs (env, 16)
    ||  mdb_env_set_mapsize (env, (size_t) 1 << 30) || mdb_env_open (env, dir, 0, 0600))
        bench_die ("cannot open %s", dir);
    char *filler = (char *) bench_filler (value);
    uint32_t next = 0;
    if (mdb_txn_begin (env, NULL, 0, &txn))
        bench_die ("txn");
    for (int t = 0; t < 8; t++) {
        char name [8];
        snprintf (name, sizeof (name), "t%d", t);
        if (mdb_dbi_open (txn, name, MDB_CREATE, &dbi [t]))
            bench_die ("dbi");
    }
    for (next = 0; next < (uint32_t) rows; next++)
        for (int t = 0; t < 8; t++) {
            uint32_t be = __builtin_bswap32 (next);
            MDB_val k = { 4, &be }, v = { value, filler };
            if (mdb_put (txn, dbi [t], &k, &v, MDB_APPEND))
                bench_die ("put");
        }
    if (mdb_txn_commit (txn))
        bench_die ("commit");
    double *us = calloc ((size_t) n, sizeof (double));
    for (int k = 1; k <= 8; k++) {
        for (int i = 0; i < n; i++, next++) {
            int64_t t0 = bench_now_us ();
            if (mdb_txn_begin (env, NULL, 0, &txn))
                bench_die ("txn");
            for (int t = 0; t < k; t++) {
                uint32_t be = __builtin_bswap32 (next);
                MDB_val key = { 4, &be }, v = { value, filler };
                if (mdb_put (txn, dbi [t], &key, &v, MDB_APPEND))
                    bench_die ("put");
            }
            if (mdb_txn_commit (txn))
                bench_die ("commit");
            us [i] = (double) (bench_now_us () - t0);
        }
        BENCH_OUT ("tables=%d p50_us=%.0f", k, bench_median (us, (size_t) n));
    }
    free (us);
    free (filler);
    mdb_env_close (env);
    bench_rmdir (dir);
    free (dir);
    return 0;
}
