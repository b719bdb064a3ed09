/*
 * Run summaries (what the index keeps of a report) and the filters over them.
 */
#include "aidf/store.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/tags.h"
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
     * `scratch` gets the changed files' pointer array first (the buffer's start is aligned
     * for pointers), then the built strings, NUL-terminated; the pointers are taken at the
     * end, once the buffer no longer moves.
     */
    aidf_buf_reset(scratch);
    const struct aidf_strlist *lists[2] = {&r->files.modified, &r->files.created};
    size_t n_changed = lists[0]->n + lists[1]->n;
    if (n_changed > 0) {
        for (int l = 0; l < 2; l++)
            aidf_buf_add(scratch, lists[l]->items, lists[l]->n * sizeof(char *));
        const char *end = NULL;
        aidf_buf_add(scratch, &end, sizeof(end));
    }
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
    out->changed_files = n_changed ? (const char *const *)(void *)scratch->ptr : NULL;
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
    memset(f, 0, sizeof(*f));
    f->since_ms = INT64_MIN;
    f->until_ms = INT64_MAX;
    f->received_since_ms = INT64_MIN;
}

void aidf_filter_release(struct aidf_filter *f)
{
    if (!f)
        return;
    struct aidf_strlist *lists[] = {&f->task,  &f->provider, &f->model, &f->project,
                                    &f->actor, &f->branch,   &f->tag};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        aidf_strlist_release(lists[i]);
    aidf_filter_init(f);
}

bool aidf_filter_any(const struct aidf_filter *f)
{
    return f &&
           (f->since_ms != INT64_MIN || f->until_ms != INT64_MAX ||
            f->received_since_ms != INT64_MIN || f->status_mask || f->ci_mask || f->task.n ||
            f->provider.n || f->model.n || f->project.n || f->actor.n || f->branch.n || f->tag.n);
}

/* True when `l` is empty (no filter) or holds `v` exactly. */
static bool exact_any(const struct aidf_strlist *l, const char *v)
{
    if (l->n == 0)
        return true;
    v = nz(v);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], v) == 0)
            return true;
    return false;
}

/* True when `l` is empty or one of its globs matches the task path, its basename or
 * the task name. */
static bool task_any(const struct aidf_strlist *l, const struct aidf_run_summary *s)
{
    if (l->n == 0)
        return true;
    const char *task = nz(s->task_path);
    const char *base = strrchr(task, '/');
    base = base ? base + 1 : task;
    const char *name = nz(s->task_name);
    for (size_t i = 0; i < l->n; i++) {
        const char *g = l->items[i];
        if (fnmatch(g, task, 0) == 0 || fnmatch(g, base, 0) == 0 || fnmatch(g, name, 0) == 0)
            return true;
    }
    return false;
}

/* True when `l` is empty or one of its names or globs matches the model. */
static bool model_any(const struct aidf_strlist *l, const char *model)
{
    if (l->n == 0)
        return true;
    model = nz(model);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], model) == 0 || fnmatch(l->items[i], model, 0) == 0)
            return true;
    return false;
}

/* True when `l` is empty or the run has one of its tags ("key=value" or just "key"). */
static bool tag_any(const struct aidf_strlist *l, const struct aidf_run_summary *s)
{
    if (l->n == 0)
        return true;
    char key[AIDF_TAG_KEY_MAX + 1];
    for (size_t i = 0; i < l->n; i++) {
        const char *t = l->items[i];
        const char *eq = strchr(t, '=');
        size_t kl = eq ? (size_t)(eq - t) : strlen(t);
        if (kl > AIDF_TAG_KEY_MAX)
            continue;
        memcpy(key, t, kl);
        key[kl] = '\0';
        size_t vl;
        const char *v = aidf_run_summary_tag(s, key, &vl);
        if (v && (!eq || (strlen(eq + 1) == vl && memcmp(eq + 1, v, vl) == 0)))
            return true;
    }
    return false;
}

bool aidf_filter_match(const struct aidf_filter *f, const struct aidf_run_summary *s)
{
    if (!f)
        return true;
    if (s->ts_ms < f->since_ms || s->ts_ms > f->until_ms)
        return false;
    if (s->received_ms < f->received_since_ms)
        return false;
    if (f->status_mask && !(f->status_mask & (1u << (unsigned)s->status)))
        return false;
    if (f->ci_mask && !(f->ci_mask & (s->ci ? 2u : 1u)))
        return false;
    return exact_any(&f->provider, s->provider) && exact_any(&f->project, s->project) &&
           exact_any(&f->actor, s->actor) && exact_any(&f->branch, s->branch) &&
           model_any(&f->model, s->model) && task_any(&f->task, s) && tag_any(&f->tag, s);
}
