-- FINGERPRINT_COUNT: how many records some fingerprint buckets hold.
-- KEYS: the buckets (one hash tag). ARGV: none. Returns the count. Writes nothing.

local n = 0
for i = 1, #KEYS do n = n + redis.call('HLEN', KEYS[i]) end
return n
