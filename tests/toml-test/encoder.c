/* toml-test encoder: reads toml-test's JSON description on stdin and prints
 * the TOML that toml_write makes of it; exits 1 with a message on error.
 * It reads the JSON itself because jansson refuses object keys holding NUL
 * ("\u0000"), which toml-test uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "toml/toml.h"

#define JSON_MAX_DEPTH 1000

struct json_reader {
    const char *start, *p, *end;
    int depth;
    char why[256];
};

static struct toml_value *json_fail(struct json_reader *r, const char *what)
{
    snprintf(r->why, sizeof(r->why), "stdin: byte %zu: %s", (size_t)(r->p - r->start), what);
    return NULL;
}

static void json_skip_ws(struct json_reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    strbuf_append(sb, b, n);
}

/* A JSON string at r->p into sb (which may then hold NUL bytes). */
static int json_string(struct json_reader *r, struct strbuf *sb)
{
    strbuf_append(sb, "", 0);
    r->p++; /* opening quote */
    while (r->p < r->end && *r->p != '"') {
        if (*r->p != '\\') {
            strbuf_append_char(sb, *r->p++);
            continue;
        }
        if (r->end - r->p < 2)
            return -1;
        char c = r->p[1];
        r->p += 2;
        const char *plain = strchr("\"\\/bfnrt", c);
        if (plain != NULL && c != '\0') {
            static const char out[] = "\"\\/\b\f\n\r\t";
            strbuf_append_char(sb, out[plain - "\"\\/bfnrt"]);
            continue;
        }
        unsigned cp;
        if (c != 'u' || r->end - r->p < 4 || hex4(r->p, &cp) != 0)
            return -1;
        r->p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, &lo) != 0 ||
                lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            r->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return -1;
        }
        put_utf8(sb, cp);
    }
    if (r->p >= r->end)
        return -1;
    r->p++; /* closing quote */
    return 0;
}

/* Objects become tables, arrays arrays and strings strings: toml-test's
 * JSON has no other leaves. */
static struct toml_value *json_value(struct json_reader *r)
{
    json_skip_ws(r);
    if (r->p >= r->end)
        return json_fail(r, "unexpected end of JSON");
    if (*r->p == '"') {
        struct strbuf sb = STRBUF_INIT;
        struct toml_value *v = NULL;
        if (json_string(r, &sb) == 0)
            v = toml_new_string_len(sb.data, sb.len);
        strbuf_free(&sb);
        return v != NULL ? v : json_fail(r, "bad JSON string");
    }
    if (*r->p != '{' && *r->p != '[')
        return json_fail(r, "expected an object, array or string");
    if (++r->depth > JSON_MAX_DEPTH)
        return json_fail(r, "JSON nested too deeply");
    int object = *r->p == '{';
    char close = object ? '}' : ']';
    struct toml_value *container = object ? toml_new_table() : toml_new_array();
    r->p++;
    json_skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        r->depth--;
        return container;
    }
    while (container != NULL) {
        struct strbuf key = STRBUF_INIT;
        if (object) {
            json_skip_ws(r);
            if (r->p >= r->end || *r->p != '"' || json_string(r, &key) != 0) {
                strbuf_free(&key);
                toml_free(container);
                return json_fail(r, "expected an object key");
            }
            json_skip_ws(r);
            if (r->p >= r->end || *r->p != ':') {
                strbuf_free(&key);
                toml_free(container);
                return json_fail(r, "expected ':'");
            }
            r->p++;
        }
        struct toml_value *item = json_value(r);
        int rc = item == NULL ? -1
                 : object     ? toml_table_set_len(container, key.data, key.len, item)
                              : toml_array_push(container, item);
        strbuf_free(&key);
        if (rc != 0) {
            toml_free(container);
            return NULL;
        }
        json_skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            r->depth--;
            return container;
        }
        toml_free(container);
        return json_fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    return json_fail(r, "out of memory");
}

/* {"type": T, "value": V} with two strings is a tagged scalar; any other
 * object is a table (which may well have keys named "type" and "value"). */
static int is_tagged(const struct toml_value *t)
{
    return toml_type_of(t) == TOML_TABLE && toml_table_len(t) == 2 &&
           toml_type_of(toml_table_value_at(t, 0)) == TOML_STRING &&
           toml_type_of(toml_table_value_at(t, 1)) == TOML_STRING &&
           toml_table_get(t, "type") != NULL && toml_table_get(t, "value") != NULL;
}

static struct toml_value *scalar(const struct toml_value *tagged, char *why, size_t why_size)
{
    const char *type, *value;
    size_t len;
    toml_get_string(toml_table_get(tagged, "type"), &type);
    toml_get_string_len(toml_table_get(tagged, "value"), &value, &len);
    if (strcmp(type, "string") == 0)
        return toml_new_string_len(value, len);
    if (strcmp(type, "bool") == 0) {
        if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
            return toml_new_bool(value[0] == 't');
    } else if (strcmp(type, "integer") == 0) {
        char *end;
        errno = 0;
        long long i = strtoll(value, &end, 10);
        if (errno == 0 && end != value && *end == '\0')
            return toml_new_integer(i);
    } else if (strcmp(type, "float") == 0) {
        /* strtod reads "inf", "-inf", "nan" and "-nan" as toml-test writes them. */
        char *end;
        double d = strtod(value, &end);
        if (end != value && *end == '\0')
            return toml_new_float(d);
    } else {
        static const struct {
            const char *name;
            enum toml_type kind;
        } kinds[] = {{"datetime", TOML_DATETIME},
                     {"datetime-local", TOML_DATETIME_LOCAL},
                     {"date-local", TOML_DATE_LOCAL},
                     {"time-local", TOML_TIME_LOCAL}};
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            struct toml_value *v = NULL;
            if (strcmp(type, kinds[i].name) == 0 &&
                (v = toml_new_datetime(kinds[i].kind, value)) != NULL)
                return v;
        }
    }
    snprintf(why, why_size, "cannot encode %s value \"%s\"", type, value);
    return NULL;
}

/* Builds the TOML tree that the JSON tree j describes. */
static struct toml_value *convert(const struct toml_value *j, char *why, size_t why_size)
{
    if (is_tagged(j))
        return scalar(j, why, why_size);
    if (toml_type_of(j) == TOML_ARRAY) {
        struct toml_value *arr = toml_new_array();
        for (size_t i = 0; arr != NULL && i < toml_array_len(j); i++) {
            if (toml_array_push(arr, convert(toml_array_at(j, i), why, why_size)) != 0) {
                toml_free(arr);
                arr = NULL;
            }
        }
        return arr;
    }
    if (toml_type_of(j) == TOML_TABLE) {
        struct toml_value *table = toml_new_table();
        for (size_t i = 0; table != NULL && i < toml_table_len(j); i++) {
            size_t klen;
            const char *key = toml_table_key_at_len(j, i, &klen);
            struct toml_value *v = convert(toml_table_value_at(j, i), why, why_size);
            if (toml_table_set_len(table, key, klen, v) != 0) {
                toml_free(table);
                table = NULL;
            }
        }
        return table;
    }
    snprintf(why, why_size, "a bare JSON string where a tagged value was expected");
    return NULL;
}

int main(void)
{
    struct strbuf input = STRBUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        strbuf_append(&input, chunk, n);
    struct json_reader r = {input.data, input.data, input.data + input.len, 0, "out of memory"};
    if (input.data == NULL)
        r.start = r.p = r.end = "";
    struct toml_value *json = json_value(&r);
    json_skip_ws(&r);
    if (json != NULL && r.p != r.end) {
        toml_free(json);
        json = json_fail(&r, "trailing data after the JSON value");
    }
    strbuf_free(&input);
    if (json == NULL) {
        fprintf(stderr, "toml-encoder: %s\n", r.why);
        return 1;
    }
    char why[512] = "out of memory";
    struct toml_value *root = convert(json, why, sizeof(why));
    toml_free(json);
    if (root == NULL) {
        fprintf(stderr, "toml-encoder: %s\n", why);
        return 1;
    }
    struct bp_error err = {{0}};
    char *text = toml_write(root, &err);
    toml_free(root);
    if (text == NULL) {
        fprintf(stderr, "toml-encoder: %s\n", err.message);
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}
