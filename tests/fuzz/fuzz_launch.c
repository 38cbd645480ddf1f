/* libFuzzer target: the launch wrapper's planning on arbitrary argv and
 * BPL_DEBUG_* values never crashes or leaks. Input: NUL-separated fields,
 * the first picks the tool name, the next three are BPL_DEBUG_PORT, _BIND,
 * _SUSPEND, the rest is argv. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launch/launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"dlv", "python", "node", "nodemon", "npm", "jdwp", "other"};

struct fuzz_env {
    const char *port, *bind, *suspend;
};

static const char *fuzz_getenv(const char *name, void *data)
{
    const struct fuzz_env *env = data;
    if (strcmp(name, "BPL_DEBUG_PORT") == 0)
        return env->port;
    if (strcmp(name, "BPL_DEBUG_BIND") == 0)
        return env->bind;
    if (strcmp(name, "BPL_DEBUG_SUSPEND") == 0)
        return env->suspend;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    /* copy holds size-1 bytes plus a NUL: split it at every NUL. */
    char *fields[64];
    size_t n = 0;
    char *end = copy + size - 1;
    for (char *p = copy; p <= end && n < 64; p += strlen(p) + 1)
        fields[n++] = p;
    const char *name = names[data[0] % (sizeof names / sizeof *names)];
    struct fuzz_env env = {n > 0 ? fields[0] : NULL, n > 1 ? fields[1] : NULL, n > 2 ? fields[2] : NULL};
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)name;
    for (size_t i = 3; i < n && argc < 63; i++)
        argv[argc++] = fields[i];
    argv[argc] = NULL;
    struct launch_plan plan;
    memset(&plan, 0, sizeof plan);
    launch_plan(name, argc, argv, fuzz_getenv, &env, "/nonexistent-layer", &plan, NULL);
    launch_plan_free(&plan);
    free(copy);
    return 0;
}
