/* Writes small synthetic ELF images (see synth_elf.h) into a directory, as a
 * seed corpus for tests/fuzz/fuzz_elf.c: usage make_seeds DIR. */
#include <stdio.h>

#include "common/error.h"
#include "common/fileio.h"
#include "synth_elf.h"

static const char MODINFO[] =
    "path\texample.com/app/cmd/web\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
    "=>\t../sys\t(devel)\t\n"
    "build\t-gcflags=\"all=-N -l\"\n"
    "build\t-ldflags=\"-X 'main.v=\\u00e9\\x41\\101'\"\n"
    "build\t-trimpath=true\n"
    "build\tCGO_ENABLED=1\n";

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    struct bp_error err = {{0}};
    if (file_mkdirs(argv[1], &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int written = 0;
    for (int v = 0; v < 16; v++) {
        static unsigned char buf[8192];
        struct synth_opts o = {.is64 = v & 1, .big = v & 2, .machine = (v & 1) ? 62 : 3,
                               .sections = !(v & 4), .pointer_format = v & 8,
                               .version = "go1.26.8", .modinfo = MODINFO,
                               .zdebug = v & 4 ? false : true, .zdebug_size = 100,
                               .symtab = !(v & 4)};
        size_t n = synth_elf(&o, buf, sizeof buf);
        if (n == 0) {
            fprintf(stderr, "seed %d: buffer too small\n", v);
            return 1;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/synth-%02d.elf", argv[1], v);
        if (file_write_atomic(path, (const char *)buf, n, 0644, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        written++;
    }
    printf("%d seeds in %s\n", written, argv[1]);
    return 0;
}
