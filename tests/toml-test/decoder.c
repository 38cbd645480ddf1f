/* toml-test decoder: reads TOML on stdin and prints toml-test's JSON
 * description of it on stdout; exits 1 with the parse error on stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/strbuf.h"
#include "toml/toml.h"

static json_t *tagged(const char *type, const char *value, size_t len)
{
    json_t *obj = json_object();
    if (obj == NULL)
        return NULL;
    if (json_object_set_new(obj, "type", json_string(type)) != 0 ||
        json_object_set_new(obj, "value", json_stringn(value, len)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *describe(const struct toml_value *v)
{
    char buf[64];
    switch (toml_type_of(v)) {
    case TOML_STRING: {
        const char *s;
        size_t len;
        toml_get_string_len(v, &s, &len);
        return tagged("string", s, len);
    }
    case TOML_INTEGER: {
        int64_t i;
        toml_get_integer(v, &i);
        int n = snprintf(buf, sizeof(buf), "%" PRId64, i);
        return tagged("integer", buf, (size_t)n);
    }
    case TOML_FLOAT: {
        double d;
        toml_get_float(v, &d);
        /* %.17g always reads back to the same double; toml-test compares
         * floats by value, so the shortest form is not needed here. */
        int n = d != d ? snprintf(buf, sizeof(buf), "nan")
                       : snprintf(buf, sizeof(buf), "%.17g", d);
        return tagged("float", buf, (size_t)n);
    }
    case TOML_BOOL: {
        bool b;
        toml_get_bool(v, &b);
        return tagged("bool", b ? "true" : "false", b ? 4 : 5);
    }
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL: {
        const char *s;
        toml_get_datetime(v, &s);
        size_t len = 0;
        while (s[len] != '\0')
            len++;
        return tagged(toml_type_name(toml_type_of(v)), s, len);
    }
    case TOML_ARRAY: {
        json_t *arr = json_array();
        for (size_t i = 0; arr != NULL && i < toml_array_len(v); i++) {
            if (json_array_append_new(arr, describe(toml_array_at(v, i))) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        return arr;
    }
    case TOML_TABLE: {
        json_t *obj = json_object();
        for (size_t i = 0; obj != NULL && i < toml_table_len(v); i++) {
            size_t klen;
            const char *key = toml_table_key_at_len(v, i, &klen);
            if (json_object_setn_new(obj, key, klen, describe(toml_table_value_at(v, i))) != 0) {
                json_decref(obj);
                obj = NULL;
            }
        }
        return obj;
    }
    }
    return NULL;
}

int main(void)
{
    struct strbuf input = STRBUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        strbuf_append(&input, chunk, n);
    struct bp_error err = {{0}};
    struct toml_value *root = toml_parse(input.data, input.len, "stdin", &err);
    strbuf_free(&input);
    if (root == NULL) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    json_t *json = describe(root);
    toml_free(root);
    if (json == NULL) {
        fprintf(stderr, "toml-decoder: out of memory\n");
        return 2;
    }
    int rc = json_dumpf(json, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 ? 0 : 2;
    json_decref(json);
    putchar('\n');
    return rc;
}
