/* The TOML value tree: construction, ownership, lookup and the getters.
 * Tables keep insertion order; large ones get a hash index so that parsing
 * a document with many keys stays linear. */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "toml/toml_internal.h"

/* Below this many keys a linear scan beats hashing. */
#define INDEX_MIN_KEYS 8

static struct toml_value *value_new(enum toml_type type)
{
    struct toml_value *v = xcalloc(1, sizeof(*v));
    v->type = type;
    return v;
}

void toml_free(struct toml_value *v)
{
    if (v == NULL)
        return;
    switch (v->type) {
    case TOML_STRING:
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        free(v->u.str.data);
        break;
    case TOML_ARRAY:
        for (size_t i = 0; i < v->u.array.len; i++)
            toml_free(v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case TOML_TABLE:
        for (size_t i = 0; i < v->u.table.len; i++) {
            free(v->u.table.entries[i].key);
            toml_free(v->u.table.entries[i].value);
        }
        free(v->u.table.entries);
        free(v->u.table.index);
        break;
    default:
        break;
    }
    free(v);
}

enum toml_type toml_type_of(const struct toml_value *v)
{
    return v->type;
}

const char *toml_type_name(enum toml_type t)
{
    switch (t) {
    case TOML_STRING: return "string";
    case TOML_INTEGER: return "integer";
    case TOML_FLOAT: return "float";
    case TOML_BOOL: return "boolean";
    case TOML_DATETIME: return "datetime";
    case TOML_DATETIME_LOCAL: return "datetime-local";
    case TOML_DATE_LOCAL: return "date-local";
    case TOML_TIME_LOCAL: return "time-local";
    case TOML_ARRAY: return "array";
    case TOML_TABLE: return "table";
    }
    return "unknown";
}

/* ---- table index ------------------------------------------------------ */

static size_t hash_key(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

static void index_put(size_t *index, size_t cap, const struct toml_entry *e, size_t pos)
{
    size_t mask = cap - 1;
    size_t slot = hash_key(e->key, e->key_len) & mask;
    while (index[slot] != 0)
        slot = (slot + 1) & mask;
    index[slot] = pos + 1;
}

/* Rebuilds the index with room for at least twice the keys. A table too
 * large to index goes without one (lookups fall back to scanning). */
static void index_rebuild(struct toml_value *t)
{
    free(t->u.table.index);
    t->u.table.index = NULL;
    t->u.table.index_cap = 0;
    if (t->u.table.len < INDEX_MIN_KEYS)
        return;
    size_t cap = 16;
    while (cap < t->u.table.len * 4) {
        if (cap > ((size_t)-1) / 4 / sizeof(size_t))
            return;
        cap *= 2;
    }
    size_t *index = xcalloc(cap, sizeof(*index));
    for (size_t i = 0; i < t->u.table.len; i++)
        index_put(index, cap, &t->u.table.entries[i], i);
    t->u.table.index = index;
    t->u.table.index_cap = cap;
}

size_t toml_table_find(const struct toml_value *t, const char *key, size_t key_len)
{
    if (t == NULL || t->type != TOML_TABLE || key == NULL)
        return (size_t)-1;
    const struct toml_entry *entries = t->u.table.entries;
    if (t->u.table.index != NULL) {
        size_t mask = t->u.table.index_cap - 1;
        size_t slot = hash_key(key, key_len) & mask;
        while (t->u.table.index[slot] != 0) {
            size_t pos = t->u.table.index[slot] - 1;
            if (entries[pos].key_len == key_len && memcmp(entries[pos].key, key, key_len) == 0)
                return pos;
            slot = (slot + 1) & mask;
        }
        return (size_t)-1;
    }
    for (size_t i = 0; i < t->u.table.len; i++) {
        if (entries[i].key_len == key_len && memcmp(entries[i].key, key, key_len) == 0)
            return i;
    }
    return (size_t)-1;
}

void toml_table_append(struct toml_value *t, const char *key, size_t key_len,
                       struct toml_value *value)
{
    if (t->u.table.len == t->u.table.cap) {
        size_t cap = t->u.table.cap ? t->u.table.cap * 2 : 4;
        t->u.table.entries = xreallocarray(t->u.table.entries, cap, sizeof(struct toml_entry));
        t->u.table.cap = cap;
    }
    char *copy = xmalloc(key_len + 1);
    if (key_len > 0)
        memcpy(copy, key, key_len);
    copy[key_len] = '\0';
    size_t pos = t->u.table.len++;
    t->u.table.entries[pos] = (struct toml_entry){copy, key_len, value};
    if (t->u.table.index != NULL && t->u.table.len * 2 <= t->u.table.index_cap)
        index_put(t->u.table.index, t->u.table.index_cap, &t->u.table.entries[pos], pos);
    else if (t->u.table.len >= INDEX_MIN_KEYS)
        index_rebuild(t);
}

/* ---- reading ---------------------------------------------------------- */

size_t toml_table_len(const struct toml_value *t)
{
    return t != NULL && t->type == TOML_TABLE ? t->u.table.len : 0;
}

const char *toml_table_key_at_len(const struct toml_value *t, size_t i, size_t *len)
{
    if (t == NULL || t->type != TOML_TABLE || i >= t->u.table.len)
        return NULL;
    if (len != NULL)
        *len = t->u.table.entries[i].key_len;
    return t->u.table.entries[i].key;
}

const char *toml_table_key_at(const struct toml_value *t, size_t i)
{
    return toml_table_key_at_len(t, i, NULL);
}

const struct toml_value *toml_table_value_at(const struct toml_value *t, size_t i)
{
    if (t == NULL || t->type != TOML_TABLE || i >= t->u.table.len)
        return NULL;
    return t->u.table.entries[i].value;
}

const struct toml_value *toml_table_get_len(const struct toml_value *t, const char *key,
                                            size_t len)
{
    size_t pos = toml_table_find(t, key, len);
    return pos == (size_t)-1 ? NULL : t->u.table.entries[pos].value;
}

const struct toml_value *toml_table_get(const struct toml_value *t, const char *key)
{
    return key == NULL ? NULL : toml_table_get_len(t, key, strlen(key));
}

struct toml_value *toml_table_get_mut(struct toml_value *t, const char *key)
{
    return (struct toml_value *)toml_table_get(t, key);
}

size_t toml_array_len(const struct toml_value *a)
{
    return a != NULL && a->type == TOML_ARRAY ? a->u.array.len : 0;
}

const struct toml_value *toml_array_at(const struct toml_value *a, size_t i)
{
    if (a == NULL || a->type != TOML_ARRAY || i >= a->u.array.len)
        return NULL;
    return a->u.array.items[i];
}

struct toml_value *toml_array_at_mut(struct toml_value *a, size_t i)
{
    return (struct toml_value *)toml_array_at(a, i);
}

bool toml_get_string_len(const struct toml_value *v, const char **out, size_t *len)
{
    if (v == NULL || v->type != TOML_STRING)
        return false;
    *out = v->u.str.data;
    if (len != NULL)
        *len = v->u.str.len;
    return true;
}

bool toml_get_string(const struct toml_value *v, const char **out)
{
    return toml_get_string_len(v, out, NULL);
}

bool toml_get_integer(const struct toml_value *v, int64_t *out)
{
    if (v == NULL || v->type != TOML_INTEGER)
        return false;
    *out = v->u.integer;
    return true;
}

bool toml_get_float(const struct toml_value *v, double *out)
{
    if (v == NULL || v->type != TOML_FLOAT)
        return false;
    *out = v->u.real;
    return true;
}

bool toml_get_bool(const struct toml_value *v, bool *out)
{
    if (v == NULL || v->type != TOML_BOOL)
        return false;
    *out = v->u.boolean;
    return true;
}

bool toml_get_datetime(const struct toml_value *v, const char **out)
{
    if (v == NULL)
        return false;
    switch (v->type) {
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        *out = v->u.str.data;
        return true;
    default:
        return false;
    }
}

/* ---- building --------------------------------------------------------- */

struct toml_value *toml_new_table(void)
{
    return value_new(TOML_TABLE);
}

struct toml_value *toml_new_array(void)
{
    return value_new(TOML_ARRAY);
}

static struct toml_value *new_text(enum toml_type type, const char *s, size_t len)
{
    if (s == NULL || len == (size_t)-1)
        return NULL;
    struct toml_value *v = value_new(type);
    v->u.str.data = xmalloc(len + 1);
    if (len > 0)
        memcpy(v->u.str.data, s, len);
    v->u.str.data[len] = '\0';
    v->u.str.len = len;
    return v;
}

struct toml_value *toml_new_string_len(const char *s, size_t len)
{
    return new_text(TOML_STRING, s, len);
}

struct toml_value *toml_new_string(const char *s)
{
    return s == NULL ? NULL : new_text(TOML_STRING, s, strlen(s));
}

struct toml_value *toml_new_integer(int64_t i)
{
    struct toml_value *v = value_new(TOML_INTEGER);
    v->u.integer = i;
    return v;
}

struct toml_value *toml_new_float(double d)
{
    struct toml_value *v = value_new(TOML_FLOAT);
    v->u.real = d;
    return v;
}

struct toml_value *toml_new_bool(bool b)
{
    struct toml_value *v = value_new(TOML_BOOL);
    v->u.boolean = b;
    return v;
}

struct toml_value *toml_new_datetime(enum toml_type kind, const char *text)
{
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    enum toml_type scanned;
    const char *why;
    if (toml_datetime_scan(text, len, &scanned, &why) != len || scanned != kind)
        return NULL;
    struct toml_value *v = new_text(kind, text, len);
    toml_datetime_normalize(v->u.str.data, len);
    return v;
}

struct toml_value *toml_clone(const struct toml_value *v)
{
    if (v == NULL)
        return NULL;
    struct toml_value *copy = NULL;
    switch (v->type) {
    case TOML_STRING:
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        copy = new_text(v->type, v->u.str.data, v->u.str.len);
        break;
    case TOML_INTEGER:
    case TOML_FLOAT:
    case TOML_BOOL:
        copy = value_new(v->type);
        copy->u = v->u;
        break;
    case TOML_ARRAY:
        copy = value_new(TOML_ARRAY);
        for (size_t i = 0; i < v->u.array.len; i++)
            toml_array_push(copy, toml_clone(v->u.array.items[i]));
        break;
    case TOML_TABLE:
        copy = value_new(TOML_TABLE);
        for (size_t i = 0; i < v->u.table.len; i++) {
            const struct toml_entry *e = &v->u.table.entries[i];
            toml_table_append(copy, e->key, e->key_len, toml_clone(e->value));
        }
        break;
    }
    if (copy != NULL)
        copy->flags = v->flags;
    return copy;
}

int toml_table_set_len(struct toml_value *t, const char *key, size_t len,
                       struct toml_value *value)
{
    if (t == NULL || t->type != TOML_TABLE || key == NULL || value == NULL) {
        toml_free(value);
        return -1;
    }
    size_t pos = toml_table_find(t, key, len);
    if (pos != (size_t)-1) {
        toml_free(t->u.table.entries[pos].value);
        t->u.table.entries[pos].value = value;
        return 0;
    }
    toml_table_append(t, key, len, value);
    return 0;
}

int toml_table_set(struct toml_value *t, const char *key, struct toml_value *value)
{
    if (key == NULL) {
        toml_free(value);
        return -1;
    }
    return toml_table_set_len(t, key, strlen(key), value);
}

int toml_table_remove(struct toml_value *t, const char *key)
{
    if (key == NULL)
        return -1;
    size_t pos = toml_table_find(t, key, strlen(key));
    if (pos == (size_t)-1)
        return -1;
    free(t->u.table.entries[pos].key);
    toml_free(t->u.table.entries[pos].value);
    memmove(&t->u.table.entries[pos], &t->u.table.entries[pos + 1],
            (t->u.table.len - pos - 1) * sizeof(struct toml_entry));
    t->u.table.len--;
    index_rebuild(t);
    return 0;
}

int toml_array_push(struct toml_value *a, struct toml_value *value)
{
    if (a == NULL || a->type != TOML_ARRAY || value == NULL) {
        toml_free(value);
        return -1;
    }
    if (a->u.array.len == a->u.array.cap) {
        size_t cap = a->u.array.cap ? a->u.array.cap * 2 : 4;
        a->u.array.items = xreallocarray(a->u.array.items, cap, sizeof(*a->u.array.items));
        a->u.array.cap = cap;
    }
    a->u.array.items[a->u.array.len++] = value;
    return 0;
}
