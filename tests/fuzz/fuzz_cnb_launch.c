/* libFuzzer target: the input is an earlier buildpack's launch.toml in a
 * temp layers root, read with cnb_read_processes. Whatever it accepts must
 * survive our writer: written with cnb_launch_write and read back, it gives
 * the same processes. Seeds: tests/data/cnb/ (run-fuzz.sh picks them up). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "fuzz_input.h"
#include "common/fileio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static char input_path[256];    /* <root>/in/example_a/launch.toml */
static char rewritten_dir[256]; /* <root>/out/example_a: where our writer writes */
static struct cnb_build_context in_ctx, out_ctx;
static char in_root[128], in_ours[160], out_root[128], out_ours[160];

static void remove_root(void)
{
    file_remove_tree(root, NULL);
}

/* <base>/group.toml: example/a, then us; and both buildpacks' dirs. */
static void make_root(const char *base, char *ours, size_t ours_len, struct cnb_build_context *ctx,
                      char *theirs, size_t theirs_len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/group.toml", base);
    static const char group[] = "[[group]]\nid = \"example/a\"\nversion = \"1\"\n"
                                "[[group]]\nid = \"cnbdebug/debug\"\nversion = \"1\"\n";
    snprintf(ours, ours_len, "%s/cnbdebug_debug", base);
    snprintf(theirs, theirs_len, "%s/example_a", base);
    if (file_mkdirs(ours, NULL) != 0 || file_mkdirs(theirs, NULL) != 0 ||
        file_write_atomic(path, group, strlen(group), 0644, NULL) != 0)
        abort();
    ctx->layers_root = (char *)base;
    ctx->layers_dir = ours;
    ctx->buildpack_id = "cnbdebug/debug";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(root, sizeof root, "/tmp/fuzz_cnb_launch.XXXXXX");
    if (mkdtemp(root) == NULL)
        abort();
    atexit(remove_root);
    char theirs[256];
    snprintf(in_root, sizeof in_root, "%s/in", root);
    make_root(in_root, in_ours, sizeof in_ours, &in_ctx, theirs, sizeof theirs);
    snprintf(input_path, sizeof input_path, "%s/launch.toml", theirs);
    snprintf(out_root, sizeof out_root, "%s/out", root);
    make_root(out_root, out_ours, sizeof out_ours, &out_ctx, rewritten_dir, sizeof rewritten_dir);
    return 0;
}

static bool same_argv(const struct command_argv *a, const struct command_argv *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}

static bool same_process(const struct cnb_process *a, const struct cnb_process *b)
{
    if (strcmp(a->type, b->type) != 0 || a->is_default != b->is_default ||
        !same_argv(&a->command, &b->command) || !same_argv(&a->args, &b->args))
        return false;
    if ((a->working_dir == NULL) != (b->working_dir == NULL))
        return false;
    return a->working_dir == NULL || strcmp(a->working_dir, b->working_dir) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_input_file(input_path, data, size, 0644) != 0)
        abort();

    struct cnb_process_list list;
    struct bp_error err = {{0}};
    if (cnb_read_processes(&in_ctx, &list, &err) != 0) {
        /* Every refusal names the file it refuses. */
        if (strstr(err.message, input_path) == NULL || list.len != 0 || list.items != NULL)
            abort();
        return 0;
    }
    int defaults = 0;
    for (size_t i = 0; i < list.len; i++) {
        const struct cnb_process *p = &list.items[i];
        if (p->type == NULL || p->type[0] == '\0' || p->command.len == 0 ||
            p->command.items[0][0] == '\0' || strchr(p->type, '/') != NULL)
            abort();
        for (size_t k = 0; k < i; k++)
            if (strcmp(list.items[k].type, p->type) == 0)
                abort(); /* one process per type */
        defaults += p->is_default;
    }
    if (defaults > 1)
        abort();

    /* Round trip through our writer, as the next buildpack would read us. */
    struct cnb_launch launch = {0};
    launch.processes = list;
    if (cnb_launch_write(rewritten_dir, &launch, &err) != 0)
        abort();
    struct cnb_process_list again;
    if (cnb_read_processes(&out_ctx, &again, &err) != 0)
        abort();
    if (again.len != list.len)
        abort();
    for (size_t i = 0; i < list.len; i++)
        if (!same_process(&list.items[i], &again.items[i]) || again.items[i].legacy)
            abort();
    cnb_process_list_free(&again);
    cnb_launch_free(&launch);
    return 0;
}
