/* Builds small ELF images in memory for the elf tests and fuzz seeds: either
 * class and byte order, Go build info in the 1.18+ inline or the older
 * pointer layout, optional section headers, .zdebug_info and .symtab. */
#ifndef BP_TESTS_SYNTH_ELF_H
#define BP_TESTS_SYNTH_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct synth_opts {
    bool is64;
    bool big;
    uint16_t machine;
    bool sections;          /* emit section headers (else only the segment) */
    bool pointer_format;    /* pre-Go-1.18 build info layout */
    const char *version;    /* "go1.17.13"; NULL: no build info at all */
    const char *modinfo;    /* text framed by the sentinels; NULL: none */
    bool zdebug;            /* a .zdebug_info section ... */
    uint64_t zdebug_size;   /* ... announcing this uncompressed size */
    bool symtab;            /* a one-entry .symtab */
};

/* Offsets the tests patch to corrupt an image. */
#define SYNTH_DATA_OFF 0x100u   /* file offset of the build info header */
#define SYNTH_VADDR 0x400000u   /* vaddr = SYNTH_VADDR + file offset */

struct synth_buf {
    unsigned char *p;
    size_t cap, len;
    bool big;
    bool overflow;
};

static inline void synth_put(struct synth_buf *b, size_t at, uint64_t v, size_t width)
{
    if (at > b->cap || width > b->cap - at) {
        b->overflow = true;
        return;
    }
    for (size_t i = 0; i < width; i++) {
        size_t k = b->big ? width - 1 - i : i;
        b->p[at + k] = (unsigned char)(v >> (8 * i));
    }
    if (at + width > b->len)
        b->len = at + width;
}

static inline void synth_bytes(struct synth_buf *b, size_t at, const void *s, size_t n)
{
    if (at > b->cap || n > b->cap - at) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + at, s, n);
    if (at + n > b->len)
        b->len = at + n;
}

static inline size_t synth_uvarint(struct synth_buf *b, size_t at, uint64_t v)
{
    size_t n = 0;
    do {
        unsigned char c = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            c |= 0x80;
        synth_bytes(b, at + n, &c, 1);
        n++;
    } while (v);
    return n;
}

static inline size_t synth_align(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

static const unsigned char synth_sentinel_start[16] = {
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
    0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6};
static const unsigned char synth_sentinel_end[16] = {
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
    0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2};

/* Writes one section header; entry layout per class. */
static inline void synth_shdr(struct synth_buf *b, bool is64, size_t at, uint32_t name,
                              uint32_t type, uint64_t flags, uint64_t addr,
                              uint64_t off, uint64_t size, uint32_t link)
{
    synth_put(b, at, name, 4);
    synth_put(b, at + 4, type, 4);
    if (is64) {
        synth_put(b, at + 8, flags, 8);
        synth_put(b, at + 16, addr, 8);
        synth_put(b, at + 24, off, 8);
        synth_put(b, at + 32, size, 8);
        synth_put(b, at + 40, link, 4);
        synth_put(b, at + 48, 1, 8);
    } else {
        synth_put(b, at + 8, flags, 4);
        synth_put(b, at + 12, addr, 4);
        synth_put(b, at + 16, off, 4);
        synth_put(b, at + 20, size, 4);
        synth_put(b, at + 24, link, 4);
        synth_put(b, at + 32, 1, 4);
    }
}

/* Returns the image size, or 0 if cap is too small. */
static inline size_t synth_elf(const struct synth_opts *o, unsigned char *out, size_t cap)
{
    struct synth_buf b = {out, cap, 0, o->big, false};
    size_t ptr = o->is64 ? 8 : 4;
    size_t ehsize = o->is64 ? 64 : 52, phentsize = o->is64 ? 56 : 32;
    size_t shentsize = o->is64 ? 64 : 40;
    if (cap < SYNTH_DATA_OFF)
        return 0;
    memset(out, 0, cap);

    /* The data segment: build info header, then its strings. */
    size_t pos = SYNTH_DATA_OFF;
    size_t bi_end = pos;
    if (o->version != NULL) {
        size_t vlen = strlen(o->version);
        size_t mlen = o->modinfo ? strlen(o->modinfo) + 32 : 0;
        synth_bytes(&b, pos, "\xff Go buildinf:", 14);
        synth_put(&b, pos + 14, ptr, 1);
        unsigned char flags = (unsigned char)((o->pointer_format ? 0 : 2) | (o->big ? 1 : 0));
        synth_put(&b, pos + 15, flags, 1);
        size_t at = pos + 32;
        size_t mod_at;
        if (o->pointer_format) {
            /* header -> two string headers {ptr,len} -> the bytes */
            size_t vhdr = at, mhdr = at + 2 * ptr, vdata = at + 4 * ptr;
            mod_at = vdata + vlen;
            synth_put(&b, pos + 16, SYNTH_VADDR + vhdr, ptr);
            synth_put(&b, pos + 16 + ptr, SYNTH_VADDR + mhdr, ptr);
            synth_put(&b, vhdr, SYNTH_VADDR + vdata, ptr);
            synth_put(&b, vhdr + ptr, vlen, ptr);
            synth_put(&b, mhdr, SYNTH_VADDR + mod_at, ptr);
            synth_put(&b, mhdr + ptr, mlen, ptr);
            synth_bytes(&b, vdata, o->version, vlen);
        } else {
            at += synth_uvarint(&b, at, vlen);
            synth_bytes(&b, at, o->version, vlen);
            at += vlen;
            at += synth_uvarint(&b, at, mlen);
            mod_at = at;
        }
        if (o->modinfo) {
            synth_bytes(&b, mod_at, synth_sentinel_start, 16);
            synth_bytes(&b, mod_at + 16, o->modinfo, mlen - 32);
            synth_bytes(&b, mod_at + mlen - 16, synth_sentinel_end, 16);
        }
        bi_end = mod_at + mlen;
        if (bi_end < pos + 32)
            bi_end = pos + 32;
    }
    size_t seg_end = synth_align(bi_end, 16);
    /* Some writable bytes even without build info, so the segment exists. */
    if (seg_end < SYNTH_DATA_OFF + 64)
        seg_end = SYNTH_DATA_OFF + 64;
    b.len = seg_end;

    /* Non-loaded sections after the segment. */
    size_t zoff = seg_end, zlen = o->zdebug ? 20 : 0;
    if (o->zdebug) {
        synth_bytes(&b, zoff, "ZLIB", 4);
        for (int i = 0; i < 8; i++) {
            unsigned char c = (unsigned char)(o->zdebug_size >> (56 - 8 * i));
            synth_bytes(&b, zoff + 4 + (size_t)i, &c, 1);
        }
        synth_bytes(&b, zoff + 12, "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
    }
    size_t symoff = synth_align(zoff + zlen, 8), symlen = o->symtab ? (o->is64 ? 24 : 16) : 0;
    b.len = symoff + symlen;
    static const char names[] = "\0.shstrtab\0.go.buildinfo\0.zdebug_info\0.symtab\0.data";
    enum { N_SHSTRTAB = 1, N_BUILDINFO = 11, N_ZDEBUG = 25, N_SYMTAB = 38, N_DATA = 46 };
    size_t stroff = b.len;
    size_t shoff = 0, shnum = 0;
    if (o->sections) {
        synth_bytes(&b, stroff, names, sizeof names);
        shoff = synth_align(stroff + sizeof names, 8);
        size_t i = 1; /* 0 is the null section */
        synth_shdr(&b, o->is64, shoff + i++ * shentsize, N_SHSTRTAB, 3, 0, 0, stroff,
                   sizeof names, 0);
        if (o->version != NULL)
            synth_shdr(&b, o->is64, shoff + i++ * shentsize, N_BUILDINFO, 1, 3,
                       SYNTH_VADDR + SYNTH_DATA_OFF, SYNTH_DATA_OFF,
                       bi_end - SYNTH_DATA_OFF, 0);
        else
            synth_shdr(&b, o->is64, shoff + i++ * shentsize, N_DATA, 1, 3,
                       SYNTH_VADDR + SYNTH_DATA_OFF, SYNTH_DATA_OFF,
                       seg_end - SYNTH_DATA_OFF, 0);
        if (o->zdebug)
            synth_shdr(&b, o->is64, shoff + i++ * shentsize, N_ZDEBUG, 1, 0, 0, zoff,
                       zlen, 0);
        if (o->symtab)
            synth_shdr(&b, o->is64, shoff + i++ * shentsize, N_SYMTAB, 2, 0, 0, symoff,
                       symlen, 1);
        shnum = i;
        b.len = shoff + shnum * shentsize;
        if (b.len > cap)
            return 0;
    }

    /* ELF header and the one PT_LOAD (read+write) over the data. */
    synth_bytes(&b, 0, "\x7f" "ELF", 4);
    synth_put(&b, 4, o->is64 ? 2 : 1, 1);
    synth_put(&b, 5, o->big ? 2 : 1, 1);
    synth_put(&b, 6, 1, 1);
    synth_put(&b, 16, 2, 2); /* ET_EXEC */
    synth_put(&b, 18, o->machine, 2);
    synth_put(&b, 20, 1, 4);
    size_t phoff = ehsize;
    if (o->is64) {
        synth_put(&b, 32, phoff, 8);
        synth_put(&b, 40, shoff, 8);
        synth_put(&b, 52, ehsize, 2);
        synth_put(&b, 54, phentsize, 2);
        synth_put(&b, 56, 1, 2);
        synth_put(&b, 58, shentsize, 2);
        synth_put(&b, 60, shnum, 2);
        synth_put(&b, 62, o->sections ? 1 : 0, 2);
        synth_put(&b, phoff, 1, 4);           /* PT_LOAD */
        synth_put(&b, phoff + 4, 6, 4);       /* PF_R | PF_W */
        synth_put(&b, phoff + 8, SYNTH_DATA_OFF, 8);
        synth_put(&b, phoff + 16, SYNTH_VADDR + SYNTH_DATA_OFF, 8);
        synth_put(&b, phoff + 24, SYNTH_VADDR + SYNTH_DATA_OFF, 8);
        synth_put(&b, phoff + 32, seg_end - SYNTH_DATA_OFF, 8);
        synth_put(&b, phoff + 40, seg_end - SYNTH_DATA_OFF, 8);
        synth_put(&b, phoff + 48, 16, 8);
    } else {
        synth_put(&b, 28, phoff, 4);
        synth_put(&b, 32, shoff, 4);
        synth_put(&b, 40, ehsize, 2);
        synth_put(&b, 42, phentsize, 2);
        synth_put(&b, 44, 1, 2);
        synth_put(&b, 46, shentsize, 2);
        synth_put(&b, 48, shnum, 2);
        synth_put(&b, 50, o->sections ? 1 : 0, 2);
        synth_put(&b, phoff, 1, 4);
        synth_put(&b, phoff + 4, SYNTH_DATA_OFF, 4);
        synth_put(&b, phoff + 8, SYNTH_VADDR + SYNTH_DATA_OFF, 4);
        synth_put(&b, phoff + 12, SYNTH_VADDR + SYNTH_DATA_OFF, 4);
        synth_put(&b, phoff + 16, seg_end - SYNTH_DATA_OFF, 4);
        synth_put(&b, phoff + 20, seg_end - SYNTH_DATA_OFF, 4);
        synth_put(&b, phoff + 24, 6, 4);
        synth_put(&b, phoff + 28, 16, 4);
    }
    return b.overflow ? 0 : b.len;
}

#endif
