/* Go module info text (the part of .go.buildinfo after the version): its
 * lines, Go-style quoted build settings, and what -gcflags means for dlv. */
#include "elf/buildinfo.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* Copies at most n bytes of s into a fixed field, always terminated. */
static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int fail(char *why, size_t why_size, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t why_size, size_t line, const char *fmt, ...)
{
    if (why != NULL && why_size > 0) {
        int n = snprintf(why, why_size, "line %zu: ", line);
        if (n >= 0 && (size_t)n < why_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(why + n, why_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t utf8_encode(uint32_t r, char *out)
{
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

/* Decodes the Go quoted string (strconv.Quote or a `raw` string) that starts
 * at s[0]. out needs room for n bytes: decoding never grows the text (the
 * longest expansion, \U00010000 to 4 bytes, shrinks by 6). Sets *used to the
 * length of the quoted text, *out_len to the decoded length. */
static int unquote_prefix(const char *s, size_t n, char *out, size_t *out_len,
                          size_t *used)
{
    size_t o = 0;
    if (n == 0 || (s[0] != '"' && s[0] != '`'))
        return -1;
    if (s[0] == '`') {
        for (size_t i = 1; i < n; i++) {
            if (s[i] == '`') {
                *used = i + 1;
                *out_len = o;
                return 0;
            }
            if (s[i] != '\r') /* Go drops CR from raw strings */
                out[o++] = s[i];
        }
        return -1;
    }
    size_t i = 1;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            *used = i + 1;
            *out_len = o;
            return 0;
        }
        if (c == '\n')
            return -1;
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        if (i + 1 >= n)
            return -1;
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'a': out[o++] = '\a'; continue;
        case 'b': out[o++] = '\b'; continue;
        case 'f': out[o++] = '\f'; continue;
        case 'n': out[o++] = '\n'; continue;
        case 'r': out[o++] = '\r'; continue;
        case 't': out[o++] = '\t'; continue;
        case 'v': out[o++] = '\v'; continue;
        case '\\': out[o++] = '\\'; continue;
        case '"': out[o++] = '"'; continue;
        case 'x':
        case 'u':
        case 'U': {
            size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (n - i < digits)
                return -1;
            uint32_t v = 0;
            for (size_t k = 0; k < digits; k++) {
                int h = hex_value(s[i + k]);
                if (h < 0)
                    return -1;
                v = v << 4 | (uint32_t)h;
            }
            i += digits;
            if (e == 'x') {
                out[o++] = (char)v;
            } else {
                if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                    return -1;
                o += utf8_encode(v, out + o);
            }
            continue;
        }
        default:
            if (e >= '0' && e <= '7') {
                if (n - i < 2)
                    return -1;
                uint32_t v = (uint32_t)(e - '0');
                for (size_t k = 0; k < 2; k++) {
                    char d = s[i + k];
                    if (d < '0' || d > '7')
                        return -1;
                    v = v * 8 + (uint32_t)(d - '0');
                }
                if (v > 255)
                    return -1;
                i += 2;
                out[o++] = (char)v;
                continue;
            }
            return -1;
        }
    }
    return -1;
}

static bool contains_any(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (strchr(set, s[i]) != NULL && s[i] != '\0')
            return true;
    return false;
}

/* Counts tab-separated columns of a module line ("path\tversion[\tsum]"). */
static size_t count_columns(const char *s, size_t n)
{
    size_t cols = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\t')
            cols++;
    return cols;
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && memcmp(s, prefix, p) == 0;
}

static bool equals(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* One "build\t" line: key and value, unquoted into buf (room for n bytes). */
static int parse_build_setting(const char *kv, size_t n, char *buf,
                               const char **key, size_t *key_len,
                               const char **value, size_t *value_len,
                               const char **reason)
{
    const char *raw;
    size_t raw_len;
    if (n == 0) {
        *reason = "build line missing '='";
        return -1;
    }
    if (kv[0] == '=') {
        *reason = "build line with missing key";
        return -1;
    }
    /* The key goes to the front of buf, the value right after it: together
     * they decode to fewer bytes than the line holds. */
    if (kv[0] == '"' || kv[0] == '`') {
        size_t used, decoded;
        if (unquote_prefix(kv, n, buf, &decoded, &used) != 0) {
            *reason = "invalid quoted key in build line";
            return -1;
        }
        if (used == n) {
            *reason = "build line missing '=' after quoted key";
            return -1;
        }
        if (kv[used] != '=') {
            *reason = "unexpected character after quoted key";
            return -1;
        }
        *key = buf;
        *key_len = decoded;
        raw = kv + used + 1;
        raw_len = n - used - 1;
    } else {
        const char *eq = memchr(kv, '=', n);
        if (eq == NULL) {
            *reason = "build line missing '=' after key";
            return -1;
        }
        size_t k = (size_t)(eq - kv);
        if (contains_any(kv, k, "= \t\r\n\"`")) {
            *reason = "unquoted key must be quoted";
            return -1;
        }
        memcpy(buf, kv, k);
        *key = buf;
        *key_len = k;
        raw = eq + 1;
        raw_len = n - k - 1;
    }
    char *vbuf = buf + *key_len;
    if (raw_len > 0 && (raw[0] == '"' || raw[0] == '`')) {
        size_t used, decoded;
        if (unquote_prefix(raw, raw_len, vbuf, &decoded, &used) != 0 ||
            used != raw_len) {
            *reason = "invalid quoted value in build line";
            return -1;
        }
        *value = vbuf;
        *value_len = decoded;
    } else {
        if (contains_any(raw, raw_len, " \t\r\n\"`")) {
            *reason = "unquoted value must be quoted";
            return -1;
        }
        memcpy(vbuf, raw, raw_len);
        *value = vbuf;
        *value_len = raw_len;
    }
    return 0;
}

int elf_parse_modinfo(const char *text, size_t len, struct elf_go_info *info,
                      char *why, size_t why_size)
{
    int rc = -1;
    char *buf = NULL;    /* decoded key and value of one build line */
    char *gcflags = NULL; /* whole -gcflags value: info->gcflags may be cut */
    bool have_module = false; /* a mod/dep line that "=>" may replace */
    size_t line_no = 1;
    size_t pos = 0;

    buf = xmalloc(len + 1);
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (nl == NULL)
            break; /* Go ignores an unterminated last line */
        size_t n = (size_t)(nl - line);
        pos += n + 1;

        if (starts_with(line, n, "path\t")) {
            copy_field(info->main_path, sizeof info->main_path, line + 5, n - 5);
        } else if (starts_with(line, n, "mod\t") || starts_with(line, n, "dep\t")) {
            const char *rest = line + 4;
            size_t cols = count_columns(rest, n - 4);
            if (cols != 2 && cols != 3) {
                fail(why, why_size, line_no, "expected 2 or 3 columns; got %zu", cols);
                goto cleanup;
            }
            if (line[0] == 'm') {
                const char *tab = memchr(rest, '\t', n - 4);
                copy_field(info->main_module, sizeof info->main_module, rest,
                           (size_t)(tab - rest));
            }
            have_module = true;
        } else if (starts_with(line, n, "=>\t")) {
            size_t cols = count_columns(line + 3, n - 3);
            if (cols != 3) {
                fail(why, why_size, line_no,
                     "expected 3 columns for replacement; got %zu", cols);
                goto cleanup;
            }
            if (!have_module) {
                fail(why, why_size, line_no, "replacement with no module on previous line");
                goto cleanup;
            }
            have_module = false;
        } else if (starts_with(line, n, "build\t")) {
            const char *key, *value, *reason = NULL;
            size_t key_len, value_len;
            if (parse_build_setting(line + 6, n - 6, buf, &key, &key_len, &value,
                                    &value_len, &reason) != 0) {
                fail(why, why_size, line_no, "%s", reason);
                goto cleanup;
            }
            if (equals(key, key_len, "-trimpath")) {
                info->trimpath = equals(value, value_len, "true");
            } else if (equals(key, key_len, "CGO_ENABLED")) {
                info->cgo = equals(value, value_len, "1");
            } else if (equals(key, key_len, "-ldflags")) {
                copy_field(info->ldflags, sizeof info->ldflags, value, value_len);
            } else if (equals(key, key_len, "-gcflags")) {
                copy_field(info->gcflags, sizeof info->gcflags, value, value_len);
                free(gcflags);
                gcflags = xstrndup(value, value_len);
            }
        }
        line_no++;
    }
    info->optimized = gcflags == NULL ||
                      !elf_gcflags_disable_optimization(gcflags, info->main_path,
                                                        info->main_module);
    rc = 0;
cleanup:
    free(gcflags);
    free(buf);
    return rc;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Go import-path pattern match: "..." matches any text, slashes included.
 * Iterative with one backtrack point, so hostile patterns stay linear-ish. */
static bool glob_match(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0;
    size_t star_p = SIZE_MAX, star_s = 0;
    while (si < sn) {
        if (pn - pi >= 3 && memcmp(p + pi, "...", 3) == 0) {
            star_p = pi + 3;
            star_s = si;
            pi += 3;
        } else if (pi < pn && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (star_p != SIZE_MAX) {
            pi = star_p;
            si = ++star_s;
        } else {
            return false;
        }
    }
    while (pn - pi >= 3 && memcmp(p + pi, "...", 3) == 0)
        pi += 3;
    return pi == pn;
}

/* As Go's pattern matching: "net/..." matches "net" as well as "net/http". */
static bool pattern_match(const char *p, size_t pn, const char *s)
{
    size_t sn = strlen(s);
    if (glob_match(p, pn, s, sn))
        return true;
    return pn >= 4 && memcmp(p + pn - 4, "/...", 4) == 0 &&
           glob_match(p, pn - 4, s, sn);
}

/* Whether a -gcflags pattern covers the main package. Directory patterns
 * ("./cmd/app", ".") are resolved against the main package's place in its
 * module, assuming the build ran at the module root, as builders do. */
static bool pattern_covers_main(const char *p, size_t pn, const char *main_path,
                                const char *main_module)
{
    if (equals(p, pn, "all"))
        return true;
    if (equals(p, pn, "std") || equals(p, pn, "cmd") || pn == 0)
        return false;
    if (p[0] == '.') {
        size_t mlen = strlen(main_module);
        const char *rel;
        if (mlen == 0 || strncmp(main_path, main_module, mlen) != 0)
            return false;
        rel = main_path + mlen;
        if (*rel == '/')
            rel++;
        else if (*rel != '\0')
            return false;
        if (equals(p, pn, "."))
            return *rel == '\0';
        if (pn >= 2 && p[1] == '/')
            return pattern_match(p + 2, pn - 2, rel) ||
                   (equals(p, pn, "./...") && *rel == '\0');
        return false; /* "../x" lies outside the module */
    }
    if (p[0] == '/')
        return false; /* absolute directory: cannot be placed */
    return pattern_match(p, pn, main_path);
}

static bool is_true_word(const char *s, size_t n)
{
    return equals(s, n, "1") || equals(s, n, "t") || equals(s, n, "T") ||
           equals(s, n, "true") || equals(s, n, "TRUE") || equals(s, n, "True");
}

bool elf_gcflags_disable_optimization(const char *gcflags, const char *main_path,
                                      const char *main_module)
{
    const char *v = gcflags;
    size_t n = strlen(v);
    while (n > 0 && is_space(*v)) {
        v++;
        n--;
    }
    while (n > 0 && is_space(v[n - 1]))
        n--;
    if (n == 0)
        return false;
    if (v[0] != '-') {
        /* "pattern=flags"; without a pattern the flags apply to the packages
         * named on the command line, which is the main package. */
        const char *eq = memchr(v, '=', n);
        if (eq == NULL)
            return false;
        const char *p = v;
        size_t pn = (size_t)(eq - v);
        while (pn > 0 && is_space(*p)) {
            p++;
            pn--;
        }
        while (pn > 0 && is_space(p[pn - 1]))
            pn--;
        if (!pattern_covers_main(p, pn, main_path, main_module))
            return false;
        n -= (size_t)(eq + 1 - v);
        v = eq + 1;
    }
    /* Fields as cmd/internal/quoted splits them: blanks separate, a field may
     * be wrapped in ' or ". The compiler's -N is a bool; -l counts, and only
     * a single -l turns inlining off (-l -l turns on aggressive inlining). */
    bool no_opt = false;
    unsigned long inline_count = 0;
    size_t i = 0;
    while (i < n) {
        if (is_space(v[i])) {
            i++;
            continue;
        }
        const char *f = v + i;
        size_t fn;
        if (v[i] == '\'' || v[i] == '"') {
            const char *close = memchr(v + i + 1, v[i], n - i - 1);
            if (close == NULL)
                return false; /* go build rejects this, so nothing was built */
            f = v + i + 1;
            fn = (size_t)(close - f);
            i = (size_t)(close - v) + 1;
        } else {
            size_t start = i;
            while (i < n && !is_space(v[i]))
                i++;
            fn = i - start;
        }
        if (fn >= 2 && f[0] == '-') {
            f++;
            fn--;
            if (fn >= 2 && f[0] == '-') {
                f++;
                fn--;
            }
        } else {
            continue;
        }
        if (equals(f, fn, "N")) {
            no_opt = true;
        } else if (starts_with(f, fn, "N=")) {
            no_opt = is_true_word(f + 2, fn - 2);
        } else if (equals(f, fn, "l")) {
            inline_count++;
        } else if (starts_with(f, fn, "l=")) {
            char num[24];
            copy_field(num, sizeof num, f + 2, fn - 2);
            char *end;
            unsigned long c = strtoul(num, &end, 10);
            if (*end == '\0' && num[0] != '\0')
                inline_count = c;
        }
    }
    return no_opt && inline_count == 1;
}

/* Reads up to 9 digits, so the value fits an int. */
static int read_number(const char **s, int *out)
{
    const char *p = *s;
    int v = 0, digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 9)
            return -1;
        v = v * 10 + (*p - '0');
        p++;
    }
    if (digits == 0)
        return -1;
    *s = p;
    *out = v;
    return 0;
}

int elf_parse_go_version(const char *text, int *major, int *minor, int *patch)
{
    if (text == NULL)
        return -1;
    const char *s = text;
    while (is_space(*s))
        s++;
    if (strncmp(s, "devel", 5) == 0) {
        /* "devel go1.27-abcdef Tue ...": the version the tree was heading to. */
        s += 5;
        while (is_space(*s))
            s++;
    }
    if (strncmp(s, "go", 2) == 0)
        s += 2;
    int ma = 0, mi = 0, pa = 0;
    if (read_number(&s, &ma) != 0)
        return -1;
    if (*s == '.') {
        s++;
        if (read_number(&s, &mi) != 0)
            return -1;
        if (*s == '.') {
            s++;
            if (read_number(&s, &pa) != 0)
                return -1;
        }
    }
    /* What may follow: nothing, a pre-release ("rc1", "beta2"), " X:..." or
     * "-hash". A further digit cannot, as read_number took them all. */
    if (major != NULL)
        *major = ma;
    if (minor != NULL)
        *minor = mi;
    if (patch != NULL)
        *patch = pa;
    return 0;
}
