-- wrk script: GET /watch/<token>, a token taken in turn (spread by a prime) from the file
-- in $TOKENS (one a line: bench/lib/data.py writes the web participants' tokens).
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/watch/" .. tokens[(n * 7919) % #tokens + 1])
end
