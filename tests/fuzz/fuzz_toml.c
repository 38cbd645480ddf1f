/* libFuzzer target for the TOML reader and writer: whatever parses must
 * write, parse again to an equal tree, and write again to the same text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml.h"

static int equal(const struct toml_value *a, const struct toml_value *b)
{
    if (toml_type_of(a) != toml_type_of(b))
        return 0;
    const char *sa, *sb;
    size_t la, lb;
    switch (toml_type_of(a)) {
    case TOML_STRING:
        toml_get_string_len(a, &sa, &la);
        toml_get_string_len(b, &sb, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    case TOML_INTEGER: {
        int64_t x, y;
        toml_get_integer(a, &x);
        toml_get_integer(b, &y);
        return x == y;
    }
    case TOML_FLOAT: {
        double x, y;
        toml_get_float(a, &x);
        toml_get_float(b, &y);
        return isnan(x) ? isnan(y) : x == y && signbit(x) == signbit(y);
    }
    case TOML_BOOL: {
        bool x, y;
        toml_get_bool(a, &x);
        toml_get_bool(b, &y);
        return x == y;
    }
    case TOML_ARRAY:
        if (toml_array_len(a) != toml_array_len(b))
            return 0;
        for (size_t i = 0; i < toml_array_len(a); i++)
            if (!equal(toml_array_at(a, i), toml_array_at(b, i)))
                return 0;
        return 1;
    case TOML_TABLE:
        if (toml_table_len(a) != toml_table_len(b))
            return 0;
        for (size_t i = 0; i < toml_table_len(a); i++) {
            const char *key = toml_table_key_at_len(a, i, &la);
            const struct toml_value *other = toml_table_get_len(b, key, la);
            if (other == NULL || !equal(toml_table_value_at(a, i), other))
                return 0;
        }
        return 1;
    default: /* the four date/time kinds */
        toml_get_datetime(a, &sa);
        toml_get_datetime(b, &sb);
        return strcmp(sa, sb) == 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bp_error err;
    struct toml_value *root = toml_parse((const char *)data, size, "fuzz", &err);
    if (root == NULL)
        return 0;
    char *text = toml_write(root, &err);
    if (text == NULL)
        abort(); /* every parsed tree must be writable */
    struct toml_value *again = toml_parse(text, strlen(text), "rewritten", &err);
    if (again == NULL || !equal(root, again))
        abort();
    char *text2 = toml_write(again, &err);
    if (text2 == NULL || strcmp(text, text2) != 0)
        abort();
    struct toml_value *copy = toml_clone(again);
    if (copy == NULL || !equal(copy, root))
        abort();
    toml_free(copy);
    free(text2);
    toml_free(again);
    free(text);
    toml_free(root);
    return 0;
}
