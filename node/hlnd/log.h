/* log.h - hlnd's log lines. */
#ifndef HLN_HLND_LOG_H
#define HLN_HLND_LOG_H

/* Logging for hlnd: one line per event on stderr, "<P>module key=value ...",
 * with P the syslog priority so that journald keeps the level. Lines above
 * the configured level are dropped. Never pass secrets or record bodies;
 * strings that come from peers go through hlnd_log_safe first. */
void hlnd_log(int prio, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hlnd_log_set_level(int level);

#endif
