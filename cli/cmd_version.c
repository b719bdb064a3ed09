/*
 * `aidf version [--json]` (also `aidf --version`): the version of aidf, and with --json
 * the versions of the libraries it was built with and runs with.
 */
#include "cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "aidf/version.h"

const char cli_version[] = AIDF_VERSION;

static const struct optp_opt version_opts[] = {
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"version\", \"libraries\": {name: version}} instead"},
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_version = {
    .name = "version",
    .synopsis = "[--json]",
    .summary = "print the version of aidf (and of its libraries with --json)",
    .description = "Print \"aidf <version>\", as 'aidf --version' does.",
    .opts = version_opts,
};

int cmd_version(int argc, char **argv)
{
    struct optp p;
    bool json = false;
    int id;

    optp_init(&p, &cli_spec_version, argc, argv);
    while ((id = optp_next(&p)) > 0)
        if (id == OPT_JSON)
            json = true;
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error("version", "unexpected argument '%s'", p.args[0]);
    if (!json) {
        printf("aidf %s\n", cli_version);
        return CLI_EXIT_OK;
    }
    json_t *libs = json_object();
    json_object_set_new(libs, "jansson", json_string(jansson_version_str()));
    json_object_set_new(libs, "libcurl", json_string(curl_version_info(CURLVERSION_NOW)->version));
    json_object_set_new(libs, "libyaml", json_string(yaml_get_version_string()));
    json_object_set_new(libs, "openssl", json_string(OpenSSL_version(OPENSSL_VERSION)));
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(cli_version));
    json_object_set_new(o, "libraries", libs);
    return cli_print_json(o) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
