/* The companion buildpack's decisions: which env.build variables to write
 * so that Go builds come out unoptimized and .NET publishes in Debug, merged
 * with the user's own flags (see flags.h). */
#include "companion/flags.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

/* Whether word names the flag: exactly it, or it followed by '=' or ':'
 * (go's -gcflags=…, dotnet's -c:Debug / --configuration=Debug). */
static bool word_names_flag(const char *word, const char *flag)
{
    size_t n = strlen(flag);
    return strncmp(word, flag, n) == 0 && (word[n] == '\0' || word[n] == '=' || word[n] == ':');
}

static bool word_matches(const char *word, const char *const *flags)
{
    for (; *flags != NULL; flags++)
        if (word_names_flag(word, *flags))
            return true;
    return false;
}

bool companion_has_flag(const char *value, const char *const *prefixes)
{
    if (value == NULL)
        return false;
    struct strbuf word = STRBUF_INIT;
    bool found = false, in_word = false;
    char quote = 0;
    for (const char *p = value;; p++) {
        char c = *p;
        if (c == '\0' || (quote == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))) {
            if (in_word && word_matches(word.data != NULL ? word.data : "", prefixes))
                found = true;
            strbuf_reset(&word);
            in_word = false;
            if (c == '\0' || found)
                break;
            continue;
        }
        in_word = true;
        if (quote != 0 && c == quote) {
            quote = 0;
        } else if (quote == 0 && (c == '\'' || c == '"')) {
            quote = c;
        } else if (c == '\\' && quote != '\'' && p[1] != '\0') {
            strbuf_append_char(&word, *++p);
        } else {
            strbuf_append_char(&word, c);
        }
    }
    strbuf_free(&word);
    return found;
}

/* "<user> <ours>", or just ours when the user's value is empty. */
static char *append_words(const char *user, const char *ours)
{
    size_t n = user != NULL ? strspn(user, " \t") : 0;
    if (user == NULL || user[n] == '\0')
        return xstrdup(ours);
    return xasprintf("%s %s", user, ours);
}

static const char *const go_gcflags[] = {"-gcflags", "--gcflags", NULL};

void companion_plan_go(const struct companion_input *build_flags,
                       const struct companion_input *goflags, struct companion_action *out)
{
    memset(out, 0, sizeof *out);
    if (companion_has_flag(build_flags->value, go_gcflags)) {
        out->message = xasprintf("BP_GO_BUILD_FLAGS already sets -gcflags (%s): kept as it is, nothing added",
                                 build_flags->value);
        return;
    }
    if (!build_flags->from_platform) {
        out->var = "BP_GO_BUILD_FLAGS";
        out->value = append_words(build_flags->value, COMPANION_GO_FLAG);
        out->message = xasprintf("BP_GO_BUILD_FLAGS=%s (added %s: no optimization, no inlining%s)",
                                 out->value, COMPANION_GO_FLAG,
                                 build_flags->value != NULL ? ", after the flags already set" : "");
        return;
    }
    /* The platform's BP_GO_BUILD_FLAGS reaches go-build over anything in
     * env.build, so the flag goes where the go command reads defaults. */
    if (companion_has_flag(goflags->value, go_gcflags)) {
        out->message = xasprintf("GOFLAGS already sets -gcflags (%s): kept as it is, nothing added",
                                 goflags->value);
        return;
    }
    if (goflags->from_platform) {
        out->warning = true;
        out->message = xasprintf(
            "BP_GO_BUILD_FLAGS and GOFLAGS are both set by the platform, which reach go-build over "
            "any buildpack's env.build: nothing added; add %s to BP_GO_BUILD_FLAGS for an "
            "unoptimized build", COMPANION_GO_FLAG);
        return;
    }
    out->var = "GOFLAGS";
    out->value = append_words(goflags->value, COMPANION_GOFLAGS_FIELD);
    out->message = xasprintf(
        "GOFLAGS=%s (added: BP_GO_BUILD_FLAGS=%s is set by the platform and reaches go-build as you "
        "wrote it; the go command applies GOFLAGS first, so your flags still win)",
        out->value, build_flags->value);
}

static const char *const dotnet_configuration[] = {"--configuration", "-c", NULL};

void companion_plan_dotnet(const struct companion_input *publish_flags,
                           struct companion_action *out)
{
    memset(out, 0, sizeof *out);
    if (companion_has_flag(publish_flags->value, dotnet_configuration)) {
        out->message = xasprintf(
            "BP_DOTNET_PUBLISH_FLAGS already chooses a configuration (%s): kept as it is, nothing added",
            publish_flags->value);
        return;
    }
    if (publish_flags->from_platform) {
        out->warning = true;
        out->message = xasprintf(
            "BP_DOTNET_PUBLISH_FLAGS is set by the platform, which reaches dotnet-publish over any "
            "buildpack's env.build: nothing added; add %s to it for a Debug build",
            COMPANION_DOTNET_FLAG);
        return;
    }
    out->var = "BP_DOTNET_PUBLISH_FLAGS";
    out->value = append_words(publish_flags->value, COMPANION_DOTNET_FLAG);
    out->message = xasprintf("BP_DOTNET_PUBLISH_FLAGS=%s (added %s%s)", out->value,
                             COMPANION_DOTNET_FLAG,
                             publish_flags->value != NULL ? ", after the flags already set" : "");
}

void companion_action_free(struct companion_action *a)
{
    free(a->value);
    free(a->message);
    a->value = a->message = NULL;
}
