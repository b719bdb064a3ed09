/*
 * Internal to the store: the in-memory index, its on-disk form (`<dir>/.index`) and
 * the directory sync that keeps it true to the files.
 *
 * On disk (store_file.c, docs/internals.md): a fixed header, one fixed-size record per
 * date directory, one varint-packed record per report file (every field of struct
 * aidf_run_summary plus the file's size, mtime, inode and the time it was last verified;
 * strings as numbers into one string table, the most used first), the two orders, and
 * the string table. Loading is one mapping, a checksum and one pass over the records;
 * strings point into one arena chunk that holds the string table.
 */
#ifndef AIDF_STORE_INDEX_H
#define AIDF_STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/buf.h"
#include "aidf/err.h"
#include "aidf/store.h"
#include "aidf/strmap.h"

#define AIDF_SIDX_NAME ".index"
/* An mtime this close to the moment it was checked cannot be trusted (git's racy rule). */
#define AIDF_SIDX_RACY_NS (2 * 1000000000LL)
/* Temporary files of interrupted writes older than this are removed while scanning. */
#define AIDF_SIDX_STALE_TMP_NS (3600 * 1000000000LL)

/* One report file known to the index. */
struct aidf_sidx_ent {
    struct aidf_run_summary sum; /* sum.file is always set */
    int64_t size, mtime_ns;      /* identity of the file when it was parsed */
    uint64_t ino;
    int64_t checked_ns; /* wall time just before the file was read */
    bool bad;           /* not a usable report: only sum.file is meaningful */
    bool dup;           /* the same run id is indexed under another file */
};

/* One date directory known to the index. */
struct aidf_sidx_dir {
    char name[11];
    int64_t mtime_ns;
    int64_t checked_ns; /* wall time just before the directory was listed */
    uint64_t nfiles;
};

struct aidf_sidx_chunk {
    struct aidf_sidx_chunk *next;
    size_t cap, used;
    char data[];
};

struct aidf_store {
    char *dir;
    unsigned flags;
    bool can_persist; /* false when read-only or the directory is not writable */
    bool dirty;       /* the in-memory index differs from the .index file */
    bool save_failed; /* the last save failed (and was reported); answers come from memory */

    struct aidf_sidx_ent *ents;
    size_t n_ents, cap_ents;
    struct aidf_sidx_dir *dirs; /* sorted by name */
    size_t n_dirs, cap_dirs;

    /* Indices into ents of usable runs (not bad, not dup). */
    uint32_t *by_time; /* newest first, then run id */
    uint32_t *by_id;   /* run id, case-insensitive */
    size_t n_live, cap_live;

    struct aidf_sidx_chunk *arena;
    struct aidf_strmap intern; /* strings interned in the arena */

    uint64_t gen; /* bumped whenever entries or orders change */
};

/** `n` bytes from the store's arena (freed with the store). Never NULL. */
char *aidf_sidx_arena_alloc(struct aidf_store *s, size_t n);
/** An array of `n` pointers from the store's arena (aligned; freed with the store). */
const char **aidf_sidx_arena_alloc_ptrs(struct aidf_store *s, size_t n);
/**
 * A copy of the NULL-terminated `list` in the arena with every path interned (equal paths
 * share a pointer); NULL for NULL or an empty list.
 */
const char *const *aidf_sidx_intern_list(struct aidf_store *s, const char *const *list);
/** Wall clock in nanoseconds since the epoch. */
int64_t aidf_sidx_now_ns(void);
/**
 * qsort_r comparator of two u32 indices into the entry array `ctx`: newest first, ties
 * by run id (case-insensitive). The order of by_time.
 */
int aidf_sidx_cmp_time(const void *a, const void *b, void *ctx);
/** True when `name` is a date directory name "YYYY-MM-DD". */
bool aidf_sidx_valid_date_name(const char *name);
/**
 * True when `fn` (`fl` bytes) is a report file name as the directory scan accepts it:
 * not hidden, ending in ".json", one path component.
 */
bool aidf_sidx_valid_report_name(const char *fn, size_t fl);

/* ---- the .index file (store_file.c; the format is in docs/internals.md) ------------- */

/* Bytes of the .index file's header; the checksum (u64) is its last 8. */
#define AIDF_SIDX_HDR_SIZE 96

/**
 * The checksum of the .index file over `n` bytes at `p` (a fast 64-bit mix over 8-byte
 * words; catches damage, not forgery).
 */
uint64_t aidf_sidx_checksum(const void *p, size_t n);
/** Append `v` to `b` as an unsigned LEB128 varint (1 to 10 bytes). */
void aidf_sidx_put_varint(struct aidf_buf *b, uint64_t v);
/** Zigzag mapping of a signed value to an unsigned one (0, -1, 1, -2 ... → 0, 1, 2, 3 ...). */
static inline uint64_t aidf_sidx_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

/** Copy the strings of `src` into the arena and store it as e->sum with `file`. */
void aidf_sidx_set_summary(struct aidf_store *s, struct aidf_sidx_ent *e,
                           const struct aidf_run_summary *src, const char *file);
/** Append a zeroed entry and return it (pointer valid until the next append). */
struct aidf_sidx_ent *aidf_sidx_append(struct aidf_store *s);

/** Recompute by_time, by_id and the dup flags from ents. */
void aidf_sidx_rebuild_order(struct aidf_store *s);
/** Insert ents[idx] (a new usable run whose id is not indexed) into the orders. */
void aidf_sidx_insert_order(struct aidf_store *s, uint32_t idx);
/** Position in by_id of the first id >= `prefix` (case-insensitive). */
size_t aidf_sidx_lower_bound(const struct aidf_store *s, const char *prefix);
/** ents index of the run `id` (exact, case-insensitive), or -1. */
long aidf_sidx_find_id(const struct aidf_store *s, const char *id);
/** Remove the entries whose `drop` flag is set (drop has n_ents bytes). */
void aidf_sidx_remove(struct aidf_store *s, const unsigned char *drop);

/**
 * Load `<dir>/.index`; a missing, corrupt or foreign file leaves the index empty (and
 * marks it dirty, with an info message, when the file was there).
 */
void aidf_sidx_load(struct aidf_store *s);
/** Write `<dir>/.index` atomically. AIDF_OK or AIDF_EIO. */
int aidf_sidx_save(struct aidf_store *s, struct aidf_error *err);
/**
 * Bring the index up to date with the directory. Sets s->dirty when anything
 * changed. AIDF_OK or AIDF_EIO (the top-level directory cannot be listed).
 */
int aidf_sidx_sync(struct aidf_store *s, struct aidf_error *err);

/** Release everything the index owns (not s->dir). */
void aidf_sidx_release(struct aidf_store *s);

#endif
