-- Used by bench/run.py: sends the session cookie (and a body for POST targets) and prints
-- one JSON line with the figures wrk collected.
local method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE") or ""
local body = os.getenv("BENCH_BODY")
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local auth = os.getenv("BENCH_AUTH")
local counter = 0
local thread_id = 0
local threads = {}

setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

request = function()
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if content_type then headers["Content-Type"] = content_type end
  if auth then headers["Authorization"] = auth end
  if method == "POST" then
    counter = counter + 1
    headers["Idempotency-Key"] = string.format("bench-%d-%s-%d", os.time(), tostring(tid), counter)
  end
  return wrk.format(method, nil, headers, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx_3xx": %d, '
      .. '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
