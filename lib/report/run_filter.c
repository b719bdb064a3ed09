/*
 * Run summaries (what the index keeps of a report) and the filters over them.
 */
#include "aidf/store.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int64_t or0(int64_t v)
{
    return v == AIDF_UNSET ? 0 : v;
}

static int cmp_kv_key(const void *a, const void *b)
{
    return strcmp(((const struct aidf_kv *)a)->key, ((const struct aidf_kv *)b)->key);
}

/* Append the tags as "key=value" lines sorted by key (one spelling per tag set). */
static void add_tags(struct aidf_buf *out, const struct aidf_kvlist *tags)
{
    if (tags->n == 0)
        return;
    struct aidf_kv *kv = aidf_xmalloc(tags->n * sizeof(*kv));
    memcpy(kv, tags->items, tags->n * sizeof(*kv));
    qsort(kv, tags->n, sizeof(*kv), cmp_kv_key);
    for (size_t i = 0; i < tags->n; i++) {
        if (i > 0)
            aidf_buf_addch(out, '\n');
        aidf_buf_addstr(out, kv[i].key);
        aidf_buf_addch(out, '=');
        aidf_buf_addstr(out, kv[i].value);
    }
    free(kv);
}

const char *aidf_run_summary_tag(const struct aidf_run_summary *s, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    const char *p = s->tags ? s->tags : "";
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
            *len = n - kl - 1;
            return p + kl + 1;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return NULL;
}

void aidf_run_summary_from_report_buf(const struct aidf_report *r, struct aidf_run_summary *out,
                                      struct aidf_buf *scratch)
{
    memset(out, 0, sizeof(*out));
    if (r->run_id) {
        size_t n = strlen(r->run_id);
        if (n > AIDF_RUN_ID_LEN)
            n = AIDF_RUN_ID_LEN;
        memcpy(out->run_id, r->run_id, n);
        out->run_id[n] = '\0';
    }
    int64_t ts = 0;
    if (r->timestamp && aidf_iso_parse(r->timestamp, &ts) != AIDF_OK)
        ts = 0;
    out->ts_ms = ts;
    out->timestamp = nz(r->timestamp);
    out->task_path = nz(r->task_path);
    out->provider = nz(r->provider.type);
    out->model = nz(r->provider.model);
    out->error_category = nz(r->error.category);
    out->task_type = nz(r->task_type);
    out->project = nz(r->project.name);
    out->actor = nz(r->actor);
    out->branch = r->project.branch ? r->project.branch : nz(r->environment.ci_branch);
    out->currency = r->cost.currency && *r->cost.currency ? r->cost.currency : "USD";
    out->ci = r->environment.present && r->environment.ci == 1;
    out->file = "";
    out->status = r->status;
    out->iterations = or0(r->iterations);
    out->max_iterations = or0(r->max_iterations);

    out->has_tokens = r->tokens.present;
    if (r->tokens.present) {
        out->tokens_in = or0(r->tokens.total_input);
        out->tokens_out = or0(r->tokens.total_output);
        out->tokens_total = r->tokens.total_tokens != AIDF_UNSET ? r->tokens.total_tokens
                                                                 : out->tokens_in + out->tokens_out;
        out->cache_read = or0(r->tokens.cache_read);
        out->cache_write = or0(r->tokens.cache_write);
        out->reasoning = or0(r->tokens.reasoning);
        out->tokens_estimated = r->tokens.estimated == 1;
    }

    out->cost = NAN;
    out->cost_unpriced = true;
    if (r->cost.present && r->cost.unpriced != 1 && aidf_isset(r->cost.estimated_total)) {
        out->cost = r->cost.estimated_total;
        out->cost_unpriced = false;
    }

    out->duration_ms = 0;
    if (r->timing.present && aidf_isset(r->timing.total_duration_ms))
        out->duration_ms = r->timing.total_duration_ms;
    for (size_t i = 0; i < r->timing.phases.n; i++) {
        const struct aidf_num_entry *e = &r->timing.phases.items[i];
        int k = aidf_phase_from_key(e->name);
        if (k >= 0 && aidf_isset(e->value))
            out->phases[k] += e->value;
    }

    out->files_modified = (int64_t)r->files.modified.n;
    out->files_created = (int64_t)r->files.created.n;
    out->files_deleted = (int64_t)r->files.deleted.n;
    out->files_total = r->files.total_count != AIDF_UNSET
                           ? r->files.total_count
                           : out->files_modified + out->files_created + out->files_deleted;

    /*
     * The built strings go into `scratch` one after the other, NUL-terminated; the
     * pointers are taken at the end, once the buffer no longer moves.
     */
    aidf_buf_reset(scratch);
    const struct aidf_strlist *lists[2] = {&r->files.modified, &r->files.created};
    bool first = true;
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            if (!first)
                aidf_buf_addch(scratch, '\n');
            aidf_buf_addstr(scratch, lists[l]->items[i]);
            first = false;
        }
    }
    aidf_buf_addch(scratch, '\0');
    size_t at_name = scratch->len;
    if (r->task_name && *r->task_name) {
        aidf_buf_addstr(scratch, r->task_name);
    } else {
        const char *base = out->task_path ? strrchr(out->task_path, '/') : NULL;
        aidf_buf_addstr(scratch, base ? base + 1 : out->task_path);
    }
    aidf_buf_addch(scratch, '\0');
    size_t at_tags = scratch->len;
    add_tags(scratch, &r->tags);
    aidf_buf_addch(scratch, '\0');
    out->changed_files = scratch->ptr;
    out->task_name = scratch->ptr + at_name;
    out->tags = scratch->ptr + at_tags;

    out->scope_violations = 0;
    if (r->scope.present)
        out->scope_violations = r->scope.violations != AIDF_UNSET
                                    ? r->scope.violations
                                    : (int64_t)r->scope.blocked_files.n;
    if (r->validation.present) {
        out->validation_runs = r->validation.total_runs != AIDF_UNSET
                                   ? r->validation.total_runs
                                   : (int64_t)r->validation.n_runs;
        if (r->validation.failures != AIDF_UNSET) {
            out->validation_failures = r->validation.failures;
        } else {
            for (size_t i = 0; i < r->validation.n_runs; i++)
                out->validation_failures += r->validation.runs[i].passed == 0;
        }
    }
}

void aidf_filter_init(struct aidf_filter *f)
{
    f->since_ms = INT64_MIN;
    f->until_ms = INT64_MAX;
    f->status = AIDF_STATUS_UNKNOWN;
    f->task_glob = NULL;
    f->provider = NULL;
    f->model = NULL;
}

bool aidf_filter_match(const struct aidf_filter *f, const struct aidf_run_summary *s)
{
    if (!f)
        return true;
    if (s->ts_ms < f->since_ms || s->ts_ms > f->until_ms)
        return false;
    if (f->status != AIDF_STATUS_UNKNOWN && s->status != f->status)
        return false;
    if (f->task_glob) {
        const char *task = s->task_path ? s->task_path : "";
        const char *base = strrchr(task, '/');
        base = base ? base + 1 : task;
        if (fnmatch(f->task_glob, task, 0) != 0 && fnmatch(f->task_glob, base, 0) != 0)
            return false;
    }
    if (f->provider && strcmp(f->provider, s->provider ? s->provider : "") != 0)
        return false;
    if (f->model) {
        const char *m = s->model ? s->model : "";
        if (strcmp(f->model, m) != 0 && fnmatch(f->model, m, 0) != 0)
            return false;
    }
    return true;
}
