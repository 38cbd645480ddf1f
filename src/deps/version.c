/* Version numbers and version constraints for dependency resolution: tool
 * versions (1.27.2, 18.7.10521+2) and runtime versions (go1.26rc1, 3.11.7). */
#include "deps/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define PART_DIGITS_MAX 15 /* keeps a part far from overflowing long long */

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* Parses the numeric parts, pre-release and build of s[0..len). wildcard_at
 * (may be NULL) accepts "*", "x" or "X" as the last part and reports how
 * many parts came before it (-1 when there is none). */
static int parse_version(const char *s, size_t len, struct deps_version *v, int *wildcard_at)
{
    memset(v, 0, sizeof *v);
    if (wildcard_at != NULL)
        *wildcard_at = -1;
    size_t i = 0;
    if (len >= 2 && s[0] == 'g' && s[1] == 'o' && len > 2 && isdigit((unsigned char)s[2]))
        i = 2;
    else if (len >= 1 && (s[0] == 'v' || s[0] == 'V'))
        i = 1;
    for (;;) {
        if (i < len && wildcard_at != NULL && (s[i] == '*' || s[i] == 'x' || s[i] == 'X') &&
            (i + 1 == len || s[i + 1] == '.')) {
            if (v->n == 0 && i > 0 && s[i - 1] != '.')
                return -1;
            *wildcard_at = v->n;
            i++;
            /* Anything after a wildcard must be more wildcards: "1.x.x". */
            while (i < len) {
                if (s[i] != '.' || i + 1 >= len ||
                    (s[i + 1] != '*' && s[i + 1] != 'x' && s[i + 1] != 'X'))
                    return -1;
                i += 2;
            }
            return 0;
        }
        size_t start = i;
        long long part = 0;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (i - start >= PART_DIGITS_MAX)
                return -1;
            part = part * 10 + (s[i] - '0');
            i++;
        }
        if (i == start || v->n == DEPS_VERSION_MAX_PARTS)
            return -1;
        v->num[v->n++] = part;
        if (i < len && s[i] == '.' && i + 1 < len &&
            (isdigit((unsigned char)s[i + 1]) ||
             (wildcard_at != NULL && (s[i + 1] == '*' || s[i + 1] == 'x' || s[i + 1] == 'X')))) {
            i++;
            continue;
        }
        break;
    }
    if (i < len && (s[i] == '-' || isalpha((unsigned char)s[i]))) {
        if (s[i] == '-')
            i++;
        size_t start = i;
        while (i < len && ident_char(s[i]))
            i++;
        if (i == start || i - start >= sizeof v->pre)
            return -1;
        memcpy(v->pre, s + start, i - start);
        v->pre[i - start] = '\0';
    }
    if (i < len && s[i] == '+') {
        i++;
        size_t start = i;
        while (i < len && ident_char(s[i]))
            i++;
        if (i == start || i - start >= sizeof v->build)
            return -1;
        memcpy(v->build, s + start, i - start);
        v->build[i - start] = '\0';
    }
    return i == len ? 0 : -1;
}

int deps_version_parse(const char *s, struct deps_version *v)
{
    return parse_version(s, strlen(s), v, NULL);
}

/* Natural order: digit runs compare as numbers, other runs as bytes, so
 * rc2 < rc10 and beta < rc. */
static int natural_compare(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c != 0)
                return c < 0 ? -1 : 1;
            a += la;
            b += lb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a == *b ? 0 : (*a == '\0' ? -1 : 1);
}

static int compare_numbers(const struct deps_version *a, const struct deps_version *b)
{
    int n = a->n > b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        long long x = i < a->n ? a->num[i] : 0;
        long long y = i < b->n ? b->num[i] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static int compare_pre(const char *a, const char *b)
{
    if (*a == '\0' || *b == '\0')
        return *a == *b ? 0 : (*a == '\0' ? 1 : -1);
    return natural_compare(a, b);
}

int deps_version_compare(const struct deps_version *a, const struct deps_version *b)
{
    int c = compare_numbers(a, b);
    if (c == 0)
        c = compare_pre(a->pre, b->pre);
    if (c == 0)
        c = natural_compare(a->build, b->build);
    return c;
}

int deps_version_compare_str(const char *a, const char *b)
{
    struct deps_version va, vb;
    bool oka = deps_version_parse(a, &va) == 0, okb = deps_version_parse(b, &vb) == 0;
    if (oka && okb)
        return deps_version_compare(&va, &vb);
    if (oka != okb)
        return oka ? 1 : -1; /* unparsable sorts first (oldest) */
    return natural_compare(a, b);
}

bool deps_version_matches_pin(const char *version, const char *pin)
{
    if (strcmp(version, pin) == 0)
        return true;
    struct deps_version v, p;
    if (deps_version_parse(version, &v) != 0 || deps_version_parse(pin, &p) != 0)
        return false;
    if (p.pre[0] != '\0' || p.build[0] != '\0')
        return deps_version_compare(&v, &p) == 0 && strcmp(v.pre, p.pre) == 0 &&
               strcmp(v.build, p.build) == 0;
    if (p.n > v.n)
        return false;
    for (int i = 0; i < p.n; i++)
        if (p.num[i] != v.num[i])
            return false;
    return true;
}

/* ---- constraints ------------------------------------------------------- */

enum op { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE, OP_TILDE, OP_CARET, OP_COMPAT };

struct comparator {
    enum op op;
    struct deps_version v;
    bool wildcard;
};

static const struct {
    const char *text;
    enum op op;
} ops[] = {
    /* Longest first so ">=" is not read as ">". */
    {"==", OP_EQ}, {"!=", OP_NE}, {">=", OP_GE}, {"<=", OP_LE}, {"~=", OP_COMPAT},
    {"=", OP_EQ},  {">", OP_GT},  {"<", OP_LT},  {"~", OP_TILDE}, {"^", OP_CARET},
};

/* Reads one comparator at *p (leading blanks skipped). Returns 1 when one
 * was read, 0 at the end of an alternative ("||" or end), -1 on error. */
static int read_comparator(const char **p, struct comparator *c, const char *whole,
                           struct bp_error *err)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    if (*s == '\0' || (s[0] == '|' && s[1] == '|')) {
        *p = s;
        return 0;
    }
    c->op = OP_EQ;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t n = strlen(ops[i].text);
        if (strncmp(s, ops[i].text, n) == 0) {
            c->op = ops[i].op;
            s += n;
            break;
        }
    }
    while (*s == ' ' || *s == '\t')
        s++;
    const char *start = s;
    while (*s != '\0' && *s != ' ' && *s != '\t' && *s != ',' && *s != '|')
        s++;
    if (s == start)
        return error_set(err, "version constraint \"%s\": an operator without a version", whole);
    int wildcard_at = -1;
    if (parse_version(start, (size_t)(s - start), &c->v, &wildcard_at) != 0)
        return error_set(err, "version constraint \"%s\": \"%.*s\" is not a version", whole,
                         (int)(s - start), start);
    c->wildcard = wildcard_at >= 0;
    if (c->wildcard && c->op != OP_EQ && c->op != OP_NE)
        return error_set(err, "version constraint \"%s\": a wildcard only goes with =, == or !=",
                         whole);
    if (c->op == OP_COMPAT && c->v.n < 2)
        return error_set(err, "version constraint \"%s\": ~= needs at least two parts (~=3.8)",
                         whole);
    *p = s;
    return 1;
}

/* Prefix equality on the parts the comparator names. */
static bool prefix_equal(const struct deps_version *cand, const struct deps_version *cv, int n)
{
    for (int i = 0; i < n; i++) {
        long long x = i < cand->n ? cand->num[i] : 0;
        if (x != cv->num[i])
            return false;
    }
    return true;
}

static int compare_for(const struct deps_version *cand, const struct deps_version *cv)
{
    int c = compare_numbers(cand, cv);
    /* A runtime pre-release (go1.28rc1) is that release unless the
     * constraint speaks of pre-releases itself. */
    if (c == 0 && cv->pre[0] != '\0')
        c = compare_pre(cand->pre, cv->pre);
    return c;
}

static bool below_bump(const struct deps_version *cand, const struct deps_version *cv, int k)
{
    struct deps_version upper;
    memset(&upper, 0, sizeof upper);
    for (int i = 0; i <= k; i++)
        upper.num[i] = cv->num[i];
    upper.num[k]++;
    upper.n = k + 1;
    return compare_numbers(cand, &upper) < 0;
}

static bool comparator_match(const struct comparator *c, const struct deps_version *cand)
{
    const struct deps_version *cv = &c->v;
    switch (c->op) {
    case OP_EQ:
    case OP_NE: {
        bool eq = prefix_equal(cand, cv, cv->n) &&
                  (c->wildcard || cv->pre[0] == '\0' || strcmp(cand->pre, cv->pre) == 0);
        return c->op == OP_EQ ? eq : !eq;
    }
    case OP_GT:
        return compare_for(cand, cv) > 0;
    case OP_GE:
        return compare_for(cand, cv) >= 0;
    case OP_LT:
        return compare_for(cand, cv) < 0;
    case OP_LE:
        return compare_for(cand, cv) <= 0;
    case OP_TILDE:
        return compare_for(cand, cv) >= 0 && below_bump(cand, cv, cv->n >= 2 ? 1 : 0);
    case OP_CARET: {
        int k = 0;
        while (k < cv->n - 1 && cv->num[k] == 0)
            k++;
        return compare_for(cand, cv) >= 0 && below_bump(cand, cv, k);
    }
    case OP_COMPAT:
        return compare_for(cand, cv) >= 0 && prefix_equal(cand, cv, cv->n - 1);
    }
    return false;
}

/* Walks the constraint; with cand NULL it only checks the syntax. */
static int evaluate(const char *constraint, const struct deps_version *cand, bool *match,
                    struct bp_error *err)
{
    const char *p = constraint;
    bool any = false;
    int alternatives = 0;
    for (;;) {
        bool all = true;
        int count = 0;
        struct comparator c;
        int r;
        while ((r = read_comparator(&p, &c, constraint, err)) == 1) {
            count++;
            if (cand != NULL && all && !comparator_match(&c, cand))
                all = false;
        }
        if (r < 0)
            return -1;
        if (count == 0)
            return error_set(err, "version constraint \"%s\": %s", constraint,
                             alternatives == 0 && *p == '\0' ? "empty" : "empty alternative around ||");
        alternatives++;
        if (all)
            any = true;
        if (*p == '\0')
            break;
        p += 2; /* "||" */
    }
    if (match != NULL)
        *match = any;
    return 0;
}

int deps_constraint_validate(const char *constraint, struct bp_error *err)
{
    return evaluate(constraint, NULL, NULL, err);
}

int deps_constraint_match(const char *constraint, const char *version, bool *match,
                          struct bp_error *err)
{
    struct deps_version cand;
    if (deps_version_parse(version, &cand) != 0)
        return error_set(err, "\"%s\" is not a version", version);
    return evaluate(constraint, &cand, match, err);
}
