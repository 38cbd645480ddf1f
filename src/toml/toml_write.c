/* TOML 1.0 writer: plain key/values first, then sub-tables as [headers] and
 * arrays of tables as [[headers]]; everything below a plain value is written
 * inline. The output reads back (toml_parse) to an equal tree. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "toml/toml_internal.h"

struct writer {
    struct strbuf out;
    struct strbuf path; /* dotted header path of the table being written */
    const char *key;    /* innermost key, for error messages */
    size_t key_len;
    struct bp_error *err;
};

static int is_bare_key(const char *key, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Names the key at fault, printable even if it holds control bytes. */
static int fail_key(struct writer *w, const char *what)
{
    struct strbuf name = STRBUF_INIT;
    for (size_t i = 0; w->key != NULL && i < w->key_len && i < 200; i++) {
        unsigned char c = (unsigned char)w->key[i];
        if (c < 0x20 || c >= 0x7F)
            strbuf_appendf(&name, "\\x%02X", c);
        else
            strbuf_append_char(&name, (char)c);
    }
    error_set(w->err, "writing TOML: key \"%s\": %s", name.data != NULL ? name.data : "", what);
    strbuf_free(&name);
    return -1;
}

/* A basic string with every control character escaped, so it stays on one
 * line and round-trips byte for byte. */
static int write_string(struct writer *w, struct strbuf *sb, const char *s, size_t len)
{
    if (toml_utf8_valid_prefix(s, len) != len)
        return fail_key(w, "text is not valid UTF-8, which TOML cannot hold");
    strbuf_append_char(sb, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\f': esc = "\\f"; break;
        case '\r': esc = "\\r"; break;
        default:
            if (c < 0x20 || c == 0x7F) {
                snprintf(hex, sizeof(hex), "\\u%04X", c);
                esc = hex;
            }
        }
        if (esc == NULL)
            continue;
        strbuf_append(sb, s + run, i - run);
        strbuf_append_str(sb, esc);
        run = i + 1;
    }
    strbuf_append(sb, s + run, len - run);
    strbuf_append_char(sb, '"');
    return 0;
}

static int write_key(struct writer *w, struct strbuf *sb, const char *key, size_t len)
{
    if (!is_bare_key(key, len))
        return write_string(w, sb, key, len);
    strbuf_append(sb, key, len);
    return 0;
}

static int check_depth(struct writer *w, int depth)
{
    if (depth > TOML_MAX_DEPTH)
        return fail_key(w, "values nest deeper than TOML_MAX_DEPTH (512) levels");
    return 0;
}

static int write_inline(struct writer *w, const struct toml_value *v, int depth)
{
    struct strbuf *sb = &w->out;
    char buf[64];
    switch (v->type) {
    case TOML_STRING:
        return write_string(w, sb, v->u.str.data, v->u.str.len);
    case TOML_INTEGER:
        snprintf(buf, sizeof(buf), "%" PRId64, v->u.integer);
        strbuf_append_str(sb, buf);
        return 0;
    case TOML_FLOAT:
        toml_format_float(v->u.real, buf, sizeof(buf));
        strbuf_append_str(sb, buf);
        return 0;
    case TOML_BOOL:
        strbuf_append_str(sb, v->u.boolean ? "true" : "false");
        return 0;
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        strbuf_append(sb, v->u.str.data, v->u.str.len);
        return 0;
    case TOML_ARRAY:
        if (check_depth(w, depth) != 0)
            return -1;
        strbuf_append_char(sb, '[');
        for (size_t i = 0; i < v->u.array.len; i++) {
            if (i > 0)
                strbuf_append_str(sb, ", ");
            if (write_inline(w, v->u.array.items[i], depth + 1) != 0)
                return -1;
        }
        strbuf_append_char(sb, ']');
        return 0;
    case TOML_TABLE:
        if (check_depth(w, depth) != 0)
            return -1;
        if (v->u.table.len == 0) {
            strbuf_append_str(sb, "{}");
            return 0;
        }
        strbuf_append_str(sb, "{ ");
        for (size_t i = 0; i < v->u.table.len; i++) {
            const struct toml_entry *e = &v->u.table.entries[i];
            w->key = e->key;
            w->key_len = e->key_len;
            if (i > 0)
                strbuf_append_str(sb, ", ");
            if (write_key(w, sb, e->key, e->key_len) != 0)
                return -1;
            strbuf_append_str(sb, " = ");
            if (write_inline(w, e->value, depth + 1) != 0)
                return -1;
        }
        strbuf_append_str(sb, " }");
        return 0;
    }
    return fail_key(w, "value of unknown type");
}

static int is_array_of_tables(const struct toml_value *v)
{
    if (v->type != TOML_ARRAY || v->u.array.len == 0)
        return 0;
    for (size_t i = 0; i < v->u.array.len; i++) {
        if (v->u.array.items[i]->type != TOML_TABLE)
            return 0;
    }
    return 1;
}

static int is_section(const struct toml_value *v)
{
    return v->type == TOML_TABLE || is_array_of_tables(v);
}

/* A table needs its own [header] only if something would otherwise be
 * lost: its plain key/values, or its existence when empty. */
static int needs_header(const struct toml_value *t)
{
    if (t->u.table.len == 0)
        return 1;
    for (size_t i = 0; i < t->u.table.len; i++) {
        if (!is_section(t->u.table.entries[i].value))
            return 1;
    }
    return 0;
}

static void write_header(struct writer *w, const char *open, const char *close)
{
    if (w->out.len > 0)
        strbuf_append_char(&w->out, '\n');
    strbuf_append_str(&w->out, open);
    strbuf_append(&w->out, w->path.data, w->path.len);
    strbuf_append_str(&w->out, close);
}

static int write_table(struct writer *w, const struct toml_value *t, int depth)
{
    if (check_depth(w, depth) != 0)
        return -1;
    for (size_t i = 0; i < t->u.table.len; i++) {
        const struct toml_entry *e = &t->u.table.entries[i];
        if (is_section(e->value))
            continue;
        w->key = e->key;
        w->key_len = e->key_len;
        if (write_key(w, &w->out, e->key, e->key_len) != 0)
            return -1;
        strbuf_append_str(&w->out, " = ");
        if (write_inline(w, e->value, depth + 1) != 0)
            return -1;
        strbuf_append_char(&w->out, '\n');
    }
    for (size_t i = 0; i < t->u.table.len; i++) {
        const struct toml_entry *e = &t->u.table.entries[i];
        if (!is_section(e->value))
            continue;
        w->key = e->key;
        w->key_len = e->key_len;
        size_t saved = w->path.len;
        if (saved > 0)
            strbuf_append_char(&w->path, '.');
        if (write_key(w, &w->path, e->key, e->key_len) != 0)
            return -1;
        if (e->value->type == TOML_TABLE) {
            if (needs_header(e->value))
                write_header(w, "[", "]\n");
            if (write_table(w, e->value, depth + 1) != 0)
                return -1;
        } else {
            for (size_t j = 0; j < e->value->u.array.len; j++) {
                if (check_depth(w, depth + 1) != 0)
                    return -1;
                write_header(w, "[[", "]]\n");
                if (write_table(w, e->value->u.array.items[j], depth + 2) != 0)
                    return -1;
            }
        }
        w->path.len = saved;
        w->path.data[saved] = '\0';
    }
    return 0;
}

char *toml_write(const struct toml_value *root, struct bp_error *err)
{
    if (root == NULL || root->type != TOML_TABLE) {
        error_set(err, "writing TOML: the root must be a table");
        return NULL;
    }
    struct writer w = {STRBUF_INIT, STRBUF_INIT, NULL, 0, err};
    char *text = NULL;
    if (write_table(&w, root, 0) != 0)
        goto cleanup;
    text = strbuf_detach(&w.out);
cleanup:
    strbuf_free(&w.out);
    strbuf_free(&w.path);
    return text;
}

int toml_write_file(const char *path, const struct toml_value *root, struct bp_error *err)
{
    char *text = toml_write(root, err);
    if (text == NULL)
        return error_wrap(err, "%s", path);
    int rc = file_write_atomic(path, text, strlen(text), 0644, err);
    free(text);
    return rc;
}
