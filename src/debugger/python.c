/* debugpy and ptvsd: `python [opts] -m debugpy --listen [HOST:]PORT
 * [--wait-for-client] TARGET` and `-m ptvsd --host H --port P [--wait]`,
 * where TARGET is `script args`, `-m mod args` or `-c code`. */
#include <stdio.h>
#include <string.h>

#include "debugger/internal.h"

static bool is_debugger(const char *module, bool *ptvsd)
{
    *ptvsd = strcmp(module, "ptvsd") == 0;
    return *ptvsd || strcmp(module, "debugpy") == 0;
}

/* Finds `-m debugpy|ptvsd` among the interpreter options. */
static bool find_marker(int argc, char *const a[], struct debugger_python_argv *d)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(a[i], "-m") == 0) {
            if (i + 1 < argc && is_debugger(a[i + 1], &d->ptvsd)) {
                d->marker = i;
                d->first = i + 2;
                return true;
            }
            return false;
        }
        if (strncmp(a[i], "-m", 2) == 0) {
            if (is_debugger(a[i] + 2, &d->ptvsd)) {
                d->marker = i;
                d->first = i + 1;
                return true;
            }
            return false;
        }
        /* a script, stdin or the end of options: no debugger in front */
        if (a[i][0] != '-' || strcmp(a[i], "-") == 0 || strcmp(a[i], "--") == 0)
            return false;
        if (strcmp(a[i], "--check-hash-based-pycs") == 0) {
            i++;
            continue;
        }
        if (a[i][1] == '-')
            continue;
        /* a cluster of one-letter options such as -uB, -Xdev or -W error */
        for (const char *p = a[i] + 1; *p; p++) {
            if (*p == 'E' || *p == 'I')
                d->isolated = true;
            if (*p == 'X' || *p == 'W') {
                if (p[1] == '\0')
                    i++;
                break;
            }
            if (*p == 'c' || *p == 'm')
                return false; /* code or a module folded into a cluster */
        }
    }
    return false;
}

const char *debugger_python_wait_flag(bool ptvsd)
{
    return ptvsd ? "--wait" : "--wait-for-client";
}

/* Reads the debugger's own arguments up to the target. */
static void parse_debugger(int argc, char *const a[], struct debugger_python_argv *d)
{
    static const char *const debugpy_values[] = {"--log-to", "--adapter-access-token"};
    static const char *const ptvsd_values[] = {"--log-dir", "--client-access-token",
                                               "--server-access-token"};
    for (int j = d->first; j < argc; j++) {
        const char *arg = a[j];
        if (arg[0] != '-' || strcmp(arg, "-m") == 0 || strcmp(arg, "-c") == 0 ||
            strcmp(arg, "--pid") == 0) {
            d->target = j;
            return;
        }
        bool value = false;
        if (strcmp(arg, debugger_python_wait_flag(d->ptvsd)) == 0) {
            d->wait = j;
        } else if (!d->ptvsd && (strcmp(arg, "--listen") == 0 || strcmp(arg, "--connect") == 0)) {
            d->connect = arg[2] == 'c';
            d->listen = d->connect ? -1 : j + 1;
            value = true;
        } else if (d->ptvsd && strcmp(arg, "--host") == 0) {
            d->host = j + 1;
            value = true;
        } else if (d->ptvsd && strcmp(arg, "--port") == 0) {
            d->port = j + 1;
            value = true;
        } else if (!d->ptvsd && strncmp(arg, "--configure-", 12) == 0) {
            value = true;
        } else {
            const char *const *names = d->ptvsd ? ptvsd_values : debugpy_values;
            size_t n = d->ptvsd ? sizeof ptvsd_values / sizeof *ptvsd_values
                                : sizeof debugpy_values / sizeof *debugpy_values;
            for (size_t k = 0; k < n; k++)
                value = value || strcmp(arg, names[k]) == 0;
        }
        if (value && ++j >= argc) {
            d->error = "an option lacks its value";
            return;
        }
    }
    d->error = "no script, -m module or -c code follows the debugger options";
}

int debugger_python_scan(int argc, char *const argv[], struct debugger_python_argv *out)
{
    memset(out, 0, sizeof *out);
    out->target = out->listen = out->host = out->port = out->wait = -1;
    if (!find_marker(argc, argv, out))
        return 0;
    parse_debugger(argc, argv, out);
    return 1;
}

void debugger_python_format(enum debugger_id id, const struct debugger_listen *l,
                            struct command_argv *out)
{
    bool ptvsd = id == DEBUGGER_PTVSD;
    char address[DEBUGGER_HOST_MAX + 16], port[16];
    debugger_push(out, "-m");
    debugger_push(out, ptvsd ? "ptvsd" : "debugpy");
    if (ptvsd) {
        snprintf(port, sizeof port, "%d", l->port);
        debugger_push(out, "--host");
        debugger_push(out, l->host);
        debugger_push(out, "--port");
        debugger_push(out, port);
    } else {
        debugger_address_join(address, sizeof address, l->host, l->port);
        debugger_push(out, "--listen");
        debugger_push(out, address);
    }
    if (l->suspend)
        debugger_push(out, debugger_python_wait_flag(ptvsd));
}

int debugger_python_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out)
{
    (void)id;
    struct debugger_python_argv d;
    if (debugger_python_scan(argc, argv, &d) == 0)
        return 0;
    /* out->port: the default, which debugpy and ptvsd share */
    if (d.listen >= 0 && d.listen < argc)
        out->port = debugger_port_of(out->port, argv[d.listen]);
    if (d.port >= 0 && d.port < argc && debugger_parse_port(argv[d.port], &out->port) != 0)
        out->port = 0;
    out->waits = d.wait >= 0;
    return 1;
}
