/* toml: parsing and getters, error positions, definition rules, the writer's
 * forms and round-trips, the building API and its ownership rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "toml/toml.h"

static struct toml_value *parse_ok(const char *text)
{
    struct bp_error err = {{0}};
    struct toml_value *root = toml_parse(text, strlen(text), "test.toml", &err);
    if (root == NULL)
        fail_msg("unexpected parse error: %s\n--- input ---\n%s", err.message, text);
    return root;
}

/* Parses text that must fail and returns the message (static buffer). */
/* The spec parser on a file's bytes: the fixtures hold \u0000, which
 * toml_parse_file refuses on purpose (test_file_refuses_nul_escape). */
static struct toml_value *parse_spec_file(const char *path, struct bp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, 1 << 24, &text, &len, err) != 0)
        return NULL;
    struct toml_value *root = toml_parse(text, len, path, err);
    free(text);
    return root;
}

static const char *parse_err(const char *text)
{
    static struct bp_error err;
    error_clear(&err);
    struct toml_value *root = toml_parse(text, strlen(text), "bad.toml", &err);
    if (root != NULL) {
        toml_free(root);
        fail_msg("parse should have failed:\n%s", text);
    }
    return err.message;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* Equal trees; tables compare by key, not order (the writer moves plain
 * values ahead of sub-tables). */
static bool values_equal(const struct toml_value *a, const struct toml_value *b)
{
    if (toml_type_of(a) != toml_type_of(b))
        return false;
    switch (toml_type_of(a)) {
    case TOML_STRING: {
        const char *sa, *sb;
        size_t la, lb;
        toml_get_string_len(a, &sa, &la);
        toml_get_string_len(b, &sb, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case TOML_INTEGER: {
        int64_t ia, ib;
        toml_get_integer(a, &ia);
        toml_get_integer(b, &ib);
        return ia == ib;
    }
    case TOML_FLOAT: {
        double da, db;
        toml_get_float(a, &da);
        toml_get_float(b, &db);
        if (isnan(da) || isnan(db))
            return isnan(da) && isnan(db);
        return da == db && signbit(da) == signbit(db);
    }
    case TOML_BOOL: {
        bool ba, bb;
        toml_get_bool(a, &ba);
        toml_get_bool(b, &bb);
        return ba == bb;
    }
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL: {
        const char *sa, *sb;
        toml_get_datetime(a, &sa);
        toml_get_datetime(b, &sb);
        return strcmp(sa, sb) == 0;
    }
    case TOML_ARRAY:
        if (toml_array_len(a) != toml_array_len(b))
            return false;
        for (size_t i = 0; i < toml_array_len(a); i++) {
            if (!values_equal(toml_array_at(a, i), toml_array_at(b, i)))
                return false;
        }
        return true;
    case TOML_TABLE:
        if (toml_table_len(a) != toml_table_len(b))
            return false;
        for (size_t i = 0; i < toml_table_len(a); i++) {
            size_t klen;
            const char *key = toml_table_key_at_len(a, i, &klen);
            const struct toml_value *other = toml_table_get_len(b, key, klen);
            if (other == NULL || !values_equal(toml_table_value_at(a, i), other))
                return false;
        }
        return true;
    }
    return false;
}

/* write -> parse gives an equal tree, and writing that again gives the
 * same text. Returns the first text (caller frees). */
static char *assert_round_trip(const struct toml_value *root)
{
    struct bp_error err = {{0}};
    char *text = toml_write(root, &err);
    if (text == NULL)
        fail_msg("write failed: %s", err.message);
    struct toml_value *again = toml_parse(text, strlen(text), "written.toml", &err);
    if (again == NULL)
        fail_msg("written TOML does not parse: %s\n--- output ---\n%s", err.message, text);
    if (!values_equal(root, again))
        fail_msg("round trip changed the tree:\n%s", text);
    char *second = toml_write(again, &err);
    assert_non_null(second);
    assert_string_equal(text, second);
    free(second);
    toml_free(again);
    return text;
}

static const char *get_str(const struct toml_value *t, const char *key)
{
    const char *s = NULL;
    if (!toml_get_string(toml_table_get(t, key), &s))
        fail_msg("key %s is not a string", key);
    return s;
}

static int64_t get_int(const struct toml_value *t, const char *key)
{
    int64_t i = 0;
    if (!toml_get_integer(toml_table_get(t, key), &i))
        fail_msg("key %s is not an integer", key);
    return i;
}

static double get_float(const struct toml_value *t, const char *key)
{
    double d = 0;
    if (!toml_get_float(toml_table_get(t, key), &d))
        fail_msg("key %s is not a float", key);
    return d;
}

/* ---- reading ---------------------------------------------------------- */

static void test_parse_fixture_everything(void **state)
{
    (void)state;
    struct bp_error err = {{0}};
    struct toml_value *root = parse_spec_file(BP_TEST_DATA "/toml/everything.toml", &err);
    if (root == NULL)
        fail_msg("%s", err.message);

    assert_string_equal(get_str(root, "title"), "TOML \"everything\"\tfixture");
    assert_int_equal(get_int(root, "bare_key"), 1);
    assert_int_equal(get_int(root, "bare-key"), 2);
    assert_string_equal(get_str(root, "1234"), "digits");
    assert_string_equal(get_str(root, "quoted key"), "literal \\ value");
    assert_string_equal(get_str(root, ""), "empty key");
    bool b = false;
    assert_true(toml_get_bool(toml_table_get(toml_table_get(root, "site"), "google.com"), &b));
    assert_true(b);
    assert_string_equal(get_str(toml_table_get(root, "3"), "14159"), "pi");

    assert_string_equal(get_str(root, "str_ml"), "Roses are red\nViolets are blue");
    assert_string_equal(get_str(root, "lit_ml"), "The first newline is\ntrimmed in raw strings.\n"
                                                 "   All other whitespace\n   is preserved.\n");
    assert_string_equal(get_str(root, "quotes15"),
                        "Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\".");
    assert_string_equal(get_str(root, "unicode"), "\xC3\xA9 \xF0\x9F\x98\x80 snow\xE2\x98\x83");

    assert_int_equal(get_int(root, "int1"), 99);
    assert_int_equal(get_int(root, "int2"), -17);
    assert_int_equal(get_int(root, "int3"), 1000000);
    assert_true(get_int(root, "int_max") == INT64_MAX);
    assert_true(get_int(root, "int_min") == INT64_MIN);
    assert_int_equal(get_int(root, "hex"), 0xDEADBEEF);
    assert_int_equal(get_int(root, "oct"), 0755);
    assert_int_equal(get_int(root, "bin"), 0xD6);
    assert_true(get_float(root, "flt3") == 5e22);
    assert_true(get_float(root, "flt4") == 6.626e-34);
    assert_true(get_float(root, "flt5") == 224617.445991228);
    assert_true(signbit(get_float(root, "flt6")));
    assert_true(isinf(get_float(root, "inf2")) && get_float(root, "inf2") < 0);
    assert_true(isnan(get_float(root, "nan1")));

    const char *dt = NULL;
    const struct toml_value *odt3 = toml_table_get(root, "odt3");
    assert_int_equal(toml_type_of(odt3), TOML_DATETIME);
    assert_true(toml_get_datetime(odt3, &dt));
    assert_string_equal(dt, "1979-05-27T00:32:00.999999+05:30"); /* space -> T */
    assert_true(toml_get_datetime(toml_table_get(root, "odt4"), &dt));
    assert_string_equal(dt, "1979-05-27T07:32:00Z"); /* t, z -> T, Z */
    assert_int_equal(toml_type_of(toml_table_get(root, "ldt")), TOML_DATETIME_LOCAL);
    assert_int_equal(toml_type_of(toml_table_get(root, "ld")), TOML_DATE_LOCAL);
    assert_int_equal(toml_type_of(toml_table_get(root, "lt")), TOML_TIME_LOCAL);

    const struct toml_value *mixed = toml_table_get(root, "mixed");
    assert_int_equal(toml_array_len(mixed), 4);
    assert_int_equal(toml_type_of(toml_array_at(mixed, 2)), TOML_ARRAY);
    assert_int_equal(toml_type_of(toml_array_at(mixed, 3)), TOML_TABLE);
    assert_int_equal(toml_array_len(toml_table_get(root, "multiline_array")), 2);
    const struct toml_value *inl = toml_table_get(root, "inline");
    assert_string_equal(get_str(toml_table_get(inl, "name"), "last"), "Preston-Werner");

    const struct toml_value *x = toml_table_get(root, "x");
    assert_int_equal(get_int(x, "defined_later"), 1);
    assert_non_null(toml_table_get(toml_table_get(toml_table_get(x, "y"), "z"), "w"));
    const struct toml_value *apple = toml_table_get(toml_table_get(root, "fruit"), "apple");
    assert_string_equal(get_str(apple, "color"), "red");
    assert_non_null(toml_table_get(apple, "texture"));

    const struct toml_value *products = toml_table_get(root, "products");
    assert_int_equal(toml_array_len(products), 3);
    assert_int_equal(toml_table_len(toml_array_at(products, 1)), 0);
    const struct toml_value *fruits = toml_table_get(root, "fruits");
    assert_int_equal(toml_array_len(fruits), 2);
    assert_int_equal(toml_array_len(toml_table_get(toml_array_at(fruits, 0), "varieties")), 2);
    assert_string_equal(
        get_str(toml_array_at(toml_table_get(toml_array_at(fruits, 1), "varieties"), 0), "name"),
        "plantain");
    toml_free(root);
}

static void test_parse_keeps_document_order(void **state)
{
    (void)state;
    struct toml_value *root = parse_ok("zeta = 1\nalpha = 2\n[mid]\n[beta]\n");
    const char *want[] = {"zeta", "alpha", "mid", "beta"};
    assert_int_equal(toml_table_len(root), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(toml_table_key_at(root, i), want[i]);
    assert_null(toml_table_key_at(root, 4));
    assert_null(toml_table_value_at(root, 4));
    toml_free(root);
}

static void test_getters_mismatch_leave_output(void **state)
{
    (void)state;
    struct toml_value *root = parse_ok("s = \"x\"\ni = 3\n");
    int64_t i = 42;
    double d = 1.5;
    bool b = true;
    const char *s = "unchanged";
    assert_false(toml_get_integer(toml_table_get(root, "s"), &i));
    assert_false(toml_get_float(toml_table_get(root, "i"), &d));
    assert_false(toml_get_bool(toml_table_get(root, "missing"), &b));
    assert_false(toml_get_string(NULL, &s));
    assert_false(toml_get_datetime(toml_table_get(root, "s"), &s));
    assert_int_equal(i, 42);
    assert_true(d == 1.5);
    assert_true(b);
    assert_string_equal(s, "unchanged");
    assert_null(toml_table_get(NULL, "s"));
    assert_null(toml_table_get(toml_table_get(root, "s"), "x"));
    assert_int_equal(toml_table_len(toml_table_get(root, "s")), 0);
    assert_null(toml_array_at(root, 0));
    assert_string_equal(toml_type_name(TOML_DATE_LOCAL), "date-local");
    assert_string_equal(toml_type_name(TOML_BOOL), "boolean");
    toml_free(root);
}

static void test_parse_empty_inputs(void **state)
{
    (void)state;
    struct bp_error err = {{0}};
    const char *empties[] = {"", "\n\n", "# only a comment", "  \t\r\n# c\r\n"};
    for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
        struct toml_value *root = parse_ok(empties[i]);
        assert_int_equal(toml_type_of(root), TOML_TABLE);
        assert_int_equal(toml_table_len(root), 0);
        toml_free(root);
    }
    struct toml_value *root = toml_parse(NULL, 0, NULL, &err);
    assert_non_null(root);
    assert_int_equal(toml_table_len(root), 0);
    toml_free(root);
    assert_null(toml_parse(NULL, 5, "x.toml", &err));
    assert_string_equal(err.message, "x.toml: no input");
    /* Input need not be NUL-terminated: only len bytes are read. */
    assert_null(toml_parse("a = 1", 3, NULL, &err));
    assert_string_equal(err.message, "<toml>:1:4: expected a value, found end of document");
}

static void test_strings_with_nul(void **state)
{
    (void)state;
    struct toml_value *root = parse_ok("s = \"a\\u0000b\"\n\"k\\u0000ey\" = 1\n");
    const char *s;
    size_t len;
    assert_true(toml_get_string_len(toml_table_get(root, "s"), &s, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a\0b", 3);
    assert_null(toml_table_get(root, "k")); /* "k\0ey" is not "k" */
    size_t klen;
    const char *key = toml_table_key_at_len(root, 1, &klen);
    assert_int_equal(klen, 4);
    assert_memory_equal(key, "k\0ey", 4);
    int64_t i;
    assert_true(toml_get_integer(toml_table_get_len(root, "k\0ey", 4), &i));
    assert_int_equal(i, 1);

    char *text = assert_round_trip(root);
    assert_contains(text, "s = \"a\\u0000b\"");
    assert_contains(text, "\"k\\u0000ey\" = 1");
    free(text);
    toml_free(root);
}

static void test_crlf_and_bom(void **state)
{
    (void)state;
    struct toml_value *root =
        parse_ok("\xEF\xBB\xBF# bom\r\na = \"\"\"\r\nx\r\ny\"\"\"\r\n[t]\r\nb = 1 # c\r\n");
    assert_string_equal(get_str(root, "a"), "x\ny");
    assert_int_equal(get_int(toml_table_get(root, "t"), "b"), 1);
    toml_free(root);
    assert_contains(parse_err("a = 1\r"), "bad.toml:1:6: carriage return");
}

static void test_integer_limits(void **state)
{
    (void)state;
    assert_contains(parse_err("a = 9223372036854775808\n"), "does not fit in 64 bits");
    assert_contains(parse_err("a = -9223372036854775809\n"), "does not fit in 64 bits");
    assert_contains(parse_err("a = 0x8000000000000000\n"), "does not fit in 64 bits");
    struct toml_value *root = parse_ok("a = 0x7FFFFFFFFFFFFFFF\nb = 0b0\nc = -0\nd = 0o0_1\n");
    assert_true(get_int(root, "a") == INT64_MAX);
    assert_int_equal(get_int(root, "c"), 0);
    assert_int_equal(get_int(root, "d"), 1);
    toml_free(root);
}

static void test_datetime_validation(void **state)
{
    (void)state;
    assert_contains(parse_err("d = 2023-02-29\n"), "bad.toml:1:5: date out of range");
    assert_contains(parse_err("d = 1900-02-29\n"), "date out of range");
    assert_contains(parse_err("d = 2024-04-31\n"), "date out of range");
    assert_contains(parse_err("t = 07:32\n"), "without seconds");
    assert_contains(parse_err("t = 24:00:00\n"), "out of range");
    assert_contains(parse_err("t = 2024-01-01T10:00:00+24:00\n"), "offset out of range");
    struct toml_value *root = parse_ok("a = 2000-02-29\nb = 2024-02-29 23:59:60\nc = 2024-01-01 # x\n");
    assert_int_equal(toml_type_of(toml_table_get(root, "b")), TOML_DATETIME_LOCAL);
    assert_int_equal(toml_type_of(toml_table_get(root, "c")), TOML_DATE_LOCAL);
    toml_free(root);
}

/* ---- errors ----------------------------------------------------------- */

static void test_error_positions(void **state)
{
    (void)state;
    /* Columns count characters: "é" is one column though two bytes. */
    assert_string_equal(parse_err("ok = 1\n\"é\" = tru\n"),
                        "bad.toml:2:7: expected a value, found 't'");
    assert_string_equal(parse_err("a = 1\na = 2\n"), "bad.toml:2:1: duplicate key a");
    assert_string_equal(parse_err("a = \"x\\qy\"\n"),
                        "bad.toml:1:7: invalid escape: backslash followed by 'q'");
    assert_string_equal(parse_err("[a]\nx = 1\n[a]\n"), "bad.toml:3:2: table a is already defined");
    assert_string_equal(parse_err("arr = [1, 2\n"), "bad.toml:1:7: unterminated array");
    assert_string_equal(parse_err("a = \"\xff\"\n"), "bad.toml:1:6: invalid UTF-8");
    assert_string_equal(parse_err("a = 1 b = 2\n"),
                        "bad.toml:1:7: unexpected 'b' after value (want a newline)");
    assert_string_equal(parse_err("x = { a = 1, }\n"),
                        "bad.toml:1:14: trailing comma in inline table");
    assert_string_equal(parse_err("x = { a = 1,\n b = 2 }\n"),
                        "bad.toml:1:13: expected a key, found newline");
    assert_string_equal(parse_err("\"a\\u0000\".b = 1\n\"a\\u0000\" = 2\n"),
                        "bad.toml:2:1: duplicate key \"a\\u0000\"");
}

static void test_error_names_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_toml.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = path_join(dir, "launch.toml");
    struct bp_error err = {{0}};
    assert_int_equal(file_write_atomic(path, "[[processes]]\ntype = web\n", 26, 0644, &err), 0);
    assert_null(toml_parse_file(path, &err));
    char want[512];
    snprintf(want, sizeof(want), "%s:2:8: expected a value, found 'w'", path);
    assert_string_equal(err.message, want);

    char *missing = path_join(dir, "missing.toml");
    assert_null(toml_parse_file(missing, &err));
    assert_contains(err.message, missing);
    free(missing);
    free(path);
    assert_int_equal(file_remove_tree(dir, NULL), 0);
}

static void test_table_definition_rules(void **state)
{
    (void)state;
    assert_contains(parse_err("a.b = 1\n[a]\n"), "table a is already defined");
    assert_contains(parse_err("[a]\nb.c = 1\n[a.b]\n"), "table a.b is already defined");
    assert_contains(parse_err("[a.b.c]\n[a]\nb.d = 1\n"),
                    "cannot add keys to table b with a dotted key");
    assert_contains(parse_err("a = {}\n[a.b]\n"), "cannot extend inline table a");
    assert_contains(parse_err("a = {b = 1}\na.c = 2\n"), "it is an inline table");
    assert_contains(parse_err("a = [1]\n[[a]]\n"), "it is a static array");
    assert_contains(parse_err("[[a]]\n[a]\n"), "key a is already defined as an array");
    assert_contains(parse_err("[a]\n[[a]]\n"), "it is a table");
    assert_contains(parse_err("a = 1\n[a.b]\n"), "key a is already defined as an integer");
    /* What the same rules allow. */
    struct toml_value *root = parse_ok("[a.b.c]\n[a]\nx = 1\n"
                                       "[fruit]\napple.color = 1\n[fruit.apple.texture]\n"
                                       "[[arr]]\n[arr.sub]\n[[arr]]\n[arr.sub]\n"
                                       "[[arr.list]]\nk = 1\n");
    const struct toml_value *arr = toml_table_get(root, "arr");
    assert_int_equal(toml_array_len(arr), 2);
    assert_non_null(toml_table_get(toml_array_at(arr, 1), "list"));
    toml_free(root);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    /* 512 levels parse, write and parse again; 513 are refused. */
    size_t deep = 511; /* the value under key "a" sits at depth 1 */
    char *text = malloc(2 * deep + 16);
    size_t n = (size_t)sprintf(text, "a = ");
    memset(text + n, '[', deep + 1);
    memset(text + n + deep + 1, ']', deep + 1);
    strcpy(text + n + 2 * (deep + 1), "\n");
    struct toml_value *root = parse_ok(text);
    char *out = assert_round_trip(root);
    free(out);
    toml_free(root);
    free(text);

    text = malloc(2 * deep + 16);
    n = (size_t)sprintf(text, "a = ");
    memset(text + n, '[', deep + 2);
    memset(text + n + deep + 2, ']', deep + 2);
    strcpy(text + n + 2 * (deep + 2), "\n");
    assert_contains(parse_err(text), "nesting deeper than 512 levels");
    free(text);

    /* Inline tables nest the same way: 512 levels of "{b = " parse, 513 do not. */
    for (size_t levels = 512; levels <= 513; levels++) {
        text = malloc(levels * 6 + 16);
        n = (size_t)sprintf(text, "a = ");
        for (size_t i = 0; i < levels; i++)
            n += (size_t)sprintf(text + n, "{b = ");
        text[n++] = '1';
        memset(text + n, '}', levels);
        strcpy(text + n + levels, "\n");
        if (levels == 512) {
            root = parse_ok(text);
            free(assert_round_trip(root));
            toml_free(root);
        } else {
            assert_contains(parse_err(text), "bad.toml:1:2565: nesting deeper than 512 levels");
        }
        free(text);
    }

    /* Dotted keys count too: they cannot be used to dodge the limit. */
    char *key = malloc(600 * 2 + 16);
    size_t key_len = 0;
    for (int i = 0; i < 600; i++)
        key_len += (size_t)sprintf(key + key_len, i ? ".k" : "k");
    strcpy(key + key_len, " = 1\n");
    assert_contains(parse_err(key), "more than 512 parts");
    free(key);
}

/* ---- writing ---------------------------------------------------------- */

static void test_round_trip_fixtures(void **state)
{
    (void)state;
    const char *files[] = {"everything.toml", "launch.toml", "buildpack.toml"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/toml/%s", BP_TEST_DATA, files[i]);
        struct bp_error err = {{0}};
        struct toml_value *root = parse_spec_file(path, &err);
        if (root == NULL)
            fail_msg("%s", err.message);
        free(assert_round_trip(root));
        toml_free(root);
    }
}

static void test_writer_forms(void **state)
{
    (void)state;
    struct toml_value *root = parse_ok(
        "title = 'x'\n"
        "[[processes]]\ntype = \"web\"\ncommand = [\"a b\", \"c\"]\n"
        "[processes.env]\nK = \"v\"\n"
        "[[processes.slices]]\npaths = []\n"
        "[empty]\n"
        "[only.sub]\nv = 1\n"
        "[keys]\n\"needs quotes\" = 1\n\"\" = 2\n\"tab\\tkey\" = 3\nbare-ok_1 = 4\n");
    /* Values of mixed kinds, arrays of arrays of tables, and tables in a
     * mixed array must be written inline. */
    struct toml_value *mixed = toml_new_array();
    assert_int_equal(toml_array_push(mixed, toml_new_integer(1)), 0);
    struct toml_value *inner = toml_new_table();
    assert_int_equal(toml_table_set(inner, "k", toml_new_string("v")), 0);
    assert_int_equal(toml_array_push(mixed, inner), 0);
    assert_int_equal(toml_table_set(root, "mixed", mixed), 0);
    struct toml_value *aoa = toml_new_array();
    struct toml_value *aot = toml_new_array();
    struct toml_value *elem = toml_new_table();
    assert_int_equal(toml_table_set(elem, "deep", toml_new_table()), 0);
    assert_int_equal(toml_array_push(aot, elem), 0);
    assert_int_equal(toml_array_push(aoa, aot), 0);
    assert_int_equal(toml_table_set(root, "aoa", aoa), 0);

    char *text = assert_round_trip(root);
    assert_string_equal(text,
                        "title = \"x\"\n"
                        "mixed = [1, { k = \"v\" }]\n"
                        "aoa = [[{ deep = {} }]]\n"
                        "\n[[processes]]\ntype = \"web\"\ncommand = [\"a b\", \"c\"]\n"
                        "\n[processes.env]\nK = \"v\"\n"
                        "\n[[processes.slices]]\npaths = []\n"
                        "\n[empty]\n"
                        "\n[only.sub]\nv = 1\n"
                        "\n[keys]\n\"needs quotes\" = 1\n\"\" = 2\n\"tab\\tkey\" = 3\nbare-ok_1 = 4\n");
    free(text);
    toml_free(root);
}

static void test_writer_scalars(void **state)
{
    (void)state;
    struct toml_value *root = toml_new_table();
    assert_int_equal(toml_table_set(root, "f1", toml_new_float(0.1)), 0);
    assert_int_equal(toml_table_set(root, "f2", toml_new_float(5.0)), 0);
    assert_int_equal(toml_table_set(root, "f3", toml_new_float(1e300)), 0);
    assert_int_equal(toml_table_set(root, "f4", toml_new_float(-0.0)), 0);
    assert_int_equal(toml_table_set(root, "f5", toml_new_float(-INFINITY)), 0);
    assert_int_equal(toml_table_set(root, "f6", toml_new_float(NAN)), 0);
    assert_int_equal(toml_table_set(root, "f7", toml_new_float(5e-324)), 0);
    assert_int_equal(toml_table_set(root, "i", toml_new_integer(INT64_MIN)), 0);
    assert_int_equal(toml_table_set(root, "s", toml_new_string("q\"\\\x01\x7f\n\xc3\xa9")), 0);
    assert_int_equal(toml_table_set(root, "b", toml_new_bool(false)), 0);
    assert_int_equal(
        toml_table_set(root, "d", toml_new_datetime(TOML_DATETIME, "2024-02-29 10:00:00.5z")), 0);
    char *text = assert_round_trip(root);
    assert_string_equal(text, "f1 = 0.1\nf2 = 5.0\nf3 = 1e+300\nf4 = -0.0\nf5 = -inf\nf6 = nan\n"
                              "f7 = 5e-324\ni = -9223372036854775808\n"
                              "s = \"q\\\"\\\\\\u0001\\u007F\\n\xc3\xa9\"\n"
                              "b = false\nd = 2024-02-29T10:00:00.5Z\n");
    free(text);
    toml_free(root);
}

static void test_writer_refuses_bad_input(void **state)
{
    (void)state;
    struct bp_error err = {{0}};
    struct toml_value *root = toml_new_table();
    struct toml_value *sub = toml_new_table();
    assert_int_equal(toml_table_set(sub, "bad", toml_new_string("\xff\xfe")), 0);
    assert_int_equal(toml_table_set(root, "sub", sub), 0);
    assert_null(toml_write(root, &err));
    assert_string_equal(err.message,
                        "writing TOML: key \"bad\": text is not valid UTF-8, which TOML cannot hold");
    toml_free(root);

    struct toml_value *arr = toml_new_array();
    assert_null(toml_write(arr, &err));
    assert_contains(err.message, "root must be a table");
    toml_free(arr);

    /* A tree built deeper than the parser accepts is refused, not overflowed. */
    root = toml_new_table();
    struct toml_value *at = root;
    for (int i = 0; i < 600; i++) {
        struct toml_value *next = toml_new_table();
        assert_int_equal(toml_table_set(at, "k", next), 0);
        at = next;
    }
    assert_null(toml_write(root, &err));
    assert_contains(err.message, "deeper than");
    toml_free(root);
}

static void test_write_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_toml.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = path_join(dir, "out.toml");
    struct bp_error err = {{0}};
    struct toml_value *root = parse_ok("[[processes]]\ntype = \"web\"\n");
    assert_int_equal(toml_write_file(path, root, &err), 0);
    struct toml_value *back = toml_parse_file(path, &err);
    assert_non_null(back);
    assert_true(values_equal(root, back));
    toml_free(back);

    char *nowhere = path_join(dir, "no/such/dir/out.toml");
    assert_int_equal(toml_write_file(nowhere, root, &err), -1);
    assert_contains(err.message, nowhere);
    free(nowhere);
    toml_free(root);
    free(path);
    assert_int_equal(file_remove_tree(dir, NULL), 0);
}

/* ---- building --------------------------------------------------------- */

static void test_build_set_replace_remove(void **state)
{
    (void)state;
    struct toml_value *t = toml_new_table();
    assert_int_equal(toml_table_set(t, "a", toml_new_integer(1)), 0);
    assert_int_equal(toml_table_set(t, "b", toml_new_integer(2)), 0);
    assert_int_equal(toml_table_set(t, "c", toml_new_integer(3)), 0);
    /* Replacing keeps the key's place and frees the old value (ASan checks). */
    assert_int_equal(toml_table_set(t, "a", toml_new_string("one")), 0);
    assert_int_equal(toml_table_len(t), 3);
    assert_string_equal(toml_table_key_at(t, 0), "a");
    assert_string_equal(get_str(t, "a"), "one");
    assert_int_equal(toml_table_remove(t, "b"), 0);
    assert_int_equal(toml_table_remove(t, "b"), -1);
    assert_int_equal(toml_table_len(t), 2);
    assert_string_equal(toml_table_key_at(t, 1), "c");

    struct toml_value *sub = toml_new_table();
    assert_int_equal(toml_table_set(t, "sub", sub), 0);
    struct toml_value *mut = toml_table_get_mut(t, "sub");
    assert_ptr_equal(mut, sub);
    assert_int_equal(toml_table_set(mut, "x", toml_new_bool(true)), 0);
    assert_non_null(toml_table_get(toml_table_get(t, "sub"), "x"));

    /* Failures still take ownership of the value (no leak under ASan). */
    struct toml_value *arr = toml_new_array();
    assert_int_equal(toml_table_set(arr, "k", toml_new_integer(1)), -1);
    assert_int_equal(toml_table_set(t, NULL, toml_new_integer(1)), -1);
    assert_int_equal(toml_array_push(t, toml_new_integer(1)), -1);
    assert_int_equal(toml_table_set(t, "null", NULL), -1);
    assert_int_equal(toml_array_push(arr, toml_new_integer(7)), 0);
    assert_int_equal(toml_array_push(arr, toml_new_string_len("a\0b", 3)), 0);
    int64_t i;
    assert_true(toml_get_integer(toml_array_at_mut(arr, 0), &i));
    assert_int_equal(i, 7);
    assert_null(toml_array_at_mut(arr, 2));
    assert_int_equal(toml_table_set(t, "arr", arr), 0);
    assert_int_equal(toml_table_set_len(t, "n\0ul", 4, toml_new_integer(4)), 0);
    assert_int_equal(toml_table_len(t), 5);
    toml_free(t);
}

static void test_build_clone_is_deep(void **state)
{
    (void)state;
    struct bp_error err = {{0}};
    struct toml_value *root = parse_spec_file(BP_TEST_DATA "/toml/everything.toml", &err);
    assert_non_null(root);
    struct toml_value *copy = toml_clone(root);
    assert_non_null(copy);
    assert_true(values_equal(root, copy));
    assert_int_equal(toml_table_set(toml_table_get_mut(copy, "table"), "key", toml_new_integer(9)),
                     0);
    assert_string_equal(get_str(toml_table_get(root, "table"), "key"), "value");
    assert_false(values_equal(root, copy));
    toml_free(copy);
    toml_free(root);
}

static void test_build_datetime(void **state)
{
    (void)state;
    const char *text;
    struct toml_value *v = toml_new_datetime(TOML_DATE_LOCAL, "2024-02-29");
    assert_non_null(v);
    assert_true(toml_get_datetime(v, &text));
    assert_string_equal(text, "2024-02-29");
    toml_free(v);
    assert_null(toml_new_datetime(TOML_DATE_LOCAL, "2023-02-29"));
    assert_null(toml_new_datetime(TOML_DATETIME, "2024-01-01T00:00:00")); /* no offset */
    assert_null(toml_new_datetime(TOML_TIME_LOCAL, "10:00:00 trailing"));
    assert_null(toml_new_datetime(TOML_STRING, "10:00:00"));
    v = toml_new_datetime(TOML_TIME_LOCAL, "23:59:59.123");
    assert_non_null(v);
    assert_int_equal(toml_type_of(v), TOML_TIME_LOCAL);
    toml_free(v);
}

static void test_large_table_lookup(void **state)
{
    (void)state;
    struct toml_value *t = toml_new_table();
    char key[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        assert_int_equal(toml_table_set(t, key, toml_new_integer(i)), 0);
    }
    for (int i = 0; i < 2000; i += 2) {
        snprintf(key, sizeof(key), "key%d", i);
        assert_int_equal(toml_table_remove(t, key), 0);
    }
    assert_int_equal(toml_table_len(t), 1000);
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        int64_t v = -1;
        bool found = toml_get_integer(toml_table_get(t, key), &v);
        assert_int_equal(found, i % 2 == 1);
        if (found)
            assert_int_equal(v, i);
    }
    assert_string_equal(toml_table_key_at(t, 0), "key1");
    assert_string_equal(toml_table_key_at(t, 999), "key1999");

    /* Duplicate detection must work with the index too. */
    char *text = toml_write(t, NULL);
    assert_non_null(text);
    size_t len = strlen(text);
    char *longer = realloc(text, len + 32);
    assert_non_null(longer);
    text = longer;
    strcpy(text + len, "key1999 = 0\n");
    struct bp_error err = {{0}};
    assert_null(toml_parse(text, strlen(text), "big.toml", &err));
    assert_string_equal(err.message, "big.toml:1001:1: duplicate key key1999");
    free(text);
    toml_free(t);
}

/* Buildpack files feed C strings (commands, process types, paths, env):
 * a \u0000 there used to cut them silently. toml_parse_file refuses it,
 * naming file:line:col; toml_parse (the spec decoder) keeps lengths. */
static void test_file_refuses_nul_escape(void **state)
{
    (void)state;
    char path[] = "/tmp/test_toml_nul.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[[processes]]\ntype = \"web\"\ncommand = [\"python\\u0000 -c evil\"]\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct bp_error err = {{0}};
    struct toml_value *root = toml_parse_file(path, &err);
    assert_null(root);
    char want[128];
    snprintf(want, sizeof want, "%s:3:19: ", path);
    assert_contains(err.message, want);
    assert_contains(err.message, "\\u0000");

    /* Keys too, and \U00000000. */
    const char *key_text = "\"we\\U00000000b\" = 1\n";
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, key_text, strlen(key_text)), (ssize_t)strlen(key_text));
    close(fd);
    root = toml_parse_file(path, &err);
    assert_null(root);
    snprintf(want, sizeof want, "%s:1:4: ", path);
    assert_contains(err.message, want);

    /* The in-memory parser keeps the length for spec conformance. */
    root = toml_parse(text, strlen(text), "mem", &err);
    assert_non_null(root);
    const char *s = NULL;
    size_t len = 0;
    const struct toml_value *procs = toml_table_get(root, "processes");
    const struct toml_value *cmd = toml_table_get(toml_array_at(procs, 0), "command");
    assert_true(toml_get_string_len(toml_array_at(cmd, 0), &s, &len));
    assert_int_equal(len, strlen("python") + 1 + strlen(" -c evil"));
    toml_free(root);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fixture_everything),
        cmocka_unit_test(test_parse_keeps_document_order),
        cmocka_unit_test(test_getters_mismatch_leave_output),
        cmocka_unit_test(test_parse_empty_inputs),
        cmocka_unit_test(test_strings_with_nul),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_integer_limits),
        cmocka_unit_test(test_datetime_validation),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_error_names_file),
        cmocka_unit_test(test_table_definition_rules),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_round_trip_fixtures),
        cmocka_unit_test(test_writer_forms),
        cmocka_unit_test(test_writer_scalars),
        cmocka_unit_test(test_writer_refuses_bad_input),
        cmocka_unit_test(test_write_file),
        cmocka_unit_test(test_build_set_replace_remove),
        cmocka_unit_test(test_build_clone_is_deep),
        cmocka_unit_test(test_build_datetime),
        cmocka_unit_test(test_large_table_lookup),
        cmocka_unit_test(test_file_refuses_nul_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
