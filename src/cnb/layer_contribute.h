/* Layer contribution with reuse (Buildpack API 0.10): keep a layer whose
 * recorded metadata matches, otherwise build a new one beside it and swap it
 * in, so a failure never leaves a half-made layer or loses the old one. */
#ifndef BP_CNB_LAYER_CONTRIBUTE_H
#define BP_CNB_LAYER_CONTRIBUTE_H

#include <stdbool.h>

#include "common/error.h"

struct toml_value;

struct cnb_layer_request {
    const char *layers_dir;
    const char *name;                  /* [A-Za-z0-9._-], not launch/build/store */
    bool launch, build, cache;
    const struct toml_value *metadata; /* expected [metadata] (a table, or NULL = empty) */
    /* Fills dir (fresh and empty, at "<layers>/<name>.tmp.<pid>", so relative
     * symlinks resolve as they will in the layer). Return -1 with err set to
     * abandon the contribution. */
    int (*populate)(const char *dir, void *ctx, struct bp_error *err);
    void *ctx;
};

enum cnb_layer_outcome { CNB_LAYER_REUSED, CNB_LAYER_CONTRIBUTED };

/* Reuses <layers>/<name> when <name>.toml's [metadata] equals req->metadata
 * and the directory exists, or, for a launch-only layer (launch, !build,
 * !cache), when the directory is absent: the analyzer restored only the
 * toml and the exporter reuses the layer of the previous image. Logs
 * "Reusing cached layer <path>". Otherwise populates a temp dir, swaps it in
 * (the old dir is removed only after populate succeeded) and writes
 * <name>.toml atomically ([types] launch/build/cache + [metadata]). The
 * toml is rewritten on reuse too: the lifecycle restores it without [types].
 * On failure the temp dir is removed and the old layer and toml are intact. */
int cnb_layer_contribute(const struct cnb_layer_request *req, enum cnb_layer_outcome *outcome,
                     struct bp_error *err);

/* Deep equality of two TOML values as the lifecycle round-trips them: key
 * order is ignored, and an integer equals a float of the same value (layer
 * metadata travels through JSON in the image label). NULL equals an empty
 * table. */
bool cnb_layer_metadata_equal(const struct toml_value *a, const struct toml_value *b);

#endif
