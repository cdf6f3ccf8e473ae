/*  =========================================================================
    cb_codec - MessagePack bytes <-> cb_value trees, safe on hostile input

    Decoding is two passes. The pre-scan walks the raw bytes header by
    header and refuses anything msgpack-c would take badly or that the
    protocol does not allow: a declared array or map count larger than the
    bytes left (msgpack-c reserves memory from the count before it reads an
    element), nesting deeper than CB_CODEC_MAX_DEPTH, ext and bin types,
    the never-used byte 0xc1, truncation, and trailing bytes. Only then does
    msgpack_unpack_next build its object, which we copy into a cb_value
    tree while checking what needs the whole value: string keys, valid
    UTF-8 without NUL, integers within int64, no duplicate keys.

    This is the only file of catchball that calls msgpack_*.
    =========================================================================
*/
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catchball/cb_codec.h"
#include "cb_value_int.h"

//  --------------------------------------------------------------------------
//  Pre-scan: structural checks on raw bytes

typedef struct {
    const uint8_t *data;        //  The frame
    size_t size;                //  Its size
    size_t pos;                 //  Where the scan is
    const char *error;          //  First problem found, or NULL
} s_scan_t;

static uint64_t
s_be (const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p [i];
    return v;
}

//  Reads an n-byte big-endian length after the type byte; false if truncated.
static bool
s_scan_len (s_scan_t *s, int n, uint64_t *len)
{
    if (s->size - s->pos < (size_t) n) {
        s->error = "truncated header";
        return false;
    }
    *len = s_be (s->data + s->pos, n);
    s->pos += n;
    return true;
}

static bool
s_scan_skip (s_scan_t *s, uint64_t n)
{
    if (n > s->size - s->pos) {
        s->error = "truncated value";
        return false;
    }
    s->pos += (size_t) n;
    return true;
}

static bool s_scan_value (s_scan_t *s, int depth);

//  Scans `count` elements (twice that for a map) after checking the count
//  against what is left: every element takes at least one byte.
static bool
s_scan_items (s_scan_t *s, uint64_t count, bool is_map, int depth)
{
    uint64_t elements = is_map ? count * 2 : count;
    if (is_map && count > CB_CODEC_MAX_MAP) {
        s->error = "map with too many entries";
        return false;
    }
    if (elements > s->size - s->pos) {
        s->error = is_map ? "map count larger than the frame" : "array count larger than the frame";
        return false;
    }
    //  An empty container at the deepest level is fine; an element below it is not.
    if (elements > 0 && depth >= CB_CODEC_MAX_DEPTH) {
        s->error = "nesting too deep";
        return false;
    }
    for (uint64_t i = 0; i < elements; i++)
        if (!s_scan_value (s, depth + 1))
            return false;
    return true;
}

static bool
s_scan_value (s_scan_t *s, int depth)
{
    if (s->pos >= s->size) {
        s->error = "truncated message";
        return false;
    }
    uint8_t b = s->data [s->pos++];
    uint64_t len;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return true;                                    //  fixint, nil, bool
    if ((b & 0xe0) == 0xa0)
        return s_scan_skip (s, b & 0x1f);               //  fixstr
    if ((b & 0xf0) == 0x90)
        return s_scan_items (s, b & 0x0f, false, depth);
    if ((b & 0xf0) == 0x80)
        return s_scan_items (s, b & 0x0f, true, depth);
    switch (b) {
        case 0xcc: case 0xd0: return s_scan_skip (s, 1);
        case 0xcd: case 0xd1: return s_scan_skip (s, 2);
        case 0xce: case 0xd2: case 0xca: return s_scan_skip (s, 4);
        case 0xcf: case 0xd3: case 0xcb: return s_scan_skip (s, 8);
        case 0xd9: return s_scan_len (s, 1, &len) && s_scan_skip (s, len);
        case 0xda: return s_scan_len (s, 2, &len) && s_scan_skip (s, len);
        case 0xdb: return s_scan_len (s, 4, &len) && s_scan_skip (s, len);
        case 0xdc: return s_scan_len (s, 2, &len) && s_scan_items (s, len, false, depth);
        case 0xdd: return s_scan_len (s, 4, &len) && s_scan_items (s, len, false, depth);
        case 0xde: return s_scan_len (s, 2, &len) && s_scan_items (s, len, true, depth);
        case 0xdf: return s_scan_len (s, 4, &len) && s_scan_items (s, len, true, depth);
        case 0xc4: case 0xc5: case 0xc6:
            s->error = "binary values are not accepted";
            return false;
        case 0xc1:
            s->error = "byte 0xc1 is never used";
            return false;
        default:
            s->error = "extension types are not accepted";
            return false;
    }
}

//  --------------------------------------------------------------------------
//  Conversion of msgpack-c's object into a tree

static bool
s_utf8_valid (const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p [i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        int extra;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) { extra = 1; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { extra = 2; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { extra = 3; cp = c & 0x07; }
        else return false;
        if (n - i <= (size_t) extra)
            return false;
        for (int k = 1; k <= extra; k++) {
            if ((p [i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p [i + k] & 0x3f);
        }
        //  Overlong forms, surrogates, beyond Unicode
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800)
        ||  (extra == 3 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff)
        ||  cp > 0x10ffff)
            return false;
        i += extra + 1;
    }
    return true;
}

static cb_value_t *
s_convert (const msgpack_object *o, const char **error)
{
    switch (o->type) {
        case MSGPACK_OBJECT_NIL:
            return cb_value_new_nil ();
        case MSGPACK_OBJECT_BOOLEAN:
            return cb_value_new_bool (o->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (o->via.u64 > INT64_MAX) {
                *error = "integer larger than int64";
                return NULL;
            }
            return cb_value_new_int ((int64_t) o->via.u64);
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return cb_value_new_int (o->via.i64);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return cb_value_new_float (o->via.f64);
        case MSGPACK_OBJECT_STR:
            if (!s_utf8_valid ((const uint8_t *) o->via.str.ptr, o->via.str.size)) {
                *error = "string is not valid UTF-8 (or holds NUL)";
                return NULL;
            }
            return cb_value_new_strn (o->via.str.ptr, o->via.str.size);
        case MSGPACK_OBJECT_ARRAY: {
            cb_value_t *array = cb_value_new_array ();
            for (uint32_t i = 0; i < o->via.array.size; i++) {
                cb_value_t *item = s_convert (&o->via.array.ptr [i], error);
                if (!item) {
                    cb_value_destroy (&array);
                    return NULL;
                }
                cb_value_push (array, &item);
            }
            return array;
        }
        case MSGPACK_OBJECT_MAP: {
            cb_value_t *map = cb_value_new_map ();
            for (uint32_t i = 0; i < o->via.map.size; i++) {
                const msgpack_object_kv *kv = &o->via.map.ptr [i];
                if (kv->key.type != MSGPACK_OBJECT_STR
                ||  !s_utf8_valid ((const uint8_t *) kv->key.via.str.ptr, kv->key.via.str.size)) {
                    *error = "map keys must be UTF-8 strings";
                    cb_value_destroy (&map);
                    return NULL;
                }
                //  msgpack-c gives a NULL pointer for an empty string.
                char *key = kv->key.via.str.size
                          ? strndup (kv->key.via.str.ptr, kv->key.via.str.size) : strdup ("");
                if (!key)
                    abort ();
                cb_value_t *val = NULL;
                if (cb_value_get (map, key))
                    *error = "duplicate map key";
                else
                    val = s_convert (&kv->val, error);
                if (val)
                    cb_value_set (map, key, &val);
                free (key);
                if (*error) {
                    cb_value_destroy (&map);
                    return NULL;
                }
            }
            return map;
        }
        default:
            *error = "value type not accepted";
            return NULL;
    }
}

//  --------------------------------------------------------------------------
//  Decode one frame

cb_value_t *
cb_codec_decode (const void *data, size_t size, char *errbuf, size_t errlen)
{
    const char *error = NULL;
    cb_value_t *value = NULL;
    s_scan_t scan = { (const uint8_t *) data, size, 0, NULL };
    if (size == 0)
        error = "empty frame";
    else
    if (!s_scan_value (&scan, 1))
        error = scan.error;
    else
    if (scan.pos != size)
        error = "trailing bytes after the value";
    if (!error) {
        msgpack_unpacked result;
        msgpack_unpacked_init (&result);
        size_t offset = 0;
        msgpack_unpack_return rc = msgpack_unpack_next (&result, (const char *) data, size, &offset);
        if (rc != MSGPACK_UNPACK_SUCCESS || offset != size)
            error = "malformed MessagePack";
        else
            value = s_convert (&result.data, &error);
        msgpack_unpacked_destroy (&result);
    }
    if (error && errbuf && errlen)
        snprintf (errbuf, errlen, "%s", error);
    return value;
}

//  --------------------------------------------------------------------------
//  Peek at one string field of an encoded map, without decoding it

//  Reads a string header at s->pos: its length, with pos after the header.
static bool
s_scan_str (s_scan_t *s, uint64_t *len)
{
    if (s->pos >= s->size)
        return false;
    uint8_t b = s->data [s->pos++];
    if ((b & 0xe0) == 0xa0) {
        *len = b & 0x1f;
        return true;
    }
    return (b == 0xd9 && s_scan_len (s, 1, len))
        || (b == 0xda && s_scan_len (s, 2, len))
        || (b == 0xdb && s_scan_len (s, 4, len));
}

const char *
cb_codec_peek_str (const void *data, size_t size, const char *key, size_t *len_p)
{
    s_scan_t s = { (const uint8_t *) data, size, 0, NULL };
    if (size == 0)
        return NULL;
    uint8_t b = s.data [s.pos++];
    uint64_t count = 0;
    if ((b & 0xf0) == 0x80)
        count = b & 0x0f;
    else
    if (!((b == 0xde && s_scan_len (&s, 2, &count)) || (b == 0xdf && s_scan_len (&s, 4, &count))))
        return NULL;
    size_t klen = strlen (key);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t len;
        if (!s_scan_str (&s, &len) || len > s.size - s.pos)
            return NULL;
        bool match = len == klen && memcmp (s.data + s.pos, key, klen) == 0;
        s.pos += (size_t) len;
        if (match) {
            if (!s_scan_str (&s, &len) || len > s.size - s.pos)
                return NULL;
            *len_p = (size_t) len;
            return (const char *) s.data + s.pos;
        }
        //  Skip the value: the same walk as the pre-scan, which also
        //  keeps a damaged record from sending us past its end.
        if (!s_scan_value (&s, 2))
            return NULL;
    }
    return NULL;
}

//  --------------------------------------------------------------------------
//  Encode a tree

static void
s_pack (msgpack_packer *pk, const cb_value_t *v)
{
    switch ((int) cb_value_type (v)) {
        case CB_NIL:
            msgpack_pack_nil (pk);
            break;
        case CB_BOOL:
            if (cb_value_bool (v))
                msgpack_pack_true (pk);
            else
                msgpack_pack_false (pk);
            break;
        case CB_INT:
            msgpack_pack_int64 (pk, cb_value_int (v));
            break;
        case CB_FLOAT:
            msgpack_pack_double (pk, cb_value_float (v));
            break;
        case CB_STR:
            msgpack_pack_str_with_body (pk, cb_value_str (v), cb_value_len (v));
            break;
        case CB_ARRAY:
            msgpack_pack_array (pk, cb_value_size (v));
            for (size_t i = 0; i < cb_value_size (v); i++)
                s_pack (pk, cb_value_at (v, i));
            break;
        case CB_RAW: {
            size_t size = 0;
            const void *data = cb_value_raw (v, &size);
            pk->callback (pk->data, (const char *) data, size);
            break;
        }
        case CB_MAP:
            msgpack_pack_map (pk, cb_value_size (v));
            for (size_t i = 0; i < cb_value_size (v); i++) {
                msgpack_pack_str_with_body (pk, cb_value_key_at (v, i), cb_value_key_len_at (v, i));
                s_pack (pk, cb_value_val_at (v, i));
            }
            break;
    }
}

//  The packer's output: a growable buffer of our own, sized to start for
//  a typical record rather than msgpack_sbuffer's 8 KiB.
typedef struct {
    char *data;
    size_t size, cap;
} s_out_t;

static int
s_out_write (void *arg, const char *bytes, size_t len)
{
    s_out_t *out = (s_out_t *) arg;
    if (out->size + len > out->cap) {
        size_t cap = out->cap ? out->cap : 512;
        while (cap < out->size + len)
            cap *= 2;
        if (!(out->data = (char *) realloc (out->data, cap)))
            abort ();
        out->cap = cap;
    }
    memcpy (out->data + out->size, bytes, len);
    out->size += len;
    return 0;
}

static void
s_encode (s_out_t *out, const cb_value_t *value)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, s_out_write);
    s_pack (&pk, value);
}

void *
cb_codec_encode (const cb_value_t *value, size_t *size_p)
{
    s_out_t out = { NULL, 0, 0 };
    s_encode (&out, value);
    *size_p = out.size;
    return out.data;            //  Never NULL: every value has a header
}

//  The scratch buffer; one over 1 MiB is given back after use.
static __thread s_out_t s_scratch;

const void *
cb_codec_encode_scratch (const cb_value_t *value, size_t *size_p)
{
    if (s_scratch.cap > (1 << 20)) {
        free (s_scratch.data);
        s_scratch.data = NULL;
        s_scratch.cap = 0;
    }
    s_scratch.size = 0;
    s_encode (&s_scratch, value);
    *size_p = s_scratch.size;
    return s_scratch.data;
}
