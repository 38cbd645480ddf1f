/* Debugger tool dependencies: the [[metadata.dependencies]] catalog of
 * buildpack.toml, choosing the entry that fits the app, and installing it
 * (offline copy, binding, mirror or download; sha256; safe extraction). */
#ifndef BP_DEPS_H
#define BP_DEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct toml_value;

struct deps_license {
    char *type; /* SPDX id or a name such as "Proprietary" */
    char *uri;  /* may be NULL */
};

/* One [[metadata.dependencies]] entry. Strings are NULL when absent. */
struct deps_dependency {
    char *id, *name, *version, *uri;
    char *sha256;           /* 64 lowercase hex digits, always set */
    char *os;               /* "linux" when absent */
    char *arch;             /* normalised: "amd64", "arm64", ...; NULL = any */
    char *purl;             /* purls[0], or NULL */
    char *source, *source_sha256;
    char *runtime_versions; /* e.g. ">=1.25, <1.28" (Go for dlv, Python for debugpy) */
    char *libc;             /* "glibc" | "musl" | NULL (any) */
    char *python_tag;       /* wheels: "py2.py3-none-any", "cp311-cp311-manylinux_2_34_x86_64" */
    char *go_version;       /* the Go that built a dlv (reproducibility record) */
    char **purls;
    size_t n_purls;
    char **cpes;
    size_t n_cpes;
    struct deps_license *licenses;
    size_t n_licenses;
    int strip_components;
    unsigned long long size; /* the archive's exact byte count when the catalog gives
                              * `size`, else 0; a download larger than it is stopped */
    size_t index;           /* position in [[metadata.dependencies]], for messages */
};

struct deps_catalog {
    struct deps_dependency *items;
    size_t len;
};

/* Reads [[metadata.dependencies]] of a buildpack.toml. Keys follow Paketo:
 * id, name, version, uri, checksum = "sha256:<hex>" (or sha256 = "<hex>"),
 * arch, os, licenses = [{type, uri}] (or ["MIT"]), purl/purls, cpe/cpes,
 * source, source-checksum (or source_sha256), strip-components, size (bytes
 * of the download, a positive integer: the download's cap); ours:
 * runtime-versions, python-tag, libc, go-version. Either '-' or '_' may join
 * words. Unknown keys (stacks, eol-date, ...) are ignored. Errors name the
 * file, the entry (index, id, version) and the key. No dependencies is an
 * empty catalog, not an error. */
int deps_catalog_load(const char *buildpack_toml_path, struct deps_catalog *cat,
                      struct bp_error *err);
void deps_catalog_free(struct deps_catalog *cat);

struct deps_query {
    const char *id;
    const char *version_pin;     /* BP_DEBUG_<TOOL>_VERSION: exact or a prefix ("1.27"), or NULL */
    const char *runtime_version; /* "1.25.3" / "go1.25.3" / "3.11.7", or NULL (unknown) */
    const char *os;              /* NULL: "linux" */
    const char *arch;            /* CNB_TARGET_ARCH; NULL: any */
    const char *libc;            /* "glibc" | "musl"; NULL: glibc */
    const char *glibc_version;   /* "2.36"; NULL: unknown (no manylinux wheel is chosen) */
};

/* The newest entry of q->id that fits the query: version pin, runtime
 * constraint, os/arch, libc, and for wheels the Python tag and manylinux
 * glibc floor. At equal versions a platform wheel beats the any wheel (it
 * has the compiled speedups). NULL on no fit: the error lists what the
 * catalog has for that id (versions, runtime ranges, platforms). */
const struct deps_dependency *deps_resolve(const struct deps_catalog *cat,
                                           const struct deps_query *q,
                                           struct bp_error *err);

/* Documented defaults (README, buildpack.toml [[metadata.configurations]]). */
#define DEPS_DOWNLOAD_TIMEOUT_S 600L           /* 10 minutes per download */
#define DEPS_DOWNLOAD_MAX_BYTES (512ULL << 20) /* 512 MiB when the catalog has no size */
#define DEPS_LOW_SPEED_BYTES 16384L            /* below 16 KiB/s for low_speed_time_s: stalled */

struct deps_fetch_options {
    const char *buildpack_dir; /* holds dependencies/<sha256>/<file> when packaged offline */
    const char *platform_dir;  /* bindings under <platform>/bindings unless SERVICE_BINDING_ROOT */
    /* BP_DEPENDENCY_MIRROR[_<HOST>], HTTPS_PROXY/HTTP_PROXY/NO_PROXY (either
     * case), SERVICE_BINDING_ROOT: resolved by the caller from env +
     * <platform>/env. NULL: getenv. */
    const char *(*getenv_fn)(const char *name, void *ctx);
    void *getenv_ctx;
    const char *user_agent;        /* NULL: "cnbdebug/debug" */
    long connect_timeout_s;        /* 0: 30 */
    long low_speed_time_s;         /* abort below 16 KiB/s averaged over this long; 0: 60 */
    /* The deadline of one download, retries included; 0: BP_DEBUG_DOWNLOAD_TIMEOUT
     * (seconds, looked up through getenv_fn), else DEPS_DOWNLOAD_TIMEOUT_S. */
    long download_timeout_s;
    /* The cap on a download without a catalog size; 0: DEPS_DOWNLOAD_MAX_BYTES. */
    unsigned long long max_download_bytes;
    int max_attempts;              /* transient failures only; 0: 4 */
    long retry_delay_ms;           /* first back-off, doubled each retry; 0: 1000, <0: none */
    unsigned long long max_extract_bytes; /* bytes written while extracting; 0: 4 GiB */
};

struct deps_install_result {
    unsigned long long bytes_downloaded; /* over the network; 0 for offline / file:// */
    bool from_offline_cache;             /* <buildpack>/dependencies/<sha256>/ was used */
    char source_used[2048];              /* URL (credentials redacted) or path */
};

/* Fetches dep (offline dependencies/<sha256>/ > dependency-mapping binding >
 * mirror > uri; file:// too), streams it to a temp file in dest_dir's parent
 * while hashing, verifies the sha256, then extracts it (tar, tar.gz, tar.xz,
 * zip, .whl; any other name is a single file, installed executable) into
 * dest_dir, which must not exist. On any failure nothing is left at
 * dest_dir and the temp file is gone. Errors name the URL or archive entry.
 * res may be NULL. */
int deps_install(const struct deps_dependency *dep, const struct deps_fetch_options *opt,
                 const char *dest_dir, struct deps_install_result *res,
                 struct bp_error *err);

/* A [metadata] table for a layer holding these dependencies:
 * dependencies = [{id, name, version, sha256}, ...], so a rebuild with the
 * same choice reuses the layer. Caller frees with toml_free; never NULL. */
struct toml_value *deps_layer_metadata(const struct deps_dependency *const *deps, size_t n);

/* CycloneDX 1.4 JSON SBOM <layers>/<layer_name>.sbom.cdx.json listing each
 * dependency (name, version, purl, SHA-256, licenses, cpe). Written
 * atomically; the output is deterministic (no timestamps). */
int deps_write_sbom(const char *layers_dir, const char *layer_name,
                    const struct deps_dependency *const *deps, size_t n,
                    struct bp_error *err);

#endif
