/* report_collab.h - the report's collaborative pages: aim, members, change package, run charts, lessons. */
#ifndef HLN_REPORT_COLLAB_H
#define HLN_REPORT_COLLAB_H

#include <stddef.h>
#include <stdio.h>

#include "node/improve.h"

/* Write OUTDIR/collaborative/index.html and one page per collaborative held
 * by the node in `datadir` (OUTDIR/collaborative/<code>.html): its aim, time
 * frame, members and change package, a small-multiple SVG run chart per
 * member unit and indicator (the series, centre line, 3-sigma limits,
 * target line, signals marked, start and end of the collaborative), the
 * lessons next to the member that shared them, and a summary line. Static
 * HTML like the rest of the report (docs/REPORT.md). *pages gets the number
 * of collaboratives written. 0 or a negative HLN_E* code, with `err`. */
int hln_report_collab_write(const char *datadir, const char *outdir, size_t *pages, char *err,
                            size_t errlen);

/* One unit's run chart as inline SVG, 300x135: the series, the Shewhart
 * centre and limits, the target line, the points of a signal marked, and
 * the collaborative's start and end when `r` has them. Also on the
 * indicator pages (report_run.c). */
void hln_report_run_chart(FILE *f, const hln_improve_result *r, const hln_improve_unit *u);

#endif
