-- Takes tokens from each bucket, all or none, in one step: the generic cell rate algorithm,
-- a bucket kept as the time at which it would be full again (microseconds on Redis's clock, from
-- 2023-11-14 so that a double keeps a tenth of a microsecond).
-- KEYS[i]: a bucket; ARGV[2i-1]: its interval between tokens, ARGV[2i]: its tolerance (interval
-- times burst), both in microseconds; ARGV[2n+1], optional: the most tokens to take (1 if absent),
-- as many as every bucket holds.
-- Returns {0, tokens taken} when every bucket had a token, else {i, retry after, full again in}
-- (microseconds) for the first bucket without one, and then no bucket is changed.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1700000000) * 1000000 + tonumber(t[2])
local wanted = tonumber(ARGV[2 * #KEYS + 1]) or 1
local fulls = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local full = tonumber(redis.call('GET', KEYS[i])) or now
  local debt = math.max(full, now) - now
  -- The tokens this bucket holds; the small margin keeps a whole token that rounding left a hair short.
  local holds = math.floor((tolerance - debt) / interval + 1e-6)
  if holds < 1 then
    return {i, math.ceil(debt + interval - tolerance), math.ceil(math.max(0, full - now))}
  end
  wanted = math.min(wanted, holds)
  fulls[i] = math.max(full, now)
end
for i = 1, #KEYS do
  local taken = fulls[i] + wanted * tonumber(ARGV[2 * i - 1])
  -- Gone once full again: a missing bucket is a full one.
  redis.call('SET', KEYS[i], string.format('%.3f', taken), 'PX', math.ceil((taken - now) / 1000) + 1)
end
return {0, wanted}
