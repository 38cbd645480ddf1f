/* Paketo-style log output (stdout, line-buffered so it interleaves with the
 * lifecycle's own output in order). */
#include "common/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void log_line(int indent, const char *fmt, va_list ap)
{
    printf("%*s", indent, "");
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
}

void log_title(const char *name, const char *version)
{
    printf("%s %s\n", name, version);
    fflush(stdout);
}

#define LOG_AT(fn, indent)                \
    void fn(const char *fmt, ...)         \
    {                                     \
        va_list ap;                       \
        va_start(ap, fmt);                \
        log_line(indent, fmt, ap);        \
        va_end(ap);                       \
    }

LOG_AT(log_step, 2)
LOG_AT(log_detail, 4)
LOG_AT(log_subdetail, 6)

void log_warning(const char *fmt, ...)
{
    bool color = isatty(STDOUT_FILENO);
    printf("%s  WARNING: ", color ? "\033[0;33m" : "");
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("%s\n", color ? "\033[0m" : "");
    fflush(stdout);
}

void log_blank(void)
{
    putchar('\n');
    fflush(stdout);
}

uint64_t log_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long long log_now_ms(void)
{
    return (long long)(log_now_ns() / 1000000u);
}

void log_completed(uint64_t start_ns, int indent)
{
    uint64_t ns = log_now_ns() - start_ns;
    if (ns < 1000000000u)
        printf("%*sCompleted in %llums\n", indent, "", (unsigned long long)(ns / 1000000u));
    else
        printf("%*sCompleted in %.1fs\n", indent, "", (double)ns / 1e9);
    fflush(stdout);
}
