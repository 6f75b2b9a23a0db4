import { createHash } from 'node:crypto';

/**
 * The one script behind every Redis decision; it mirrors the memory store line by line.
 *
 * KEYS: the subject's hash (`{prefix:key}`) and its holds sorted set (`{prefix:key}:h`), which
 * share a hash tag so the script runs on one Redis Cluster slot.
 * ARGV: operation, clock override ('' = Redis TIME), cost, tokens, hold member, hold TTL,
 * key TTL, window count, then per window: field prefix, algorithm, limit, length, is-tokens.
 */
export const RATE_LIMIT_SCRIPT = `
local op = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local cost = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
local member = ARGV[5]
local n = tonumber(ARGV[8])
local fields = {'h', 'x'}
for i = 1, n do
  local prefix = ARGV[4 + 5 * i]
  fields[3 * i] = prefix .. 'i'
  fields[3 * i + 1] = prefix .. 'c'
  fields[3 * i + 2] = prefix .. 'p'
end
local values = redis.call('HMGET', KEYS[1], unpack(fields))
local held = tonumber(values[1]) or 0
local nextExpiry = tonumber(values[2]) or 0
local writes = {}
local dirty = false
if nextExpiry > 0 and nextExpiry <= now then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for j = 1, #expired do
    held = held - tonumber(string.match(expired[j], '^[^:]+'))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  nextExpiry = tonumber(first[2]) or 0
  if nextExpiry == 0 or held < 0 then held = 0 end
  dirty = true
end
local settled = 0
if op == 1 and member ~= '' then
  if redis.call('ZREM', KEYS[2], member) == 1 then
    held = held - cost
    if held < 0 then held = 0 end
    settled = 1
    dirty = true
  end
end
local function write(i, kind, index, cur, prev)
  if kind == 2 then
    writes[#writes + 1] = fields[3 * i + 1]
    writes[#writes + 1] = string.format('%.17g', cur)
  else
    writes[#writes + 1] = fields[3 * i]
    writes[#writes + 1] = index
    writes[#writes + 1] = fields[3 * i + 1]
    writes[#writes + 1] = string.format('%.17g', cur)
    writes[#writes + 1] = fields[3 * i + 2]
    writes[#writes + 1] = string.format('%.17g', prev)
  end
end
local requestNeed = 1
local tokenNeed = held + 1
if op == 0 then
  requestNeed = cost
  if tokens > 1 then tokenNeed = held + tokens end
end
local allowed = 1
local used, current, previous, indexes = {}, {}, {}, {}
for i = 1, n do
  local b = 4 + 5 * i
  local kind = tonumber(ARGV[b + 1])
  local limit = tonumber(ARGV[b + 2])
  local length = tonumber(ARGV[b + 3])
  local isTokens = ARGV[b + 4] == '1'
  local index, cur, prev, load = 0, 0, 0, 0
  if kind == 2 then
    cur = tonumber(values[3 * i + 1]) or 0
    load = math.max(0, cur - now) / (length / limit)
  else
    index = math.floor(now / length)
    local stored = tonumber(values[3 * i])
    if stored == index then
      cur = tonumber(values[3 * i + 1]) or 0
      prev = tonumber(values[3 * i + 2]) or 0
    elseif stored == index - 1 then
      prev = tonumber(values[3 * i + 1]) or 0
    end
    if kind == 0 then
      load = prev * (1 - (now - index * length) / length) + cur
    else
      load = cur
    end
  end
  if op == 1 and isTokens then
    if kind == 2 then
      cur = math.max(cur, now) + tokens * (length / limit)
    else
      cur = cur + tokens
    end
    load = load + tokens
    write(i, kind, index, cur, prev)
  end
  used[i] = load
  current[i] = cur
  previous[i] = prev
  indexes[i] = index
  local need = requestNeed
  if isTokens then need = tokenNeed end
  if load + need > limit then allowed = 0 end
end
local heldAfter = held
if op == 0 and allowed == 1 then
  if cost > 0 then
    for i = 1, n do
      local b = 4 + 5 * i
      if ARGV[b + 4] ~= '1' then
        local kind = tonumber(ARGV[b + 1])
        local cur
        if kind == 2 then
          cur = math.max(current[i], now) + cost * (tonumber(ARGV[b + 3]) / tonumber(ARGV[b + 2]))
        else
          cur = current[i] + cost
        end
        current[i] = cur
        used[i] = used[i] + cost
        write(i, kind, indexes[i], cur, previous[i])
      end
    end
  end
  if tokens > 0 and member ~= '' then
    local expiresAt = now + tonumber(ARGV[6])
    redis.call('ZADD', KEYS[2], expiresAt, member)
    redis.call('PEXPIRE', KEYS[2], ARGV[6])
    heldAfter = held + tokens
    held = heldAfter
    if nextExpiry == 0 or expiresAt < nextExpiry then nextExpiry = expiresAt end
    dirty = true
  end
end
if dirty then
  writes[#writes + 1] = 'h'
  writes[#writes + 1] = held
  writes[#writes + 1] = 'x'
  writes[#writes + 1] = nextExpiry
end
if #writes > 0 then
  redis.call('HSET', KEYS[1], unpack(writes))
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
local reply = {allowed, now, heldAfter, settled, 1}
for i = 1, n do
  local b = 4 + 5 * i
  local kind = tonumber(ARGV[b + 1])
  local limit = tonumber(ARGV[b + 2])
  local length = tonumber(ARGV[b + 3])
  local isTokens = ARGV[b + 4] == '1'
  local load = used[i]
  local need = requestNeed
  if isTokens then need = tokenNeed end
  local index = indexes[i]
  local cur = current[i]
  local retry = 0
  if op ~= 0 or allowed == 0 then
    if load + need > limit then
      local room = limit - need
      if room < 0 then
        retry = length
      elseif kind == 1 then
        retry = (index + 1) * length - now
      elseif kind == 0 then
        if cur <= room then
          retry = length * (1 - (now - index * length) / length - (room - cur) / previous[i])
        else
          retry = (index + 1) * length - now + length * (1 - room / cur)
        end
      else
        retry = cur - now - room * (length / limit)
      end
      retry = math.max(1, math.ceil(retry))
    end
  end
  local remaining = limit - load
  if isTokens then remaining = remaining - heldAfter end
  remaining = math.max(0, math.floor(remaining))
  local resetAt
  if retry > 0 then
    if kind == 1 then resetAt = (index + 1) * length else resetAt = now + retry end
  elseif kind == 2 then
    resetAt = math.max(now, math.ceil(cur))
  else
    resetAt = (index + 1) * length
  end
  reply[#reply + 1] = remaining
  reply[#reply + 1] = resetAt
  reply[#reply + 1] = retry
end
return reply
`;

/** SHA1 of {@link RATE_LIMIT_SCRIPT}, for EVALSHA. */
export const RATE_LIMIT_SCRIPT_SHA = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');
