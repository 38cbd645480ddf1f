/* TOML 1.0 reader and writer. No C TOML library is packaged for Debian, so
 * this is ours; it is checked against the official toml-test suite.
 *
 * A document is a tree of struct toml_value. The tree returned by a parse or
 * built with toml_new_* is owned by the caller and released with toml_free on
 * the root. Values handed to toml_table_set / toml_array_push become owned by
 * their container. Getters return borrowed pointers into the tree. */
#ifndef BP_TOML_H
#define BP_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum toml_type {
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
    TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
    TOML_DATE_LOCAL,     /* 1979-05-27 */
    TOML_TIME_LOCAL,     /* 07:32:00 */
    TOML_ARRAY,
    TOML_TABLE,
};

struct toml_value;

/* ---- reading ---------------------------------------------------------- */

/* Parses text (len bytes, need not be NUL-terminated). name is used in error
 * messages: "<name>:<line>:<col>: <what>". Returns the root table or NULL. */
struct toml_value *toml_parse(const char *text, size_t len, const char *name,
                              struct bp_error *err);
/* Reads and parses a file; errors name the path, line and column. Unlike
 * toml_parse it refuses \u0000 / \U00000000 in strings and keys ("<path>:
 * <line>:<col>: \u0000 (NUL) is not allowed ..."): what the buildpack reads
 * from files becomes C strings, which a NUL would silently cut. */
struct toml_value *toml_parse_file(const char *path, struct bp_error *err);

void toml_free(struct toml_value *v);

enum toml_type toml_type_of(const struct toml_value *v);
const char *toml_type_name(enum toml_type t); /* "string", "integer", ... */

/* Tables keep keys in insertion (document) order. */
size_t toml_table_len(const struct toml_value *table);
const char *toml_table_key_at(const struct toml_value *table, size_t i);
const struct toml_value *toml_table_value_at(const struct toml_value *table, size_t i);
/* NULL when table is NULL, not a table, or has no such key. */
const struct toml_value *toml_table_get(const struct toml_value *table, const char *key);
/* Keys may hold NUL (a quoted "\u0000"); these variants carry its length.
 * *len gets the key's byte length (len may be NULL). */
const char *toml_table_key_at_len(const struct toml_value *table, size_t i, size_t *len);
const struct toml_value *toml_table_get_len(const struct toml_value *table, const char *key,
                                            size_t len);

size_t toml_array_len(const struct toml_value *array);
const struct toml_value *toml_array_at(const struct toml_value *array, size_t i);

/* Scalar getters return false (and leave *out alone) on a type mismatch or
 * a NULL value, so `toml_get_*(toml_table_get(t, "k"), &x)` is safe. */
bool toml_get_string(const struct toml_value *v, const char **out);
/* Strings may hold NUL (\u0000); this gives the byte length too. */
bool toml_get_string_len(const struct toml_value *v, const char **out, size_t *len);
bool toml_get_integer(const struct toml_value *v, int64_t *out);
bool toml_get_float(const struct toml_value *v, double *out);
bool toml_get_bool(const struct toml_value *v, bool *out);
/* Date/time values as their normalised RFC 3339 text (any of the 4 kinds). */
bool toml_get_datetime(const struct toml_value *v, const char **out);

/* ---- building --------------------------------------------------------- */

/* Running out of memory aborts (common/xalloc.h). toml_new_table, _array,
 * _integer, _float and _bool never return NULL; toml_new_string(_len) only
 * for a NULL s (or len (size_t)-1), toml_new_datetime only for text that is
 * not valid for kind. */
struct toml_value *toml_new_table(void);
struct toml_value *toml_new_array(void);
struct toml_value *toml_new_string(const char *s);
struct toml_value *toml_new_string_len(const char *s, size_t len);
struct toml_value *toml_new_integer(int64_t i);
struct toml_value *toml_new_float(double d);
struct toml_value *toml_new_bool(bool b);
/* kind is one of the four date/time types; text must be valid for it. */
struct toml_value *toml_new_datetime(enum toml_type kind, const char *text);
/* Deep copy; NULL only for a NULL v. */
struct toml_value *toml_clone(const struct toml_value *v);

/* Takes ownership of value (freed on failure too). Replaces an existing key.
 * Returns 0, or -1 only when table is not a table or key or value is NULL. */
int toml_table_set(struct toml_value *table, const char *key, struct toml_value *value);
/* toml_table_set for a key of len bytes that may hold NUL. */
int toml_table_set_len(struct toml_value *table, const char *key, size_t len,
                       struct toml_value *value);
/* Removes and frees key's value; returns 0 if removed, -1 if absent. */
int toml_table_remove(struct toml_value *table, const char *key);
/* Takes ownership of value (freed on failure too). Returns 0, or -1 only
 * when array is not an array or value is NULL. */
int toml_array_push(struct toml_value *array, struct toml_value *value);
/* Mutable access for building: NULL when absent or not that type. */
struct toml_value *toml_table_get_mut(struct toml_value *table, const char *key);
struct toml_value *toml_array_at_mut(struct toml_value *array, size_t i);

/* ---- writing ---------------------------------------------------------- */

/* Serialises a root table as TOML 1.0 text that toml_parse reads back to an
 * equal tree. Arrays whose elements are all tables are written as [[arrays]];
 * sub-tables as [headers]. Returns a malloc'd NUL-terminated string, or NULL
 * with err set for a tree TOML cannot hold (invalid UTF-8, too deep). */
char *toml_write(const struct toml_value *root, struct bp_error *err);
/* toml_write + atomic write (temp file in the same directory, then rename). */
int toml_write_file(const char *path, const struct toml_value *root, struct bp_error *err);

#endif
