-- wrk script: every request is a search of one or two letters that no earlier request sent, so
-- that no page cache can answer it: the letters cycle through a..z and aa..zz, and a counter of
-- the thread's own (after its number) makes each URL distinct. With the argument `pages`, each
-- request is instead the first list page under a URL of its own: a page the cache never holds.
-- With a second argument `statuses`, the answers are counted as 200, 429 and other, and printed
-- at the end as "Statuses: <200> <429> <other> in <seconds>" (wrk itself counts only non-2xx).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local function count(status)
  if status == 200 then
    answered = answered + 1
  elseif status == 429 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function init(args)
  counter = 0
  pages = args[1] == "pages"
  answered, refused, other = 0, 0, 0
  counting = args[2] == "statuses"
  -- wrk reads the answers into Lua only where a response function is defined.
  if counting then
    response = count
  end
end

function done(summary)
  local totals = {0, 0, 0}
  for _, thread in ipairs(threads) do
    totals[1] = totals[1] + thread:get("answered")
    totals[2] = totals[2] + thread:get("refused")
    totals[3] = totals[3] + thread:get("other")
  end
  if threads[1]:get("counting") then
    io.write(string.format("Statuses: %d %d %d in %.3f\n", totals[1], totals[2], totals[3], summary.duration / 1e6))
  end
end

local LETTERS = "abcdefghijklmnopqrstuvwxyz"

function request()
  counter = counter + 1
  if pages then
    return wrk.format("GET", string.format("/?n=%d-%d", thread_number, counter))
  end
  local index = counter % 702
  local query
  if index < 26 then
    query = LETTERS:sub(index + 1, index + 1)
  else
    index = index - 26
    local first = math.floor(index / 26) + 1
    query = LETTERS:sub(first, first) .. LETTERS:sub(index % 26 + 1, index % 26 + 1)
  end
  return wrk.format("GET", string.format("/?q=%s&n=%d-%d", query, thread_number, counter))
end
