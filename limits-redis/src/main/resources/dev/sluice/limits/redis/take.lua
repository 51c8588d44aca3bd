-- Takes one token from each bucket, all or none, in one step: the generic cell rate algorithm,
-- a bucket kept as the time at which it would be full again (microseconds on Redis's clock, from
-- 2023-11-14 so that a double keeps a tenth of a microsecond).
-- KEYS[i]: a bucket; ARGV[2i-1]: its interval between tokens, ARGV[2i]: its tolerance (interval
-- times burst), both in microseconds.
-- Returns {0} when every bucket had a token, else {i, retry after, full again in} (microseconds)
-- for the first bucket without one, and then no bucket is changed.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1700000000) * 1000000 + tonumber(t[2])
local taken = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local full = tonumber(redis.call('GET', KEYS[i])) or now
  local nextFull = math.max(full, now) + interval
  local debt = nextFull - now
  if debt > tolerance then
    return {i, math.ceil(debt - tolerance), math.ceil(math.max(0, full - now))}
  end
  taken[i] = nextFull
end
for i = 1, #KEYS do
  -- Gone once full again: a missing bucket is a full one.
  redis.call('SET', KEYS[i], string.format('%.3f', taken[i]), 'PX', math.ceil((taken[i] - now) / 1000) + 1)
end
return {0}
