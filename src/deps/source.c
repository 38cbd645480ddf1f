/* Where a dependency comes from besides its URI: dependency-mapping and
 * dependency-mirror bindings, BP_DEPENDENCY_MIRROR[_<HOST>] (Paketo's
 * semantics), and the CA certificates of ca-certificates bindings. */
#include "deps/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/fileio.h"

#define BINDING_FILE_MAX (1u << 20)

const char *deps_getenv(const struct deps_fetch_options *opt, const char *name)
{
    const char *v = opt != NULL && opt->getenv_fn != NULL ? opt->getenv_fn(name, opt->getenv_ctx)
                                                          : getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

char *deps_bindings_root(const struct deps_fetch_options *opt)
{
    const char *root = deps_getenv(opt, "SERVICE_BINDING_ROOT");
    if (root == NULL)
        root = deps_getenv(opt, "CNB_BINDINGS");
    if (root != NULL)
        return strdup(root);
    if (opt != NULL && opt->platform_dir != NULL)
        return path_join(opt->platform_dir, "bindings");
    return NULL;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t lead = 0;
    while (isspace((unsigned char)s[lead]))
        lead++;
    memmove(s, s + lead, n - lead + 1);
}

/* Reads <dir>/<file> trimmed; *out NULL (no error) when it does not exist. */
static int read_binding_file(const char *dir, const char *file, char **out, struct bp_error *err)
{
    *out = NULL;
    char *path = path_join(dir, file);
    int rc = 0;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        rc = file_read_all(path, BINDING_FILE_MAX, out, NULL, err);
        if (rc == 0)
            trim(*out);
    }
    free(path);
    return rc;
}

static int skip_dot(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Calls fn for every binding directory whose type equals type (case
 * insensitive, as Paketo compares it), in name order. fn returns 0 to go
 * on, 1 to stop, -1 on error. */
static int each_binding(const char *root, const char *type,
                        int (*fn)(const char *dir, const char *name, void *ctx, struct bp_error *err),
                        void *ctx, struct bp_error *err)
{
    if (root == NULL || !file_is_dir(root))
        return 0;
    struct dirent **names = NULL;
    int n = scandir(root, &names, skip_dot, alphasort);
    if (n < 0)
        return error_set(err, "reading bindings in %s: %m", root);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char *dir = path_join(root, names[i]->d_name);
        char *t = NULL;
        if (file_is_dir(dir) && (rc = read_binding_file(dir, "type", &t, err)) == 0 &&
                   t != NULL && strcasecmp(t, type) == 0) {
            rc = fn(dir, names[i]->d_name, ctx, err);
        }
        free(t);
        free(dir);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc < 0 ? -1 : 0;
}

struct lookup {
    const char *key;
    char *value;
    char *from; /* the binding that gave value */
};

static int lookup_key(const char *dir, const char *name, void *ctx, struct bp_error *err)
{
    struct lookup *l = ctx;
    char *v = NULL;
    if (read_binding_file(dir, l->key, &v, err) != 0)
        return -1;
    if (v == NULL)
        return 0;
    if (v[0] == '\0') {
        free(v);
        return error_set(err, "binding %s: %s is empty", dir, l->key);
    }
    if (l->value != NULL) {
        int rc = error_set(err, "bindings %s and %s both map %s: keep one", l->from, name, l->key);
        free(v);
        return rc;
    }
    l->value = v;
    l->from = strdup(name);
    return 0;
}

int deps_mapping_uri(const char *bindings_root, const char *sha256, char **out,
                     struct bp_error *err)
{
    struct lookup l = {sha256, NULL, NULL};
    *out = NULL;
    int rc = each_binding(bindings_root, "dependency-mapping", lookup_key, &l, err);
    free(l.from);
    if (rc != 0) {
        free(l.value);
        return -1;
    }
    *out = l.value;
    return 0;
}

/* ---- URLs -------------------------------------------------------------- */

struct url_parts {
    const char *scheme;
    size_t scheme_len;
    const char *user; /* userinfo without '@' */
    size_t user_len;
    const char *host; /* host[:port] */
    size_t host_len;
    const char *hostname; /* without port or brackets */
    size_t hostname_len;
    const char *path; /* from the first '/' to '?' or '#' */
    size_t path_len;
    const char *rest; /* "?query#fragment" */
};

static int url_split(const char *url, struct url_parts *u)
{
    memset(u, 0, sizeof *u);
    const char *sep = strstr(url, "://");
    if (sep == NULL || sep == url)
        return -1;
    u->scheme = url;
    u->scheme_len = (size_t)(sep - url);
    const char *auth = sep + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    /* The last '@' ends the userinfo (a password may hold '@'). */
    for (const char *p = auth; p < auth + auth_len; p++)
        if (*p == '@')
            at = p;
    if (at != NULL) {
        u->user = auth;
        u->user_len = (size_t)(at - auth);
        u->host = at + 1;
        u->host_len = auth_len - u->user_len - 1;
    } else {
        u->host = auth;
        u->host_len = auth_len;
    }
    u->hostname = u->host;
    u->hostname_len = u->host_len;
    if (u->host_len > 0 && u->host[0] == '[') {
        const char *close = memchr(u->host, ']', u->host_len);
        if (close == NULL)
            return -1;
        u->hostname = u->host + 1;
        u->hostname_len = (size_t)(close - u->host - 1);
    } else {
        const char *colon = memchr(u->host, ':', u->host_len);
        if (colon != NULL)
            u->hostname_len = (size_t)(colon - u->host);
    }
    u->path = auth + auth_len;
    u->path_len = strcspn(u->path, "?#");
    u->rest = u->path + u->path_len;
    return 0;
}

void deps_redact_url(const char *url, char *out, size_t n)
{
    struct url_parts u;
    if (url_split(url, &u) != 0 || u.user == NULL) {
        snprintf(out, n, "%s", url);
        return;
    }
    snprintf(out, n, "%.*s://***@%s", (int)u.scheme_len, u.scheme, u.host);
}

char *deps_percent_decode(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2]) && !(s[i + 1] == '0' && s[i + 2] == '0')) {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};
            out[j++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

/* "https://m/{originalHost}" or "mirror=https://m,skip-path=/x". */
static int parse_mirror(const char *spec, char **mirror, char **skip_path)
{
    *mirror = NULL;
    *skip_path = NULL;
    const char *p = spec;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        if (eq == NULL && (strncmp(p, "https", 5) == 0 || strncmp(p, "http", 4) == 0 ||
                           strncmp(p, "file", 4) == 0)) {
            free(*mirror);
            *mirror = deps_percent_decode(p, n);
        } else if (eq != NULL && (size_t)(eq - p) == 6 && strncmp(p, "mirror", 6) == 0) {
            free(*mirror);
            *mirror = deps_percent_decode(eq + 1, n - 7);
        } else if (eq != NULL && (size_t)(eq - p) == 9 && strncmp(p, "skip-path", 9) == 0) {
            free(*skip_path);
            *skip_path = deps_percent_decode(eq + 1, n - 10);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return *mirror != NULL ? 0 : -1;
}

/* BP_DEPENDENCY_MIRROR_<HOST>: dots and dashes as '_' (what the issue
 * documents) or dashes as "__" (Paketo's spelling). */
static const char *host_mirror_env(const struct deps_fetch_options *opt, const char *host,
                                   size_t len)
{
    char name[300];
    for (int paketo = 0; paketo < 2; paketo++) {
        size_t j = snprintf(name, sizeof name, "BP_DEPENDENCY_MIRROR_");
        for (size_t i = 0; i < len && j + 3 < sizeof name; i++) {
            char c = host[i];
            if (c == '-' && paketo) {
                name[j++] = '_';
                name[j++] = '_';
            } else {
                name[j++] = c == '.' || c == '-' ? '_' : (char)toupper((unsigned char)c);
            }
        }
        name[j] = '\0';
        const char *v = deps_getenv(opt, name);
        if (v != NULL)
            return v;
        if (memchr(host, '-', len) == NULL)
            break;
    }
    return NULL;
}

int deps_mirror_uri(const struct deps_fetch_options *opt, const char *bindings_root,
                    const char *uri, char **out, struct bp_error *err)
{
    *out = NULL;
    struct url_parts u;
    if (url_split(uri, &u) != 0)
        return error_set(err, "%s: not a URL", uri);
    if (!((u.scheme_len == 5 && strncasecmp(u.scheme, "https", 5) == 0) ||
          (u.scheme_len == 4 && strncasecmp(u.scheme, "http", 4) == 0)))
        return 0;
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)u.hostname_len, u.hostname);
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);

    /* Host-specific beats default; the environment beats a binding. */
    const char *spec = host_mirror_env(opt, host, strlen(host));
    struct lookup by_host = {host, NULL, NULL}, by_default = {"default", NULL, NULL};
    int rc = 0;
    if (spec == NULL) {
        rc = each_binding(bindings_root, "dependency-mirror", lookup_key, &by_host, err);
        spec = by_host.value;
    }
    if (rc == 0 && spec == NULL)
        spec = deps_getenv(opt, "BP_DEPENDENCY_MIRROR");
    if (rc == 0 && spec == NULL) {
        rc = each_binding(bindings_root, "dependency-mirror", lookup_key, &by_default, err);
        spec = by_default.value;
    }
    char *mirror = NULL, *skip = NULL;
    struct strbuf sb = STRBUF_INIT;
    if (rc != 0 || spec == NULL)
        goto cleanup;
    struct url_parts m;
    if (parse_mirror(spec, &mirror, &skip) != 0 || url_split(mirror, &m) != 0 ||
        !((m.scheme_len == 5 && strncasecmp(m.scheme, "https", 5) == 0) ||
          (m.scheme_len == 4 && strncasecmp(m.scheme, "http", 4) == 0) ||
          (m.scheme_len == 4 && strncasecmp(m.scheme, "file", 4) == 0))) {
        char shown[1024];
        deps_redact_url(spec, shown, sizeof shown);
        rc = error_set(err, "dependency mirror \"%s\" is not an https://, http:// or file:// URL",
                       shown);
        goto cleanup;
    }
    strbuf_appendf(&sb, "%.*s://", (int)m.scheme_len, m.scheme);
    if (m.user != NULL)
        strbuf_appendf(&sb, "%.*s@", (int)m.user_len, m.user);
    strbuf_append(&sb, m.host, m.host_len);
    /* The mirror's path, {originalHost} replaced, without a trailing '/'. */
    size_t mpath_len = m.path_len;
    while (mpath_len > 0 && m.path[mpath_len - 1] == '/')
        mpath_len--;
    const char *placeholder = "{originalHost}";
    const char *mp = m.path, *mend = m.path + mpath_len;
    while (mp < mend) {
        const char *hit = strstr(mp, placeholder);
        if (hit == NULL || hit + strlen(placeholder) > mend) {
            strbuf_append(&sb, mp, (size_t)(mend - mp));
            break;
        }
        strbuf_append(&sb, mp, (size_t)(hit - mp));
        strbuf_append_str(&sb, host);
        mp = hit + strlen(placeholder);
    }
    const char *path = u.path;
    size_t path_len = u.path_len;
    size_t skip_len = skip != NULL ? strlen(skip) : 0;
    const char *cut = skip_len > 0 ? strstr(path, skip) : NULL;
    if (cut != NULL && cut + skip_len <= path + path_len) {
        strbuf_append(&sb, path, (size_t)(cut - path));
        strbuf_append(&sb, cut + skip_len, path_len - (size_t)(cut - path) - skip_len);
    } else {
        strbuf_append(&sb, path, path_len);
    }
    strbuf_append_str(&sb, u.rest);
    *out = strbuf_detach(&sb);
cleanup:
    strbuf_free(&sb);
    free(mirror);
    free(skip);
    free(by_host.value);
    free(by_host.from);
    free(by_default.value);
    free(by_default.from);
    return rc;
}

/* ---- CA certificates ---------------------------------------------------- */

struct ca_ctx {
    struct strbuf *pem;
    int count;
};

static int collect_certs(const char *dir, const char *name, void *ctx, struct bp_error *err)
{
    (void)name;
    struct ca_ctx *c = ctx;
    struct dirent **files = NULL;
    int n = scandir(dir, &files, skip_dot, alphasort);
    if (n < 0)
        return error_set(err, "reading binding %s: %m", dir);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *f = files[i]->d_name;
        if (strcmp(f, "type") == 0 || strcmp(f, "provider") == 0)
            continue;
        char *path = path_join(dir, f);
        char *text = NULL;
        size_t len = 0;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = file_read_all(path, BINDING_FILE_MAX, &text, &len, err);
            if (rc == 0 && strstr(text, "-----BEGIN CERTIFICATE-----") == NULL)
                rc = error_set(err, "ca-certificates binding file %s holds no PEM certificate",
                               path);
            if (rc == 0) {
                strbuf_append(c->pem, text, len);
                strbuf_append_char(c->pem, '\n');
                c->count++;
            }
        }
        free(text);
        free(path);
    }
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}

int deps_binding_ca_certs(const char *bindings_root, struct strbuf *pem, int *count,
                          struct bp_error *err)
{
    struct ca_ctx c = {pem, 0};
    int rc = each_binding(bindings_root, "ca-certificates", collect_certs, &c, err);
    *count = c.count;
    return rc;
}
