-- wrk script: every request adds a new message through the legacy route GET /add/<key>/<text>.
-- Keys are unique across the bench's wrk runs on one server: the first argument after `--` is a
-- prefix of the run's own, then the thread's number and a counter of the thread's requests.
-- The text is as long as the seeded messages' shortest ones.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  prefix = args[1] or "add"
  counter = 0
end

local TEXT = "Added%20by%20the%20benchmark%2C%20one%20new%20message%20per%20request."

function request()
  counter = counter + 1
  return wrk.format("GET", string.format("/add/%s-%d-%d/%s", prefix, thread_number, counter, TEXT))
end
