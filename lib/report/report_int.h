/*
 * Internal to the report model (lib/report*.c): the report's shape as tables.
 *
 * One table per JSON object of the report lists its known keys in output order with
 * the C type and location of each value. The decoder, the encoder, init and release
 * all walk the same tables, so a field is declared once and the four stay in step.
 */
#ifndef AIDF_REPORT_INT_H
#define AIDF_REPORT_INT_H

#include <stddef.h>

#include "aidf/report.h"

enum rf_type {
    RF_STR,     /* char *, NULL when absent */
    RF_TIME,    /* char * that must parse with aidf_iso_parse() */
    RF_RUNID,   /* char * that must pass aidf_run_id_valid() */
    RF_STATUS,  /* enum aidf_status */
    RF_COUNT,   /* int64_t >= 0, AIDF_UNSET when absent */
    RF_INT,     /* int64_t of any sign, AIDF_UNSET when absent */
    RF_MS,      /* double >= 0, NaN when absent; encoded rounded to 3 decimals */
    RF_MONEY,   /* double >= 0, NaN when absent; encoded rounded to 6 decimals */
    RF_TRI,     /* int: -1 absent, 0 false, 1 true */
    RF_STRLIST, /* struct aidf_strlist; written whenever its object is */
    RF_NUMMAP,  /* struct aidf_num_map of ms/tokens; `flag` = bool "has" or RF_NOFLAG */
    RF_OBJ,     /* nested object on the same base; `flag` = bool "present" or RF_NOFLAG */
    RF_ERROR,   /* the error object, which may also arrive as a plain string */
    RF_ARRAY,   /* array of items: `off` = item pointer, `flag` = size_t count */
    RF_TAGS,    /* struct aidf_kvlist of run tags, an object of strings (aidf/tags.h rules) */
};

/* No presence flag: the value is written when it is non-empty. */
#define RF_NOFLAG ((size_t)-1)

struct rf_block;

struct rf_field {
    const char *key;
    unsigned char type;         /* enum rf_type */
    unsigned char required;     /* decoder: absent or null is an error */
    size_t off;                 /* offset of the value from the object's base */
    size_t flag;                /* see enum rf_type; RF_NOFLAG when unused */
    const struct rf_block *sub; /* RF_OBJ, RF_ERROR, RF_ARRAY */
};

struct rf_block {
    const struct rf_field *fields;
    size_t n;
    size_t item_size; /* RF_ARRAY items: sizeof the item struct */
};

/* The top-level object; its base is the struct aidf_report. */
extern const struct rf_block aidf_rf_report;

/* Set every field of `b` at `base` (recursively for nested objects) to "absent". */
void aidf_rf_init(const struct rf_block *b, void *base);
/* True when `key` is one of the known keys of `b`. */
bool aidf_rf_known(const struct rf_block *b, const char *key);

#endif
