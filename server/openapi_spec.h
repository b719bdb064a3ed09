/*
 * api/openapi.yaml, built into the server (cmake/embed_file.cmake generates the
 * definitions into the build directory as openapi_spec_data.c).
 */
#ifndef AIDF_SRV_OPENAPI_SPEC_H
#define AIDF_SRV_OPENAPI_SPEC_H

#include <stddef.h>

/** The bytes of api/openapi.yaml at build time, followed by a NUL (not counted). */
extern const unsigned char aidf_openapi_yaml[];
/** The number of bytes of aidf_openapi_yaml. */
extern const size_t aidf_openapi_yaml_len;

#endif
