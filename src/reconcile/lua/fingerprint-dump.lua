-- FINGERPRINT_DUMP: every record of some fingerprint buckets, for loading a set into a run's memory.
-- KEYS: the buckets (one hash tag). ARGV: none.
-- Returns 22 bytes per record: its field (8) and value (14). One reply per call instead of two per
-- record: loading a set reads every record. Writes nothing.

local out = {}
for i = 1, #KEYS do
  local flat = redis.call('HGETALL', KEYS[i])
  for j = 1, #flat, 2 do
    if #flat[j] == 8 and #flat[j + 1] == 14 then
      out[#out + 1] = flat[j]
      out[#out + 1] = flat[j + 1]
    end
  end
end
return table.concat(out)
