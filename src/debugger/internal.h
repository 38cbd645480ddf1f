/* The per-debugger functions behind the table in debugger.c; not for other
 * modules. A new debugger is one file with these two and one table entry.
 * The per-debugger files call only values.c, so no file circle forms; read
 * gets out->port preset to the debugger's default. */
#ifndef BP_DEBUGGER_INTERNAL_H
#define BP_DEBUGGER_INTERNAL_H

#include "debugger/debugger.h"

/* Pushes a word; running out of memory aborts (common/xalloc.h policy). */
void debugger_push(struct command_argv *out, const char *word);

void debugger_dlv_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out);
int debugger_dlv_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out);
void debugger_python_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out);
int debugger_python_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out);
void debugger_node_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out);
int debugger_node_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out);
void debugger_jdwp_format(enum debugger_id id, const struct debugger_listen *l, struct command_argv *out);
int debugger_jdwp_read(enum debugger_id id, int argc, char *const argv[], struct debugger_view *out);

/* The port an address value sets: default_port when it names none, 0 when
 * the value is not a valid address. */
int debugger_port_of(int default_port, const char *value);

#endif
