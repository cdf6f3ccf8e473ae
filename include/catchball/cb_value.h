/*  =========================================================================
    cb_value - a dynamic value tree: what one catchball message carries

    Every message on the wire is a MessagePack map (see proto/PROTOCOL.md).
    cb_value is its in-memory form: nil, bool, integer, float, UTF-8 string,
    array, or map with string keys (in insertion order). The codec turns
    bytes into a tree and back; the broker, the client library and the
    command line work on trees and never see MessagePack.

    Ownership: a function taking `cb_value_t **x_p` takes the value and nulls
    the caller's pointer. Getters lend: what they return lives as long as
    the tree that holds it, and is never freed by the caller.
    =========================================================================
*/
#ifndef CB_VALUE_H_INCLUDED
#define CB_VALUE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CB_NIL = 0,
    CB_BOOL,
    CB_INT,
    CB_FLOAT,
    CB_STR,
    CB_ARRAY,
    CB_MAP
    //  (The broker has one more, past CB_MAP, for what it sends without
    //  decoding: a client never meets it. See proto/cb_value_int.h.)
} cb_type_t;

typedef struct _cb_value_t cb_value_t;

//  Constructors. Strings are copied. Out of memory aborts.
cb_value_t *cb_value_new_nil (void);
cb_value_t *cb_value_new_bool (bool value);
cb_value_t *cb_value_new_int (int64_t value);
cb_value_t *cb_value_new_float (double value);
cb_value_t *cb_value_new_str (const char *string);
cb_value_t *cb_value_new_strn (const char *data, size_t size);
cb_value_t *cb_value_new_array (void);
cb_value_t *cb_value_new_map (void);
//  Destroy a value and everything under it; safe on NULL, nulls the pointer.
void cb_value_destroy (cb_value_t **self_p);

//  Deep copy.
cb_value_t *cb_value_dup (const cb_value_t *self);

//  Deep equality (map key order does not matter; 1 and 1.0 differ).
bool cb_value_equal (const cb_value_t *a, const cb_value_t *b);

cb_type_t cb_value_type (const cb_value_t *self);
const char *cb_value_type_name (cb_type_t type);

//  Scalars. cb_value_float also converts an integer.
bool cb_value_bool (const cb_value_t *self);
int64_t cb_value_int (const cb_value_t *self);
double cb_value_float (const cb_value_t *self);
bool cb_value_is_number (const cb_value_t *self);
//  A string's bytes, always NUL-terminated; length in bytes via cb_value_len.
const char *cb_value_str (const cb_value_t *self);
size_t cb_value_len (const cb_value_t *self);

//  Arrays and maps: number of items.
size_t cb_value_size (const cb_value_t *self);
//  Array item, lent; NULL if out of range.
cb_value_t *cb_value_at (const cb_value_t *self, size_t index);
//  Map entry by position, lent: valid until the map next changes.
const char *cb_value_key_at (const cb_value_t *self, size_t index);
//  The same key's length in bytes (0 if out of range).
size_t cb_value_key_len_at (const cb_value_t *self, size_t index);
cb_value_t *cb_value_val_at (const cb_value_t *self, size_t index);
//  Map lookup, lent; NULL if the key is missing or self is not a map.
cb_value_t *cb_value_get (const cb_value_t *self, const char *key);

//  Typed map lookups: NULL / false when missing or of another type.
const char *cb_value_get_str (const cb_value_t *self, const char *key);
bool cb_value_get_int (const cb_value_t *self, const char *key, int64_t *out);
bool cb_value_get_bool (const cb_value_t *self, const char *key, bool *out);
cb_value_t *cb_value_get_map (const cb_value_t *self, const char *key);
//  Typed map lookups with a default for a missing or other-typed field.
const char *cb_value_get_str_or (const cb_value_t *self, const char *key, const char *dflt);
int64_t cb_value_get_int_or (const cb_value_t *self, const char *key, int64_t dflt);
cb_value_t *cb_value_get_array (const cb_value_t *self, const char *key);
//  The array under key in a map, set to a new empty one first if there is
//  none (or something else is there); lent.
cb_value_t *cb_value_want_array (cb_value_t *self, const char *key);

//  Append to an array; takes the item.
void cb_value_push (cb_value_t *self, cb_value_t **item_p);
//  Set a map entry, replacing any entry with that key; takes the value.
void cb_value_set (cb_value_t *self, const char *key, cb_value_t **value_p);
//  Shorthands for cb_value_set.
void cb_value_set_str (cb_value_t *self, const char *key, const char *value);
void cb_value_set_int (cb_value_t *self, const char *key, int64_t value);
void cb_value_set_bool (cb_value_t *self, const char *key, bool value);
void cb_value_set_nil (cb_value_t *self, const char *key);
//  Remove a map entry if present.
void cb_value_remove (cb_value_t *self, const char *key);


#ifdef __cplusplus
}
#endif

#endif
