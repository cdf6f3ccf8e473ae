/*  =========================================================================
    cb_value_int - the value tree's machinery for the broker, not for clients

    What catchballd needs of cb_value beyond the public header
    (include/catchball/cb_value.h): raw values, already encoded, which the
    encoder writes as they are, so that a stored record goes into a reply
    without being decoded and encoded again; and the arena its request
    loop allocates values from. A client of libcatchball never sees either:
    the decoder makes no raw values, and the arena is the broker's.
    =========================================================================
*/
#ifndef CB_VALUE_INT_H_INCLUDED
#define CB_VALUE_INT_H_INCLUDED

#include "catchball/cb_value.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The type of a raw value (cb_value_type gives it; switch on it as an int).
#define CB_RAW ((cb_type_t) (CB_MAP + 1))

//  One value already encoded as MessagePack (`size` bytes, copied), which
//  the encoder writes as it is: a stored record goes into a reply without
//  being decoded and encoded again. The bytes must be exactly one valid
//  value; the decoder never makes such nodes, and accessors see an opaque
//  value (cb_value_str gives NULL, cb_value_size 0).
cb_value_t *cb_value_new_raw (const void *data, size_t size);
//  The same without a copy: the node points at `data`, which must outlive
//  it and every encoding of it (for bytes read from the store, encode
//  before the transaction ends). A copy made with cb_value_dup owns its
//  bytes.
cb_value_t *cb_value_new_raw_ref (const void *data, size_t size);
//  The bytes of a raw value, and their number; NULL if not raw.
const void *cb_value_raw (const cb_value_t *self, size_t *size_p);

//  Arena allocation, for a server's request loop. Between
//  cb_value_arena_begin and cb_value_arena_end, every value created on the
//  calling thread comes from one arena, as do the vectors and keys added
//  to such a value; destroying one frees nothing, and cb_value_arena_end
//  releases the lot at once (keeping a block for the next request). A
//  value made in the arena must not be used after cb_value_arena_end:
//  dup it first (outside the arena) to keep it. Values from the heap may
//  be put into arena values and the other way round until then; each is
//  still destroyed with cb_value_destroy. Arenas do not nest.
void cb_value_arena_begin (void);
void cb_value_arena_end (void);
//  The arena's bound in bytes on every thread (0: the default, 8 MiB);
//  past it, values come from the heap again. For tests, which lower it to
//  cross it in the middle of a request.
void cb_value_arena_set_limit (size_t bytes);
//  How many values this thread's current (or last) arena made from the
//  heap because its bound had been reached.
size_t cb_value_arena_crossed (void);

#ifdef __cplusplus
}
#endif

#endif
