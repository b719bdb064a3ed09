/*
 * Internal to the config module (lib/config/): the tables of names the parser accepts
 * (defined in config_parse.c), which config.c also uses to name enum values.
 */
#ifndef AIDF_CONFIG_INT_H
#define AIDF_CONFIG_INT_H

#include "aidf/config.h"
#include "aidf/report.h" /* enum aidf_status: the webhook events */

/* Names of enum aidf_scope_mode, indexed by value, NULL-terminated. */
extern const char *const aidf_config_scope_names[];
/* Names of enum aidf_notify_level, indexed by value, NULL-terminated. */
extern const char *const aidf_config_level_names[];
/* Names of enum aidf_sandbox_mode, indexed by value, NULL-terminated. */
extern const char *const aidf_config_sandbox_names[];
/* Names of the provider types, NULL-terminated. */
extern const char *const aidf_config_provider_types[];

#endif
