/*  =========================================================================
    store_int - what store.c shares with store_check.c, and nobody else

    The two halves of the store: store.c opens and serves it, store_check.c
    walks all of it offline. Both call mdb_*; nothing else in the broker
    does (see store.h).
    =========================================================================
*/
#ifndef CB_STORE_INT_H_INCLUDED
#define CB_STORE_INT_H_INCLUDED

#include <lmdb.h>

#include "store.h"

//  The checksum of a record: XXH3-64 of its value, seeded with XXH3-64 of
//  its key, so a key damaged in place fails it too.
uint64_t cb_store_sum (const void *key, size_t klen, const void *val, size_t vlen);
//  Does the stored value `v` (checksum included) of key `k` verify? If
//  so, 0, and v->mv_size no longer counts the checksum.
int cb_store_unseal (const MDB_val *k, MDB_val *v);
//  Compare the data file of an environment just opened with the pages its
//  meta pages name: 0 if it is long enough, else -1 with the reason
//  logged. Must run before any transaction reads a data page (a page past
//  the end of the file is SIGBUS). With `hint`, also how to restore.
int cb_store_size_check (MDB_env *env, const char *dir, bool hint);
//  Log how to restore a damaged store from a backup.
void cb_store_restore_hint (const char *dir);

#endif
