/* Loads and validates [[metadata.dependencies]] from buildpack.toml, so a
 * bad entry fails the build with its index, id, version and key named. */
#include "deps/internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "toml/toml.h"

struct entry_ctx {
    const char *file;
    size_t index;
    const char *id, *version;
    struct bp_error *err;
};

__attribute__((format(printf, 3, 4))) static int entry_fail(const struct entry_ctx *e,
                                                            const char *key, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return error_set(e->err, "%s: [[metadata.dependencies]] #%zu (id \"%s\", version \"%s\"): %s: %s",
                     e->file, e->index + 1, e->id ? e->id : "?", e->version ? e->version : "?",
                     key, what);
}

/* Paketo spells multi-word keys with '-' (source-checksum), older entries
 * and our own docs sometimes with '_': accept both. */
static const struct toml_value *get_key(const struct toml_value *t, const char *key,
                                        const char **found)
{
    const struct toml_value *v = toml_table_get(t, key);
    *found = key;
    if (v != NULL || strchr(key, '-') == NULL)
        return v;
    char alt[64];
    snprintf(alt, sizeof alt, "%s", key);
    for (char *p = alt; *p; p++)
        if (*p == '-')
            *p = '_';
    v = toml_table_get(t, alt);
    if (v != NULL)
        *found = key; /* report the canonical spelling */
    return v;
}

/* Copies an optional string key; -1 when present but not a string. */
static int take_string(const struct entry_ctx *e, const struct toml_value *t, const char *key,
                       bool required, char **out)
{
    const char *found;
    const struct toml_value *v = get_key(t, key, &found);
    if (v == NULL) {
        if (required)
            return entry_fail(e, key, "missing");
        return 0;
    }
    const char *s;
    size_t len;
    if (!toml_get_string_len(v, &s, &len))
        return entry_fail(e, key, "expected a string, got %s", toml_type_name(toml_type_of(v)));
    if (strlen(s) != len)
        return entry_fail(e, key, "contains a NUL character");
    if (len == 0 && required)
        return entry_fail(e, key, "empty");
    if (len == 0)
        return 0;
    *out = xstrdup(s);
    return 0;
}

static bool is_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]))
            return false;
    return n == 64;
}

static void lowercase(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* "sha256:<hex>" or a bare hex digest -> malloc'd lowercase hex. */
static int parse_checksum(const struct entry_ctx *e, const char *key, const char *text,
                          bool allow_bare, char **out)
{
    const char *hex = text;
    if (strncmp(text, "sha256:", 7) == 0)
        hex = text + 7;
    else if (!allow_bare)
        return entry_fail(e, key, "expected \"sha256:<64 hex digits>\", got \"%s\"", text);
    if (!is_hex64(hex))
        return entry_fail(e, key, "\"%s\" is not a sha256 (64 hex digits)", text);
    *out = xstrdup(hex);
    lowercase(*out);
    return 0;
}

static void push_unique(char ***list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0)
            return;
    *list = xreallocarray(*list, *n + 1, sizeof **list);
    (*list)[(*n)++] = xstrdup(s);
}

/* purl + purls (or cpe + cpes) into one list, the array first. */
static int take_string_list(const struct entry_ctx *e, const struct toml_value *t,
                            const char *plural, const char *singular, char ***list, size_t *n)
{
    const struct toml_value *arr = toml_table_get(t, plural);
    if (arr != NULL) {
        if (toml_type_of(arr) != TOML_ARRAY)
            return entry_fail(e, plural, "expected an array of strings, got %s",
                              toml_type_name(toml_type_of(arr)));
        for (size_t i = 0; i < toml_array_len(arr); i++) {
            const char *s;
            if (!toml_get_string(toml_array_at(arr, i), &s) || s[0] == '\0')
                return entry_fail(e, plural, "element %zu is not a non-empty string", i + 1);
            push_unique(list, n, s);
        }
    }
    const struct toml_value *one = toml_table_get(t, singular);
    if (one != NULL) {
        const char *s;
        if (!toml_get_string(one, &s) || s[0] == '\0')
            return entry_fail(e, singular, "expected a non-empty string");
        push_unique(list, n, s);
    }
    return 0;
}

static int take_licenses(const struct entry_ctx *e, const struct toml_value *t,
                         struct deps_dependency *d)
{
    const struct toml_value *arr = toml_table_get(t, "licenses");
    if (arr == NULL)
        return 0;
    if (toml_type_of(arr) != TOML_ARRAY)
        return entry_fail(e, "licenses", "expected an array, got %s",
                          toml_type_name(toml_type_of(arr)));
    size_t n = toml_array_len(arr);
    if (n == 0)
        return 0;
    d->licenses = xcalloc(n, sizeof *d->licenses);
    for (size_t i = 0; i < n; i++) {
        const struct toml_value *item = toml_array_at(arr, i);
        const char *type = NULL, *uri = NULL;
        if (toml_type_of(item) == TOML_TABLE) {
            const struct toml_value *tv = toml_table_get(item, "type");
            const struct toml_value *uv = toml_table_get(item, "uri");
            if (tv != NULL && !toml_get_string(tv, &type))
                return entry_fail(e, "licenses", "element %zu: type is not a string", i + 1);
            if (uv != NULL && !toml_get_string(uv, &uri))
                return entry_fail(e, "licenses", "element %zu: uri is not a string", i + 1);
            if ((type == NULL || type[0] == '\0') && (uri == NULL || uri[0] == '\0'))
                return entry_fail(e, "licenses", "element %zu has neither type nor uri", i + 1);
        } else if (!toml_get_string(item, &type) || type[0] == '\0') {
            return entry_fail(e, "licenses", "element %zu: expected {type, uri} or a string",
                              i + 1);
        }
        struct deps_license *l = &d->licenses[d->n_licenses++];
        l->type = type != NULL && type[0] != '\0' ? xstrdup(type) : NULL;
        l->uri = uri != NULL && uri[0] != '\0' ? xstrdup(uri) : NULL;
    }
    return 0;
}

const char *deps_arch_normalize(const char *arch, char *buf, size_t n)
{
    if (arch == NULL || arch[0] == '\0')
        return NULL;
    static const struct {
        const char *alias, *canonical;
    } aliases[] = {
        {"amd64", "amd64"}, {"x86_64", "amd64"}, {"x86-64", "amd64"}, {"x64", "amd64"},
        {"arm64", "arm64"}, {"aarch64", "arm64"},
        {"any", NULL},      {"all", NULL},       {"noarch", NULL},   {"*", NULL},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcasecmp(arch, aliases[i].alias) == 0)
            return aliases[i].canonical;
    snprintf(buf, n, "%s", arch);
    lowercase(buf);
    return buf;
}

static int parse_entry(const struct entry_ctx *base, const struct toml_value *t,
                       struct deps_dependency *d)
{
    struct entry_ctx e = *base;
    if (toml_type_of(t) != TOML_TABLE)
        return entry_fail(&e, "entry", "expected a table");
    /* id and version first: every later message names them. */
    if (take_string(&e, t, "id", true, &d->id) != 0)
        return -1;
    e.id = d->id;
    if (take_string(&e, t, "version", true, &d->version) != 0)
        return -1;
    e.version = d->version;
    struct deps_version v;
    if (deps_version_parse(d->version, &v) != 0)
        return entry_fail(&e, "version", "\"%s\" is not a version (like 1.27.2)", d->version);

    if (take_string(&e, t, "name", false, &d->name) != 0 ||
        take_string(&e, t, "uri", true, &d->uri) != 0)
        return -1;
    if (strncmp(d->uri, "https://", 8) != 0 && strncmp(d->uri, "http://", 7) != 0 &&
        strncmp(d->uri, "file://", 7) != 0)
        return entry_fail(&e, "uri", "\"%s\" is not an https://, http:// or file:// URI", d->uri);

    char *checksum = NULL, *bare = NULL;
    if (take_string(&e, t, "checksum", false, &checksum) != 0 ||
        take_string(&e, t, "sha256", false, &bare) != 0) {
        free(checksum);
        free(bare);
        return -1;
    }
    int rc = 0;
    char *from_checksum = NULL;
    if (checksum == NULL && bare == NULL)
        rc = entry_fail(&e, "checksum", "missing (checksum = \"sha256:<hex>\" or sha256 = \"<hex>\")");
    if (rc == 0 && checksum != NULL)
        rc = parse_checksum(&e, "checksum", checksum, false, &from_checksum);
    if (rc == 0 && bare != NULL)
        rc = parse_checksum(&e, "sha256", bare, true, &d->sha256);
    if (rc == 0 && from_checksum != NULL && d->sha256 != NULL &&
        strcmp(from_checksum, d->sha256) != 0)
        rc = entry_fail(&e, "checksum", "disagrees with sha256 (%s vs %s)", from_checksum,
                        d->sha256);
    if (rc == 0 && d->sha256 == NULL) {
        d->sha256 = from_checksum;
        from_checksum = NULL;
    }
    free(from_checksum);
    free(checksum);
    free(bare);
    if (rc != 0)
        return -1;

    char *arch = NULL;
    if (take_string(&e, t, "arch", false, &arch) != 0)
        return -1;
    char buf[64];
    const char *norm = deps_arch_normalize(arch, buf, sizeof buf);
    free(arch);
    if (norm != NULL)
        d->arch = xstrdup(norm);

    if (take_string(&e, t, "os", false, &d->os) != 0)
        return -1;
    if (d->os == NULL)
        d->os = xstrdup("linux");
    lowercase(d->os);

    if (take_string(&e, t, "libc", false, &d->libc) != 0)
        return -1;
    if (d->libc != NULL) {
        lowercase(d->libc);
        if (strcmp(d->libc, "glibc") != 0 && strcmp(d->libc, "musl") != 0)
            return entry_fail(&e, "libc", "\"%s\" is neither \"glibc\" nor \"musl\"", d->libc);
    }

    if (take_string(&e, t, "runtime-versions", false, &d->runtime_versions) != 0)
        return -1;
    if (d->runtime_versions != NULL) {
        struct bp_error cerr;
        if (deps_constraint_validate(d->runtime_versions, &cerr) != 0)
            return entry_fail(&e, "runtime-versions", "%s", cerr.message);
    }

    if (take_string(&e, t, "python-tag", false, &d->python_tag) != 0)
        return -1;
    if (d->python_tag != NULL) {
        const char *dash1 = strchr(d->python_tag, '-');
        const char *dash2 = dash1 ? strchr(dash1 + 1, '-') : NULL;
        if (dash1 == NULL || dash2 == NULL || strchr(dash2 + 1, '-') != NULL ||
            dash1 == d->python_tag || dash2 == dash1 + 1 || dash2[1] == '\0')
            return entry_fail(&e, "python-tag",
                              "\"%s\" is not <python>-<abi>-<platform> (like py2.py3-none-any)",
                              d->python_tag);
    }

    char *source_checksum = NULL;
    if (take_string(&e, t, "source", false, &d->source) != 0 ||
        take_string(&e, t, "go-version", false, &d->go_version) != 0 ||
        take_string(&e, t, "source-checksum", false, &source_checksum) != 0)
        return -1;
    if (source_checksum == NULL && take_string(&e, t, "source-sha256", false, &source_checksum) != 0)
        return -1;
    if (source_checksum != NULL) {
        rc = parse_checksum(&e, "source-checksum", source_checksum, true, &d->source_sha256);
        free(source_checksum);
        if (rc != 0)
            return -1;
    }

    const char *found;
    const struct toml_value *strip = get_key(t, "strip-components", &found);
    if (strip != NULL) {
        int64_t n;
        if (!toml_get_integer(strip, &n) || n < 0 || n > 64)
            return entry_fail(&e, "strip-components", "expected an integer from 0 to 64");
        d->strip_components = (int)n;
    }
    const struct toml_value *size = get_key(t, "size", &found);
    if (size != NULL) {
        int64_t n;
        if (!toml_get_integer(size, &n) || n <= 0)
            return entry_fail(&e, "size", "expected a positive integer (bytes)");
        d->size = (unsigned long long)n;
    }

    if (take_string_list(&e, t, "purls", "purl", &d->purls, &d->n_purls) != 0 ||
        take_string_list(&e, t, "cpes", "cpe", &d->cpes, &d->n_cpes) != 0 ||
        take_licenses(&e, t, d) != 0)
        return -1;
    if (d->n_purls > 0)
        d->purl = xstrdup(d->purls[0]);
    return 0;
}

static void dependency_free(struct deps_dependency *d)
{
    char **fields[] = {&d->id,     &d->name,          &d->version,          &d->uri,
                        &d->sha256, &d->os,            &d->arch,             &d->purl,
                        &d->source, &d->source_sha256, &d->runtime_versions, &d->libc,
                        &d->python_tag, &d->go_version};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        free(fields[i][0]);
    for (size_t i = 0; i < d->n_purls; i++)
        free(d->purls[i]);
    free(d->purls);
    for (size_t i = 0; i < d->n_cpes; i++)
        free(d->cpes[i]);
    free(d->cpes);
    for (size_t i = 0; i < d->n_licenses; i++) {
        free(d->licenses[i].type);
        free(d->licenses[i].uri);
    }
    free(d->licenses);
}

void deps_catalog_free(struct deps_catalog *cat)
{
    if (cat == NULL)
        return;
    for (size_t i = 0; i < cat->len; i++)
        dependency_free(&cat->items[i]);
    free(cat->items);
    cat->items = NULL;
    cat->len = 0;
}

static bool same_or_both_null(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int deps_catalog_from_toml(const struct toml_value *root, const char *name,
                           struct deps_catalog *cat, struct bp_error *err)
{
    cat->items = NULL;
    cat->len = 0;
    const struct toml_value *metadata = toml_table_get(root, "metadata");
    if (metadata == NULL)
        return 0;
    if (toml_type_of(metadata) != TOML_TABLE)
        return error_set(err, "%s: metadata: expected a table, got %s", name,
                         toml_type_name(toml_type_of(metadata)));
    const struct toml_value *list = toml_table_get(metadata, "dependencies");
    if (list == NULL)
        return 0;
    if (toml_type_of(list) != TOML_ARRAY)
        return error_set(err, "%s: metadata.dependencies: expected an array of tables, got %s",
                         name, toml_type_name(toml_type_of(list)));
    size_t n = toml_array_len(list);
    if (n == 0)
        return 0;
    cat->items = xcalloc(n, sizeof *cat->items);
    for (size_t i = 0; i < n; i++) {
        struct entry_ctx e = {name, i, NULL, NULL, err};
        struct deps_dependency *d = &cat->items[i];
        d->index = i;
        cat->len = i + 1; /* so a failure frees what this entry took */
        if (parse_entry(&e, toml_array_at(list, i), d) != 0) {
            deps_catalog_free(cat);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            const struct deps_dependency *o = &cat->items[j];
            if (strcmp(o->id, d->id) == 0 && strcmp(o->version, d->version) == 0 &&
                strcmp(o->os, d->os) == 0 && same_or_both_null(o->arch, d->arch) &&
                same_or_both_null(o->libc, d->libc) &&
                same_or_both_null(o->python_tag, d->python_tag)) {
                e.id = d->id;
                e.version = d->version;
                entry_fail(&e, "id", "same id, version, os, arch, libc and python-tag as entry #%zu",
                           j + 1);
                deps_catalog_free(cat);
                return -1;
            }
        }
    }
    return 0;
}

int deps_catalog_load(const char *buildpack_toml_path, struct deps_catalog *cat,
                      struct bp_error *err)
{
    cat->items = NULL;
    cat->len = 0;
    struct toml_value *root = toml_parse_file(buildpack_toml_path, err);
    if (root == NULL)
        return -1;
    int rc = deps_catalog_from_toml(root, buildpack_toml_path, cat, err);
    toml_free(root);
    return rc;
}
