/* cmd_publish_stream.h - hlnctl publish of a file longer than one batch (node/publish_stream.h). */
#ifndef HLN_CMD_PUBLISH_STREAM_H
#define HLN_CMD_PUBLISH_STREAM_H

#include <stdbool.h>

#include "node/node.h"

/* Publish (or with po->dry_run check) the CSV `file` of any length into the
 * node in `datadir`, batch by batch. Output as hlnctl publish's (docs/CLI.md),
 * printed as the batches go, so memory stays bounded; with --json one object
 * whose "observations" array is written as it grows, plus "batches". Returns
 * the exit status (0, 1). */
int hln_cli_publish_stream(const char *datadir, const char *file, const hln_publish_opts *po,
                           bool json);

#endif
