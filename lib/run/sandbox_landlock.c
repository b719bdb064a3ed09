/*
 * The Landlock backend of the sandbox: a ruleset built in the parent (paths opened,
 * rules added) and entered by the child between fork and exec.
 *
 * The kernel's UAPI is declared here rather than taken from <linux/landlock.h>: the
 * build machine's headers may be older than the kernel that runs aidf, and every
 * constant below is fixed by the kernel's stable ABI. Rights the running kernel does not
 * know (its ABI version is asked first) are left out, as the kernel requires.
 */
#include "sandbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH      1

/* Filesystem rights (ABI 1 unless noted). */
#define LL_FS_WRITE_FILE  (1ull << 1)
#define LL_FS_REMOVE_DIR  (1ull << 4)
#define LL_FS_REMOVE_FILE (1ull << 5)
#define LL_FS_MAKE_CHAR   (1ull << 6)
#define LL_FS_MAKE_DIR    (1ull << 7)
#define LL_FS_MAKE_REG    (1ull << 8)
#define LL_FS_MAKE_SOCK   (1ull << 9)
#define LL_FS_MAKE_FIFO   (1ull << 10)
#define LL_FS_MAKE_BLOCK  (1ull << 11)
#define LL_FS_MAKE_SYM    (1ull << 12)
#define LL_FS_REFER       (1ull << 13) /* ABI 2 */
#define LL_FS_TRUNCATE    (1ull << 14) /* ABI 3 */
/* Network rights (ABI 4). */
#define LL_NET_BIND_TCP    (1ull << 0)
#define LL_NET_CONNECT_TCP (1ull << 1)
/* Scopes (ABI 6). */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define LL_SCOPE_SIGNAL               (1ull << 1)

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int aidf_landlock_abi(void)
{
    long v = syscall(SYS_landlock_create_ruleset, NULL, (size_t)0, LL_CREATE_RULESET_VERSION);
    return v > 0 && v < 1000 ? (int)v : 0;
}

/* Allow `access` below `path` (a directory, or a file for file rights only). */
static int add_path(int ruleset, const char *path, uint64_t access, struct aidf_error *err)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return aidf_fail(err, AIDF_EIO, "landlock: cannot open '%s': %s", path, strerror(errno));
    struct ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
    long r = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    if (r != 0)
        return aidf_fail(err, AIDF_EIO, "landlock: cannot add a rule for '%s': %s", path,
                         strerror(e));
    return AIDF_OK;
}

int aidf_landlock_ruleset(int abi, const char *root, const char *private_dir, bool network,
                          struct aidf_error *err)
{
    uint64_t fs = LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR |
                  LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO |
                  LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM;
    uint64_t file_rights = LL_FS_WRITE_FILE;
    if (abi >= 2)
        fs |= LL_FS_REFER;
    if (abi >= 3) {
        fs |= LL_FS_TRUNCATE;
        file_rights |= LL_FS_TRUNCATE;
    }
    struct ll_ruleset_attr attr = {.handled_access_fs = fs};
    if (abi >= 4 && !network)
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    if (abi >= 6)
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0u);
    if (rs < 0) {
        aidf_fail(err, AIDF_EIO, "landlock: cannot create a ruleset: %s", strerror(errno));
        return -1;
    }
    if (add_path(rs, root, fs, err) != AIDF_OK ||
        (private_dir && add_path(rs, private_dir, fs, err) != AIDF_OK) ||
        add_path(rs, "/dev/null", file_rights, err) != AIDF_OK) {
        close(rs);
        return -1;
    }
    return rs;
}

int aidf_landlock_enter(void *ctx)
{
    int fd = *(const int *)ctx;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return errno;
    if (syscall(SYS_landlock_restrict_self, fd, 0u) != 0)
        return errno;
    return 0;
}
