/*
 * The registry of open connections and the watchdog that enforces the deadlines of
 * request headers and bodies (--header-timeout, --body-timeout).
 *
 * MHD's own --idle-timeout restarts on every byte, so a client sending one header line
 * every few seconds would hold a connection slot forever. Here every connection has a
 * deadline by which the current phase must be done; a watchdog thread shuts down the
 * socket of a connection past it (shutdown(2), not close(2): MHD still owns the
 * descriptor, sees the end of the stream and closes the connection the usual way).
 *
 * Descriptor reuse: an entry is removed on MHD's MHD_CONNECTION_NOTIFY_CLOSED, which MHD
 * sends before it closes the socket; since the watchdog only calls shutdown() on
 * registered entries, under the same mutex, it never touches a descriptor that was
 * closed and handed out again.
 */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "aidf/log.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

/* How often the watchdog looks at the deadlines. */
#define SWEEP_EVERY_MS 200

void aidf_srv_conns_init(struct aidf_srv_conns *cs)
{
    memset(cs, 0, sizeof(*cs));
    pthread_mutex_init(&cs->mu, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cs->cv, &a);
    pthread_condattr_destroy(&a);
}

struct aidf_srv_conn *aidf_srv_conn_add(struct aidf_srv_conns *cs, int fd, const char *ip,
                                        int64_t deadline_ms)
{
    struct aidf_srv_conn *c = aidf_xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->deadline_ms = deadline_ms;
    c->phase = AIDF_SRV_PHASE_HEADERS;
    c->since_ms = aidf_mono_ns() / 1000000;
    snprintf(c->ip, sizeof(c->ip), "%s", ip ? ip : "-");
    pthread_mutex_lock(&cs->mu);
    c->next = cs->head;
    if (cs->head)
        cs->head->prev = c;
    cs->head = c;
    cs->n++;
    pthread_mutex_unlock(&cs->mu);
    return c;
}

void aidf_srv_conn_remove(struct aidf_srv_conns *cs, struct aidf_srv_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&cs->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    cs->n--;
    pthread_mutex_unlock(&cs->mu);
    free(c);
}

void aidf_srv_conn_set_deadline(struct aidf_srv_conns *cs, struct aidf_srv_conn *c,
                                enum aidf_srv_phase phase, int64_t deadline_ms)
{
    if (!c)
        return;
    pthread_mutex_lock(&cs->mu);
    c->phase = phase;
    c->deadline_ms = deadline_ms;
    c->since_ms = aidf_mono_ns() / 1000000;
    pthread_mutex_unlock(&cs->mu);
}

bool aidf_srv_conn_was_cut(struct aidf_srv_conns *cs, struct aidf_srv_conn *c)
{
    if (!c)
        return false;
    pthread_mutex_lock(&cs->mu);
    bool cut = c->cut;
    pthread_mutex_unlock(&cs->mu);
    return cut;
}

size_t aidf_srv_conns_sweep(struct aidf_srv_conns *cs, int64_t now_ms)
{
    size_t cut = 0;
    pthread_mutex_lock(&cs->mu);
    for (struct aidf_srv_conn *c = cs->head; c; c = c->next) {
        if (c->cut || c->deadline_ms == 0 || now_ms < c->deadline_ms)
            continue;
        c->cut = true;
        cut++;
        shutdown(c->fd, SHUT_RDWR);
        aidf_log(AIDF_LOG_WARN,
                 "closing a connection from %s: request %s not complete after %.1f s", c->ip,
                 c->phase == AIDF_SRV_PHASE_BODY ? "body" : "headers",
                 (double)(now_ms - c->since_ms) / 1000.0);
    }
    cs->cut_total += cut;
    pthread_mutex_unlock(&cs->mu);
    return cut;
}

static void *watchdog(void *arg)
{
    struct aidf_srv_conns *cs = arg;
    pthread_mutex_lock(&cs->mu);
    while (!cs->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += SWEEP_EVERY_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&cs->cv, &cs->mu, &ts);
        if (cs->stop)
            break;
        pthread_mutex_unlock(&cs->mu);
        aidf_srv_conns_sweep(cs, aidf_mono_ns() / 1000000);
        pthread_mutex_lock(&cs->mu);
    }
    pthread_mutex_unlock(&cs->mu);
    return NULL;
}

void aidf_srv_conns_start(struct aidf_srv_conns *cs)
{
    if (pthread_create(&cs->thread, NULL, watchdog, cs) != 0) {
        aidf_log(AIDF_LOG_ERROR, "cannot start the connection watchdog");
        abort();
    }
    cs->running = true;
}

void aidf_srv_conns_stop(struct aidf_srv_conns *cs)
{
    if (!cs->running)
        return;
    pthread_mutex_lock(&cs->mu);
    cs->stop = true;
    pthread_cond_signal(&cs->cv);
    pthread_mutex_unlock(&cs->mu);
    pthread_join(cs->thread, NULL);
    cs->running = false;
}

void aidf_srv_conns_destroy(struct aidf_srv_conns *cs)
{
    aidf_srv_conns_stop(cs);
    struct aidf_srv_conn *c = cs->head;
    while (c) {
        struct aidf_srv_conn *next = c->next;
        free(c);
        c = next;
    }
    cs->head = NULL;
    pthread_cond_destroy(&cs->cv);
    pthread_mutex_destroy(&cs->mu);
}
