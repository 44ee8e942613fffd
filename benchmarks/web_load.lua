-- wrk script for benchmarks/web_load.py: one wrk thread per client (wrk -t N -c N).
--
-- Each client is one account with one running session. It posts events with fresh random
-- UUIDs (a fifth of them sent twice, as a phone retrying on a flaky network does), and GETs its
-- progress after every fourth event, waiting a random think time between requests. Latency is timed
-- here per endpoint (wrk's own histogram mixes them); done() prints the percentiles and writes
-- every acknowledged event id to a file so that the harness can count what the server stored.
--
-- wrk arguments after `--`: ACCOUNTS_FILE INTERVAL_MS IDS_FILE

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bs_timespec;
int clock_gettime(int clock, bs_timespec *tp);
]]
local clock = ffi.new("bs_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

local function uuid4()
  local hex = "0123456789abcdef"
  local parts = {}
  for i = 1, 32 do
    local n = math.random(0, 15)
    if i == 13 then n = 4 elseif i == 17 then n = 8 + n % 4 end
    parts[i] = hex:sub(n + 1, n + 1)
  end
  local s = table.concat(parts)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20)
    .. "-" .. s:sub(21, 32)
end

function init(args)
  local line_no = 0
  for line in io.lines(args[1]) do
    line_no = line_no + 1
    if line_no == index then
      token, session = line:match("^(%S+)%s+(%d+)$")
    end
  end
  interval = tonumber(args[2])
  ids_file = args[3]
  math.randomseed(index * 7919 + os.time())
  events_ms, progress_ms, acked = {}, {}, {}
  errors, retries, posted = 0, 0, 0
  pending_id, last_kind, started, warm_up = nil, nil, 0, true
  event_path = "/api/v1/sessions/" .. session .. "/events"
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

-- Think time between requests: exponential with mean `interval`, so clients send
-- independently (a Poisson stream) rather than all 50 in step; capped at 4x the mean.
function delay()
  return math.min(-math.log(1 - math.random()) * interval, 4 * interval)
end

function request()
  started = now_ms()
  if pending_id == nil and posted > 0 and posted % 4 == 0 and last_kind == "events" then
    last_kind = "progress"
    return wrk.format("GET", "/api/v1/progress", headers)
  end
  last_kind = "events"
  if pending_id == nil then
    pending_id = uuid4()
    posted = posted + 1
  else
    retries = retries + 1
  end
  -- a third are a block's result (a step_done: the event and its step in one transaction),
  -- the rest pause and resume (one statement), as a session's events roughly are
  local body
  if posted % 3 == 0 then
    body = '{"id":"' .. pending_id .. '","kind":"step_done","at":' .. posted
      .. ',"block":' .. (posted % 6) .. ',"status":"done","actual_seconds":20}'
  else
    local kind = (posted % 2 == 0) and "pause" or "resume"
    body = '{"id":"' .. pending_id .. '","kind":"' .. kind .. '","at":' .. posted .. "}"
  end
  return wrk.format("POST", event_path, headers, body)
end

function response(status, _, _)
  local took = now_ms() - started
  if warm_up then
    -- every client's first request leaves at the same instant (wrk connects them all at once):
    -- a burst no phone population sends, so it is not counted
    warm_up = false
    took = nil
  end
  if last_kind == "progress" then
    if took then table.insert(progress_ms, took) end
    if status ~= 200 then errors = errors + 1 end
    return
  end
  if took then table.insert(events_ms, took) end
  if status == 201 or status == 200 then
    acked[pending_id] = true
    -- send this one again now and then, as a phone that never saw the answer would
    if status == 201 and math.random() < 0.2 then return end
    pending_id = nil
  else
    errors = errors + 1
  end
end

local function percentile(sorted, q)
  if #sorted == 0 then return 0 end
  return sorted[math.max(1, math.ceil(#sorted * q))]
end

local function report(name, values)
  table.sort(values)
  io.write(string.format(
    "%-22s n=%5d  p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms\n",
    name, #values, percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99),
    values[#values] or 0))
end

function done(_, _, _)
  local events, progress, errs, resent = {}, {}, 0, 0
  local out = io.open(threads[1]:get("ids_file"), "w")
  for _, thread in ipairs(threads) do
    for _, v in ipairs(thread:get("events_ms")) do table.insert(events, v) end
    for _, v in ipairs(thread:get("progress_ms")) do table.insert(progress, v) end
    errs = errs + thread:get("errors")
    resent = resent + thread:get("retries")
    local session = thread:get("session")
    for id, _ in pairs(thread:get("acked")) do out:write(session, " ", id, "\n") end
  end
  out:close()
  io.write(string.format("errors %d, events sent again %d\n", errs, resent))
  report("POST .../events", events)
  report("GET /api/v1/progress", progress)
end
