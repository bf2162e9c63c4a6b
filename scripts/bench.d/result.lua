-- wrk: ResultURL calls cycling over prepared bodies (one per order), so
-- each order is paid by its first call and every later call is a repeat.
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do
	bodies[#bodies + 1] = line
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

request = function()
	i = i % #bodies + 1
	return wrk.format(nil, "/robokassa/result", nil, bodies[i])
end

local bad = 0
response = function(status, headers, body)
	if status ~= 200 or body:sub(1, 2) ~= "OK" then
		bad = bad + 1
	end
end

done = function(summary, latency, requests)
	io.write(string.format("result: %d requests, %.0f/s, p50 %.2f ms, p99 %.2f ms, not OK: %d\n",
		summary.requests, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.errors.status + summary.errors.connect + summary.errors.read +
		summary.errors.write + summary.errors.timeout))
end
