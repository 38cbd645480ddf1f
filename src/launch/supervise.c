/* The dlv supervisor: the wrapper forks dlv and stays its parent, so a
 * container's SIGTERM reaches the app's own handler and the container stops
 * when the app ends (dlv alone does neither). libc only. */
#include <dirent.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "launch/internal.h"

/* How often /proc is searched for the app until dlv has started it, and
 * how often it is checked where pidfd_open is missing (Linux < 5.3). After
 * SLOW_AFTER searches (about a second) the app may have ended before it was
 * seen (dlv reaps it at once), so dlv is asked too, more lazily. */
#define POLL_MS 15
#define SLOW_POLL_MS 250
#define SLOW_AFTER 66

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

int launch_proc_stat_parse(const char *text, struct launch_proc_stat *out)
{
    memset(out, 0, sizeof *out);
    /* comm may hold spaces and parentheses: the fields resume after the
     * last ')'. */
    const char *p = strrchr(text, ')');
    if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
        return -1;
    out->state = p[2];
    p += 4;
    for (int field = 4;; field++) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
            return field > 4 ? 0 : -1;
        if (field == 4)
            out->ppid = (int)v;
        if (field == 52) {
            out->has_exit_code = true;
            out->exit_code = (int)v;
            return 0;
        }
        if (*end != ' ')
            return 0;
        p = end + 1;
    }
}

int launch_exit_code(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return 1;
}

int launch_dlv_exit_status(const char *reply, int *code)
{
    static const char marker[] = " has exited with status ";
    const char *p = strstr(reply, marker);
    if (p == NULL)
        return -1;
    char *end;
    long v = strtol(p + sizeof marker - 1, &end, 10);
    /* Go reports -1 for a process killed by a signal: no code to pass on */
    if (end == p + sizeof marker - 1 || v < 0 || v > 255)
        return -1;
    *code = (int)v;
    return 0;
}

/* dlv's --listen value in its argv (dlv's grammar); NULL when it has none. */
static const char *dlv_listen(const struct launch_plan *plan)
{
    struct debugger_dlv_argv d;
    debugger_dlv_scan((int)plan->argv.len, plan->argv.items, 2, &d);
    return d.listen_value;
}

static int connect_dlv(const char *listen)
{
    if (strncmp(listen, "unix:", 5) == 0) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(listen + 5) >= sizeof sun.sun_path)
            return -1;
        strcpy(sun.sun_path, listen + 5);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
            close(fd);
            fd = -1;
        }
        return fd;
    }
    struct debugger_address addr;
    if (debugger_address_parse(listen, &addr) != 0 || !addr.has_port)
        return -1;
    /* a wildcard bind answers on loopback */
    const char *host = addr.host;
    if (!addr.has_host || host[0] == '\0' || strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    char port[16];
    snprintf(port, sizeof port, "%d", addr.port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* When dlv reaped the app first, dlv itself still knows its exit code: its
 * JSON-RPC State call answers "Process N has exited with status S". */
static int ask_dlv(const struct launch_plan *plan, int *code)
{
    const char *listen = dlv_listen(plan);
    int fd = listen != NULL ? connect_dlv(listen) : -1;
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    static const char req[] = "{\"method\":\"RPCServer.State\",\"params\":[{\"NonBlocking\":true}],"
                              "\"id\":1}\n";
    int rc = -1;
    if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
        char reply[4096];
        size_t len = 0;
        while (len < sizeof reply - 1) {
            ssize_t n = read(fd, reply + len, sizeof reply - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            if (memchr(reply + len - (size_t)n, '\n', (size_t)n) != NULL)
                break;
        }
        reply[len] = '\0';
        rc = launch_dlv_exit_status(reply, code);
    }
    close(fd);
    return rc;
}

static int open_stat(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return open(path, O_RDONLY | O_CLOEXEC);
}

static int pread_stat(int fd, struct launch_proc_stat *st)
{
    char buf[2048];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return launch_proc_stat_parse(buf, st);
}

static int read_stat(pid_t pid, struct launch_proc_stat *st)
{
    int fd = open_stat(pid);
    if (fd < 0)
        return -1;
    int rc = pread_stat(fd, st);
    close(fd);
    return rc;
}

static bool descends_from(pid_t pid, pid_t ancestor)
{
    struct launch_proc_stat st;
    for (int depth = 0; depth < 64 && pid > 1; depth++) {
        if (read_stat(pid, &st) != 0)
            return false;
        if (st.ppid == ancestor)
            return true;
        pid = st.ppid;
    }
    return false;
}

/* The process below dlv that runs the target binary; 0 while there is none
 * (dlv's child runs dlv's own image until it execs the target). */
static pid_t find_app(pid_t dlv, const struct stat *target)
{
    DIR *dir = opendir("/proc");
    if (dir == NULL)
        return 0;
    pid_t found = 0;
    struct dirent *e;
    while (found == 0 && (e = readdir(dir)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == dlv)
            continue;
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%ld/exe", pid);
        if (stat(path, &st) == 0 && st.st_dev == target->st_dev && st.st_ino == target->st_ino &&
            descends_from((pid_t)pid, dlv))
            found = (pid_t)pid;
    }
    closedir(dir);
    return found;
}

/* Whether something listens on TCP port (any address) in this network
 * namespace: /proc/net/tcp{,6} rows in state 0A (LISTEN). Reading, not
 * connecting: a dlv without --accept-multiclient ends when a client leaves. */
static bool port_listens(int port)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    bool found = false;
    for (size_t t = 0; t < 2 && !found; t++) {
        FILE *f = fopen(tables[t], "re");
        if (f == NULL)
            continue;
        char line[512];
        while (!found && fgets(line, sizeof line, f) != NULL) {
            char local[128];
            unsigned st;
            /* "  sl  local_address rem_address   st ..." */
            if (sscanf(line, " %*s %127s %*s %x", local, &st) != 2)
                continue;
            const char *colon = strrchr(local, ':');
            found = colon != NULL && st == 0x0A && strtol(colon + 1, NULL, 16) == port;
        }
        fclose(f);
    }
    return found;
}

/* How long the supervisor looks for dlv's port before it stops saying. */
#define LISTEN_WATCH_MS 60000
/* After SIGTERM reaches an app held stopped under dlv: how long before
 * dlv and the app get SIGKILL (the container must stop within a second). */
#define STOPPED_GRACE_MS 300

struct supervisor {
    pid_t dlv, app;
    int listen_port;        /* dlv's TCP port while not yet seen listening; 0 after */
    long long listen_until; /* when to stop looking */
    int pidfd;          /* the app's, -1 when unknown or unsupported */
    /* The app's /proc/<pid>/stat, opened early: its zombie lasts only until
     * dlv's wait4, so the read after its exit must be as quick as can be. */
    int statfd;
    bool dlv_done;
    bool app_done;      /* the app ended while dlv ran */
    long long kill_at;  /* when dlv gets SIGKILL; 0: not asked to stop */
    struct launch_outcome *out;
    const struct launch_plan *plan;
    /* Only a dlv with --accept-multiclient may be asked while it runs: a
     * single-client dlv ends when its client leaves. */
    bool multiclient;
};

/* The app has ended: read its status from its zombie before dlv reaps it,
 * then ask dlv to go. */
/* Whether dlv ends within ms (its status is left for reap). */
static bool dlv_ending(const struct supervisor *s, int ms)
{
    for (int waited = 0;; waited += 10) {
        siginfo_t si = {0};
        struct launch_proc_stat st;
        if (waitid(P_PID, (id_t)s->dlv, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == s->dlv)
            return true;
        if (read_stat(s->dlv, &st) == 0 && st.state == 'Z')
            return true; /* its main thread is gone: the rest follow */
        if (waited >= ms)
            return false;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000}, NULL);
    }
}

static void app_ended(struct supervisor *s)
{
    struct launch_proc_stat st;
    int code = -1;
    bool known = s->statfd >= 0 && pread_stat(s->statfd, &st) == 0 && st.state == 'Z' &&
                 st.has_exit_code;
    if (known)
        code = launch_exit_code(st.exit_code);
    /* dlv may not have handled the exit yet: a few short tries */
    for (int i = 0; i < 5 && !known; i++) {
        known = ask_dlv(s->plan, &code) == 0;
        if (!known)
            nanosleep(&(struct timespec){.tv_nsec = 20 * 1000000}, NULL);
    }
    /* Delve starts the app with a parent-death SIGKILL: an app killed so
     * may only be following dlv out (after Detach), and then dlv's own
     * status is the one to pass on. */
    if ((!known || code == 128 + SIGKILL) && dlv_ending(s, 200))
        return;
    s->app_done = true;
    s->out->app_ended = true;
    s->out->app_known = known;
    s->out->code = known ? code : LAUNCH_EXIT_UNKNOWN;
    kill(s->dlv, SIGTERM);
    s->kill_at = log_now_ms() + LAUNCH_GRACE_MS;
}

static void reap(struct supervisor *s)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == s->dlv) {
            s->dlv_done = true;
            if (!s->app_done)
                s->out->code = launch_exit_code(status);
        }
    }
}

/* Whether the app is held stopped by its tracer (dlv waiting for a client
 * with BPL_DEBUG_SUSPEND, or at a breakpoint): a signal sent to it then
 * waits until a client resumes it, so a container would only stop on
 * SIGKILL. */
static bool app_held(const struct supervisor *s)
{
    struct launch_proc_stat st;
    return s->app > 0 && !s->app_done && s->statfd >= 0 && pread_stat(s->statfd, &st) == 0 &&
           (st.state == 't' || st.state == 'T');
}

static void drain_signals(struct supervisor *s, int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            reap(s);
            continue;
        }
        bool stops = sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT;
        if (stops && app_held(s)) {
            /* it cannot run its handler: end it as the signal would have */
            s->app_done = s->out->app_ended = s->out->app_known = true;
            s->out->held_signal = sig;
            s->out->code = 128 + sig;
            kill(s->app, SIGKILL);
            kill(s->dlv, SIGTERM);
            s->kill_at = log_now_ms() + STOPPED_GRACE_MS;
            continue;
        }
        /* Under ptrace Delve resumes the app with the signal it stopped on,
         * so the app's own handler runs. */
        kill(s->app > 0 && !s->app_done ? s->app : s->dlv, sig);
    }
}

static void track_app(struct supervisor *s, const struct stat *target)
{
    s->app = find_app(s->dlv, target);
    if (s->app <= 0)
        return;
    s->statfd = open_stat(s->app);
    s->pidfd = (int)syscall(SYS_pidfd_open, s->app, 0);
    if (s->pidfd < 0 && errno == ESRCH)
        app_ended(s);
}

static void supervise(struct supervisor *s, int sfd, const struct stat *target)
{
    int searches = 0;
    while (!s->dlv_done) {
        int timeout = -1;
        bool searching = target != NULL && s->app == 0 && !s->app_done;
        bool app_unwatched = s->app > 0 && s->pidfd < 0 && !s->app_done;
        if (searching)
            timeout = searches++ < SLOW_AFTER ? POLL_MS : SLOW_POLL_MS;
        if (app_unwatched)
            timeout = POLL_MS;
        if (s->listen_port > 0 && (timeout < 0 || timeout > POLL_MS * 3))
            timeout = POLL_MS * 3;
        if (s->kill_at > 0) {
            long long left = s->kill_at - log_now_ms();
            timeout = left < 0 ? 0 : (int)left;
        }
        struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = s->pidfd, .events = POLLIN}};
        int n = poll(fds, s->pidfd >= 0 && !s->app_done ? 2 : 1, timeout);
        /* the app first: its status is there only until dlv reaps it */
        if (s->app > 0 && !s->app_done) {
            struct launch_proc_stat st;
            if (s->pidfd >= 0 ? n > 0 && (fds[1].revents & POLLIN)
                              : s->statfd < 0 || pread_stat(s->statfd, &st) != 0 || st.state == 'Z')
                app_ended(s);
        }
        drain_signals(s, sfd);
        if (s->dlv_done)
            break;
        if (s->listen_port > 0 && port_listens(s->listen_port)) {
            dprintf(STDERR_FILENO, "debug-launch: dlv listening on %s\n", s->plan->listen);
            s->listen_port = 0;
        } else if (s->listen_port > 0 && log_now_ms() > s->listen_until) {
            s->listen_port = 0;
        }
        if (searching)
            track_app(s, target);
        if (searching && s->app == 0 && searches > SLOW_AFTER && s->multiclient &&
            ask_dlv(s->plan, &s->out->code) == 0) {
            s->app_done = s->out->app_ended = s->out->app_known = true;
            kill(s->dlv, SIGTERM);
            s->kill_at = log_now_ms() + LAUNCH_GRACE_MS;
        }
        if (s->kill_at > 0 && log_now_ms() >= s->kill_at) {
            kill(s->dlv, SIGKILL);
            s->kill_at = 0;
        }
    }
}

/* dlv's own helpers (its telemetry process) can outlive it; as a child
 * subreaper the wrapper inherits them, so it ends and reaps them before it
 * exits rather than leaving them behind a stopped container. */
static void end_orphans(void)
{
    for (int round = 0; round < 3; round++) {
        bool any = false;
        DIR *dir = opendir("/proc");
        struct dirent *e;
        while (dir != NULL && (e = readdir(dir)) != NULL) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            struct launch_proc_stat st;
            if (*end != '\0' || pid <= 0 || read_stat((pid_t)pid, &st) != 0 || st.ppid != getpid())
                continue;
            any = true;
            kill((pid_t)pid, round == 0 ? SIGTERM : SIGKILL);
        }
        if (dir != NULL)
            closedir(dir);
        if (!any)
            return;
        for (int waited = 0; waited < 200; waited += 10) {
            while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000}, NULL);
        }
    }
}

int launch_supervise(const struct launch_plan *plan, struct launch_outcome *out,
                     struct bp_error *err)
{
    /* orphans of dlv come to us, not to init (see end_orphans) */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t set, old;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaddset(&set, forwarded[i]);
    sigaddset(&set, SIGCHLD);
    memset(out, 0, sizeof *out);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return error_set(err, "blocking signals: %s", strerror(errno));
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return error_set(err, "signalfd: %s", strerror(e));
    }
    /* An unreadable target only costs the forwarding: signals then go to
     * dlv, and the wrapper ends with it. */
    struct stat target;
    bool have_target = plan->target != NULL && stat(plan->target, &target) == 0;

    fflush(NULL);
    pid_t dlv = fork();
    if (dlv < 0) {
        int e = errno;
        close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return error_set(err, "starting %s: %s", plan->path, strerror(e));
    }
    if (dlv == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        execv(plan->path, plan->argv.items);
        /* the child has no main to report to */
        int e = errno;
        dprintf(STDERR_FILENO, "debug-launch: cannot run %s: %s\n", plan->path, strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }

    struct supervisor s = {.dlv = dlv, .pidfd = -1, .statfd = -1, .out = out, .plan = plan};
    for (size_t i = 0; i < plan->argv.len && strcmp(plan->argv.items[i], "--") != 0; i++)
        s.multiclient = s.multiclient || strcmp(plan->argv.items[i], "--accept-multiclient") == 0;
    struct debugger_address la;
    if (plan->listen != NULL && debugger_address_parse(plan->listen, &la) == 0 && la.has_port) {
        s.listen_port = la.port;
        s.listen_until = log_now_ms() + LISTEN_WATCH_MS;
    }
    supervise(&s, sfd, have_target ? &target : NULL);
    end_orphans();
    if (s.pidfd >= 0)
        close(s.pidfd);
    if (s.statfd >= 0)
        close(s.statfd);
    close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}
