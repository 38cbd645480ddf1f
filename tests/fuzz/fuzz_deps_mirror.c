/* libFuzzer target: mirror-URL rewriting (deps_mirror_uri) and URL
 * redaction never crash or leak, whatever the mirror setting and the URI.
 * Input: "<BP_DEPENDENCY_MIRROR value>\n<BP_DEPENDENCY_MIRROR_<HOST> value>\n<uri>". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "deps/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct env {
    const char *mirror, *host_mirror;
};

/* Any BP_DEPENDENCY_MIRROR_<HOST> gets the second line, so host-specific
 * lookups (derived from the fuzzed URI's host) are exercised too. */
static const char *fuzz_getenv(const char *name, void *ctx)
{
    const struct env *e = ctx;
    if (strcmp(name, "BP_DEPENDENCY_MIRROR") == 0)
        return e->mirror;
    if (strncmp(name, "BP_DEPENDENCY_MIRROR_", 21) == 0)
        return e->host_mirror;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_input_string(data, size);
    if (text == NULL)
        return 0;
    char *host_mirror = strchr(text, '\n');
    char *uri = NULL;
    if (host_mirror != NULL) {
        *host_mirror++ = '\0';
        uri = strchr(host_mirror, '\n');
        if (uri != NULL)
            *uri++ = '\0';
    }
    if (uri == NULL) {
        free(text);
        return 0;
    }
    struct env e = {text[0] ? text : NULL, host_mirror[0] ? host_mirror : NULL};
    struct deps_fetch_options opt = {0};
    opt.getenv_fn = fuzz_getenv;
    opt.getenv_ctx = &e;
    char *out = NULL;
    struct bp_error err;
    if (deps_mirror_uri(&opt, NULL, uri, &out, &err) == 0 && out != NULL) {
        char shown[2048];
        deps_redact_url(out, shown, sizeof shown);
        if (strlen(shown) >= sizeof shown)
            abort();
    }
    char shown[64];
    deps_redact_url(uri, shown, sizeof shown);
    char *decoded = deps_percent_decode(uri, strlen(uri));
    free(decoded);
    free(out);
    free(text);
    return 0;
}
