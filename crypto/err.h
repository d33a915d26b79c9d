/* err.h - the error codes every hln module returns, and their text. */
#ifndef HLN_ERR_H
#define HLN_ERR_H

/* Functions return 0 on success or one of these negative codes. Library
 * codes (LMDB, libsodium, ZeroMQ, msgpack) are translated at their module's
 * edge and never leak past it. */
enum {
    HLN_OK = 0,
    HLN_EINVAL = -1,     /* an argument or input is invalid */
    HLN_ENOMEM = -2,     /* out of memory */
    HLN_EIO = -3,        /* a file or system call failed */
    HLN_ENOTFOUND = -4,  /* no such record, key or entry */
    HLN_EEXIST = -5,     /* it exists already */
    HLN_EPERM = -6,      /* refused: file permissions or authority */
    HLN_EDECODE = -7,    /* bytes are malformed or not canonical */
    HLN_ESIG = -8,       /* a signature does not verify */
    HLN_EHASH = -9,      /* a body does not match its hash */
    HLN_ECHAIN = -10,    /* seq or prev do not continue the feed */
    HLN_EFORK = -11,     /* two different records for one feed and seq */
    HLN_EVERSION = -12,  /* unknown format or protocol version */
    HLN_ETOOBIG = -13,   /* over a size limit */
    HLN_ESTORE = -14,    /* the store failed (LMDB) */
    HLN_ECHECKSUM = -15, /* a node id's checksum does not match */
    HLN_ETRUST = -16,    /* the author is not entitled to this record */
    HLN_EPOLICY = -17,   /* the disclosure policy refuses it */
    HLN_ESCHEMA = -18,   /* the store's schema version is not ours */
    HLN_ENET = -19,      /* the network layer (ZeroMQ) failed */
    HLN_EAGAIN = -20,    /* try again later (busy, in flight, not ready) */
    HLN_EDUP = -21,      /* a duplicate: already held, nothing to do */
    HLN_ERANGE = -22,    /* a value lies outside its allowed range */
    HLN_ECONFIG = -23,   /* a configuration file is wrong */
    HLN_ESTATE = -24,    /* the call is not valid in the current state */
    HLN_EFULL = -25,     /* no room: the store's map or the disk is full */
    HLN_ETIME = -26,     /* a record dated before its feed's head (docs/PROTOCOL.md §4) */
    HLN_ERR_MIN_ = -27
};

/* A static English description of code `rc`; never NULL. */
const char *hln_strerror(int rc);

/* A short stable token for `rc` ("bad-signature"), for logs and metrics. */
const char *hln_errname(int rc);

#endif
