/* err.c - text for hln's error codes. */
#include "err.h"

static const struct {
    const char *name;
    const char *text;
} errs[] = {
    {"ok", "success"},
    {"invalid", "invalid argument or input"},
    {"no-memory", "out of memory"},
    {"io", "input/output error"},
    {"not-found", "not found"},
    {"exists", "already exists"},
    {"permission", "permission denied"},
    {"malformed", "malformed or non-canonical encoding"},
    {"bad-signature", "signature does not verify"},
    {"bad-hash", "body does not match its hash"},
    {"bad-chain", "record does not continue its feed"},
    {"fork", "two different records for the same feed and sequence"},
    {"bad-version", "unknown format or protocol version"},
    {"too-big", "over a size limit"},
    {"store", "store (LMDB) failure"},
    {"bad-checksum", "node id checksum does not match (mistyped id?)"},
    {"untrusted", "author is not entitled to this record"},
    {"policy", "refused by the disclosure policy"},
    {"schema", "store schema version is not supported"},
    {"network", "network (ZeroMQ) failure"},
    {"again", "resource busy, try again"},
    {"duplicate", "already held"},
    {"range", "value out of range"},
    {"config", "configuration error"},
    {"state", "operation not valid in the current state"},
    {"full", "no space left: the disk (or the store's map) is full"},
    {"time-backwards", "record dated before the head of its feed"},
};

const char *hln_strerror(int rc)
{
    if (rc > 0 || rc <= HLN_ERR_MIN_)
        return "unknown error";
    return errs[-rc].text;
}

const char *hln_errname(int rc)
{
    if (rc > 0 || rc <= HLN_ERR_MIN_)
        return "unknown";
    return errs[-rc].name;
}
