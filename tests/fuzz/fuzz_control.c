/* fuzz_control.c - libFuzzer target: hlnd's control-socket request parser. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "node/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_object *req = NULL;
    const char *cmd = NULL, *why = NULL;
    int rc = hln_control_parse(data, size, &req, &cmd, &why);
    if (rc == 0) {
        /* Accepted: an object with a string "cmd" that lives as long as it. */
        if (!req || !cmd || !json_object_is_type(req, json_type_object))
            __builtin_trap();
        (void)strlen(cmd);
        json_object_put(req);
    } else if (req || !why) {
        __builtin_trap();
    }
    return 0;
}
