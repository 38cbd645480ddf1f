/* Fixtures for the launch planner tests: a throw-away debug-tools layer whose
 * real/<tool> links point at executable stand-ins, a fake environment, and
 * argv comparison. Included by the tests/test_launch*.c files only. */
#ifndef TEST_LAUNCH_UTIL_H
#define TEST_LAUNCH_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "launch/launch.h"

struct fake_env {
    const char *pairs[16][2];
};

static inline const char *fake_getenv(const char *name, void *data)
{
    const struct fake_env *env = data;
    for (size_t i = 0; env && i < 16 && env->pairs[i][0]; i++)
        if (strcmp(env->pairs[i][0], name) == 0)
            return env->pairs[i][1];
    return NULL;
}

struct layer {
    char dir[256];   /* the layer */
    char tools[300]; /* <dir>/../tools-<n>: the real tools' stand-ins */
};

/* <layer>/real/<name> -> <tools>/<name> (an executable stand-in). */
static inline void layer_add_tool(struct layer *l, const char *name)
{
    char target[512], link[512];
    snprintf(target, sizeof target, "%s/%s", l->tools, name);
    snprintf(link, sizeof link, "%s/real/%s", l->dir, name);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("#!/bin/true\n", f);
    fclose(f);
    assert_int_equal(chmod(target, 0755), 0);
    assert_int_equal(symlink(target, link), 0);
}

static inline void layer_path(const struct layer *l, const char *rel, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", l->dir, rel);
}

static inline void tool_path(const struct layer *l, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", l->tools, name);
}

static inline int layer_setup(void **state)
{
    struct layer *l = calloc(1, sizeof *l);
    assert_non_null(l);
    char root[] = "/tmp/launch-test-XXXXXX";
    assert_non_null(mkdtemp(root));
    snprintf(l->dir, sizeof l->dir, "%s/layer", root);
    snprintf(l->tools, sizeof l->tools, "%s/tools", root);
    char sub[512];
    assert_int_equal(mkdir(l->dir, 0755), 0);
    assert_int_equal(mkdir(l->tools, 0755), 0);
    const char *dirs[] = {"real", "wrap", "debugpy", "ptvsd"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        layer_path(l, dirs[i], sub, sizeof sub);
        assert_int_equal(mkdir(sub, 0755), 0);
    }
    const char *tools[] = {"dlv", "python", "python3.11", "node", "nodemon", "npm"};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
        layer_add_tool(l, tools[i]);
    *state = l;
    return 0;
}

static inline int layer_teardown(void **state)
{
    struct layer *l = *state;
    char root[256];
    snprintf(root, sizeof root, "%s", l->dir);
    *strrchr(root, '/') = '\0';
    struct bp_error err;
    assert_int_equal(file_remove_tree(root, &err), 0);
    free(l);
    return 0;
}

/* Plans name with the NULL-terminated argv and env; returns launch_plan's rc. */
static inline int plan_for(const struct layer *l, struct fake_env *env, struct launch_plan *plan,
                           struct bp_error *err, char *const argv[])
{
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    const char *slash = strrchr(argv[0], '/');
    return launch_plan(slash ? slash + 1 : argv[0], argc, argv, fake_getenv, env, l->dir, plan,
                       err);
}

#define PLAN(l, env, plan, err, ...) \
    plan_for((l), (env), (plan), (err), (char *const[]){__VA_ARGS__, NULL})

/* The plan's argv is exactly the NULL-terminated expected list. */
static inline void assert_argv_list(const struct launch_plan *plan, const char *const *expected)
{
    size_t n = 0;
    while (expected[n] != NULL)
        n++;
    assert_non_null(plan->argv.items);
    for (size_t i = 0; i < n && i < plan->argv.len; i++)
        assert_string_equal(plan->argv.items[i], expected[i]);
    assert_int_equal(plan->argv.len, n);
    assert_null(plan->argv.items[plan->argv.len]);
}

#define ASSERT_ARGV(plan, ...) assert_argv_list((plan), (const char *const[]){__VA_ARGS__, NULL})

static inline size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* The plan set name to value (NULL: the plan leaves name alone). */
static inline void assert_plan_env(const struct launch_plan *plan, const char *name,
                                   const char *value)
{
    for (size_t i = 0; i < plan->env_len; i++) {
        if (strcmp(plan->env[i].name, name) == 0) {
            assert_non_null(value);
            assert_string_equal(plan->env[i].value, value);
            return;
        }
    }
    assert_null(value);
}

/* Exactly one message line, containing each of the given fragments. */
static inline void assert_one_message(const struct launch_plan *plan, const char *const *parts)
{
    assert_non_null(plan->messages);
    assert_int_equal(count_lines(plan->messages), 1);
    assert_true(strncmp(plan->messages, "debug-launch: ", 14) == 0);
    for (size_t i = 0; parts[i]; i++) {
        if (strstr(plan->messages, parts[i]) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", plan->messages, parts[i]);
    }
}

#define ASSERT_MESSAGE(plan, ...) assert_one_message((plan), (const char *const[]){__VA_ARGS__, NULL})

#endif
