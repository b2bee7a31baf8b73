-- FINGERPRINT_SET_STAMPS: sets the 2-byte stamp of some records.
-- KEYS: the buckets (one hash tag). ARGV[1]: the stamp; ARGV[2]: 10 bytes per record: the 1-based
-- index of its bucket in KEYS (2 bytes, big-endian) and its field (8).
-- Returns how many stamps changed. Writes: the buckets.

local stamp = ARGV[1]
local blob = ARGV[2]
local n = 0
for off = 1, #blob, 10 do
  local hi, lo = string.byte(blob, off, off + 1)
  local k = KEYS[hi * 256 + lo]
  local f = string.sub(blob, off + 2, off + 9)
  local v = redis.call('HGET', k, f)
  if v and #v == 14 and string.sub(v, 13, 14) ~= stamp then
    redis.call('HSET', k, f, string.sub(v, 1, 12) .. stamp)
    n = n + 1
  end
end
return n
