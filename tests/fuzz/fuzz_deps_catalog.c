/* libFuzzer target: version constraints, versions and pins (the first
 * line of the input) and [[metadata.dependencies]] catalogs (the whole
 * input as TOML), then resolution over whatever catalog loaded. Seeds:
 * tests/data/deps/ (run-fuzz.sh picks them up). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "deps/internal.h"
#include "toml/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(int rc, const struct bp_error *err)
{
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && err->message[0] == '\0')
        abort(); /* every failure must say why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_input_string(data, size);
    if (text == NULL)
        return 0;

    char *line = strdup(text);
    if (line != NULL) {
        line[strcspn(line, "\n")] = '\0';
        struct bp_error err = {{0}};
        int rc = deps_constraint_validate(line, &err);
        check_failure(rc, &err);
        static const char *const versions[] = {"0", "1.25.3", "go1.28rc1", "3.11.7", "2.7.18",
                                               "18.7.10521+2"};
        for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
            bool match = false;
            err.message[0] = '\0';
            int m = deps_constraint_match(line, versions[i], &match, &err);
            check_failure(m, &err);
            if ((m == 0) != (rc == 0))
                abort(); /* validation and matching must agree on syntax */
            (void)deps_version_matches_pin(versions[i], line);
        }
        struct deps_version v;
        if (deps_version_parse(line, &v) == 0) {
            if (v.n < 1 || v.n > DEPS_VERSION_MAX_PARTS || deps_version_compare(&v, &v) != 0)
                abort();
            if (!deps_version_matches_pin(line, line))
                abort();
        }
        free(line);
    }

    struct bp_error err = {{0}};
    struct toml_value *root = toml_parse(text, size, "fuzz.toml", &err);
    if (root != NULL) {
        struct deps_catalog cat;
        int rc = deps_catalog_from_toml(root, "fuzz.toml", &cat, &err);
        check_failure(rc, &err);
        for (size_t i = 0; rc == 0 && i < cat.len; i++) {
            const struct deps_dependency *d = &cat.items[i];
            if (d->id == NULL || d->version == NULL || d->uri == NULL || d->sha256 == NULL ||
                strlen(d->sha256) != 64)
                abort();
            struct deps_query queries[] = {
                {.id = d->id},
                {.id = d->id, .runtime_version = "3.11.7", .arch = "amd64", .glibc_version = "2.36"},
                {.id = d->id, .runtime_version = "1.26", .arch = "arm64", .libc = "musl"},
                {.id = d->id, .version_pin = d->version},
            };
            for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
                err.message[0] = '\0';
                const struct deps_dependency *got = deps_resolve(&cat, &queries[q], &err);
                if (got == NULL && err.message[0] == '\0')
                    abort();
                if (got != NULL && strcmp(got->id, d->id) != 0)
                    abort();
            }
        }
        if (rc == 0)
            deps_catalog_free(&cat);
        toml_free(root);
    }
    free(text);
    return 0;
}
