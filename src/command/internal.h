/* Shared inside the command module only: the word scanner of expand.c. */
#ifndef BP_COMMAND_INTERNAL_H
#define BP_COMMAND_INTERNAL_H

#include <stddef.h>

#include "common/strbuf.h"

/* Scans one sh word starting at p. Returns where it ends (a blank, an
 * operator or the end), with *flags the COMMAND_WORD_* bits and, in value,
 * its literal value (meaningful when no expansion was seen). Returns NULL
 * when the word needs a shell, with the construct named in construct. */
const char *command_word_scan(const char *p, unsigned *flags, struct strbuf *value, char *construct,
                              size_t construct_len);

#endif
