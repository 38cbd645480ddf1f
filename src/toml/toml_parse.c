/* TOML 1.0 parser: a recursive-descent reader over a byte range that builds
 * the value tree and enforces the (re)definition rules of tables. Errors say
 * "<name>:<line>:<col>: <what>". */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "toml/toml_internal.h"

/* Configuration files are small; this only stops a runaway read. */
#define TOML_MAX_FILE_BYTES (64u * 1024u * 1024u)

struct parser {
    const char *start, *p, *end;
    const char *name;
    struct bp_error *err;
    struct toml_value *root;
    struct toml_value *current; /* table that key/values go into */
    int current_depth;          /* its depth below the root */
    bool refuse_nul;            /* files: \u0000 would cut the C strings read from them */
};

struct key_part {
    char *text;
    size_t len;
    const char *at; /* where the part starts, for error positions */
};

struct key_path {
    struct key_part *parts;
    size_t len, cap;
};

static void key_path_free(struct key_path *kp)
{
    for (size_t i = 0; i < kp->len; i++)
        free(kp->parts[i].text);
    free(kp->parts);
    kp->parts = NULL;
    kp->len = kp->cap = 0;
}

/* ---- errors ----------------------------------------------------------- */

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
    size_t line = 1, col = 1;
    if (at > ps->end)
        at = ps->end;
    for (const char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)*q & 0xC0) != 0x80) {
            col++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return error_set(ps->err, "%s:%zu:%zu: %s", ps->name, line, col, what);
}

/* Quotes a key path for messages, e.g. a."b c".d (NULs shown as \u0000). */
static void describe_key(const struct key_path *kp, size_t upto, char *buf, size_t size)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i <= upto && i < kp->len; i++) {
        const struct key_part *k = &kp->parts[i];
        int bare = k->len > 0;
        for (size_t j = 0; j < k->len; j++) {
            char c = k->text[j];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-'))
                bare = 0;
        }
        if (i > 0)
            strbuf_append_char(&sb, '.');
        if (bare) {
            strbuf_append(&sb, k->text, k->len);
            continue;
        }
        strbuf_append_char(&sb, '"');
        for (size_t j = 0; j < k->len; j++) {
            unsigned char c = (unsigned char)k->text[j];
            if (c < 0x20 || c == 0x7F)
                strbuf_appendf(&sb, "\\u%04X", c);
            else if (c == '"' || c == '\\')
                strbuf_appendf(&sb, "\\%c", c);
            else
                strbuf_append_char(&sb, (char)c);
        }
        strbuf_append_char(&sb, '"');
    }
    snprintf(buf, size, "%s", sb.data != NULL ? sb.data : "");
    strbuf_free(&sb);
}

/* fail() at key part upto; fmt's first %s is the key path up to that part,
 * an optional second %s is detail. The name buffer lives here, off the
 * stack of the recursive parser. */
static int fail_key(struct parser *ps, const struct key_path *kp, size_t upto, const char *fmt,
                    const char *detail)
{
    char name[256];
    describe_key(kp, upto, name, sizeof(name));
    return fail(ps, kp->parts[upto].at, fmt, name, detail);
}

/* "a string", "an integer", ... for messages. */
static const char *a_type(enum toml_type t)
{
    switch (t) {
    case TOML_STRING: return "a string";
    case TOML_INTEGER: return "an integer";
    case TOML_FLOAT: return "a float";
    case TOML_BOOL: return "a boolean";
    case TOML_DATETIME: return "an offset date-time";
    case TOML_DATETIME_LOCAL: return "a local date-time";
    case TOML_DATE_LOCAL: return "a local date";
    case TOML_TIME_LOCAL: return "a local time";
    case TOML_ARRAY: return "an array";
    case TOML_TABLE: return "a table";
    }
    return "a value";
}

/* ---- characters ------------------------------------------------------- */

static int at_end(const struct parser *ps)
{
    return ps->p >= ps->end;
}

static int peek_is(const struct parser *ps, size_t offset, char c)
{
    return (size_t)(ps->end - ps->p) > offset && ps->p[offset] == c;
}

static int is_bare_key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static int is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* Names the character at `at` for messages: 'x', "newline", a control
 * character by code point, or the whole UTF-8 sequence. */
static const char *describe_char(const struct parser *ps, const char *at, char *buf, size_t size)
{
    if (at >= ps->end)
        return "end of document";
    unsigned char c = (unsigned char)*at;
    if (c == '\n')
        return "newline";
    if (c < 0x20 || c == 0x7F) {
        snprintf(buf, size, "control character U+%04X", c);
        return buf;
    }
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (ps->end - at < n)
        n = (int)(ps->end - at);
    snprintf(buf, size, "'%.*s'", n, at);
    return buf;
}

static void skip_ws(struct parser *ps)
{
    while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

/* Consumes a newline (LF or CRLF) if one is next; 1 if it did, -1 on a bare CR. */
static int eat_newline(struct parser *ps)
{
    if (at_end(ps))
        return 0;
    if (*ps->p == '\n') {
        ps->p++;
        return 1;
    }
    if (*ps->p == '\r') {
        if (peek_is(ps, 1, '\n')) {
            ps->p += 2;
            return 1;
        }
        return fail(ps, ps->p, "carriage return not followed by a newline");
    }
    return 0;
}

static int skip_comment(struct parser *ps)
{
    if (at_end(ps) || *ps->p != '#')
        return 0;
    ps->p++;
    while (!at_end(ps) && *ps->p != '\n') {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '\r' && peek_is(ps, 1, '\n'))
            break;
        if (is_control(c)) {
            char buf[48];
            return fail(ps, ps->p, "%s in comment", describe_char(ps, ps->p, buf, sizeof(buf)));
        }
        ps->p++;
    }
    return 0;
}

/* After a key/value or a header: optional whitespace and comment, then the
 * end of the line or of the document. */
static int expect_line_end(struct parser *ps, const char *after)
{
    skip_ws(ps);
    if (skip_comment(ps) != 0)
        return -1;
    if (at_end(ps))
        return 0;
    int rc = eat_newline(ps);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        char buf[48];
        return fail(ps, ps->p, "unexpected %s after %s (want a newline)",
                    describe_char(ps, ps->p, buf, sizeof(buf)), after);
    }
    return 0;
}

/* Whitespace, newlines and comments, as allowed between array elements. */
static int skip_ws_lines(struct parser *ps)
{
    for (;;) {
        skip_ws(ps);
        if (skip_comment(ps) != 0)
            return -1;
        int rc = eat_newline(ps);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
    }
}

/* ---- strings ---------------------------------------------------------- */

static void append_utf8(struct strbuf *sb, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    strbuf_append(sb, out, n);
}

/* At a backslash inside a basic string: appends the escaped character. */
static int parse_escape(struct parser *ps, struct strbuf *sb)
{
    const char *at = ps->p;
    ps->p++;
    if (at_end(ps))
        return fail(ps, at, "unterminated escape sequence");
    char c = *ps->p++;
    char plain = 0;
    switch (c) {
    case 'b': plain = '\b'; break;
    case 't': plain = '\t'; break;
    case 'n': plain = '\n'; break;
    case 'f': plain = '\f'; break;
    case 'r': plain = '\r'; break;
    case '"': plain = '"'; break;
    case '\\': plain = '\\'; break;
    case 'u':
    case 'U': {
        size_t digits = c == 'u' ? 4 : 8;
        if ((size_t)(ps->end - ps->p) < digits)
            return fail(ps, at, "\\%c escape needs %zu hex digits", c, digits);
        uint32_t cp = 0;
        for (size_t i = 0; i < digits; i++) {
            char h = ps->p[i];
            uint32_t v;
            if (h >= '0' && h <= '9')
                v = (uint32_t)(h - '0');
            else if (h >= 'a' && h <= 'f')
                v = (uint32_t)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                v = (uint32_t)(h - 'A' + 10);
            else
                return fail(ps, at, "\\%c escape needs %zu hex digits", c, digits);
            cp = (cp << 4) | v;
        }
        ps->p += digits;
        if (cp == 0 && ps->refuse_nul)
            return fail(ps, at, "\\%c%.*s (NUL) is not allowed in a buildpack file: it would cut "
                                "the command, type or path it is in",
                        c, (int)digits, at + 2);
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(ps, at, "escape \\%c%.*s is not a Unicode scalar value", c, (int)digits,
                        at + 2);
        append_utf8(sb, cp);
        return 0;
    }
    default: {
        char buf[48];
        return fail(ps, at, "invalid escape: backslash followed by %s",
                    describe_char(ps, ps->p - 1, buf, sizeof(buf)));
    }
    }
    strbuf_append_char(sb, plain);
    return 0;
}

/* Parses "...", '...', """...""" or '''...''' at ps->p. Multi-line forms are
 * allowed only for values (keys are single-line). CRLF in multi-line strings
 * is normalised to LF. */
static int parse_string(struct parser *ps, struct strbuf *sb, int allow_multiline)
{
    const char *open = ps->p;
    char quote = *ps->p;
    int literal = quote == '\'';
    int multiline = peek_is(ps, 1, quote) && peek_is(ps, 2, quote);
    if (multiline && !allow_multiline)
        return fail(ps, open, "multi-line string not allowed as a key");
    ps->p += multiline ? 3 : 1;
    if (multiline && eat_newline(ps) < 0)
        return -1; /* a newline right after the opening quotes is dropped */
    /* strbuf keeps data NULL until the first append; "" must still exist. */
    strbuf_append(sb, "", 0);

    for (;;) {
        if (at_end(ps))
            return fail(ps, open, "unterminated string");
        unsigned char c = (unsigned char)*ps->p;
        if (c == (unsigned char)quote) {
            if (!multiline) {
                ps->p++;
                return 0;
            }
            size_t n = 0;
            while (peek_is(ps, n, quote))
                n++;
            if (n >= 3) {
                if (n > 5)
                    return fail(ps, ps->p, "too many quotes closing a multi-line string");
                strbuf_append(sb, ps->p, n - 3);
                ps->p += n;
                return 0;
            }
            strbuf_append(sb, ps->p, n);
            ps->p += n;
            continue;
        }
        if (c == '\\' && !literal) {
            if (multiline) {
                /* A backslash ending a line trims the newline and all
                 * whitespace and newlines that follow it. */
                const char *q = ps->p + 1;
                while (q < ps->end && (*q == ' ' || *q == '\t'))
                    q++;
                if (q < ps->end && (*q == '\n' || (*q == '\r' && q + 1 < ps->end && q[1] == '\n'))) {
                    ps->p = q;
                    for (;;) {
                        skip_ws(ps);
                        int rc = eat_newline(ps);
                        if (rc < 0)
                            return -1;
                        if (rc == 0)
                            break;
                    }
                    continue;
                }
            }
            if (parse_escape(ps, sb) != 0)
                return -1;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (!multiline)
                return fail(ps, ps->p, "newline in single-line string");
            int rc = eat_newline(ps);
            if (rc < 0)
                return -1;
            strbuf_append_char(sb, '\n');
            continue;
        }
        if (is_control(c)) {
            char buf[48];
            return fail(ps, ps->p, "%s in string (escape it)",
                        describe_char(ps, ps->p, buf, sizeof(buf)));
        }
        /* Copy a run of ordinary bytes at once. */
        const char *run = ps->p;
        while (!at_end(ps)) {
            unsigned char d = (unsigned char)*ps->p;
            if (d == (unsigned char)quote || (d == '\\' && !literal) || d == '\n' || d == '\r' ||
                is_control(d))
                break;
            ps->p++;
        }
        strbuf_append(sb, run, (size_t)(ps->p - run));
    }
}

/* ---- keys ------------------------------------------------------------- */

static int parse_simple_key(struct parser *ps, struct key_part *out)
{
    struct strbuf sb = STRBUF_INIT;
    out->at = ps->p;
    if (at_end(ps))
        return fail(ps, ps->p, "expected a key, found end of document");
    char c = *ps->p;
    if (c == '"' || c == '\'') {
        if (parse_string(ps, &sb, 0) != 0) {
            strbuf_free(&sb);
            return -1;
        }
    } else if (is_bare_key_char(c)) {
        const char *s = ps->p;
        while (!at_end(ps) && is_bare_key_char(*ps->p))
            ps->p++;
        strbuf_append(&sb, s, (size_t)(ps->p - s));
    } else {
        char buf[48];
        return fail(ps, ps->p, "expected a key, found %s",
                    describe_char(ps, ps->p, buf, sizeof(buf)));
    }
    out->len = sb.len;
    out->text = strbuf_detach(&sb);
    return 0;
}

static int parse_key(struct parser *ps, struct key_path *kp)
{
    for (;;) {
        if (kp->len == kp->cap) {
            size_t cap = kp->cap ? kp->cap * 2 : 4;
            kp->parts = xreallocarray(kp->parts, cap, sizeof(*kp->parts));
            kp->cap = cap;
        }
        if (kp->len >= TOML_MAX_DEPTH)
            return fail(ps, ps->p, "key has more than %d parts", TOML_MAX_DEPTH);
        struct key_part part = {NULL, 0, NULL};
        if (parse_simple_key(ps, &part) != 0)
            return -1;
        kp->parts[kp->len++] = part;
        const char *save = ps->p;
        skip_ws(ps);
        if (at_end(ps) || *ps->p != '.') {
            ps->p = save;
            return 0;
        }
        ps->p++;
        skip_ws(ps);
    }
}

/* ---- values ----------------------------------------------------------- */

static int parse_value(struct parser *ps, int depth, struct toml_value **out);
static int parse_keyval(struct parser *ps, struct toml_value *table, int depth);

static int check_depth(struct parser *ps, const char *at, int depth)
{
    if (depth > TOML_MAX_DEPTH)
        return fail(ps, at, "nesting deeper than %d levels", TOML_MAX_DEPTH);
    return 0;
}

/* digit ( "_"? digit )* in the given base, from s to e; returns 0 if well formed. */
static int check_digits(const char *s, const char *e, int base)
{
    if (s == e)
        return -1;
    int prev_digit = 0;
    for (const char *q = s; q < e; q++) {
        char c = *q;
        int ok;
        if (base == 16)
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        else
            ok = c >= '0' && c < '0' + base;
        if (ok) {
            prev_digit = 1;
        } else if (c == '_' && prev_digit && q + 1 < e) {
            prev_digit = 0;
        } else {
            return -1;
        }
    }
    return prev_digit ? 0 : -1;
}

static int parse_integer(struct parser *ps, const char *s, const char *e, struct toml_value **out)
{
    int base = 10, negative = 0;
    const char *digits = s;
    if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
        base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
        digits = s + 2;
    } else {
        if (*digits == '+' || *digits == '-') {
            negative = *digits == '-';
            digits++;
        }
        if (e - digits > 1 && digits[0] == '0' && check_digits(digits, e, 10) == 0)
            return fail(ps, s, "leading zero in integer '%.*s'", (int)(e - s), s);
        if (e - digits > 1 && digits[0] == '0')
            return fail(ps, s, "invalid number '%.*s'", (int)(e - s), s);
    }
    if (check_digits(digits, e, base) != 0)
        return fail(ps, s, "invalid number '%.*s'", (int)(e - s), s);
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (const char *q = digits; q < e; q++) {
        if (*q == '_')
            continue;
        unsigned d = *q <= '9' ? (unsigned)(*q - '0') : (unsigned)((*q | 0x20) - 'a' + 10);
        if (v > (limit - d) / (uint64_t)base)
            return fail(ps, s, "integer '%.*s' does not fit in 64 bits", (int)(e - s), s);
        v = v * (uint64_t)base + d;
    }
    int64_t i = negative ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    *out = toml_new_integer(i);
    return 0;
}

static int parse_float(struct parser *ps, const char *s, const char *e, struct toml_value **out)
{
    const char *q = s;
    if (*q == '+' || *q == '-')
        q++;
    size_t rest = (size_t)(e - q);
    if ((rest == 3 && memcmp(q, "inf", 3) == 0) || (rest == 3 && memcmp(q, "nan", 3) == 0)) {
        double d = q[0] == 'i' ? HUGE_VAL : NAN;
        if (*s == '-')
            d = -d;
        *out = toml_new_float(d);
        return 0;
    }
    /* int-part, then a fraction and/or an exponent, each digit group with
     * single underscores between digits only. */
    const char *int_end = q;
    while (int_end < e && ((*int_end >= '0' && *int_end <= '9') || *int_end == '_'))
        int_end++;
    if (check_digits(q, int_end, 10) != 0 || (int_end - q > 1 && q[0] == '0'))
        return fail(ps, s, "invalid float '%.*s'", (int)(e - s), s);
    const char *p = int_end;
    if (p < e && *p == '.') {
        const char *frac = ++p;
        while (p < e && ((*p >= '0' && *p <= '9') || *p == '_'))
            p++;
        if (check_digits(frac, p, 10) != 0)
            return fail(ps, s, "invalid float '%.*s' (digits must surround '.')", (int)(e - s), s);
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (check_digits(p, e, 10) != 0)
            return fail(ps, s, "invalid float exponent in '%.*s'", (int)(e - s), s);
        p = e;
    }
    if (p != e)
        return fail(ps, s, "invalid number '%.*s'", (int)(e - s), s);

    char stack[128];
    char *clean = (size_t)(e - s) < sizeof(stack) ? stack : xmalloc((size_t)(e - s) + 1);
    size_t n = 0;
    for (const char *c = s; c < e; c++)
        if (*c != '_')
            clean[n++] = *c;
    clean[n] = '\0';
    char *end = NULL;
    double d = strtod(clean, &end);
    int whole = end == clean + n;
    if (clean != stack)
        free(clean);
    if (!whole)
        return fail(ps, s, "invalid float '%.*s'", (int)(e - s), s);
    *out = toml_new_float(d);
    return 0;
}

static int is_digit_at(const char *s, const char *end, size_t i)
{
    return s + i < end && s[i] >= '0' && s[i] <= '9';
}

/* Integers, floats and the four date/time kinds all start like a number. */
static int parse_number_or_datetime(struct parser *ps, struct toml_value **out)
{
    const char *s = ps->p;
    int datelike = (is_digit_at(s, ps->end, 0) && is_digit_at(s, ps->end, 1) &&
                    is_digit_at(s, ps->end, 2) && is_digit_at(s, ps->end, 3) &&
                    peek_is(ps, 4, '-')) ||
                   (is_digit_at(s, ps->end, 0) && is_digit_at(s, ps->end, 1) &&
                    peek_is(ps, 2, ':'));
    if (datelike) {
        enum toml_type kind;
        const char *why;
        size_t n = toml_datetime_scan(s, (size_t)(ps->end - s), &kind, &why);
        if (n == 0)
            return fail(ps, s, "%s", why);
        struct toml_value *v = toml_new_string_len(s, n);
        v->type = kind;
        toml_datetime_normalize(v->u.str.data, n);
        ps->p += n;
        *out = v;
        return 0;
    }
    const char *e = s;
    while (e < ps->end && (is_bare_key_char(*e) || *e == '+' || *e == '.'))
        e++;
    ps->p = e;
    if (e == s)
        return fail(ps, s, "expected a value");
    int is_float = 0;
    int prefixed = e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b');
    for (const char *q = s; q < e && !prefixed; q++) {
        if (*q == '.' || *q == 'e' || *q == 'E' || *q == 'i' || *q == 'n')
            is_float = 1;
    }
    return is_float ? parse_float(ps, s, e, out) : parse_integer(ps, s, e, out);
}

static int parse_array(struct parser *ps, int depth, struct toml_value **out)
{
    const char *open = ps->p;
    if (check_depth(ps, open, depth) != 0)
        return -1;
    struct toml_value *array = toml_new_array();
    ps->p++;
    for (;;) {
        if (skip_ws_lines(ps) != 0)
            goto fail;
        if (at_end(ps)) {
            fail(ps, open, "unterminated array");
            goto fail;
        }
        if (*ps->p == ']')
            break;
        struct toml_value *item = NULL;
        if (parse_value(ps, depth + 1, &item) != 0)
            goto fail;
        toml_array_push(array, item);
        if (skip_ws_lines(ps) != 0)
            goto fail;
        if (at_end(ps)) {
            fail(ps, open, "unterminated array");
            goto fail;
        }
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ']')
            break;
        char buf[48];
        fail(ps, ps->p, "expected ',' or ']' in array, found %s",
             describe_char(ps, ps->p, buf, sizeof(buf)));
        goto fail;
    }
    ps->p++;
    *out = array;
    return 0;
fail:
    toml_free(array);
    return -1;
}

static int parse_inline_table(struct parser *ps, int depth, struct toml_value **out)
{
    const char *open = ps->p;
    if (check_depth(ps, open, depth) != 0)
        return -1;
    struct toml_value *table = toml_new_table();
    ps->p++;
    skip_ws(ps);
    if (!at_end(ps) && *ps->p == '}') {
        ps->p++;
        goto done;
    }
    for (;;) {
        skip_ws(ps);
        if (parse_keyval(ps, table, depth) != 0)
            goto fail;
        skip_ws(ps);
        if (at_end(ps)) {
            fail(ps, open, "unterminated inline table");
            goto fail;
        }
        if (*ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            if (!at_end(ps) && *ps->p == '}') {
                fail(ps, ps->p, "trailing comma in inline table");
                goto fail;
            }
            continue;
        }
        if (*ps->p == '}') {
            ps->p++;
            break;
        }
        char buf[48];
        fail(ps, ps->p, "expected ',' or '}' in inline table, found %s",
             describe_char(ps, ps->p, buf, sizeof(buf)));
        goto fail;
    }
done:
    table->flags |= TOML_FLAG_DEFINED | TOML_FLAG_FROZEN;
    *out = table;
    return 0;
fail:
    toml_free(table);
    return -1;
}

static int match_word(const struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0;
}

/* depth is the depth the value itself will sit at below the root. */
static int parse_value(struct parser *ps, int depth, struct toml_value **out)
{
    if (at_end(ps))
        return fail(ps, ps->p, "expected a value, found end of document");
    char c = *ps->p;
    if (c == '"' || c == '\'') {
        struct strbuf sb = STRBUF_INIT;
        if (parse_string(ps, &sb, 1) != 0) {
            strbuf_free(&sb);
            return -1;
        }
        *out = toml_new_string_len(sb.data, sb.len);
        strbuf_free(&sb);
        return 0;
    }
    if (c == '[')
        return parse_array(ps, depth, out);
    if (c == '{')
        return parse_inline_table(ps, depth, out);
    if (match_word(ps, "true") || match_word(ps, "false")) {
        int b = c == 't';
        ps->p += b ? 4 : 5;
        if (!at_end(ps) && is_bare_key_char(*ps->p))
            return fail(ps, ps->p, "unexpected text after boolean");
        *out = toml_new_bool(b);
        return 0;
    }
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'i' || c == 'n')
        return parse_number_or_datetime(ps, out);
    char buf[48];
    return fail(ps, ps->p, "expected a value, found %s",
                describe_char(ps, ps->p, buf, sizeof(buf)));
}

/* key = value into table (at depth below the root). Dotted keys create or
 * extend tables that dotted keys made; they may not reach into tables made
 * by headers or inline tables. */
static int parse_keyval(struct parser *ps, struct toml_value *table, int depth)
{
    struct key_path kp = {NULL, 0, 0};
    int rc = -1;
    if (parse_key(ps, &kp) != 0)
        goto cleanup;
    skip_ws(ps);
    if (at_end(ps) || *ps->p != '=') {
        char buf[48];
        fail(ps, ps->p, "expected '=' after key, found %s",
             describe_char(ps, ps->p, buf, sizeof(buf)));
        goto cleanup;
    }
    ps->p++;
    skip_ws(ps);

    struct toml_value *t = table;
    int d = depth;
    for (size_t i = 0; i + 1 < kp.len; i++) {
        const struct key_part *k = &kp.parts[i];
        size_t pos = toml_table_find(t, k->text, k->len);
        d++;
        if (pos == (size_t)-1) {
            if (check_depth(ps, k->at, d) != 0)
                goto cleanup;
            struct toml_value *sub = toml_new_table();
            toml_table_append(t, k->text, k->len, sub);
            sub->flags = TOML_FLAG_DEFINED | TOML_FLAG_DOTTED;
            t = sub;
            continue;
        }
        struct toml_value *existing = t->u.table.entries[pos].value;
        if (existing->type != TOML_TABLE) {
            fail_key(ps, &kp, i, "key %s is already defined as %s", a_type(existing->type));
            goto cleanup;
        }
        if ((existing->flags & TOML_FLAG_FROZEN) || !(existing->flags & TOML_FLAG_DOTTED)) {
            fail_key(ps, &kp, i, "cannot add keys to table %s with a dotted key: it is %s",
                     existing->flags & TOML_FLAG_FROZEN ? "an inline table"
                                                        : "defined by a [table] header");
            goto cleanup;
        }
        t = existing;
    }
    const struct key_part *last = &kp.parts[kp.len - 1];
    if (toml_table_find(t, last->text, last->len) != (size_t)-1) {
        fail_key(ps, &kp, kp.len - 1, "duplicate key %s", NULL);
        goto cleanup;
    }
    struct toml_value *value = NULL;
    if (parse_value(ps, d + 1, &value) != 0)
        goto cleanup;
    toml_table_append(t, last->text, last->len, value);
    rc = 0;
cleanup:
    key_path_free(&kp);
    return rc;
}

/* [a.b.c] or [[a.b.c]]: walks from the root, creating implicit tables, and
 * makes the result the table that following key/values go into. */
static int parse_header(struct parser *ps)
{
    const char *open = ps->p;
    int is_array = peek_is(ps, 1, '[');
    struct key_path kp = {NULL, 0, 0};
    int rc = -1;
    ps->p += is_array ? 2 : 1;
    skip_ws(ps);
    if (parse_key(ps, &kp) != 0)
        goto cleanup;
    skip_ws(ps);
    if (!peek_is(ps, 0, ']') || (is_array && !peek_is(ps, 1, ']'))) {
        fail(ps, at_end(ps) ? open : ps->p, "expected '%s' to close the table header",
             is_array ? "]]" : "]");
        goto cleanup;
    }
    ps->p += is_array ? 2 : 1;

    struct toml_value *t = ps->root;
    int d = 0;
    for (size_t i = 0; i + 1 < kp.len; i++) {
        const struct key_part *k = &kp.parts[i];
        size_t pos = toml_table_find(t, k->text, k->len);
        if (pos == (size_t)-1) {
            if (check_depth(ps, k->at, ++d) != 0)
                goto cleanup;
            struct toml_value *sub = toml_new_table();
            toml_table_append(t, k->text, k->len, sub);
            t = sub; /* implicit: a later [header] may still define it */
            continue;
        }
        struct toml_value *existing = t->u.table.entries[pos].value;
        if (existing->type == TOML_TABLE) {
            if (existing->flags & TOML_FLAG_FROZEN) {
                fail_key(ps, &kp, i, "cannot extend inline table %s", NULL);
                goto cleanup;
            }
            t = existing;
            d++;
        } else if (existing->type == TOML_ARRAY && (existing->flags & TOML_FLAG_AOT)) {
            t = existing->u.array.items[existing->u.array.len - 1];
            d += 2;
        } else {
            fail_key(ps, &kp, i, "key %s is already defined as %s",
                     existing->type == TOML_ARRAY ? "a static array" : a_type(existing->type));
            goto cleanup;
        }
    }

    const struct key_part *last = &kp.parts[kp.len - 1];
    size_t pos = toml_table_find(t, last->text, last->len);
    struct toml_value *existing = pos == (size_t)-1 ? NULL : t->u.table.entries[pos].value;
    struct toml_value *target = NULL;
    if (!is_array) {
        if (existing == NULL) {
            if (check_depth(ps, last->at, d + 1) != 0)
                goto cleanup;
            target = toml_new_table();
            toml_table_append(t, last->text, last->len, target);
        } else if (existing->type == TOML_TABLE &&
                   !(existing->flags & (TOML_FLAG_DEFINED | TOML_FLAG_DOTTED | TOML_FLAG_FROZEN))) {
            target = existing;
        } else if (existing->type == TOML_TABLE) {
            fail_key(ps, &kp, kp.len - 1, "table %s is already defined", NULL);
            goto cleanup;
        } else {
            fail_key(ps, &kp, kp.len - 1, "key %s is already defined as %s",
                     a_type(existing->type));
            goto cleanup;
        }
        target->flags |= TOML_FLAG_DEFINED;
        ps->current_depth = d + 1;
    } else {
        struct toml_value *array = existing;
        if (array == NULL) {
            if (check_depth(ps, last->at, d + 2) != 0)
                goto cleanup;
            array = toml_new_array();
            toml_table_append(t, last->text, last->len, array);
            array->flags = TOML_FLAG_AOT;
        } else if (array->type != TOML_ARRAY || !(array->flags & TOML_FLAG_AOT)) {
            fail_key(ps, &kp, kp.len - 1, "cannot append to %s with a [[header]]: it is %s",
                     array->type == TOML_ARRAY ? "a static array" : a_type(array->type));
            goto cleanup;
        }
        target = toml_new_table();
        toml_array_push(array, target);
        target->flags = TOML_FLAG_DEFINED;
        ps->current_depth = d + 2;
    }
    ps->current = target;
    rc = 0;
cleanup:
    key_path_free(&kp);
    return rc;
}

/* ---- documents -------------------------------------------------------- */

static int parse_document(struct parser *ps)
{
    for (;;) {
        skip_ws(ps);
        if (at_end(ps))
            return 0;
        char c = *ps->p;
        if (c == '#' || c == '\n' || c == '\r') {
            if (expect_line_end(ps, "comment") != 0)
                return -1;
            continue;
        }
        if (c == '[') {
            if (parse_header(ps) != 0 || expect_line_end(ps, "table header") != 0)
                return -1;
            continue;
        }
        if (parse_keyval(ps, ps->current, ps->current_depth) != 0 ||
            expect_line_end(ps, "value") != 0)
            return -1;
    }
}

static struct toml_value *parse(const char *text, size_t len, const char *name, bool refuse_nul,
                                struct bp_error *err)
{
    const char *display = name != NULL ? name : "<toml>";
    if (text == NULL && len > 0) {
        error_set(err, "%s: no input", display);
        return NULL;
    }
    if (text == NULL)
        return toml_new_table(); /* an empty document */
    struct parser ps = {
        .start = text,
        .p = text,
        .end = text + len,
        .name = display,
        .err = err,
        .refuse_nul = refuse_nul,
    };
    size_t valid = toml_utf8_valid_prefix(ps.start, len);
    if (valid != len) {
        fail(&ps, ps.start + valid, "invalid UTF-8");
        return NULL;
    }
    /* A byte order mark is tolerated at the very start only. */
    if (len >= 3 && memcmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3;
    ps.root = toml_new_table();
    ps.current = ps.root;
    if (parse_document(&ps) != 0) {
        toml_free(ps.root);
        return NULL;
    }
    return ps.root;
}

struct toml_value *toml_parse(const char *text, size_t len, const char *name,
                              struct bp_error *err)
{
    return parse(text, len, name, false, err);
}

struct toml_value *toml_parse_file(const char *path, struct bp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, TOML_MAX_FILE_BYTES, &text, &len, err) != 0)
        return NULL;
    /* Every file the buildpack reads (launch.toml, buildpack.toml, layer
     * tomls) ends up in C strings, where a NUL silently shortens a command
     * or type. Refusing it, located, is safer than trusting every consumer
     * to use the _len accessors; toml_parse keeps lengths for the spec. */
    struct toml_value *root = parse(text, len, path, true, err);
    free(text);
    return root;
}
