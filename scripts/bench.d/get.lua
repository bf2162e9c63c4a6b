-- wrk: GET $BENCH_PATH, each request with the next token of
-- $BENCH_TOKENS (one per line) as X-Auth-Token if that file is given.
local path = os.getenv("BENCH_PATH")
local tokens = {}
local file = os.getenv("BENCH_TOKENS")
if file and file ~= "" then
	for line in io.lines(file) do
		tokens[#tokens + 1] = line
	end
end
local i = 0

request = function()
	if #tokens == 0 then
		return wrk.format("GET", path)
	end
	i = i % #tokens + 1
	return wrk.format("GET", path, { ["X-Auth-Token"] = tokens[i] })
end

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("%.0f %.3f %.3f %d %d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.requests,
		e.status + e.connect + e.read + e.write + e.timeout))
end
