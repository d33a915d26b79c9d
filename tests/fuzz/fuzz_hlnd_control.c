/* fuzz_hlnd_control.c - libFuzzer target: hlnd's control command handler behind the parser (issue
 * 17). Each input is one request body as a local client would send it on the control socket; it
 * goes through hln_control_answer, which parses it and runs the command (status, peers, metrics,
 * explain, reload, appended, bench.verify, bench.verify.result) against a real hlnd on a temporary
 * data directory with one peer up (tests/fuzz/hlnd_fixture.h). Every reply must be a JSON object
 * with a boolean "ok", an "error" string when it is false, and fit the reply cap. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "node/control.h"
#include "tests/fuzz/hlnd_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fx_start();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *reply = hln_control_answer(hlnd_control(fx_d), data, size), *ok, *e;
    size_t len = 0;
    if (!reply)
        return 0; /* out of memory */
    if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_is_type(ok, json_type_boolean))
        __builtin_trap();
    if (!json_object_get_boolean(ok) && (!json_object_object_get_ex(reply, "error", &e) ||
                                         !json_object_is_type(e, json_type_string)))
        __builtin_trap();
    if (!json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN, &len) ||
        len > HLN_CONTROL_REP_MAX)
        __builtin_trap();
    json_object_put(reply);
    return 0;
}
