-- wrk script: real sign-ups. Each request is a POST of the sign-up form with its own
-- session cookie, CSRF token, form stamp and address, minted by bench/lib/signup.py
-- into one file per wrk thread ($SIGNUPS.<thread number>, one "cookie<TAB>body" a
-- line); each is sent once. Every answer is counted (303: signed up); done() prints
-- one line per thread for the harness to check against the rows in the database.

local threads, started = {}, 0

function setup(thread)
  thread:set("number", started)
  started = started + 1
  table.insert(threads, thread)
end

function init(args)
  requests, issued, see_other, other, ran_out = {}, 0, 0, 0, 0
  statuses, sample = {}, ""
  for line in io.lines(os.getenv("SIGNUPS") .. "." .. number) do
    local cookie, body = line:match("^([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", nil, {
      ["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
end

function request()
  if issued >= #requests then  -- every tuple is used: never send one twice
    ran_out = ran_out + 1
    wrk.thread:stop()
    return requests[#requests]
  end
  issued = issued + 1
  return requests[issued]
end

function response(status, headers, body)
  if status == 303 then
    see_other = see_other + 1
    return
  end
  other = other + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if sample == "" then sample = key .. " " .. body:sub(1, 20000) end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local codes = {}
    for code, count in pairs(thread:get("statuses")) do
      codes[#codes + 1] = code .. ":" .. count
    end
    io.write(string.format("signup-thread %d issued=%d see_other=%d other=%d ran_out=%d "
      .. "statuses=%s\n", thread:get("number"), thread:get("issued"), thread:get("see_other"),
      thread:get("other"), thread:get("ran_out"), table.concat(codes, ",")))
    local sample = thread:get("sample")
    if sample ~= "" then
      io.write("signup-sample " .. sample:gsub("[\r\n]+", " ") .. "\n")
    end
  end
end
