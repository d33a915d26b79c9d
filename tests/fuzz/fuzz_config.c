/* fuzz_config.c - libFuzzer target: hlnd's INI configuration parser on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > HLN_CONFIG_FILE_MAX)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* the loader refuses files with NUL bytes before parsing */
    hln_config c;
    char err[256];
    hln_config_defaults(&c);
    int rc = hln_config_parse(&c, "fuzz.conf", text, err, sizeof err);
    /* Whatever it accepted must pass its own checks, and a refusal must say why. */
    if (rc == 0 && hln_config_validate(&c, err, sizeof err) != 0)
        abort();
    if (rc != 0 && strncmp(err, "fuzz.conf", 9) != 0)
        abort();
    free(text);
    return 0;
}
