/* hlnd_main.c - hlnd's command line: parse options, check the configuration, run the daemon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "crypto/err.h"
#include "node/hlnd/daemon.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hlnd -d DIR [--listen ENDPOINT] [-c FILE] [--foreground]\n"
            "       hlnd --check-config -c FILE [-d DIR] [--listen ENDPOINT]\n"
            "\n"
            "  -d, --data-dir DIR     the node's data directory (made by hlnctl init)\n"
            "  -l, --listen ENDPOINT  accept peers here, e.g. tcp://0.0.0.0:7420\n"
            "  -c, --config FILE      INI configuration (see hlnd.conf.example)\n"
            "      --metrics-file PATH  write Prometheus metrics to PATH (node_exporter textfile)\n"
            "  -f, --foreground       accepted for service managers; hlnd never forks\n"
            "      --check-config     validate the configuration and exit\n"
            "\n"
            "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads configuration and peers.\n");
}

int main(int argc, char **argv)
{
    hlnd_args a = {0};
    bool check = false;
    /* Everything hlnd creates (store files, sockets, lock) is private by
     * default; the control socket is opened up to the group explicitly. */
    umask(077);
    /* No core dump and no ptrace by other processes of the same user: the
     * process holds the node's signing key (issue 17). */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fprintf(stderr, "hlnd: warning: cannot clear PR_SET_DUMPABLE\n");
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **target = NULL;
        if (!strcmp(o, "-d") || !strcmp(o, "--data-dir"))
            target = &a.data_dir;
        else if (!strcmp(o, "-l") || !strcmp(o, "--listen"))
            target = &a.listen;
        else if (!strcmp(o, "-c") || !strcmp(o, "--config"))
            target = &a.config_path;
        else if (!strcmp(o, "--metrics-file"))
            target = &a.metrics_file;
        else if (!strcmp(o, "-f") || !strcmp(o, "--foreground"))
            a.foreground = true;
        else if (!strcmp(o, "--check-config"))
            check = true;
        else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "hlnd: unknown option %s\n", o);
            usage(stderr);
            return 2;
        }
        if (target) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hlnd: %s needs a value\n", o);
                return 2;
            }
            *target = argv[++i];
        }
    }
    if (check) {
        hln_config c;
        char err[512];
        if (!a.config_path) {
            fprintf(stderr, "hlnd: --check-config needs -c FILE\n");
            return 2;
        }
        if (hlnd_load_config(&a, &c, err, sizeof err) != 0) {
            fprintf(stderr, "hlnd: %s\n", err);
            return 1;
        }
        printf("%s: ok\n", a.config_path);
        return 0;
    }
    int rc = hlnd_run(&a);
    if (rc == HLN_ECONFIG || rc == HLN_EINVAL)
        return 2;
    return rc == 0 ? 0 : 1;
}
