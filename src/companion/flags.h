/* The companion buildpack cnbdebug/debug-flags: decides which build-time
 * variables it sets for the language buildpacks after it (Go unoptimized,
 * .NET Debug), merged with the user's own flags and never over them.
 * Pure decisions, no I/O, so they are unit-tested without a lifecycle. */
#ifndef BP_COMPANION_FLAGS_H
#define BP_COMPANION_FLAGS_H

#include <stdbool.h>

/* What go-build's shellwords parser (ParseEnv, quotes honoured) turns into
 * the single argument -gcflags=all=-N -l. Unquoted, `-l` would be a word of
 * its own and `go build` would stop with "flag provided but not defined". */
#define COMPANION_GO_FLAG "-gcflags=\"all=-N -l\""
/* The same in GOFLAGS, which the go command splits with cmd/internal/quoted:
 * quotes count only around a whole field. */
#define COMPANION_GOFLAGS_FIELD "\"-gcflags=all=-N -l\""
#define COMPANION_DOTNET_FLAG "--configuration Debug"

/* One user variable as this build sees it. from_platform: it is a file in
 * <platform>/env (pack build --env, kpack spec.build.env). The lifecycle
 * applies those to every later buildpack AFTER the earlier buildpacks'
 * env.build files (lifecycle v0.21.0 env/env.go WithOverrides), so such a
 * value always reaches them as the user wrote it, whatever is written here. */
struct companion_input {
    const char *value; /* NULL: unset */
    bool from_platform;
};

/* One decision: write env.build/<var>.override = value, or nothing (var NULL);
 * message is the log line saying what was done and why. */
struct companion_action {
    const char *var;
    char *value;   /* malloc'd or NULL */
    char *message; /* malloc'd */
    bool warning;  /* the user must act for the debug flags to apply */
};

/* Whether a shell-words value (spaces separate, '…' and "…" group, \ escapes)
 * has a word beginning with one of the NULL-terminated prefixes. Quotes are
 * removed before the comparison, so `"-gcflags=all=-N -l"` counts. */
bool companion_has_flag(const char *value, const char *const *prefixes);

/* Go: BP_GO_BUILD_FLAGS gets COMPANION_GO_FLAG after the user's own flags;
 * when the user's BP_GO_BUILD_FLAGS comes from the platform (and would
 * replace ours), GOFLAGS carries it instead: the go command applies GOFLAGS
 * first and the command line (the user's flags) after, so theirs still win.
 * Nothing is added when the user already chose -gcflags. */
void companion_plan_go(const struct companion_input *build_flags,
                       const struct companion_input *goflags, struct companion_action *out);

/* .NET: BP_DOTNET_PUBLISH_FLAGS gets `--configuration Debug` after the
 * user's flags, unless they choose a configuration (--configuration, -c). */
void companion_plan_dotnet(const struct companion_input *publish_flags,
                           struct companion_action *out);

void companion_action_free(struct companion_action *a);

#endif
