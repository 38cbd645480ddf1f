/* Pieces of the deps module shared between its files and its tests:
 * versions and constraints, the catalog from a parsed tree, source URI
 * rewriting (mirrors, bindings), download, and safe extraction. */
#ifndef BP_DEPS_INTERNAL_H
#define BP_DEPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "deps/deps.h"

/* ---- versions (version.c) --------------------------------------------- */

#define DEPS_VERSION_MAX_PARTS 6

/* "1.27.2", "v1.2", "go1.26rc1", "18.7.10521+2", "1.8.0-beta.1". */
struct deps_version {
    long long num[DEPS_VERSION_MAX_PARTS];
    int n;          /* numeric parts given (missing parts compare as 0) */
    char pre[64];   /* pre-release ("rc1", "beta.1"), "" when none */
    char build[64]; /* build metadata after '+', "" when none */
};

int deps_version_parse(const char *s, struct deps_version *v);
/* <0, 0, >0. A pre-release sorts before its release; build metadata only
 * breaks ties (so 18.7.10521+2 > 18.7.10521+1). */
int deps_version_compare(const struct deps_version *a, const struct deps_version *b);
int deps_version_compare_str(const char *a, const char *b);
/* A pin matches when it equals the version or is a prefix of it on part
 * boundaries: "1.27" matches 1.27.2, "1.8.2" does not match 1.8.22. */
bool deps_version_matches_pin(const char *version, const char *pin);

/* Constraints: alternatives joined by "||", each a list of comparators
 * joined by ',' or blanks. Comparators: =, ==, !=, >, >=, <, <=, ~ (patch
 * range), ^ (caret), ~= (PEP 440 compatible release); a bare version or
 * "1.25.*" / "1.25.x" matches that prefix. A runtime pre-release (Go
 * 1.28rc1) counts as its release unless the comparator names one. */
int deps_constraint_validate(const char *constraint, struct bp_error *err);
int deps_constraint_match(const char *constraint, const char *version, bool *match,
                          struct bp_error *err);

/* ---- catalog (catalog.c) ---------------------------------------------- */

struct toml_value;
/* name is the file name used in messages. */
int deps_catalog_from_toml(const struct toml_value *root, const char *name,
                           struct deps_catalog *cat, struct bp_error *err);
/* "amd64" for x86_64/x64/amd64, "arm64" for aarch64/arm64, NULL for
 * any/all/noarch/NULL, else a lowercase copy. Result is static or in buf. */
const char *deps_arch_normalize(const char *arch, char *buf, size_t n);

/* ---- sources (source.c) ----------------------------------------------- */

/* Looks name up through opt->getenv_fn (or getenv); empty counts as unset. */
const char *deps_getenv(const struct deps_fetch_options *opt, const char *name);
/* SERVICE_BINDING_ROOT, else CNB_BINDINGS, else <platform>/bindings;
 * malloc'd, or NULL when there is none. */
char *deps_bindings_root(const struct deps_fetch_options *opt);
/* The URI a dependency-mapping binding gives for sha256 (a file named
 * <sha256> in a binding whose type is dependency-mapping). *out NULL when
 * none. Errors name the binding file. */
int deps_mapping_uri(const char *bindings_root, const char *sha256, char **out,
                     struct bp_error *err);
/* Rewrites uri for a mirror: BP_DEPENDENCY_MIRROR_<HOST> (dots and dashes
 * as '_', or Paketo's '__' for '-'), else BP_DEPENDENCY_MIRROR, else a
 * dependency-mirror binding (key: host name, or "default"). The mirror
 * replaces scheme, user and host; its path (with {originalHost} replaced)
 * is prefixed to the original path; "mirror=<uri>,skip-path=<p>" drops p
 * from the original path. *out NULL when no mirror applies. */
int deps_mirror_uri(const struct deps_fetch_options *opt, const char *bindings_root,
                    const char *uri, char **out, struct bp_error *err);
/* The PEM text of every file in ca-certificates bindings, appended to pem;
 * *count gets the number of files. */
int deps_binding_ca_certs(const char *bindings_root, struct strbuf *pem, int *count,
                          struct bp_error *err);
/* %XX-decodes s[0..len) into a malloc'd string (%00 stays as it is); never
 * NULL. */
char *deps_percent_decode(const char *s, size_t len);
/* Copies url into out with any user:password replaced by "***". */
void deps_redact_url(const char *url, char *out, size_t n);

/* ---- download (fetch.c) ----------------------------------------------- */

/* Downloads an http(s) url into fd (truncated before each attempt) while
 * hashing; fd_path names fd in messages. sha256_hex gets 64 hex digits and
 * a NUL; *bytes counts every byte received, retries included. Retries
 * transient failures (5xx, 408, 429, resets, timeouts, truncated bodies)
 * with back-off; never 4xx, TLS verification or local write failures.
 * Bounded: a body over max_bytes is refused (from its Content-Length, else
 * as it streams), the whole download, retries included, has the deadline
 * of opt->download_timeout_s / BP_DEBUG_DOWNLOAD_TIMEOUT, a transfer below
 * DEPS_LOW_SPEED_BYTES/s for the low-speed time is aborted, and a redirect
 * from https never goes to http. */
int deps_fetch_url(const char *url, const struct deps_fetch_options *opt,
                   const char *bindings_root, int fd, const char *fd_path,
                   unsigned long long max_bytes, char sha256_hex[65],
                   unsigned long long *bytes, struct bp_error *err);
/* sha256 of a local file. */
int deps_sha256_file(const char *path, char sha256_hex[65], struct bp_error *err);

/* ---- extraction (extract.c) ------------------------------------------- */

enum deps_archive_kind { DEPS_ARCHIVE_NONE, DEPS_ARCHIVE_TAR, DEPS_ARCHIVE_ZIP };

/* From the file name in a URI or path (query and fragment ignored):
 * .tar .tar.gz .tgz .tar.xz .txz .tar.bz2 .tar.zst -> TAR; .zip .whl -> ZIP. */
enum deps_archive_kind deps_archive_kind_of(const char *uri);

/* Extracts archive_path into dest_dir (an existing empty directory). Refuses
 * absolute names, "..", links that leave dest_dir, devices, fifos and
 * sockets, and stops once more than max_bytes have been written. label names
 * the archive in errors (its URL). *written may be NULL. */
int deps_extract_archive(const char *archive_path, enum deps_archive_kind kind,
                         const char *label, const char *dest_dir, int strip_components,
                         unsigned long long max_bytes, unsigned long long *written,
                         struct bp_error *err);

/* Copies a single file into dest_dir/name, mode 0755 (a tool binary). */
int deps_install_single_file(const char *src_path, const char *dest_dir, const char *name,
                             unsigned long long max_bytes, struct bp_error *err);

#endif
