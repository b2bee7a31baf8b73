-- FINGERPRINT_CHECK: compares rows with a set's stored fingerprints and stamps the ones it finds.
-- KEYS: the fingerprint buckets the rows fall in ({p:fp:<set>:<gen>:<n mod 64>}:<n>, one hash tag).
-- ARGV[1]: the run's 2-byte stamp; ARGV[2]: 18 bytes per row: the 1-based index of its bucket in KEYS
-- (2 bytes, big-endian), its key digest (8) and its content fingerprint (8). One packed argument keeps
-- the protocol and the client's work per row small: a run checks every row of the export.
-- Returns one character per row: '0' new, '1' unchanged, '2' changed. Writes: the buckets (stamps).

local stamp = ARGV[1]
local blob = ARGV[2]
local out = {}
for off = 1, #blob, 18 do
  local hi, lo = string.byte(blob, off, off + 1)
  local k = KEYS[hi * 256 + lo]
  local f = string.sub(blob, off + 2, off + 9)
  local v = redis.call('HGET', k, f)
  if not v then
    out[#out + 1] = '0'
  else
    if string.sub(v, 1, 8) == string.sub(blob, off + 10, off + 17) then out[#out + 1] = '1' else out[#out + 1] = '2' end
    if string.sub(v, 13, 14) ~= stamp then redis.call('HSET', k, f, string.sub(v, 1, 12) .. stamp) end
  end
end
return table.concat(out)
