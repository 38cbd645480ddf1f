/* common_run_probe: fork/exec in a fresh process group, poll both pipes
 * against a monotonic deadline, SIGKILL the group at the deadline or once
 * the command itself has exited. */
#include "common/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

extern char **environ;

/* How often a probe whose pipes are still open is checked for having exited. */
#define POLL_SLICE_MS 20

struct stream {
    int fd;
    char *buf;
    size_t len;
};

/* Reads what is there; closes the fd at EOF. Bytes past PROBE_OUTPUT_MAX are dropped. */
static void drain(struct stream *s)
{
    char chunk[16384];
    for (;;) {
        ssize_t n = read(s->fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return; /* EAGAIN: later */
        if (n == 0) {
            close(s->fd);
            s->fd = -1;
            return;
        }
        size_t keep = PROBE_OUTPUT_MAX - s->len;
        if (keep > (size_t)n)
            keep = (size_t)n;
        memcpy(s->buf + s->len, chunk, keep);
        s->len += keep;
    }
}

/* The child's side: never returns. Reports an exec failure's errno on report_fd. */
static _Noreturn void child(char *const argv[], char *const envp[], int out_fd, int err_fd,
                            int report_fd)
{
    setpgid(0, 0);
    /* The parent may ignore or block signals; the probe starts clean. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) {
        int e = errno;
        (void)!write(report_fd, &e, sizeof e);
        _exit(127);
    }
    execvpe(argv[0], argv, envp != NULL ? envp : environ);
    int e = errno;
    (void)!write(report_fd, &e, sizeof e);
    _exit(127);
}

int common_run_probe(char *const argv[], char *const envp[], long timeout_ms,
                     struct probe_output *res, struct bp_error *err)
{
    memset(res, 0, sizeof *res);
    if (argv == NULL || argv[0] == NULL)
        return error_set(err, "running a probe: no command");
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, report[2] = {-1, -1};
    struct stream streams[2] = {{-1, NULL, 0}, {-1, NULL, 0}};
    int rc = -1;
    pid_t pid = -1;
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
        pipe2(report, O_CLOEXEC) != 0) {
        error_set(err, "running %s: %s", argv[0], strerror(errno));
        goto cleanup;
    }
    pid = fork();
    if (pid < 0) {
        error_set(err, "running %s: %s", argv[0], strerror(errno));
        goto cleanup;
    }
    if (pid == 0)
        child(argv, envp, out_pipe[1], err_pipe[1], report[1]);
    /* Both sides set the group, so a kill right after fork finds it. */
    setpgid(pid, pid);
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(report[1]);
    out_pipe[1] = err_pipe[1] = report[1] = -1;

    int exec_errno = 0;
    ssize_t n;
    while ((n = read(report[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof exec_errno) {
        waitpid(pid, NULL, 0);
        pid = -1;
        error_set(err, "running %s: %s", argv[0], strerror(exec_errno));
        goto cleanup;
    }

    streams[0] = (struct stream){out_pipe[0], xmalloc(PROBE_OUTPUT_MAX + 1), 0};
    streams[1] = (struct stream){err_pipe[0], xmalloc(PROBE_OUTPUT_MAX + 1), 0};
    out_pipe[0] = err_pipe[0] = -1;
    for (int i = 0; i < 2; i++)
        fcntl(streams[i].fd, F_SETFL, fcntl(streams[i].fd, F_GETFL) | O_NONBLOCK);

    long long deadline = log_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int status = 0;
    bool exited = false;
    for (;;) {
        if (!exited) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
                /* Whatever it left in its group would hold the pipes open. */
                kill(-pid, SIGKILL);
            }
        }
        struct pollfd fds[2];
        int nfds = 0;
        for (int i = 0; i < 2; i++)
            if (streams[i].fd >= 0)
                fds[nfds++] = (struct pollfd){streams[i].fd, POLLIN, 0};
        if (exited && nfds == 0)
            break;
        long long left = timeout_ms > 0 ? deadline - log_now_ms() : POLL_SLICE_MS;
        if (left <= 0) {
            kill(-pid, SIGKILL);
            if (!exited)
                waitpid(pid, NULL, 0);
            pid = -1;
            error_set(err, "%s did not finish within %ld ms; killed", argv[0], timeout_ms);
            goto cleanup;
        }
        if (nfds > 0)
            poll(fds, (nfds_t)nfds, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
        for (int i = 0; i < 2; i++)
            if (streams[i].fd >= 0)
                drain(&streams[i]);
        if (nfds == 0) {
            struct timespec ts = {0, POLL_SLICE_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    pid = -1;
    for (int i = 0; i < 2; i++)
        streams[i].buf[streams[i].len] = '\0';
    res->out = streams[0].buf;
    res->out_len = streams[0].len;
    res->err_text = streams[1].buf;
    res->err_len = streams[1].len;
    streams[0].buf = streams[1].buf = NULL;
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    rc = 0;
cleanup:
    if (pid > 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    for (int i = 0; i < 2; i++) {
        if (streams[i].fd >= 0)
            close(streams[i].fd);
        free(streams[i].buf);
    }
    int fds[] = {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], report[0], report[1]};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

void common_probe_output_free(struct probe_output *res)
{
    free(res->out);
    free(res->err_text);
    res->out = res->err_text = NULL;
}
