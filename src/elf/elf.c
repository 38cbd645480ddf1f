/* ELF reader for untrusted executables: header, program and section headers
 * (ELF32/64, either byte order), DWARF and symbol table presence, and the Go
 * build info blob. Every offset and size is checked against the file. */
#include "elf/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/buildinfo.h"

/* The few ELF constants used, spelled here rather than taken from <elf.h>,
 * whose name this module's own header shadows on the include path. */
enum {
    EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_NIDENT = 16,
    CLASS32 = 1, CLASS64 = 2, DATA_LSB = 1, DATA_MSB = 2,
    PT_LOAD = 1, PF_X = 1, PF_W = 2,
    SHT_NULL = 0, SHT_SYMTAB = 2, SHT_NOBITS = 8,
    SHF_COMPRESSED = 0x800,
    SHN_UNDEF = 0, SHN_XINDEX = 0xffff, PN_XNUM = 0xffff,
};

struct image {
    const unsigned char *data;
    size_t size;
    const char *name;
    bool is64;
    bool big;
    uint64_t phoff, shoff;
    uint64_t phnum, shnum; /* after extended numbering */
    size_t phentsize, shentsize;
    uint64_t shstrndx;
};

struct section {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
};

struct segment {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz;
};

/* A stretch of the file that maps to memory at vaddr. */
struct region {
    size_t off, len;
    uint64_t vaddr;
};

static bool in_file(const struct image *img, uint64_t off, uint64_t len)
{
    return off <= img->size && len <= img->size - off;
}

static uint64_t get(const struct image *img, uint64_t off, size_t width)
{
    const unsigned char *p = img->data + off;
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++) {
        size_t k = img->big ? i : width - 1 - i;
        v = v << 8 | p[k];
    }
    return v;
}

/* Reads a field of the same position in both classes; w32/w64 are widths. */
static uint64_t field(const struct image *img, uint64_t base, size_t off32,
                      size_t w32, size_t off64, size_t w64)
{
    return img->is64 ? get(img, base + off64, w64) : get(img, base + off32, w32);
}

static void read_section(const struct image *img, uint64_t i, struct section *s)
{
    uint64_t b = img->shoff + i * img->shentsize;
    s->name = (uint32_t)get(img, b, 4);
    s->type = (uint32_t)get(img, b + 4, 4);
    s->flags = field(img, b, 8, 4, 8, 8);
    s->addr = field(img, b, 12, 4, 16, 8);
    s->offset = field(img, b, 16, 4, 24, 8);
    s->size = field(img, b, 20, 4, 32, 8);
    s->link = (uint32_t)field(img, b, 24, 4, 40, 4);
    s->info = (uint32_t)field(img, b, 28, 4, 44, 4);
}

static void read_segment(const struct image *img, uint64_t i, struct segment *s)
{
    uint64_t b = img->phoff + i * img->phentsize;
    s->type = (uint32_t)get(img, b, 4);
    s->flags = (uint32_t)field(img, b, 24, 4, 4, 4);
    s->offset = field(img, b, 4, 4, 8, 8);
    s->vaddr = field(img, b, 8, 4, 16, 8);
    s->filesz = field(img, b, 16, 4, 32, 8);
    s->memsz = field(img, b, 20, 4, 40, 8);
}

static int corrupt(const struct image *img, struct bp_error *err, const char *what)
{
    return error_set(err, "%s: corrupt ELF: %s", img->name, what);
}

/* A table of count entries of entsize bytes at off must lie inside the file. */
static bool table_fits(const struct image *img, uint64_t off, uint64_t count,
                       size_t entsize)
{
    if (count == 0)
        return true;
    if (count > UINT64_MAX / entsize)
        return false;
    return in_file(img, off, count * entsize);
}

/* Reads the ELF header. Returns 1 when the bytes are not ELF at all. */
static int open_image(struct image *img, struct elf_go_info *info,
                      struct bp_error *err)
{
    const unsigned char *d = img->data;
    if (img->size < 4 || memcmp(d, "\x7f" "ELF", 4) != 0)
        return 1;
    info->is_elf = true;
    if (img->size < EI_NIDENT)
        return corrupt(img, err, "file ends inside the ELF identification");
    if (d[EI_CLASS] != CLASS32 && d[EI_CLASS] != CLASS64)
        return corrupt(img, err, "unknown ELF class");
    if (d[EI_DATA] != DATA_LSB && d[EI_DATA] != DATA_MSB)
        return corrupt(img, err, "unknown byte order");
    if (d[EI_VERSION] != 1)
        return corrupt(img, err, "unknown ELF version");
    img->is64 = d[EI_CLASS] == CLASS64;
    img->big = d[EI_DATA] == DATA_MSB;
    if (img->size < (img->is64 ? 64u : 52u))
        return corrupt(img, err, "file ends inside the ELF header");

    uint16_t machine = (uint16_t)get(img, 18, 2);
    img->phoff = field(img, 0, 28, 4, 32, 8);
    img->shoff = field(img, 0, 32, 4, 40, 8);
    img->phentsize = (size_t)field(img, 0, 42, 2, 54, 2);
    img->phnum = field(img, 0, 44, 2, 56, 2);
    img->shentsize = (size_t)field(img, 0, 46, 2, 58, 2);
    img->shnum = field(img, 0, 48, 2, 60, 2);
    img->shstrndx = field(img, 0, 50, 2, 62, 2);

    /* Field names follow Go's GOARCH so they can be compared to dependency
     * metadata directly. */
    const char *arch = NULL;
    switch (machine) {
    case 3: arch = "386"; break;
    case 62: arch = "amd64"; break;
    case 40: arch = "arm"; break;
    case 183: arch = "arm64"; break;
    case 8:
        arch = img->is64 ? (img->big ? "mips64" : "mips64le")
                         : (img->big ? "mips" : "mipsle");
        break;
    case 20: arch = "ppc"; break;
    case 21: arch = img->big ? "ppc64" : "ppc64le"; break;
    case 22: arch = img->is64 ? "s390x" : "s390"; break;
    case 243: arch = img->is64 ? "riscv64" : "riscv"; break;
    case 258: arch = "loong64"; break;
    case 2: arch = "sparc"; break;
    case 43: arch = "sparc64"; break;
    default: break;
    }
    if (arch != NULL)
        snprintf(info->machine, sizeof info->machine, "%s", arch);
    else
        snprintf(info->machine, sizeof info->machine, "em%u", (unsigned)machine);

    size_t min_sh = img->is64 ? 64 : 40, min_ph = img->is64 ? 56 : 32;
    if (img->shoff == 0) {
        img->shnum = 0;
        img->shstrndx = SHN_UNDEF;
    } else {
        if (img->shentsize < min_sh)
            return corrupt(img, err, "section header entry size too small");
        /* Extended numbering: counts that do not fit 16 bits live in the
         * first section header. */
        if (img->shnum == 0 || img->shstrndx == SHN_XINDEX || img->phnum == PN_XNUM) {
            if (!table_fits(img, img->shoff, 1, img->shentsize))
                return corrupt(img, err, "section header table lies beyond the end of the file");
            struct section s0;
            read_section(img, 0, &s0);
            if (img->shnum == 0)
                img->shnum = s0.size;
            if (img->shstrndx == SHN_XINDEX)
                img->shstrndx = s0.link;
            if (img->phnum == PN_XNUM)
                img->phnum = s0.info;
        }
        if (!table_fits(img, img->shoff, img->shnum, img->shentsize))
            return corrupt(img, err, "section header table lies beyond the end of the file");
        if (img->shstrndx != SHN_UNDEF && img->shstrndx >= img->shnum)
            return corrupt(img, err, "section name table index out of range");
    }
    if (img->phnum > 0) {
        if (img->phentsize < min_ph)
            return corrupt(img, err, "program header entry size too small");
        if (!table_fits(img, img->phoff, img->phnum, img->phentsize))
            return corrupt(img, err, "program header table lies beyond the end of the file");
    }
    return 0;
}

/* The NUL-terminated name at off in the string table, or NULL. */
static const char *string_at(const struct image *img, const struct section *strtab,
                             uint32_t off)
{
    if (strtab == NULL || off >= strtab->size)
        return NULL;
    const char *s = (const char *)img->data + strtab->offset + off;
    if (memchr(s, '\0', (size_t)(strtab->size - off)) == NULL)
        return NULL;
    return s;
}

/* Whether a DWARF section holds data once decompressed: SHF_COMPRESSED
 * sections start with an Elf_Chdr, .zdebug_* ones with "ZLIB" and a
 * big-endian 64-bit size. */
static bool dwarf_not_empty(const struct image *img, const struct section *s,
                            bool zdebug)
{
    if (s->type == SHT_NOBITS || s->size == 0)
        return false;
    if (zdebug) {
        if (s->size < 12 || memcmp(img->data + s->offset, "ZLIB", 4) != 0)
            return false;
        uint64_t n = 0;
        for (int i = 4; i < 12; i++)
            n = n << 8 | img->data[s->offset + (uint64_t)i];
        return n > 0;
    }
    if (s->flags & SHF_COMPRESSED) {
        if (s->size < (img->is64 ? 24u : 12u))
            return false;
        return field(img, s->offset, 4, 4, 8, 8) > 0;
    }
    return true;
}

/* Maps a virtual address to the file through PT_LOAD segments; *avail is
 * how many bytes of that segment's file image follow it. */
static int map_vaddr(const struct image *img, uint64_t addr, size_t *off, size_t *avail)
{
    for (uint64_t i = 0; i < img->phnum; i++) {
        struct segment p;
        read_segment(img, i, &p);
        if (p.type != PT_LOAD || p.filesz == 0)
            continue;
        if (addr >= p.vaddr && addr - p.vaddr < p.filesz) {
            uint64_t delta = addr - p.vaddr;
            *off = (size_t)(p.offset + delta);
            *avail = (size_t)(p.filesz - delta);
            return 0;
        }
    }
    return -1;
}

/* Go's unsigned varint, bounded by end. */
static int read_uvarint(const unsigned char *p, size_t n, uint64_t *value, size_t *used)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        if (i == 9 && p[i] > 1)
            return -1; /* overflows 64 bits */
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *value = v;
            *used = i + 1;
            return 0;
        }
    }
    return -1;
}

/* A Go string header {ptr, len} at addr, resolved to bytes in the file. */
static int read_go_string(const struct image *img, uint64_t addr, size_t ptr_size,
                          bool big, const unsigned char **out, size_t *len)
{
    size_t off, avail;
    if (map_vaddr(img, addr, &off, &avail) != 0 || avail < 2 * ptr_size)
        return -1;
    struct image order = *img;
    order.big = big;
    uint64_t data = get(&order, off, ptr_size);
    uint64_t n = get(&order, off + ptr_size, ptr_size);
    if (n == 0) {
        *out = img->data;
        *len = 0;
        return 0;
    }
    if (map_vaddr(img, data, &off, &avail) != 0 || n > avail)
        return -1;
    *out = img->data + off;
    *len = (size_t)n;
    return 0;
}

static const unsigned char BUILDINFO_MAGIC[14] = "\xff Go buildinf:";
/* cmd/go frames the module info with these 16-byte sentinels. */
enum { BUILDINFO_ALIGN = 16, BUILDINFO_HEADER = 32, SENTINEL = 16 };

/* Decodes the blob whose 32-byte header starts at file offset at, inside r.
 * Returns 0 (is_go set when a version was found) or -1 with err set. */
static int decode_buildinfo(const struct image *img, const struct region *r, size_t at,
                            struct elf_go_info *info, struct bp_error *err)
{
    const unsigned char *hdr = img->data + at;
    const unsigned char *vers = NULL, *mod = NULL;
    size_t vers_len = 0, mod_len = 0;
    unsigned flags = hdr[15];

    if (flags & 2) {
        /* Go 1.18+: two varint-prefixed strings follow the header inline. */
        size_t pos = at + BUILDINFO_HEADER, end = r->off + r->len;
        for (int k = 0; k < 2; k++) {
            uint64_t n;
            size_t used;
            if (read_uvarint(img->data + pos, end - pos, &n, &used) != 0)
                return error_set(err, "%s: corrupt Go build info: bad string length",
                                 img->name);
            pos += used;
            if (n > end - pos)
                return error_set(err, "%s: corrupt Go build info: string of %" PRIu64
                                 " bytes runs past its section", img->name, n);
            if (k == 0) {
                vers = img->data + pos;
                vers_len = (size_t)n;
            } else {
                mod = img->data + pos;
                mod_len = (size_t)n;
            }
            pos += (size_t)n;
        }
    } else {
        /* Before Go 1.18: pointers to two Go string headers, in the byte
         * order and width the header states. */
        size_t ptr_size = hdr[14];
        bool big = flags & 1;
        if (ptr_size != 4 && ptr_size != 8)
            return error_set(err, "%s: corrupt Go build info: pointer size %zu",
                             img->name, ptr_size);
        struct image order = *img;
        order.big = big;
        uint64_t vers_ptr = get(&order, at + 16, ptr_size);
        uint64_t mod_ptr = get(&order, at + 16 + ptr_size, ptr_size);
        if (read_go_string(img, vers_ptr, ptr_size, big, &vers, &vers_len) != 0)
            return error_set(err, "%s: corrupt Go build info: version pointer 0x%" PRIx64
                             " outside the loaded segments", img->name, vers_ptr);
        /* As Go does, an unreadable module info only means no module info. */
        if (read_go_string(img, mod_ptr, ptr_size, big, &mod, &mod_len) != 0)
            mod_len = 0;
    }
    if (vers_len == 0)
        return 0; /* Go's rule: no version, not a Go executable */
    info->is_go = true;
    size_t n = vers_len < sizeof info->go_version - 1 ? vers_len : sizeof info->go_version - 1;
    memcpy(info->go_version, vers, n);
    info->go_version[n] = '\0';

    info->optimized = true;
    if (mod_len >= 2 * SENTINEL + 1 && mod[mod_len - SENTINEL - 1] == '\n') {
        char why[256];
        if (elf_parse_modinfo((const char *)mod + SENTINEL, mod_len - 2 * SENTINEL,
                              info, why, sizeof why) != 0)
            return error_set(err, "%s: corrupt Go build info: %s", img->name, why);
    }
    return 0;
}

/* Finds the 16-byte aligned magic in r and decodes what follows it. */
static int scan_buildinfo(const struct image *img, const struct region *r,
                          struct elf_go_info *info, struct bp_error *err)
{
    if (r->vaddr > UINT64_MAX - (BUILDINFO_ALIGN - 1))
        return 0;
    uint64_t first = (r->vaddr + BUILDINFO_ALIGN - 1) & ~(uint64_t)(BUILDINFO_ALIGN - 1);
    if (first - r->vaddr >= r->len)
        return 0;
    for (size_t i = (size_t)(first - r->vaddr); r->len - i >= BUILDINFO_HEADER;
         i += BUILDINFO_ALIGN) {
        if (memcmp(img->data + r->off + i, BUILDINFO_MAGIC, sizeof BUILDINFO_MAGIC) == 0)
            return decode_buildinfo(img, r, r->off + i, info, err);
    }
    return 0;
}

int elf_parse_go_info_mem(const void *data, size_t size, const char *name,
                          struct elf_go_info *info, struct bp_error *err)
{
    struct image img = {.data = data, .size = size, .name = name ? name : "(memory)"};
    memset(info, 0, sizeof *info);
    if (data == NULL)
        size = img.size = 0;

    int rc = open_image(&img, info, err);
    if (rc != 0)
        return rc > 0 ? 0 : -1;

    /* Every PT_LOAD must lie in the file: later lookups trust them. */
    struct region data_seg = {0, 0, 0};
    bool have_data_seg = false;
    for (uint64_t i = 0; i < img.phnum; i++) {
        struct segment p;
        read_segment(&img, i, &p);
        if (p.type != PT_LOAD)
            continue;
        if (!in_file(&img, p.offset, p.filesz)) {
            char what[96];
            snprintf(what, sizeof what, "segment %" PRIu64 " lies beyond the end of the file", i);
            return corrupt(&img, err, what);
        }
        /* Without section names, Go's rule: the blob is at the start of the
         * first writable, non-executable segment. */
        if (!have_data_seg && (p.flags & (PF_X | PF_W)) == PF_W) {
            data_seg.off = (size_t)p.offset;
            data_seg.len = (size_t)(p.filesz < p.memsz ? p.filesz : p.memsz);
            data_seg.vaddr = p.vaddr;
            have_data_seg = true;
        }
    }

    struct section strtab_s, *strtab = NULL;
    if (img.shstrndx != SHN_UNDEF) {
        read_section(&img, img.shstrndx, &strtab_s);
        if (strtab_s.type != SHT_NOBITS) {
            if (!in_file(&img, strtab_s.offset, strtab_s.size))
                return corrupt(&img, err, "section name table lies beyond the end of the file");
            strtab = &strtab_s;
        }
    }

    struct region go_sec = {0, 0, 0};
    bool have_go_sec = false;
    for (uint64_t i = 0; i < img.shnum; i++) {
        struct section s;
        read_section(&img, i, &s);
        if (s.type == SHT_NULL || s.type == SHT_NOBITS)
            continue;
        const char *sname = string_at(&img, strtab, s.name);
        if (!in_file(&img, s.offset, s.size)) {
            char what[160];
            snprintf(what, sizeof what, "section %" PRIu64 " (%.64s) lies beyond the end of the file",
                     i, sname ? sname : "?");
            return corrupt(&img, err, what);
        }
        if (s.type == SHT_SYMTAB && s.size > 0)
            info->has_symtab = true;
        if (sname == NULL)
            continue;
        if (strcmp(sname, ".debug_info") == 0 && dwarf_not_empty(&img, &s, false))
            info->has_dwarf = true;
        else if (strcmp(sname, ".zdebug_info") == 0 && dwarf_not_empty(&img, &s, true))
            info->has_dwarf = true;
        else if (strcmp(sname, ".go.buildinfo") == 0 && !have_go_sec) {
            go_sec.off = (size_t)s.offset;
            go_sec.len = (size_t)s.size;
            go_sec.vaddr = s.addr;
            have_go_sec = true;
        }
    }

    if (have_go_sec)
        return scan_buildinfo(&img, &go_sec, info, err);
    if (have_data_seg)
        return scan_buildinfo(&img, &data_seg, info, err);
    return 0;
}

int elf_read_go_info(const char *path, struct elf_go_info *info, struct bp_error *err)
{
    int rc = -1;
    void *map = MAP_FAILED;
    size_t size = 0;
    memset(info, 0, sizeof *info);

    /* O_NONBLOCK so a FIFO named as a command cannot hang the build. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        error_set(err, "opening %s: %s", path, strerror(errno));
        goto cleanup;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        error_set(err, "reading %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        error_set(err, "reading %s: not a regular file", path);
        goto cleanup;
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        error_set(err, "reading %s: too large to map", path);
        goto cleanup;
    }
    size = (size_t)st.st_size;
    if (size == 0) {
        rc = 0; /* empty: not ELF */
        goto cleanup;
    }
    /* A private read-only map: only the headers and the pages the lookups
     * touch are read, however large the binary. */
    map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        error_set(err, "reading %s: %s", path, strerror(errno));
        goto cleanup;
    }
    rc = elf_parse_go_info_mem(map, size, path, info, err);
cleanup:
    if (map != MAP_FAILED)
        munmap(map, size);
    if (fd >= 0)
        close(fd);
    return rc;
}
