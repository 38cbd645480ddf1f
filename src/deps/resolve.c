/* Picks the catalog entry that fits the app: newest version within the pin,
 * the runtime range, the target platform and, for wheels, the Python tag. */
#include "deps/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct platform {
    const char *os, *arch, *libc;
    bool glibc_known;
    struct deps_version glibc;
    bool runtime_known;
    struct deps_version runtime;
};

/* One '.'-separated alternative of a wheel's python tag: py3, py27, cp311. */
static bool python_alternative_fits(const char *alt, size_t len, bool abi3,
                                    const struct platform *p)
{
    if (len < 3)
        return false;
    bool cpython = strncmp(alt, "cp", 2) == 0;
    if (!cpython && strncmp(alt, "py", 2) != 0)
        return false; /* pp, ip, jy: other interpreters */
    const char *digits = alt + 2;
    size_t nd = len - 2;
    for (size_t i = 0; i < nd; i++)
        if (!isdigit((unsigned char)digits[i]))
            return false;
    if (!p->runtime_known)
        return !cpython && nd == 1; /* "py3" fits any Python 3 we cannot name */
    long major = digits[0] - '0';
    if (p->runtime.n < 1 || p->runtime.num[0] != major)
        return false;
    if (nd == 1)
        return true;
    long minor = strtol(digits + 1, NULL, 10);
    long have = p->runtime.n >= 2 ? (long)p->runtime.num[1] : 0;
    /* cp38-abi3 wheels run on every CPython from 3.8 on. */
    return abi3 && cpython ? have >= minor : have == minor;
}

static bool parse_glibc_floor(const char *plat, size_t len, struct deps_version *floor,
                              const char **arch_at)
{
    static const struct {
        const char *legacy;
        int major, minor;
    } legacy[] = {{"manylinux1_", 2, 5}, {"manylinux2010_", 2, 12}, {"manylinux2014_", 2, 17}};
    memset(floor, 0, sizeof *floor);
    floor->n = 2;
    for (size_t i = 0; i < sizeof legacy / sizeof *legacy; i++) {
        size_t n = strlen(legacy[i].legacy);
        if (len > n && strncmp(plat, legacy[i].legacy, n) == 0) {
            floor->num[0] = legacy[i].major;
            floor->num[1] = legacy[i].minor;
            *arch_at = plat + n;
            return true;
        }
    }
    /* manylinux_<major>_<minor>_<arch> */
    const char *s = plat + strlen("manylinux_");
    char *end;
    long major = strtol(s, &end, 10);
    if (end == s || *end != '_')
        return false;
    s = end + 1;
    long minor = strtol(s, &end, 10);
    if (end == s || *end != '_' || end >= plat + len)
        return false;
    floor->num[0] = major;
    floor->num[1] = minor;
    *arch_at = end + 1;
    return true;
}

static bool arch_fits(const char *arch, size_t len, const struct platform *p)
{
    char raw[32], buf[32];
    if (len == 0 || len >= sizeof raw)
        return false;
    memcpy(raw, arch, len);
    raw[len] = '\0';
    const char *norm = deps_arch_normalize(raw, buf, sizeof buf);
    return p->arch == NULL || (norm != NULL && strcmp(norm, p->arch) == 0);
}

static bool platform_alternative_fits(const char *plat, size_t len, const struct platform *p)
{
    if (len == 3 && strncmp(plat, "any", 3) == 0)
        return true;
    if (strcmp(p->os, "linux") != 0)
        return false;
    if (len > 10 && strncmp(plat, "manylinux", 9) == 0) {
        struct deps_version floor;
        const char *arch = NULL;
        if (strcmp(p->libc, "glibc") != 0 || !p->glibc_known ||
            !parse_glibc_floor(plat, len, &floor, &arch))
            return false;
        return deps_version_compare(&p->glibc, &floor) >= 0 &&
               arch_fits(arch, (size_t)(plat + len - arch), p);
    }
    if (len > 10 && strncmp(plat, "musllinux_", 10) == 0) {
        const char *arch = plat + 10;
        for (int underscores = 0; arch < plat + len && underscores < 2; arch++)
            if (*arch == '_')
                underscores++;
        return strcmp(p->libc, "musl") == 0 && arch_fits(arch, (size_t)(plat + len - arch), p);
    }
    return false; /* linux_x86_64 and others are not portable wheels */
}

/* Splits "a.b.c" and asks fits() of each; true when one fits. */
static bool any_alternative(const char *s, size_t len, bool abi3, const struct platform *p,
                            bool python)
{
    const char *end = s + len;
    while (s < end) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        size_t n = dot ? (size_t)(dot - s) : (size_t)(end - s);
        if (python ? python_alternative_fits(s, n, abi3, p) : platform_alternative_fits(s, n, p))
            return true;
        s += n + (dot ? 1 : 0);
    }
    return false;
}

static bool wheel_fits(const char *tag, const struct platform *p)
{
    const char *d1 = strchr(tag, '-');
    const char *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
    if (d2 == NULL)
        return false;
    bool abi3 = (size_t)(d2 - d1 - 1) == 4 && strncmp(d1 + 1, "abi3", 4) == 0;
    return any_alternative(tag, (size_t)(d1 - tag), abi3, p, true) &&
           any_alternative(d2 + 1, strlen(d2 + 1), abi3, p, false);
}

/* A platform wheel carries compiled speedups: prefer it to the any wheel. */
static int specificity(const struct deps_dependency *d)
{
    int score = 0;
    if (d->python_tag != NULL) {
        size_t n = strlen(d->python_tag);
        if (n < 4 || strcmp(d->python_tag + n - 4, "-any") != 0)
            score += 4;
    }
    if (d->libc != NULL)
        score += 2;
    if (d->arch != NULL)
        score += 1;
    return score;
}

static int fits(const struct deps_dependency *d, const struct deps_query *q,
                const struct platform *p, bool *ok, struct bp_error *err)
{
    *ok = false;
    if (q->version_pin != NULL && q->version_pin[0] != '\0' &&
        !deps_version_matches_pin(d->version, q->version_pin))
        return 0;
    if (strcmp(d->os, p->os) != 0)
        return 0;
    if (d->arch != NULL && p->arch != NULL && strcmp(d->arch, p->arch) != 0)
        return 0;
    if (d->libc != NULL && strcmp(d->libc, p->libc) != 0)
        return 0;
    if (d->runtime_versions != NULL && q->runtime_version != NULL) {
        bool match;
        if (deps_constraint_match(d->runtime_versions, q->runtime_version, &match, err) != 0)
            return error_wrap(err, "%s %s runtime-versions", d->id, d->version);
        if (!match)
            return 0;
    }
    if (d->python_tag != NULL && !wheel_fits(d->python_tag, p))
        return 0;
    *ok = true;
    return 0;
}

static void describe(struct strbuf *sb, const struct deps_dependency *d)
{
    strbuf_appendf(sb, "%s (%s/%s", d->version, d->os, d->arch ? d->arch : "any");
    if (d->libc)
        strbuf_appendf(sb, ", %s", d->libc);
    if (d->python_tag)
        strbuf_appendf(sb, ", %s", d->python_tag);
    if (d->runtime_versions)
        strbuf_appendf(sb, ", runtime %s", d->runtime_versions);
    strbuf_append_char(sb, ')');
}

static int compare_for_listing(const void *a, const void *b)
{
    const struct deps_dependency *x = *(const struct deps_dependency *const *)a;
    const struct deps_dependency *y = *(const struct deps_dependency *const *)b;
    int c = deps_version_compare_str(y->version, x->version);
    return c != 0 ? c : (x->index < y->index ? -1 : 1);
}

static void fail_listing(const struct deps_catalog *cat, const struct deps_query *q,
                         const struct platform *p, struct bp_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_appendf(&sb, "no %s fits", q->id);
    strbuf_appendf(&sb, " (");
    if (q->version_pin != NULL && q->version_pin[0] != '\0')
        strbuf_appendf(&sb, "version %s, ", q->version_pin);
    strbuf_appendf(&sb, "runtime %s, %s/%s", q->runtime_version ? q->runtime_version : "unknown",
                   p->os, p->arch ? p->arch : "any");
    /* The libc only matters when some entry of this id depends on it. */
    bool libc_matters = false;
    for (size_t i = 0; i < cat->len; i++)
        if (strcmp(cat->items[i].id, q->id) == 0 &&
            (cat->items[i].libc != NULL || cat->items[i].python_tag != NULL))
            libc_matters = true;
    if (libc_matters) {
        strbuf_appendf(&sb, ", %s", p->libc);
        if (strcmp(p->libc, "glibc") == 0)
            strbuf_appendf(&sb, " %s", q->glibc_version ? q->glibc_version : "(version unknown)");
    }
    strbuf_appendf(&sb, ")");

    size_t n = 0;
    const struct deps_dependency **same = xcalloc(cat->len ? cat->len : 1, sizeof *same);
    for (size_t i = 0; i < cat->len; i++)
        if (strcmp(cat->items[i].id, q->id) == 0)
            same[n++] = &cat->items[i];
    if (n > 0) {
        qsort(same, n, sizeof *same, compare_for_listing);
        strbuf_appendf(&sb, "; available: ");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                strbuf_appendf(&sb, "; ");
            describe(&sb, same[i]);
        }
    } else {
        strbuf_appendf(&sb, "; the catalog has no %s at all", q->id);
        bool first = true;
        for (size_t i = 0; i < cat->len; i++) {
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(cat->items[j].id, cat->items[i].id) == 0;
            if (seen)
                continue;
            strbuf_appendf(&sb, "%s%s", first ? " (ids: " : ", ", cat->items[i].id);
            first = false;
        }
        if (!first)
            strbuf_append_char(&sb, ')');
    }
    free(same);
    error_set(err, "%s", sb.data);
    strbuf_free(&sb);
}

const struct deps_dependency *deps_resolve(const struct deps_catalog *cat,
                                           const struct deps_query *q, struct bp_error *err)
{
    if (q->id == NULL) {
        error_set(err, "resolving a dependency: no id given");
        return NULL;
    }
    char archbuf[64];
    struct platform p = {
        .os = q->os ? q->os : "linux",
        .arch = deps_arch_normalize(q->arch, archbuf, sizeof archbuf),
        .libc = q->libc ? q->libc : "glibc",
    };
    if (strcmp(p.libc, "glibc") != 0 && strcmp(p.libc, "musl") != 0) {
        error_set(err, "resolving %s: libc \"%s\" is neither glibc nor musl", q->id, p.libc);
        return NULL;
    }
    if (q->glibc_version != NULL) {
        if (deps_version_parse(q->glibc_version, &p.glibc) != 0) {
            error_set(err, "resolving %s: glibc version \"%s\" is not a version", q->id,
                      q->glibc_version);
            return NULL;
        }
        p.glibc_known = true;
    }
    if (q->runtime_version != NULL) {
        if (deps_version_parse(q->runtime_version, &p.runtime) != 0) {
            error_set(err, "resolving %s: runtime version \"%s\" is not a version", q->id,
                      q->runtime_version);
            return NULL;
        }
        p.runtime_known = true;
    }

    const struct deps_dependency *best = NULL;
    for (size_t i = 0; i < cat->len; i++) {
        const struct deps_dependency *d = &cat->items[i];
        if (strcmp(d->id, q->id) != 0)
            continue;
        bool ok;
        if (fits(d, q, &p, &ok, err) != 0)
            return NULL;
        if (!ok)
            continue;
        if (best == NULL) {
            best = d;
            continue;
        }
        int c = deps_version_compare_str(d->version, best->version);
        if (c > 0 || (c == 0 && specificity(d) > specificity(best)))
            best = d;
    }
    if (best == NULL)
        fail_listing(cat, q, &p, err);
    return best;
}
