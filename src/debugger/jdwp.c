/* JDWP: `-agentlib:jdwp=transport=dt_socket,server=y,suspend=y|n,address=A`
 * (or the old -Xrunjdwp:), on the java command line or in
 * JAVA_TOOL_OPTIONS. suspend defaults to y in the JVM. */
#include <stdio.h>
#include <string.h>

#include "debugger/internal.h"

int debugger_jdwp_parse(const char *word, struct debugger_jdwp_options *out)
{
    const char *opts;
    if (strncmp(word, "-agentlib:jdwp=", 15) == 0)
        opts = word + 15;
    else if (strncmp(word, "-Xrunjdwp:", 10) == 0)
        opts = word + 10;
    else
        return 0;
    out->address = NULL;
    out->address_len = 0;
    out->suspend = true;
    while (*opts) {
        size_t len = strcspn(opts, ",");
        if (strncmp(opts, "address=", 8) == 0 && len >= 8) {
            out->address = opts + 8;
            out->address_len = len - 8;
        } else if (strncmp(opts, "suspend=", 8) == 0 && len == 9) {
            out->suspend = opts[8] == 'y';
        }
        opts += len;
        if (*opts == ',')
            opts++;
    }
    return 1;
}

bool debugger_jdwp_in_options(const char *options)
{
    return options != NULL && (strstr(options, "-agentlib:jdwp") != NULL ||
                               strstr(options, "-Xrunjdwp") != NULL ||
                               strstr(options, "libjdwp.so") != NULL);
}

void debugger_jdwp_word(char *out, size_t out_len, const char *address, bool suspend)
{
    snprintf(out, out_len, "-agentlib:jdwp=transport=dt_socket,server=y,suspend=%c,address=%s",
             suspend ? 'y' : 'n', address);
}

void debugger_jdwp_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out)
{
    (void)id;
    char address[DEBUGGER_HOST_MAX + 16], word[DEBUGGER_HOST_MAX + 96];
    debugger_address_join(address, sizeof address, l->host, l->port);
    debugger_jdwp_word(word, sizeof word, address, l->suspend);
    debugger_push(out, word);
}

int debugger_jdwp_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out)
{
    (void)id;
    struct debugger_jdwp_options o;
    for (int i = 1; i < argc; i++) {
        if (debugger_jdwp_parse(argv[i], &o) == 0)
            continue;
        char address[DEBUGGER_HOST_MAX + 16];
        /* no address=: the JVM picks a free port and prints it */
        out->port = 0;
        if (o.address != NULL && o.address_len < sizeof address) {
            memcpy(address, o.address, o.address_len);
            address[o.address_len] = '\0';
            /* JDWP writes "all interfaces" as "*:PORT" */
            out->port = debugger_port_of(out->port, address);
        }
        out->waits = o.suspend;
        return 1;
    }
    return 0;
}
