/* The build context our bin/build gets for a fixture_tree, for the cnb tests
 * (they link bp_cnb; fixture.c does not, so this stays in a header). */
#ifndef TEST_FIXTURE_CNB_H
#define TEST_FIXTURE_CNB_H

#include <string.h>

#include "cnb/cnb.h"
#include "support/fixture.h"

static inline void fixture_cnb_context(struct cnb_build_context *ctx, struct fixture_tree *tree)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->layers_root = tree->layers;
    ctx->layers_dir = tree->ours;
    ctx->app_dir = tree->app;
    ctx->buildpack_id = "cnbdebug/debug";
}

#endif
