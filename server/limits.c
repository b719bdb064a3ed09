/*
 * The server's limits that are pure arithmetic, without MHD calls (tested in
 * tests/unit/test_server_limits.c): the budget of request-body bytes held in memory
 * across all connections, and the deadlines of the request headers and body.
 */
#include "srv.h"

void aidf_srv_budget_init(struct aidf_srv_budget *b, size_t cap)
{
    atomic_init(&b->used, 0);
    b->cap = cap;
}

bool aidf_srv_budget_take(struct aidf_srv_budget *b, size_t n)
{
    size_t used = atomic_load(&b->used);
    do {
        if (n > b->cap || used > b->cap - n)
            return false;
    } while (!atomic_compare_exchange_weak(&b->used, &used, used + n));
    return true;
}

void aidf_srv_budget_give(struct aidf_srv_budget *b, size_t n)
{
    if (n > 0)
        atomic_fetch_sub(&b->used, n);
}

size_t aidf_srv_budget_used(struct aidf_srv_budget *b)
{
    return atomic_load(&b->used);
}

int64_t aidf_srv_header_deadline(int64_t from_ms, unsigned header_s, unsigned idle_s, bool first)
{
    unsigned s = header_s;
    /* A kept-alive connection may idle between requests as long as --idle-timeout allows. */
    if (!first && idle_s > s)
        s = idle_s;
    if (header_s == 0)
        return 0;
    return from_ms + (int64_t)s * 1000;
}

int64_t aidf_srv_body_deadline(int64_t from_ms, unsigned body_s, uint64_t bytes)
{
    if (body_s == 0)
        return 0;
    /* bytes <= 2^63 / 1000 for any body MHD can announce; cap anyway, never overflow. */
    uint64_t extra_ms =
        bytes / AIDF_SRV_BODY_RATE * 1000 + bytes % AIDF_SRV_BODY_RATE * 1000 / AIDF_SRV_BODY_RATE;
    if (extra_ms > (uint64_t)INT64_MAX / 4)
        extra_ms = (uint64_t)INT64_MAX / 4;
    return from_ms + (int64_t)body_s * 1000 + (int64_t)extra_ms;
}
