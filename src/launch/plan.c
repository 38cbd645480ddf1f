/* The launch dispatcher: chooses the planner from the name the wrapper runs
 * under. The planners' shared pieces are in toolkit.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch/internal.h"

/* python, python3, python3.11: whatever name the build linked. */
static bool is_python_name(const char *name)
{
    return strncmp(name, "python", 6) == 0 && strspn(name + 6, "0123456789.") == strlen(name + 6);
}

static const struct {
    const char *name; /* NULL: any python name */
    int (*plan)(struct launch_ctx *, struct launch_plan *, struct bp_error *);
} planners[] = {
    {"dlv", launch_plan_go},   {NULL, launch_plan_python},  {"node", launch_plan_node},
    {"nodemon", launch_plan_node}, {"npm", launch_plan_npm}, {"jdwp", launch_plan_jdwp},
};

int launch_plan(const char *name, int argc, char *const argv[], launch_getenv_fn *getenv_fn,
                void *getenv_data, const char *layer_dir, struct launch_plan *plan,
                struct bp_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (argc < 1 || argv == NULL || argv[0] == NULL || name == NULL || layer_dir == NULL)
        return error_set(err, "no program name to dispatch on");
    struct launch_ctx ctx = {
        .name = name,
        .argc = argc,
        .argv = argv,
        .getenv_fn = getenv_fn,
        .getenv_data = getenv_data,
        .layer_dir = layer_dir,
    };
    ctx.settings.enabled = false;
    for (size_t i = 0; i < sizeof planners / sizeof *planners; i++)
        if (planners[i].name ? strcmp(name, planners[i].name) == 0 : is_python_name(name))
            return planners[i].plan(&ctx, plan, err);

    char shown[80];
    launch_printable(shown, sizeof shown, name);
    launch_say(plan, "unknown tool name '%s' (this wrapper serves dlv, python, node, nodemon, "
               "npm and the exec.d helper jdwp); running real/%s as it is", shown, shown);
    return launch_passthrough(&ctx, name, plan, err);
}

void launch_plan_free(struct launch_plan *plan)
{
    command_argv_free(&plan->argv);
    free(plan->path);
    free(plan->target);
    for (size_t i = 0; i < plan->env_len; i++) {
        free(plan->env[i].name);
        free(plan->env[i].value);
    }
    free(plan->toml);
    free(plan->messages);
    memset(plan, 0, sizeof *plan);
}
