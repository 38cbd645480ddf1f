/* The node inspector: `node --inspect[-brk][=[HOST:]PORT] script`. With
 * -brk node stops before the first line until a client attaches. For npm
 * the same word is only a marker (the wrapper moves it to --node-options). */
#include <stdio.h>
#include <string.h>

#include "debugger/internal.h"

bool debugger_node_is_inspect(const char *arg, bool *brk, const char **value)
{
    if (strncmp(arg, "--inspect", 9) != 0)
        return false;
    const char *rest = arg + 9;
    *brk = strncmp(rest, "-brk", 4) == 0;
    if (*brk)
        rest += 4;
    if (*rest != '\0' && *rest != '=')
        return false; /* --inspect-port, --inspect-publish-uid */
    *value = *rest == '=' ? rest + 1 : NULL;
    return true;
}

/* Node options that read the next word as their value. */
static bool takes_value(const char *arg)
{
    static const char *const names[] = {"-r", "--require", "--import", "--loader",
                                        "--experimental-loader", "-C", "--conditions", "--title",
                                        "--inspect-port", "--debug-port", "--input-type",
                                        "--env-file", "--icu-data-dir", "--openssl-config",
                                        "--redirect-warnings", "--dns-result-order",
                                        "--unhandled-rejections", "--diagnostic-dir",
                                        "--stack-trace-limit", "--max-http-header-size"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(arg, names[i]) == 0)
            return true;
    return false;
}

int debugger_node_find(int argc, char *const argv[])
{
    bool brk = false;
    const char *value = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0)
            return -1;
        if (debugger_node_is_inspect(a, &brk, &value))
            return i;
        /* after -e/-p CODE the rest belongs to the code */
        if (strcmp(a, "-e") == 0 || strcmp(a, "--eval") == 0 || strcmp(a, "-p") == 0 ||
            strcmp(a, "--print") == 0)
            return -1;
        if (takes_value(a))
            i++;
    }
    return -1;
}

void debugger_node_inspect_word(char *out, size_t out_len, bool brk, const struct debugger_address *addr)
{
    char formatted[DEBUGGER_HOST_MAX + 16];
    debugger_address_format(formatted, sizeof formatted, addr);
    snprintf(out, out_len, "--inspect%s%s%s", brk ? "-brk" : "", formatted[0] ? "=" : "", formatted);
}

void debugger_node_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out)
{
    (void)id;
    char word[DEBUGGER_HOST_MAX + 32];
    struct debugger_address addr = {.has_host = true, .has_port = true, .port = l->port};
    snprintf(addr.host, sizeof addr.host, "%s", l->host);
    debugger_node_inspect_word(word, sizeof word, l->suspend, &addr);
    debugger_push(out, word);
}

/* node and nodemon: the word among node's options; npm, yarn, npx: our
 * marker anywhere before "--" (their own options come in any order). */
int debugger_node_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out)
{
    (void)id;
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    bool node = strcmp(base, "node") == 0 || strcmp(base, "nodejs") == 0 || strcmp(base, "nodemon") == 0;
    int at = -1;
    if (node) {
        at = debugger_node_find(argc, argv);
    } else {
        bool brk;
        const char *value;
        for (int i = 1; i < argc && at < 0 && strcmp(argv[i], "--") != 0; i++)
            if (debugger_node_is_inspect(argv[i], &brk, &value))
                at = i;
    }
    if (at < 0)
        return 0;
    bool brk;
    const char *value;
    debugger_node_is_inspect(argv[at], &brk, &value);
    out->waits = brk;
    if (value != NULL)
        out->port = debugger_port_of(out->port, value);
    return 1;
}
