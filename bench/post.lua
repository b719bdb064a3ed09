-- wrk script for the POST /runs ingest benchmark (bench/run-serve-bench.sh).
--
--   wrk -t2 -c16 -d10s -s bench/post.lua http://127.0.0.1:PORT/runs -- TEMPLATE.json [now]
--
-- Every request posts the template report with a fresh, unique run id: a UUID v4 built from
-- the wrk thread number and a per-thread counter, so no two requests of a run (or of two
-- threads) collide and every 2xx is a new durable report. Counts the answers by status and
-- prints "aidf-post: 2xx=N other=M threads=T" at the end.

local threads = {}
local counter = 0
local tid = 0
local body_head, body_tail, body_mid = nil, nil, nil
local start_s = 0
local ok2xx, other = 0, 0

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    local path = args[1]
    if not path then
        error("usage: wrk ... -s post.lua URL -- TEMPLATE.json")
    end
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    -- Split the template around the value of its (first) runId member.
    local s, e = text:find('"runId"%s*:%s*"[^"]*"')
    if not s then
        error("no runId in " .. path)
    end
    body_head = text:sub(1, s - 1) .. '"runId": "'
    body_tail = '"' .. text:sub(e + 1)
    -- With "now" after the template, each report is also timestamped now and later than
    -- the one before (a run CI pushes): split the tail around the timestamp's value too.
    if args[2] == "now" then
        local ts, te = body_tail:find('"timestamp"%s*:%s*"[^"]*"')
        if not ts then
            error("no timestamp in " .. path)
        end
        body_mid = body_tail:sub(1, ts - 1) .. '"timestamp": "'
        body_tail = '"' .. body_tail:sub(te + 1)
        start_s = os.time()
    end
    tid = tonumber(wrk.thread:get("tid")) or 0
    -- A random-looking but unique prefix per benchmark run, so that repeated runs against
    -- the same directory do not collide either.
    math.randomseed(os.time() + tid * 7919)
    wrk.thread:set("salt", math.random(0, 0xfff))
end

local salt = nil

function request()
    counter = counter + 1
    if not salt then
        salt = tonumber(wrk.thread:get("salt")) or 0
    end
    -- 8-4-4-4-12 hex, version 4, variant 8: a hash of the counter first (the short id in
    -- the file name differs like real UUIDs do), then thread, salt, thread, counter. The
    -- 32-bit hash is formatted as two 16-bit halves (exact in LuaJIT's doubles).
    local h = (counter * 2654435761 + tid * 40503) % 4294967296
    local id = string.format("%04x%04x-%04x-4%03x-8%03x-%012x",
        math.floor(h / 65536), h % 65536, tid % 0x10000, salt, tid % 0x1000, counter)
    local body
    if body_mid then
        local ms = counter
        local iso = os.date("!%Y-%m-%dT%H:%M:%S", start_s + math.floor(ms / 1000)) ..
            string.format(".%03dZ", ms % 1000)
        body = body_head .. id .. body_mid .. iso .. body_tail
    else
        body = body_head .. id .. body_tail
    end
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        ok2xx = ok2xx + 1
    else
        other = other + 1
    end
    wrk.thread:set("ok2xx", ok2xx)
    wrk.thread:set("other", other)
end

function done(summary, latency, requests)
    local a, b = 0, 0
    for _, t in ipairs(threads) do
        a = a + (tonumber(t:get("ok2xx")) or 0)
        b = b + (tonumber(t:get("other")) or 0)
    end
    io.write(string.format("aidf-post: 2xx=%d other=%d threads=%d duration_us=%d\n",
        a, b, #threads, summary.duration))
end
