/* The debugger table: names, label protocols and default ports, and the
 * dispatch of format and read to each debugger's file. */
#include <stdio.h>
#include <string.h>

#include "debugger/internal.h"

static const struct {
    struct debugger d;
    void (*format)(enum debugger_id, const struct debugger_listen *, struct command_argv *);
    int (*read)(enum debugger_id, int, char *const[], struct debugger_view *);
} debuggers[DEBUGGER_COUNT] = {
    [DEBUGGER_DLV] = {{"dlv", "dlv", 56268, "127.0.0.1"}, debugger_dlv_format, debugger_dlv_read},
    [DEBUGGER_DEBUGPY] = {{"debugpy", "dap", 5678, "127.0.0.1"}, debugger_python_format,
                          debugger_python_read},
    [DEBUGGER_PTVSD] = {{"ptvsd", "dap", 5678, "127.0.0.1"}, debugger_python_format,
                        debugger_python_read},
    [DEBUGGER_NODE] = {{"the node inspector", "devtools", 9229, "127.0.0.1"}, debugger_node_format,
                       debugger_node_read},
    /* The exec.d helper binds all interfaces when no bind is known, as
     * Paketo's debug-9 helper does (address=*:PORT). */
    [DEBUGGER_JDWP] = {{"JDWP", "jdwp", 5005, "0.0.0.0"}, debugger_jdwp_format, debugger_jdwp_read},
    /* vsdbg opens no port: IDEs run it over docker/kubectl exec. */
    [DEBUGGER_VSDBG] = {{"vsdbg", NULL, 0, NULL}, NULL, NULL},
};

const struct debugger *debugger_get(enum debugger_id id)
{
    return &debuggers[id].d;
}

void debugger_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out)
{
    if (debuggers[id].format != NULL)
        debuggers[id].format(id, l, out);
}

int debugger_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out)
{
    out->port = debuggers[id].d.default_port;
    out->waits = false;
    return debuggers[id].read != NULL ? debuggers[id].read(id, argc, argv, out) : 0;
}

void debugger_address_describe(char *out, size_t out_len, const struct debugger_address *addr,
                               enum debugger_id id)
{
    const struct debugger *d = debugger_get(id);
    struct debugger_address full = *addr;
    if (!full.has_host)
        snprintf(full.host, sizeof full.host, "%s", d->default_host);
    else if (full.host[0] == '\0')
        snprintf(full.host, sizeof full.host, "%s", "0.0.0.0");
    full.has_host = true;
    if (!full.has_port)
        full.port = d->default_port;
    full.has_port = true;
    debugger_address_format(out, out_len, &full);
}
