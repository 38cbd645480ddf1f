/* Delve: `dlv exec --headless [--continue] ... --listen=HOST:PORT BIN -- ARGS`.
 * Without --continue a headless dlv stops the app until a client attaches.
 * Skaffold reads only the `--listen=` form, so that is the one we write;
 * every form dlv takes (--listen=V, --listen V, -l V, -l=V) is read. */
#include <stdio.h>
#include <string.h>

#include "debugger/internal.h"

bool debugger_dlv_takes_value(const char *arg)
{
    static const char *const names[] = {"--listen", "-l", "--log-output", "--log-dest",
                                        "--api-version", "--init", "--build-flags", "--wd",
                                        "--backend", "--redirect", "-r", "--tty"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(arg, names[i]) == 0)
            return true;
    return false;
}

bool debugger_dlv_is_continue(const char *arg, bool *on)
{
    if (strcmp(arg, "--continue") == 0) {
        *on = true;
        return true;
    }
    if (strncmp(arg, "--continue=", 11) == 0) {
        if (debugger_parse_bool(arg + 11, on) != 0)
            *on = true; /* dlv would refuse it; it cannot mean "wait" */
        return true;
    }
    return false;
}

const char *debugger_dlv_listen_at(int argc, char *const argv[], int i, bool *separate)
{
    const char *a = argv[i];
    *separate = false;
    if (strncmp(a, "--listen=", 9) == 0)
        return a + 9;
    if (strncmp(a, "-l=", 3) == 0)
        return a + 3;
    if ((strcmp(a, "--listen") == 0 || strcmp(a, "-l") == 0) && i + 1 < argc) {
        *separate = true;
        return argv[i + 1];
    }
    return NULL;
}

static bool is_flag(const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0';
}

void debugger_dlv_scan(int argc, char *const argv[], int first, struct debugger_dlv_argv *out)
{
    memset(out, 0, sizeof *out);
    out->program = out->listen = -1;
    out->dashdash = argc;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            out->dashdash = i;
            break;
        }
        bool separate, on;
        const char *value = debugger_dlv_listen_at(argc, argv, i, &separate);
        if (value != NULL) {
            out->listen = i;
            out->listen_separate = separate;
            out->listen_value = value;
        }
        if (debugger_dlv_is_continue(a, &on)) {
            out->has_continue = true;
            out->continues = on;
        }
        if (is_flag(a)) {
            if (debugger_dlv_takes_value(a))
                i++;
            continue;
        }
        if (out->program < 0)
            out->program = i;
    }
}

void debugger_dlv_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out)
{
    (void)id;
    char address[DEBUGGER_HOST_MAX + 16], listen[DEBUGGER_HOST_MAX + 32];
    debugger_address_join(address, sizeof address, l->host, l->port);
    snprintf(listen, sizeof listen, "--listen=%s", address);
    debugger_push(out, "--headless");
    if (!l->suspend)
        debugger_push(out, "--continue");
    debugger_push(out, "--accept-multiclient");
    debugger_push(out, "--api-version=2");
    /* Through a port-forward the client's socket belongs to another uid,
     * and dlv would refuse it. */
    debugger_push(out, "--only-same-user=false");
    /* dlv outside its supported Go window refuses to start without it. */
    if (l->skip_version_check)
        debugger_push(out, "--check-go-version=false");
    debugger_push(out, listen);
}

int debugger_dlv_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out)
{
    (void)id;
    struct debugger_dlv_argv d;
    debugger_dlv_scan(argc, argv, 1, &d);
    if (d.listen >= 0)
        out->port = debugger_port_of(out->port, d.listen_value);
    out->waits = !d.continues;
    return 1;
}
