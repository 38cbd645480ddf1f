/* Fixtures the unit tests share: temp trees, files written with their
 * directories, a forked child's stdout, a directory's exact listing. Each
 * helper fails the running cmocka test itself, so callers need no checks. */
#ifndef TEST_FIXTURE_H
#define TEST_FIXTURE_H

#include <stddef.h>

#include "common/error.h"

/* mkdtemp of /tmp/<name>.XXXXXX into dir. */
void fixture_tempdir(char *dir, size_t len, const char *name);

/* Writes text to path with mode (chmod'ed, whatever the umask), making the
 * directories above it. */
void fixture_write(const char *path, const char *text, unsigned mode);
/* The same for <dir>/<rel>. */
void fixture_write_at(const char *dir, const char *rel, const char *text, unsigned mode);
/* <dir>/<rel> made with its parents. */
void fixture_mkdir_at(const char *dir, const char *rel);

/* The whole file (malloc'd, NUL-terminated). */
char *fixture_read(const char *path);

/* dir holds exactly these n names, nothing else (a temp file left behind
 * by a failed write would show up). */
void fixture_assert_dir_holds(const char *dir, const char *const *names, size_t n);

/* Runs child(arg) in a forked process whose stdout is a pipe; returns what
 * it wrote (malloc'd, NUL-terminated) once it has exited, with its wait
 * status in *status. child execs or _exits; returning means _exit(0). */
char *fixture_capture(void (*child)(void *arg), void *arg, int *status);

/* In a forked child, as root: becomes nobody (65534), so that mode bits
 * bind as they do for the lifecycle's non-root user; _exit(3) if it cannot.
 * Not root (CI): nothing to do, the mode bits already bind. */
void fixture_drop_root(void);

/* Runs fn(arg, err) in a forked child that dropped root (fixture_drop_root)
 * and expects it to fail: returns the message fn put in err (malloc'd), and
 * fails the test when fn succeeded or the child could not run it. For errors
 * that root would never see (unreadable or unwritable directories). */
char *fixture_fails_unprivileged(int (*fn)(void *arg, struct bp_error *err), void *arg);

/* A getenv for code that takes one with a context (getenv_fn, ctx): ctx
 * is a NULL-terminated list of "NAME=value" strings, NULL an empty one. */
const char *fixture_getenv(const char *name, void *ctx);

/* A tiny real Go program (`func main(){}`, module example.com/app) built
 * from <dir>/gosrc into out, as a Go buildpack leaves one; its build info
 * is what runtime recognition reads. Offline: GOTOOLCHAIN=local. */
void fixture_go_app(const char *dir, const char *out);

/* A layers tree as the lifecycle lays it out for our bin/build:
 * <root>/layers, our layer <root>/layers/cnbdebug_debug and <root>/app. */
struct fixture_tree {
    char root[128]; /* small, so that callers' path buffers have room */
    char layers[160];
    char ours[200];
    char app[160];
};
void fixture_tree_make(struct fixture_tree *tree, const char *name);
void fixture_tree_remove(const struct fixture_tree *tree);

#endif
