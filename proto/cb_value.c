/*  =========================================================================
    cb_value - a dynamic value tree: what one catchball message carries

    Arrays and maps keep their items in a growable vector; maps are looked
    up linearly, which is the fastest way for the handful of keys a
    catchball message has: a key's length is compared before its bytes,
    and keys up to 23 bytes live in the vector itself. A string's bytes
    are allocated with its node, in one block. Allocation is most of what
    the broker spends per request, so every malloc saved here counts.
    See include/catchball/cb_value.h for the contract.
    =========================================================================
*/
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cb_value_int.h"

//  A map key: short ones inline, longer ones on the heap.
#define S_KEY_INLINE 24
typedef struct {
    size_t len;                 //  Length in bytes
    char *heap;                 //  The key if it is S_KEY_INLINE bytes or more
    char small [S_KEY_INLINE];  //  Otherwise here, NUL-terminated
} s_key_t;

struct _cb_value_t {
    cb_type_t type;             //  What this value is
    bool arena;                 //  In the arena: so are its vectors and heap keys
    union {
        bool b;                 //  CB_BOOL
        int64_t i;              //  CB_INT
        double f;               //  CB_FLOAT
        struct {
            char *data;         //  CB_STR: bytes, NUL-terminated
            size_t len;         //  Length in bytes, without the NUL
        } s;
        struct {
            cb_value_t **items; //  CB_ARRAY items, or CB_MAP values
            s_key_t *keys;      //  CB_MAP keys (NULL for arrays)
            size_t size;        //  Items in use
            size_t cap;         //  Items allocated
        } c;
    } u;
};

//  --------------------------------------------------------------------------
//  The arena: blocks carved front to back, all given back at once
//
//  One request's values come from the arena, up to its bound (8 MiB); past
//  that (a read that decodes and drops thousands of records) new values
//  come from the heap again, and destroying them frees them, so memory
//  stays bounded. Whether a value is the arena's is decided once, when
//  its memory is taken, and kept in the value: a value that takes the
//  arena past its bound is still the arena's.
//
//  Under AddressSanitizer the same arena runs, poisoned by hand: a block
//  is poisoned when made, each allocation unpoisoned when carved (with a
//  poisoned header before it and a poisoned red zone after it), poisoned
//  again when its value is destroyed, and the whole block when the arena
//  ends. ASan then sees overflows, use after destroy and use after the
//  arena in the very code that runs in production.

#define S_ARENA_BLOCK   (64 * 1024)
#define S_ARENA_MAX     (8 * 1024 * 1024)

#if defined (__SANITIZE_ADDRESS__)
#   define S_ASAN 1
#elif defined (__has_feature)
#   if __has_feature (address_sanitizer)
#       define S_ASAN 1
#   endif
#endif
#if defined (S_ASAN)
#   include <sanitizer/asan_interface.h>
//  Before each allocation, its size; after it, a red zone.
#   define S_HEADER     16
#   define S_REDZONE    16
#   define S_POISON(p, n)   ASAN_POISON_MEMORY_REGION ((p), (n))
#   define S_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION ((p), (n))
#else
#   define S_HEADER     0
#   define S_REDZONE    0
#   define S_POISON(p, n)   ((void) (p), (void) (n))
#   define S_UNPOISON(p, n) ((void) (p), (void) (n))
#endif

typedef struct s_block_t {
    struct s_block_t *next;     //  Older block
    size_t size, used;          //  Bytes after this header, and in use
    size_t pad;                 //  Keeps what follows 16-byte aligned
} s_block_t;

static size_t s_arena_max = S_ARENA_MAX;    //  The bound (tests lower it)
static __thread s_block_t *s_arena;         //  Current block, if active
static __thread s_block_t *s_arena_spare;   //  Kept between arenas
static __thread size_t s_arena_bytes;       //  Given out by this arena
static __thread size_t s_arena_heap;        //  Values from the heap past the bound
static __thread bool s_arena_on;            //  Between begin and end

static s_block_t *
s_block_new (size_t size, s_block_t *next)
{
    s_block_t *block = (s_block_t *) malloc (sizeof (s_block_t) + size);
    if (!block)
        abort ();
    block->next = next;
    block->size = size;
    block->used = 0;
    S_POISON (block + 1, size);
    return block;
}

static void
s_block_free (s_block_t *block)
{
    S_UNPOISON (block + 1, block->size);
    free (block);
}

//  Is a new value to come from the arena? Asked once per value.
static bool
s_arena_takes (void)
{
    if (!s_arena_on)
        return false;
    if (s_arena_bytes < s_arena_max)
        return true;
    s_arena_heap++;
    return false;
}

static void *
s_arena_alloc (size_t size)
{
    size_t rounded = (size + 15) & ~(size_t) 15;
    size_t need = S_HEADER + rounded + S_REDZONE;
    s_arena_bytes += need;
    char *base;
    if (s_arena->used + need > s_arena->size) {
        //  A large allocation gets a block of its own, behind the current
        //  one, so the current one keeps its free space.
        if (need > S_ARENA_BLOCK / 4) {
            s_block_t *big = s_block_new (need, s_arena->next);
            s_arena->next = big;
            big->used = need;
            base = (char *) (big + 1);
        }
        else {
            s_arena = s_block_new (S_ARENA_BLOCK, s_arena);
            base = (char *) (s_arena + 1);
            s_arena->used = need;
        }
    }
    else {
        base = (char *) (s_arena + 1) + s_arena->used;
        s_arena->used += need;
    }
#if defined (S_ASAN)
    S_UNPOISON (base, S_HEADER);
    *(size_t *) base = size;
    S_POISON (base, S_HEADER);
    S_UNPOISON (base + S_HEADER, size);
#endif
    return base + S_HEADER;
}

//  A value, vector or key of the arena is done with: under ASan, using it
//  again is reported.
static void
s_arena_release (void *p)
{
#if defined (S_ASAN)
    if (p) {
        char *base = (char *) p - S_HEADER;
        S_UNPOISON (base, S_HEADER);
        size_t size = *(size_t *) base;
        S_POISON (base, S_HEADER);
        S_POISON (p, size);
    }
#else
    (void) p;
#endif
}

void
cb_value_arena_begin (void)
{
    assert (!s_arena_on);
    s_arena_on = true;
    s_arena_bytes = 0;
    s_arena_heap = 0;
    s_arena = s_arena_spare ? s_arena_spare : s_block_new (S_ARENA_BLOCK, NULL);
    s_arena_spare = NULL;
    s_arena->used = 0;
    s_arena->next = NULL;
}

void
cb_value_arena_end (void)
{
    assert (s_arena_on);
    //  Keep one ordinary block for the next arena, poisoned; free the rest.
    s_block_t *block = s_arena;
    while (block) {
        s_block_t *next = block->next;
        if (!s_arena_spare && block->size == S_ARENA_BLOCK) {
            s_arena_spare = block;
            S_POISON (block + 1, block->size);
        }
        else
            s_block_free (block);
        block = next;
    }
    s_arena = NULL;
    s_arena_on = false;
}

void
cb_value_arena_set_limit (size_t bytes)
{
    s_arena_max = bytes ? bytes : S_ARENA_MAX;
}

size_t
cb_value_arena_crossed (void)
{
    return s_arena_heap;
}

//  Memory for a vector or key of `owner`: from the arena if the owner is
//  the arena's; zeroed.
static void *
s_alloc_for (const cb_value_t *owner, size_t size)
{
    bool arena = owner->arena;
    void *p = arena ? s_arena_alloc (size) : malloc (size ? size : 1);
    if (!p)
        abort ();
    memset (p, 0, size);
    return p;
}

static void
s_free_for (const cb_value_t *owner, void *p)
{
    if (owner->arena)
        s_arena_release (p);
    else
        free (p);
}

//  A copy of a key, for owner's vector.
static char *
s_strdup_for (const cb_value_t *owner, const char *string, size_t len)
{
    char *copy = (char *) s_alloc_for (owner, len + 1);
    memcpy (copy, string, len);
    return copy;
}

static cb_value_t *
s_new (cb_type_t type)
{
    //  Asked once: the answer changes as this very value is carved.
    bool arena = s_arena_takes ();
    cb_value_t *self = (cb_value_t *) (arena ? s_arena_alloc (sizeof (cb_value_t))
                                             : malloc (sizeof (cb_value_t)));
    if (!self)
        abort ();
    memset (self, 0, sizeof (cb_value_t));
    self->type = type;
    self->arena = arena;
    return self;
}

//  --------------------------------------------------------------------------
//  Constructors

cb_value_t *
cb_value_new_nil (void)
{
    return s_new (CB_NIL);
}

cb_value_t *
cb_value_new_bool (bool value)
{
    cb_value_t *self = s_new (CB_BOOL);
    self->u.b = value;
    return self;
}

cb_value_t *
cb_value_new_int (int64_t value)
{
    cb_value_t *self = s_new (CB_INT);
    self->u.i = value;
    return self;
}

cb_value_t *
cb_value_new_float (double value)
{
    cb_value_t *self = s_new (CB_FLOAT);
    self->u.f = value;
    return self;
}

cb_value_t *
cb_value_new_strn (const char *data, size_t size)
{
    //  One block: the node, then the bytes and their NUL.
    bool arena = s_arena_takes ();
    cb_value_t *self = (cb_value_t *) (arena ? s_arena_alloc (sizeof (cb_value_t) + size + 1)
                                             : malloc (sizeof (cb_value_t) + size + 1));
    if (!self)
        abort ();
    self->type = CB_STR;
    self->arena = arena;
    self->u.s.data = (char *) (self + 1);
    if (size)
        memcpy (self->u.s.data, data, size);
    self->u.s.data [size] = 0;
    self->u.s.len = size;
    return self;
}

cb_value_t *
cb_value_new_raw (const void *data, size_t size)
{
    cb_value_t *self = cb_value_new_strn ((const char *) data, size);
    self->type = CB_RAW;
    return self;
}

cb_value_t *
cb_value_new_raw_ref (const void *data, size_t size)
{
    //  Destroying any string or raw node frees the node only: its bytes
    //  are either in the same block or not ours.
    cb_value_t *self = s_new (CB_RAW);
    self->u.s.data = (char *) data;
    self->u.s.len = size;
    return self;
}

const void *
cb_value_raw (const cb_value_t *self, size_t *size_p)
{
    if (!self || self->type != CB_RAW)
        return NULL;
    *size_p = self->u.s.len;
    return self->u.s.data;
}

static const char *
s_key_str (const s_key_t *key)
{
    return key->heap ? key->heap : key->small;
}

cb_value_t *
cb_value_new_str (const char *string)
{
    return cb_value_new_strn (string, strlen (string));
}

cb_value_t *
cb_value_new_array (void)
{
    return s_new (CB_ARRAY);
}

cb_value_t *
cb_value_new_map (void)
{
    return s_new (CB_MAP);
}

//  --------------------------------------------------------------------------
//  Destroy a value and everything under it

void
cb_value_destroy (cb_value_t **self_p)
{
    assert (self_p);
    cb_value_t *self = *self_p;
    if (!self)
        return;
    if (self->type == CB_ARRAY || self->type == CB_MAP) {
        //  Items may come from the heap even in an arena value.
        for (size_t i = 0; i < self->u.c.size; i++) {
            cb_value_destroy (&self->u.c.items [i]);
            if (self->u.c.keys)
                s_free_for (self, self->u.c.keys [i].heap);
        }
        s_free_for (self, self->u.c.items);
        s_free_for (self, self->u.c.keys);
    }
    s_free_for (self, self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Deep copy

cb_value_t *
cb_value_dup (const cb_value_t *self)
{
    assert (self);
    switch ((int) self->type) {
        case CB_NIL:   return cb_value_new_nil ();
        case CB_BOOL:  return cb_value_new_bool (self->u.b);
        case CB_INT:   return cb_value_new_int (self->u.i);
        case CB_FLOAT: return cb_value_new_float (self->u.f);
        case CB_STR:   return cb_value_new_strn (self->u.s.data, self->u.s.len);
        case CB_RAW:   return cb_value_new_raw (self->u.s.data, self->u.s.len);
        case CB_ARRAY:
        case CB_MAP: {
            //  Keys are unique already: entries are copied, not looked up.
            cb_value_t *copy = s_new (self->type);
            size_t size = self->u.c.size;
            if (size) {
                copy->u.c.items = (cb_value_t **) s_alloc_for (copy, size * sizeof (cb_value_t *));
                if (self->type == CB_MAP)
                    copy->u.c.keys = (s_key_t *) s_alloc_for (copy, size * sizeof (s_key_t));
                copy->u.c.cap = size;
            }
            for (size_t i = 0; i < size; i++) {
                copy->u.c.items [i] = cb_value_dup (self->u.c.items [i]);
                if (self->type == CB_MAP) {
                    const s_key_t *from = &self->u.c.keys [i];
                    s_key_t *to = &copy->u.c.keys [i];
                    *to = *from;
                    if (from->heap)
                        to->heap = s_strdup_for (copy, from->heap, from->len);
                }
                copy->u.c.size++;
            }
            return copy;
        }
    }
    abort ();
}

//  --------------------------------------------------------------------------
//  Deep equality

bool
cb_value_equal (const cb_value_t *a, const cb_value_t *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type)
        return false;
    switch ((int) a->type) {
        case CB_NIL:   return true;
        case CB_BOOL:  return a->u.b == b->u.b;
        case CB_INT:   return a->u.i == b->u.i;
        case CB_FLOAT: return a->u.f == b->u.f;
        case CB_STR:
        case CB_RAW:
            return a->u.s.len == b->u.s.len
                && memcmp (a->u.s.data, b->u.s.data, a->u.s.len) == 0;
        case CB_ARRAY:
            if (a->u.c.size != b->u.c.size)
                return false;
            for (size_t i = 0; i < a->u.c.size; i++)
                if (!cb_value_equal (a->u.c.items [i], b->u.c.items [i]))
                    return false;
            return true;
        case CB_MAP:
            if (a->u.c.size != b->u.c.size)
                return false;
            for (size_t i = 0; i < a->u.c.size; i++)
                if (!cb_value_equal (a->u.c.items [i],
                                     cb_value_get (b, s_key_str (&a->u.c.keys [i]))))
                    return false;
            return true;
    }
    return false;
}

//  --------------------------------------------------------------------------
//  Scalars

cb_type_t
cb_value_type (const cb_value_t *self)
{
    return self ? self->type : CB_NIL;
}

const char *
cb_value_type_name (cb_type_t type)
{
    static const char *names [] = {
        "nil", "bool", "integer", "float", "string", "array", "map", "raw"
    };
    return (unsigned) type <= CB_RAW ? names [type] : "?";
}

bool
cb_value_bool (const cb_value_t *self)
{
    return self && self->type == CB_BOOL && self->u.b;
}

int64_t
cb_value_int (const cb_value_t *self)
{
    if (self && self->type == CB_INT)
        return self->u.i;
    return 0;
}

double
cb_value_float (const cb_value_t *self)
{
    if (self && self->type == CB_FLOAT)
        return self->u.f;
    if (self && self->type == CB_INT)
        return (double) self->u.i;
    return 0;
}

bool
cb_value_is_number (const cb_value_t *self)
{
    return self && (self->type == CB_INT || self->type == CB_FLOAT);
}

const char *
cb_value_str (const cb_value_t *self)
{
    return self && self->type == CB_STR ? self->u.s.data : NULL;
}

size_t
cb_value_len (const cb_value_t *self)
{
    return self && self->type == CB_STR ? self->u.s.len : 0;
}

//  --------------------------------------------------------------------------
//  Containers

size_t
cb_value_size (const cb_value_t *self)
{
    if (self && (self->type == CB_ARRAY || self->type == CB_MAP))
        return self->u.c.size;
    return 0;
}

cb_value_t *
cb_value_at (const cb_value_t *self, size_t index)
{
    if (self && self->type == CB_ARRAY && index < self->u.c.size)
        return self->u.c.items [index];
    return NULL;
}

const char *
cb_value_key_at (const cb_value_t *self, size_t index)
{
    if (self && self->type == CB_MAP && index < self->u.c.size)
        return s_key_str (&self->u.c.keys [index]);
    return NULL;
}

size_t
cb_value_key_len_at (const cb_value_t *self, size_t index)
{
    if (self && self->type == CB_MAP && index < self->u.c.size)
        return self->u.c.keys [index].len;
    return 0;
}

cb_value_t *
cb_value_val_at (const cb_value_t *self, size_t index)
{
    if (self && self->type == CB_MAP && index < self->u.c.size)
        return self->u.c.items [index];
    return NULL;
}

static ssize_t
s_find (const cb_value_t *self, const char *key)
{
    if (!self || self->type != CB_MAP)
        return -1;
    size_t len = strlen (key);
    const s_key_t *keys = self->u.c.keys;
    for (size_t i = 0; i < self->u.c.size; i++)
        if (keys [i].len == len && memcmp (s_key_str (&keys [i]), key, len) == 0)
            return (ssize_t) i;
    return -1;
}

cb_value_t *
cb_value_get (const cb_value_t *self, const char *key)
{
    ssize_t i = s_find (self, key);
    return i < 0 ? NULL : self->u.c.items [i];
}

const char *
cb_value_get_str (const cb_value_t *self, const char *key)
{
    return cb_value_str (cb_value_get (self, key));
}

bool
cb_value_get_int (const cb_value_t *self, const char *key, int64_t *out)
{
    cb_value_t *v = cb_value_get (self, key);
    if (!v || v->type != CB_INT)
        return false;
    if (out)
        *out = v->u.i;
    return true;
}

bool
cb_value_get_bool (const cb_value_t *self, const char *key, bool *out)
{
    cb_value_t *v = cb_value_get (self, key);
    if (!v || v->type != CB_BOOL)
        return false;
    if (out)
        *out = v->u.b;
    return true;
}

const char *
cb_value_get_str_or (const cb_value_t *self, const char *key, const char *dflt)
{
    const char *s = cb_value_get_str (self, key);
    return s ? s : dflt;
}

int64_t
cb_value_get_int_or (const cb_value_t *self, const char *key, int64_t dflt)
{
    int64_t n = dflt;
    cb_value_get_int (self, key, &n);
    return n;
}

cb_value_t *
cb_value_get_map (const cb_value_t *self, const char *key)
{
    cb_value_t *v = cb_value_get (self, key);
    return v && v->type == CB_MAP ? v : NULL;
}

cb_value_t *
cb_value_get_array (const cb_value_t *self, const char *key)
{
    cb_value_t *v = cb_value_get (self, key);
    return v && v->type == CB_ARRAY ? v : NULL;
}

cb_value_t *
cb_value_want_array (cb_value_t *self, const char *key)
{
    cb_value_t *list = cb_value_get_array (self, key);
    if (!list) {
        cb_value_t *empty = cb_value_new_array ();
        cb_value_set (self, key, &empty);
        list = cb_value_get_array (self, key);
    }
    return list;
}

static void
s_grow (cb_value_t *self)
{
    if (self->u.c.size < self->u.c.cap)
        return;
    size_t cap = self->u.c.cap ? self->u.c.cap * 2 : 8;
    if (self->arena) {
        //  No realloc in the arena: a new vector, the old one left behind.
        cb_value_t **items = (cb_value_t **) s_arena_alloc (cap * sizeof (cb_value_t *));
        if (self->u.c.size)
            memcpy (items, self->u.c.items, self->u.c.size * sizeof (cb_value_t *));
        self->u.c.items = items;
        if (self->type == CB_MAP) {
            s_key_t *keys = (s_key_t *) s_arena_alloc (cap * sizeof (s_key_t));
            if (self->u.c.size)
                memcpy (keys, self->u.c.keys, self->u.c.size * sizeof (s_key_t));
            self->u.c.keys = keys;
        }
    }
    else {
        self->u.c.items = (cb_value_t **) realloc (self->u.c.items, cap * sizeof (cb_value_t *));
        if (!self->u.c.items)
            abort ();
        if (self->type == CB_MAP) {
            self->u.c.keys = (s_key_t *) realloc (self->u.c.keys, cap * sizeof (s_key_t));
            if (!self->u.c.keys)
                abort ();
        }
    }
    self->u.c.cap = cap;
}

void
cb_value_push (cb_value_t *self, cb_value_t **item_p)
{
    assert (self && self->type == CB_ARRAY);
    assert (item_p && *item_p);
    s_grow (self);
    self->u.c.items [self->u.c.size++] = *item_p;
    *item_p = NULL;
}

void
cb_value_set (cb_value_t *self, const char *key, cb_value_t **value_p)
{
    assert (self && self->type == CB_MAP);
    assert (key && value_p && *value_p);
    ssize_t i = s_find (self, key);
    if (i >= 0) {
        cb_value_destroy (&self->u.c.items [i]);
        self->u.c.items [i] = *value_p;
    }
    else {
        s_grow (self);
        s_key_t *k = &self->u.c.keys [self->u.c.size];
        k->len = strlen (key);
        k->heap = NULL;
        if (k->len < S_KEY_INLINE)
            memcpy (k->small, key, k->len + 1);
        else
            k->heap = s_strdup_for (self, key, k->len);
        self->u.c.items [self->u.c.size++] = *value_p;
    }
    *value_p = NULL;
}

void
cb_value_set_str (cb_value_t *self, const char *key, const char *value)
{
    cb_value_t *v = cb_value_new_str (value);
    cb_value_set (self, key, &v);
}

void
cb_value_set_int (cb_value_t *self, const char *key, int64_t value)
{
    cb_value_t *v = cb_value_new_int (value);
    cb_value_set (self, key, &v);
}

void
cb_value_set_bool (cb_value_t *self, const char *key, bool value)
{
    cb_value_t *v = cb_value_new_bool (value);
    cb_value_set (self, key, &v);
}

void
cb_value_set_nil (cb_value_t *self, const char *key)
{
    cb_value_t *v = cb_value_new_nil ();
    cb_value_set (self, key, &v);
}

void
cb_value_remove (cb_value_t *self, const char *key)
{
    ssize_t i = s_find (self, key);
    if (i < 0)
        return;
    cb_value_destroy (&self->u.c.items [i]);
    s_free_for (self, self->u.c.keys [i].heap);
    memmove (self->u.c.items + i, self->u.c.items + i + 1,
             (self->u.c.size - i - 1) * sizeof (cb_value_t *));
    memmove (self->u.c.keys + i, self->u.c.keys + i + 1,
             (self->u.c.size - i - 1) * sizeof (s_key_t));
    self->u.c.size--;
}
