-- wrk script: every request is a search of one or two letters that no earlier request sent, so
-- that no page cache can answer it: the letters cycle through a..z and aa..zz, and a counter of
-- the thread's own (after its number) makes each URL distinct. With the argument `pages`, each
-- request is instead the first list page under a URL of its own: a page the cache never holds.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  counter = 0
  pages = args[1] == "pages"
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
