/* Paketo-style build log on stdout: a title line, steps indented two
 * spaces, details four (and six for sub-details), timings at the end. */
#ifndef BP_COMMON_LOG_H
#define BP_COMMON_LOG_H

#include <stdint.h>

void log_title(const char *name, const char *version); /* "Debug Buildpack 0.1.0" */
void log_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* 2 spaces */
void log_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* 4 spaces */
void log_subdetail(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* 6 spaces */
/* "  WARNING: ..." in yellow when stdout is a terminal. */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_blank(void);

/* Monotonic clock in nanoseconds, and "Completed in 12ms" / "1.2s" text. */
uint64_t log_now_ns(void);
/* The same clock in milliseconds, signed, for deadlines (deadline - now). */
long long log_now_ms(void);
void log_completed(uint64_t start_ns, int indent); /* prints "<indent>Completed in ..." */

#endif
