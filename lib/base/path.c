/*
 * The lexical path normaliser (see aidf/path.h).
 */
#include "aidf/path.h"

#include <string.h>

#include "aidf/xalloc.h"

char *aidf_path_normalize(const char *path, size_t len)
{
    if (memchr(path, '\0', len))
        return NULL;
    bool rooted = len > 0 && path[0] == '/';
    char *out = aidf_xmalloc(len + 2);
    size_t n = 0;
    if (rooted)
        out[n++] = '/';
    size_t start = n; /* where the first component goes */
    size_t floor = n; /* ".." never pops below this: the root, or leading ".." */
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t s = i;
        while (i < len && path[i] != '/')
            i++;
        size_t cl = i - s;
        if (cl == 0 || (cl == 1 && path[s] == '.'))
            continue;
        if (cl == 2 && path[s] == '.' && path[s + 1] == '.') {
            if (n > floor) {
                while (n > floor && out[n - 1] != '/')
                    n--;
                if (n > floor)
                    n--; /* the '/' before the removed component */
            } else if (!rooted) {
                if (n > start)
                    out[n++] = '/';
                out[n++] = '.';
                out[n++] = '.';
                floor = n;
            }
            continue;
        }
        if (n > start)
            out[n++] = '/';
        memcpy(out + n, path + s, cl);
        n += cl;
    }
    if (n == 0)
        out[n++] = '.';
    out[n] = '\0';
    return out;
}

bool aidf_path_escapes(const char *norm)
{
    if (norm[0] == '/')
        return true;
    return norm[0] == '.' && norm[1] == '.' && (norm[2] == '\0' || norm[2] == '/');
}
