#include "aidf/profiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/log.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

static int64_t real_clock(void *ctx)
{
    (void)ctx;
    return aidf_mono_ns();
}

void aidf_profiler_init(struct aidf_profiler *p, aidf_clock_ns_fn clock, void *clock_ctx)
{
    memset(p, 0, sizeof(*p));
    p->clock = clock ? clock : real_clock;
    p->clock_ctx = clock ? clock_ctx : NULL;
    p->start_ns = p->clock(p->clock_ctx);
}

void aidf_profiler_release(struct aidf_profiler *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->phases[i].name);
    free(p->phases);
    memset(p, 0, sizeof(*p));
    p->clock = real_clock;
}

/* The profiler's clock now, in nanoseconds. */
static int64_t now_ns(const struct aidf_profiler *p)
{
    return p->clock ? p->clock(p->clock_ctx) : aidf_mono_ns();
}

/* The phase called `name`, or NULL. The array is small, so a scan beats hashing. */
static struct aidf_phase_stats *find(const struct aidf_profiler *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++) {
        struct aidf_phase_stats *s = &p->phases[i];
        if (s->name[0] == name[0] && strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

void aidf_profiler_start(struct aidf_profiler *p, const char *name)
{
    if (!p || !name || !*name) {
        aidf_warn("profiler: start of a phase without a name ignored");
        return;
    }
    int64_t now = now_ns(p);
    struct aidf_phase_stats *s = find(p, name);
    if (!s) {
        if (p->n >= AIDF_PROFILER_MAX_PHASES) {
            aidf_warn("profiler: too many phases, '%s' not timed", name);
            return;
        }
        p->phases = aidf_xgrow(p->phases, &p->cap, p->n + 1, sizeof(*p->phases));
        s = &p->phases[p->n++];
        memset(s, 0, sizeof(*s));
        s->name = aidf_xstrdup(name);
    } else if (s->running) {
        aidf_warn("profiler: phase '%s' is already running; start ignored", name);
        return;
    }
    s->running = true;
    s->started_ns = now;
    s->count++;
}

static void close_interval(struct aidf_phase_stats *s, int64_t now)
{
    int64_t d = now - s->started_ns;
    if (d < 0) /* a fake clock going backwards must not produce negative totals */
        d = 0;
    s->total_ns += d;
    if (s->closed == 0 || d < s->min_ns)
        s->min_ns = d;
    if (s->closed == 0 || d > s->max_ns)
        s->max_ns = d;
    s->closed++;
    s->running = false;
}

void aidf_profiler_end(struct aidf_profiler *p, const char *name)
{
    if (!p || !name || !*name) {
        aidf_warn("profiler: end of a phase without a name ignored");
        return;
    }
    int64_t now = now_ns(p);
    struct aidf_phase_stats *s = find(p, name);
    if (!s || !s->running) {
        aidf_warn("profiler: phase '%s' ended without being started; ignored", name);
        return;
    }
    close_interval(s, now);
}

bool aidf_profiler_running(const struct aidf_profiler *p, const char *name)
{
    if (!p || !name)
        return false;
    const struct aidf_phase_stats *s = find(p, name);
    return s && s->running;
}

double aidf_profiler_elapsed_ms(const struct aidf_profiler *p)
{
    if (!p)
        return 0;
    int64_t d = now_ns(p) - p->start_ns;
    return d > 0 ? (double)d / 1e6 : 0.0;
}

size_t aidf_profiler_finish(struct aidf_profiler *p)
{
    if (!p || p->n == 0)
        return 0;
    size_t closed = 0;
    int64_t now = now_ns(p);
    for (size_t i = 0; i < p->n; i++) {
        struct aidf_phase_stats *s = &p->phases[i];
        if (!s->running)
            continue;
        aidf_warn("profiler: phase '%s' was never ended; closed at report time", s->name);
        close_interval(s, now);
        closed++;
    }
    return closed;
}

/* The open interval of a running phase, up to `now`. */
static int64_t open_ns(const struct aidf_phase_stats *s, int64_t now)
{
    if (!s->running || now < s->started_ns)
        return 0;
    return now - s->started_ns;
}

void aidf_profiler_timings(const struct aidf_profiler *p, struct aidf_num_map *out)
{
    if (!p || !out)
        return;
    int64_t now = p->n ? now_ns(p) : 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct aidf_phase_stats *s = &p->phases[i];
        aidf_num_map_add(out, s->name, (double)(s->total_ns + open_ns(s, now)) / 1e6);
    }
}

struct aidf_phase_summary *aidf_profiler_summary(const struct aidf_profiler *p, double total_ms,
                                                 size_t *n)
{
    if (n)
        *n = 0;
    if (!p || !n || p->n == 0)
        return NULL;
    int64_t now = now_ns(p);
    if (isnan(total_ms) || total_ms <= 0) {
        int64_t d = now - p->start_ns;
        total_ms = d > 0 ? (double)d / 1e6 : 0.0;
    }
    struct aidf_phase_summary *out = aidf_xcalloc(p->n, sizeof(*out));
    for (size_t i = 0; i < p->n; i++) {
        const struct aidf_phase_stats *s = &p->phases[i];
        int64_t total = s->total_ns, mn = s->min_ns, mx = s->max_ns, intervals = s->closed;
        if (s->running) {
            int64_t d = open_ns(s, now);
            total += d;
            mn = intervals == 0 || d < mn ? d : mn;
            mx = intervals == 0 || d > mx ? d : mx;
            intervals++;
        }
        struct aidf_phase_summary *o = &out[i];
        o->name = s->name;
        o->total_ms = (double)total / 1e6;
        o->count = s->count;
        o->avg_ms = intervals ? o->total_ms / (double)intervals : 0.0;
        o->min_ms = intervals ? (double)mn / 1e6 : 0.0;
        o->max_ms = intervals ? (double)mx / 1e6 : 0.0;
        o->percentage = total_ms > 0 ? o->total_ms * 100.0 / total_ms : 0.0;
    }
    *n = p->n;
    return out;
}
