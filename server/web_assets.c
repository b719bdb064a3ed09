/*
 * Looking up the dashboard's embedded files (the table is generated: web_assets.h).
 */
#include "web_assets.h"

#include <string.h>

const struct aidf_web_asset *aidf_web_asset_find(const char *name)
{
    size_t lo = 0, hi = aidf_web_asset_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, aidf_web_assets[mid].name);
        if (c == 0)
            return &aidf_web_assets[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
