/*  =========================================================================
    fuzz_codec - libFuzzer target over cb_codec_decode, the one function
    that reads bytes from the network

    For every input:
    - decoding returns a tree, or NULL with a reason in errbuf;
    - a decoded tree keeps the decoder's promises: nesting at most
      CB_CODEC_MAX_DEPTH, maps of at most CB_CODEC_MAX_MAP entries, strings
      without NUL (cb_value_len agrees with strlen);
    - the pre-scan refuses everything msgpack-c would refuse (an input the
      pre-scan passes and msgpack-c then refuses means the pre-scan's model
      of the format is wrong, and that model is what guards msgpack-c);
    - round trip: the tree re-encodes, the bytes decode again to an equal
      tree (cb_value_equal). NaN is not equal to itself, so a tree holding a
      NaN float is compared by its re-encoded bytes instead;
    - re-encoding is stable: encode (decode (encode (v))) == encode (v).
    =========================================================================
*/
#include <math.h>

#include "catchball/cb_codec.h"
#include "fuzz.h"

//  Walks a decoded tree: depth, map sizes, strings; notes NaN floats.
static void
s_codec_walk (const cb_value_t *v, int depth, bool *has_nan)
{
    FUZZ_CHECK (depth <= CB_CODEC_MAX_DEPTH, "decoded tree %d deep", depth);
    switch (cb_value_type (v)) {
        case CB_FLOAT:
            if (isnan (cb_value_float (v)))
                *has_nan = true;
            break;
        case CB_STR:
            FUZZ_CHECK (strlen (cb_value_str (v)) == cb_value_len (v),
                        "string of %zu bytes holds a NUL", cb_value_len (v));
            break;
        case CB_ARRAY:
            for (size_t i = 0; i < cb_value_size (v); i++)
                s_codec_walk (cb_value_at (v, i), depth + 1, has_nan);
            break;
        case CB_MAP:
            FUZZ_CHECK (cb_value_size (v) <= CB_CODEC_MAX_MAP, "map of %zu entries",
                        cb_value_size (v));
            for (size_t i = 0; i < cb_value_size (v); i++) {
                FUZZ_CHECK (cb_value_key_at (v, i), "map key %zu is NULL", i);
                s_codec_walk (cb_value_val_at (v, i), depth + 1, has_nan);
            }
            break;
        default:
            break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char why [128] = "";
    cb_value_t *value = cb_codec_decode (data, size, why, sizeof (why));
    if (!value) {
        FUZZ_CHECK (why [0], "a refused frame of %zu bytes has no reason", size);
        FUZZ_CHECK (strcmp (why, "malformed MessagePack") != 0,
                    "the pre-scan passed %zu bytes that msgpack-c refused", size);
        return 0;
    }
    bool has_nan = false;
    s_codec_walk (value, 1, &has_nan);

    size_t size1 = 0;
    void *bytes1 = cb_codec_encode (value, &size1);
    FUZZ_CHECK (bytes1 && size1 > 0, "encode gave %zu bytes", size1);
    char why2 [128] = "";
    cb_value_t *again = bytes1 ? cb_codec_decode (bytes1, size1, why2, sizeof (why2)) : NULL;
    FUZZ_CHECK (again, "the re-encoded value (%zu bytes) does not decode: %s", size1, why2);
    if (again) {
        //  Re-encoding is stable, NaN or not.
        size_t size2 = 0;
        void *bytes2 = cb_codec_encode (again, &size2);
        bool same_bytes = size1 == size2 && memcmp (bytes1, bytes2, size1) == 0;
        FUZZ_CHECK (same_bytes, "re-encoding is not stable (%zu then %zu bytes)", size1, size2);
        if (!has_nan) {
            FUZZ_CHECK (cb_value_equal (value, again), "decode (encode (v)) != v");
            cb_value_t *copy = cb_value_dup (value);
            FUZZ_CHECK (cb_value_equal (value, copy), "cb_value_dup (v) != v");
            cb_value_destroy (&copy);
        }
        free (bytes2);
    }
    cb_value_destroy (&again);
    free (bytes1);
    cb_value_destroy (&value);
    return 0;
}
