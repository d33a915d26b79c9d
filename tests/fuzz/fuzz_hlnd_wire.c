/* fuzz_hlnd_wire.c - libFuzzer target: hlnd's handler of one peer's message after the transport
 * (issue 17), the function the main loop calls (on_transport), one layer above the sync engine and
 * store host that fuzz_sync_store drives: the bench verify exchange that bypasses the engine, the
 * hello's id against the connection's key, the out-of-session path, the clock entries kept per peer
 * for `behind` and `explain`, the verify pool and the accounting of what the store refused, and the
 * penalties that drop a peer. An input is one message, or several separated by "HLN|"; they come
 * from the author's session on a real hlnd (tests/fuzz/hlnd_fixture.h): the first before the
 * hello, then all in order after it, twice (duplicates), then the session goes down. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/hlnd_fixture.h"

#define SEP "HLN|"
#define PARTS_MAX 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fx_start();
    hlnd_transport_event(fx_d, HLN_TEV_DOWN, hln_identity_pk(fx_author), NULL, 0);
    return 0;
}

/* Each part of `data` as a message from the author. */
static void send_parts(const uint8_t *data, size_t size)
{
    const uint8_t *id = hln_identity_pk(fx_author);
    for (int k = 0; k < PARTS_MAX; k++) {
        const uint8_t *sep = memmem(data, size, SEP, strlen(SEP));
        size_t len = sep ? (size_t)(sep - data) : size;
        hlnd_transport_event(fx_d, HLN_TEV_MSG, id, data, len);
        if (!sep)
            return;
        size -= len + strlen(SEP);
        data = sep + strlen(SEP);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t inc;
    const uint8_t *id = hln_identity_pk(fx_author);
    const uint8_t *sep = memmem(data, size, SEP, strlen(SEP));
    hlnd_transport_event(fx_d, HLN_TEV_UP, id, NULL, 0);
    hlnd_transport_event(fx_d, HLN_TEV_MSG, id, data, sep ? (size_t)(sep - data) : size);
    fx_hello(++inc);
    send_parts(data, size);
    send_parts(data, size);
    hlnd_transport_event(fx_d, HLN_TEV_DOWN, id, NULL, 0);
    return 0;
}
