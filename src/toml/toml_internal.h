/* Private to bp_toml: the value tree layout and the helpers that the parser,
 * the writer and the building API share. Other modules use toml.h only. */
#ifndef BP_TOML_INTERNAL_H
#define BP_TOML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "toml/toml.h"

/* Containers deeper than this are refused by the parser and the writer, so a
 * hostile document cannot exhaust the stack of the recursive walkers. */
#define TOML_MAX_DEPTH 512

/* Parser bookkeeping for TOML's table (re)definition rules. */
enum {
    TOML_FLAG_DEFINED = 1u, /* [header], dotted key or inline: no later [header] */
    TOML_FLAG_DOTTED = 2u,  /* created by a dotted key: dotted keys may extend it */
    TOML_FLAG_FROZEN = 4u,  /* inline table or its parts: nothing may extend it */
    TOML_FLAG_AOT = 8u,     /* array created by [[header]]: [[header]] may append */
};

struct toml_entry {
    char *key; /* NUL-terminated, but may hold NUL: key_len is the length */
    size_t key_len;
    struct toml_value *value;
};

struct toml_value {
    enum toml_type type;
    unsigned flags;
    union {
        struct {
            char *data; /* NUL-terminated; also the text of the date/time kinds */
            size_t len;
        } str;
        int64_t integer;
        double real;
        bool boolean;
        struct {
            struct toml_value **items;
            size_t len, cap;
        } array;
        struct {
            struct toml_entry *entries;
            size_t len, cap;
            size_t *index; /* open addressing of entry+1, 0 = empty; NULL when small */
            size_t index_cap;
        } table;
    } u;
};

/* Finds key in table; returns the entry index or (size_t)-1. */
size_t toml_table_find(const struct toml_value *table, const char *key, size_t key_len);
/* Appends a key known to be absent and takes ownership of value. */
void toml_table_append(struct toml_value *table, const char *key, size_t key_len,
                       struct toml_value *value);

/* Length of the longest valid UTF-8 prefix of s (== len when all valid). */
size_t toml_utf8_valid_prefix(const char *s, size_t len);

/* Scans a date/time at s (up to len bytes). Returns the bytes consumed and
 * sets *kind, or returns 0 and sets *why. The text is not checked for what
 * follows it; the caller decides whether that is a delimiter. */
size_t toml_datetime_scan(const char *s, size_t len, enum toml_type *kind, const char **why);
/* Rewrites the separators of a scanned date/time to their RFC 3339 form
 * ('T' and 'Z'); the length does not change. */
void toml_datetime_normalize(char *s, size_t len);

/* Shortest "%.*g" text that reads back to d, always with a '.', 'e', "inf"
 * or "nan" so that TOML reads it as a float. buf needs 32 bytes. */
void toml_format_float(double d, char *buf, size_t size);

#endif
