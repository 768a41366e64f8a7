-- One body per line of BENCH_LINES_FILE, POSTed with the BENCH_HEADERS ("Name: value" lines).
--
-- BENCH_DISTINCT unset: every thread cycles through all the bodies, each from its own starting
-- line (varied bid requests).
-- BENCH_DISTINCT=1: the lines are split into one contiguous block per thread and each line is
-- sent at most once (distinct bid ids for render-ad). A thread that runs out of lines starts its
-- block again and counts the repeats. done() prints, per thread, the first line of its block and
-- how many requests it sent ("bench-used <first> <sent> <block size>"), so the caller can drop
-- the used lines before the next run.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads - 1)
   for _, t in ipairs(threads) do
      t:set("nthreads", #threads)
   end
end

function init(args)
   local headers = { ["Content-Type"] = "application/json" }
   for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
      local name, value = line:match("^([^:]+):%s*(.*)$")
      headers[name] = value
   end
   local lines = {}
   for line in io.lines(os.getenv("BENCH_LINES_FILE")) do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   distinct = os.getenv("BENCH_DISTINCT") == "1"
   if distinct then
      first = math.floor(#lines * tid / nthreads) + 1
      last = math.floor(#lines * (tid + 1) / nthreads)
   else
      first, last = 1, #lines
   end
   requests = {}
   for i = first, last do
      table.insert(requests, wrk.format("POST", nil, headers, lines[i]))
   end
   assert(#requests > 0, "no request bodies for this thread")
   sent = 0
   start = distinct and 0 or (tid * 7) % #requests
end

function request()
   sent = sent + 1
   return requests[(start + sent - 1) % #requests + 1]
end

function done(summary, latency, requests)
   for _, t in ipairs(threads) do
      if t:get("distinct") then
         print(string.format("bench-used %d %d %d", t:get("first"), t:get("sent"), t:get("last") - t:get("first") + 1))
      end
   end
end
