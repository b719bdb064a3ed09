/*
 * The aidf executable: process set-up, then the command tree of commands.c.
 */
#include "cli.h"

#include <curl/curl.h>
#include <signal.h>

#include "aidf/version.h"
#include "aidf/xalloc.h"

int main(int argc, char **argv)
{
    aidf_xalloc_init_jansson();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* A closed pipe (aidf report list | head) ends the write with EPIPE, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    int rc = cli_dispatch(&cli_root, argc, argv);
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_FAIL;
    return rc;
}
