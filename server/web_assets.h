/*
 * The dashboard's files (web/ at the top of the source tree), embedded at build time by
 * cmake/embed_web.cmake into a generated source file (web_assets_data.c in the build
 * directory), which defines the three symbols below. index.html is served at `/`; every
 * other file X.EXT at /assets/X.<hash>.EXT, the hash being that of its content as served
 * (references between the files are rewritten to the hashed names), so a hashed name can
 * be cached forever.
 */
#ifndef AIDF_WEB_ASSETS_H
#define AIDF_WEB_ASSETS_H

#include <stddef.h>

/** One embedded file. */
struct aidf_web_asset {
    const char *name;          /* served name: "app.3f2a9c01b2de.js" ("index.html" for /) */
    const char *source;        /* its file under web/: "app.js" */
    const char *content_type;  /* "text/javascript; charset=utf-8", ... */
    const unsigned char *data; /* `size` bytes, followed by a NUL */
    size_t size;
};

/** web/index.html, with its references rewritten to the hashed names. */
extern const struct aidf_web_asset aidf_web_index;
/** Every other file of web/, sorted by `name` (bytewise). */
extern const struct aidf_web_asset aidf_web_assets[];
/** Number of entries of aidf_web_assets[]. */
extern const size_t aidf_web_asset_count;

/** The asset served as `name` (a hashed name), or NULL. */
const struct aidf_web_asset *aidf_web_asset_find(const char *name);

#endif
