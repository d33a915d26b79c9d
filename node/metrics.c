/* metrics.c - the counters hlnd exposes, in the Prometheus text format, and the textfile writer. */
#include "node/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/err.h"

#define METRICS_PATH_MAX 4096

void hln_metrics_refusal(uint64_t refusals[HLN_METRICS_REASONS], int rc)
{
    if (rc < 0 && -rc < HLN_METRICS_REASONS)
        refusals[-rc]++;
}

static void metric(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
            (unsigned long long)v);
}

/* Reasons always shown (0 included), so that a dashboard's series exist
 * before the first refusal; any other reason appears once it is counted. */
static const int shown_reasons[] = {HLN_EDECODE, HLN_ESIG,     HLN_EHASH,  HLN_ETRUST, HLN_EPOLICY,
                                    HLN_ETOOBIG, HLN_EVERSION, HLN_ERANGE, HLN_ETIME};

int hln_metrics_format(const hln_metrics *m, char **text, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return HLN_ENOMEM;
    metric(f, "hln_up", "gauge", "Whether hlnd runs on this data directory (1) or not (0).", m->up);
    metric(f, "hln_store_records", "gauge", "Records held in the store.", m->records);
    metric(f, "hln_store_feeds", "gauge", "Feeds held in the store.", m->feeds);
    metric(f, "hln_catch_up_pending", "gauge",
           "1 while a restored store refuses to publish until its own feeds are caught up.",
           m->catch_up);
    if (m->up) {
        metric(f, "hln_uptime_seconds", "gauge", "Seconds since hlnd started.", m->uptime_s);
        metric(f, "hln_peers", "gauge", "Peers configured or connected.", m->peers);
        metric(f, "hln_peers_up", "gauge", "Peers with a live session.", m->peers_up);
        metric(f, "hln_records_behind", "gauge",
               "Records the peers announce in wanted feeds that this node does not hold yet.",
               m->behind);
        metric(f, "hln_records_received_total", "counter",
               "Records received from peers and stored.", m->records_received);
        metric(f, "hln_records_duplicate_total", "counter",
               "Records received from peers that were held already.", m->records_duplicate);
        fprintf(f, "# HELP hln_refusals_total Records and messages from peers refused, by reason.\n"
                   "# TYPE hln_refusals_total counter\n");
        bool shown[HLN_METRICS_REASONS] = {false};
        for (size_t i = 0; i < sizeof shown_reasons / sizeof shown_reasons[0]; i++)
            shown[-shown_reasons[i]] = true;
        for (int i = 1; i < HLN_METRICS_REASONS; i++)
            if (shown[i] || m->refusals[i])
                fprintf(f, "hln_refusals_total{reason=\"%s\"} %llu\n", hln_errname(-i),
                        (unsigned long long)m->refusals[i]);
        fprintf(f, "hln_refusals_total{reason=\"unwanted\"} %llu\n",
                (unsigned long long)m->records_unwanted);
        fprintf(f, "# HELP hln_peer_refusals_total Every refusal of a peer's handshake or "
                   "record, by cause (hlnctl peer explain).\n"
                   "# TYPE hln_peer_refusals_total counter\n");
        for (unsigned i = 0; i < HLN_REFUSAL_KINDS; i++)
            fprintf(f, "hln_peer_refusals_total{reason=\"%s\"} %llu\n", hln_refusal_kind_name(i),
                    (unsigned long long)m->refusal_kinds[i]);
        metric(f, "hln_forks_detected_total", "counter",
               "Fork proofs found or learnt: two records for one feed and seq.", m->forks_detected);
        metric(f, "hln_sync_received_bytes_total", "counter",
               "Bytes of sync messages received from peers.", m->bytes_in);
        metric(f, "hln_sync_sent_bytes_total", "counter", "Bytes of sync messages sent to peers.",
               m->bytes_out);
        metric(f, "hln_sync_received_messages_total", "counter",
               "Sync messages received from peers.", m->msgs_in);
        metric(f, "hln_sync_sent_messages_total", "counter", "Sync messages sent to peers.",
               m->msgs_out);
        metric(f, "hln_sync_requests_sent_total", "counter", "Record requests sent to peers.",
               m->requests_sent);
        metric(f, "hln_sync_requests_timed_out_total", "counter",
               "Record requests that went unanswered and were retried.", m->requests_timed_out);
        metric(f, "hln_sync_requests_served_total", "counter", "Record requests served to peers.",
               m->requests_served);
    }
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return HLN_ENOMEM;
    }
    *text = buf;
    if (len)
        *len = n;
    return 0;
}

int hln_metrics_write_file(const char *path, const char *text, size_t len)
{
    char tmp[METRICS_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return HLN_ETOOBIG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return HLN_EIO;
    int rc = 0;
    /* hlnd runs under umask 077; node_exporter is another user. Metrics
     * hold counts only, nothing secret. */
    if (fchmod(fd, 0644) != 0)
        rc = HLN_EIO;
    for (size_t off = 0; rc == 0 && off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = HLN_EIO;
        else
            off += (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = HLN_EIO;
    int e = errno;
    if (close(fd) != 0 && rc == 0)
        rc = HLN_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = HLN_EIO;
    if (rc != 0) {
        e = errno;
        unlink(tmp);
        errno = e;
    }
    return rc;
}
