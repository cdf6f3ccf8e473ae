/*  =========================================================================
    cb_codec - MessagePack bytes <-> cb_value trees, safe on hostile input

    The decoder takes one frame that must hold exactly one MessagePack value.
    Before msgpack-c sees the bytes, a pre-scan checks every header: each
    declared array or map count must fit in the bytes left (msgpack-c
    allocates from the declared count first), nesting is capped, maps
    hold at most CB_CODEC_MAX_MAP entries, and
    extension, binary and non-string map keys are refused. Strings must be
    valid UTF-8 without NUL; duplicate map keys are refused; unsigned
    integers above INT64_MAX are refused.
    =========================================================================
*/
#ifndef CB_CODEC_H_INCLUDED
#define CB_CODEC_H_INCLUDED

#include "cb_value.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The deepest nesting the decoder accepts (the top value is depth 1).
#define CB_CODEC_MAX_DEPTH 16
//  The most entries a map may have (keys are checked for duplicates, and
//  protocol maps have a few dozen keys at most).
#define CB_CODEC_MAX_MAP 256

//  Decode one frame. Returns a new tree, or NULL with a reason in errbuf
//  (NUL-terminated, truncated to errlen) when the frame is not acceptable.
cb_value_t *cb_codec_decode (const void *data, size_t size, char *errbuf, size_t errlen);

//  Encode a tree. Returns a malloc'd buffer (the caller frees it with free)
//  and its size in *size_p.
void *cb_codec_encode (const cb_value_t *value, size_t *size_p);
//  The same into a buffer of the calling thread's, reused by its next call
//  (do not free it): for bytes wanted only for a moment, as a record on
//  its way into the store.
const void *cb_codec_encode_scratch (const cb_value_t *value, size_t *size_p);

//  The string value of `key` in an encoded map (as the encoder writes
//  records), found by skipping over the other entries without decoding
//  anything: a pointer into `data` (not NUL-terminated) and its length in
//  *len_p. NULL if `data` is not a map, has no such key, or the value is
//  not a string. For filters that must look at one field of many stored
//  records; the bytes are walked with the decoder's bounds checks.
const char *cb_codec_peek_str (const void *data, size_t size, const char *key,
                               size_t *len_p);


#ifdef __cplusplus
}
#endif

#endif
