/* libFuzzer target: any bytes as a tar(.gz/.xz) or zip archive through the
 * safe extractor. Besides memory errors it checks the one promise that
 * matters: nothing appears outside the destination directory. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "deps/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char work[64];

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (work[0] == '\0') {
        snprintf(work, sizeof work, "/tmp/fuzz_deps_extract.XXXXXX");
        if (mkdtemp(work) == NULL)
            abort();
    }
    /* work/archive and work/out/dest: an escape lands in work/out. */
    char archive[128], out[128], dest[160];
    snprintf(archive, sizeof archive, "%s/archive", work);
    snprintf(out, sizeof out, "%s/out", work);
    snprintf(dest, sizeof dest, "%s/out/dest", work);
    if (file_remove_tree(out, NULL) != 0 || file_mkdirs(dest, NULL) != 0)
        abort();
    if (file_write_atomic(archive, (const char *)data, size, 0600, NULL) != 0)
        abort();
    enum deps_archive_kind kind =
        size >= 2 && data[0] == 'P' && data[1] == 'K' ? DEPS_ARCHIVE_ZIP : DEPS_ARCHIVE_TAR;
    struct bp_error err = {{0}};
    int rc = deps_extract_archive(archive, kind, "fuzz", dest, (int)(size & 1), 1 << 20, NULL, &err);
    if (rc != 0 && err.message[0] == '\0')
        abort();
    if (entries(out) != 1 || entries(work) != 2)
        abort(); /* something was written beside dest */
    return 0;
}
