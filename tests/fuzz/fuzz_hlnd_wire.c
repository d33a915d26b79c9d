/* fuzz_hlnd_wire.c - libFuzzer target: hlnd's handler of one peer's message after the transport
 * (issue 17), the function the main loop calls, which fuzz_sync_store does not reach: the bench
 * verify exchange that bypasses the sync engine, the hello's id against the connection's key, the
 * out-of-session path, the clock entries kept per peer for `behind` and `explain`, the verify pool
 * and the accounting of what the store refused, and the penalties that drop a peer. Each input is
 * one message from the author's session on a real hlnd (tests/fuzz/hlnd_fixture.h): first before
 * the hello, then after it, twice (duplicates), then the session goes down. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/hlnd_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fx_start();
    hlnd_transport_event(fx_d, HLN_TEV_DOWN, hln_identity_pk(fx_author), NULL, 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t inc;
    const uint8_t *id = hln_identity_pk(fx_author);
    hlnd_transport_event(fx_d, HLN_TEV_UP, id, NULL, 0);
    hlnd_transport_event(fx_d, HLN_TEV_MSG, id, data, size);
    fx_hello(++inc);
    hlnd_transport_event(fx_d, HLN_TEV_MSG, id, data, size);
    hlnd_transport_event(fx_d, HLN_TEV_MSG, id, data, size);
    hlnd_transport_event(fx_d, HLN_TEV_DOWN, id, NULL, 0);
    return 0;
}
