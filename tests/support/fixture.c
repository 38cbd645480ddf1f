/* Fixtures the unit tests share (see fixture.h). */
#include "support/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"

void fixture_tempdir(char *dir, size_t len, const char *name)
{
    snprintf(dir, len, "/tmp/%s.XXXXXX", name);
    if (mkdtemp(dir) == NULL)
        fail_msg("mkdtemp %s failed", dir);
}

void fixture_write(const char *path, const char *text, unsigned mode)
{
    char *parent = strdup(path);
    assert_non_null(parent);
    char *slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {
        *slash = '\0';
        struct bp_error err = {{0}};
        if (file_mkdirs(parent, &err) != 0)
            fail_msg("%s", err.message);
    }
    free(parent);
    struct bp_error err = {{0}};
    if (file_write_atomic(path, text, strlen(text), mode, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(chmod(path, mode), 0);
}

void fixture_write_at(const char *dir, const char *rel, const char *text, unsigned mode)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    fixture_write(path, text, mode);
}

void fixture_mkdir_at(const char *dir, const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, rel[0] != '\0' ? "%s/%s" : "%s", dir, rel);
    struct bp_error err = {{0}};
    if (file_mkdirs(path, &err) != 0)
        fail_msg("%s", err.message);
}

char *fixture_read(const char *path)
{
    char *data = NULL;
    struct bp_error err = {{0}};
    if (file_read_all(path, 64u << 20, &data, NULL, &err) != 0)
        fail_msg("%s", err.message);
    return data;
}

void fixture_assert_dir_holds(const char *dir, const char *const *names, size_t n)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        fail_msg("opendir %s failed", dir);
    size_t seen = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known |= strcmp(e->d_name, names[i]) == 0;
        if (!known) {
            closedir(d);
            fail_msg("unexpected %s in %s", e->d_name, dir);
        }
        seen++;
    }
    closedir(d);
    assert_int_equal(seen, n);
}

char *fixture_capture(void (*child)(void *arg), void *arg, int *status)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL); /* the child must not flush the parent's buffered output again */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], 1) < 0)
            _exit(126);
        close(fds[1]);
        child(arg);
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    struct strbuf out = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        strbuf_append(&out, buf, (size_t)n);
    close(fds[0]);
    assert_int_equal(waitpid(pid, status, 0), pid);
    return strbuf_detach(&out);
}

void fixture_drop_root(void)
{
    if (geteuid() == 0 &&
        (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0))
        _exit(3);
}

struct unprivileged {
    int (*fn)(void *arg, struct bp_error *err);
    void *arg;
};

static void run_unprivileged(void *data)
{
    const struct unprivileged *u = data;
    fixture_drop_root();
    struct bp_error err = {{0}};
    int rc = u->fn(u->arg, &err);
    fputs(err.message, stdout);
    fflush(stdout);
    _exit(rc == -1 ? 0 : 4);
}

char *fixture_fails_unprivileged(int (*fn)(void *arg, struct bp_error *err), void *arg)
{
    struct unprivileged u = {fn, arg};
    int status = 0;
    char *msg = fixture_capture(run_unprivileged, &u, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child exited %d (status %#x), message: %s", WEXITSTATUS(status), status, msg);
    return msg;
}

const char *fixture_getenv(const char *name, void *ctx)
{
    size_t n = strlen(name);
    for (const char *const *p = ctx; p != NULL && *p != NULL; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

void fixture_go_app(const char *dir, const char *out)
{
    char src[1024], cmd[4096];
    snprintf(src, sizeof src, "%s/gosrc", dir);
    fixture_write_at(src, "main.go", "package main\nfunc main(){}\n", 0644);
    fixture_write_at(src, "go.mod", "module example.com/app\ngo 1.22\n", 0644);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go build -o '%s' . >/dev/null 2>&1",
             src, out);
    if (system(cmd) != 0)
        fail_msg("go build in %s failed: %s", src, cmd);
}

void fixture_tree_make(struct fixture_tree *tree, const char *name)
{
    fixture_tempdir(tree->root, sizeof tree->root, name);
    snprintf(tree->layers, sizeof tree->layers, "%s/layers", tree->root);
    snprintf(tree->ours, sizeof tree->ours, "%s/cnbdebug_debug", tree->layers);
    snprintf(tree->app, sizeof tree->app, "%s/app", tree->root);
    fixture_mkdir_at(tree->ours, "");
    fixture_mkdir_at(tree->app, "");
}

void fixture_tree_remove(const struct fixture_tree *tree)
{
    /* A test may have taken permissions away to provoke an error. */
    chmod(tree->root, 0700);
    chmod(tree->layers, 0755);
    chmod(tree->ours, 0755);
    struct bp_error err = {{0}};
    if (file_remove_tree(tree->root, &err) != 0)
        fail_msg("%s", err.message);
}
