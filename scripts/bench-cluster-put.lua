-- wrk script of scripts/bench-cluster: puts through etcd's v3 HTTP/JSON gateway
-- (POST /v3/kv/put, key and value base64), over 1,000 keys with 16-byte values, as
-- `quorumlab bench cluster` writes them; done() prints one JSON line with the counts and the
-- latency percentiles (microseconds), which the script records.
local alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

local function base64(data)
  local out = {}
  for i = 1, #data, 3 do
    local a, b, c = data:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = {}
    for k = 3, 0, -1 do
      local v = math.floor(n / 64 ^ k) % 64
      chars[#chars + 1] = alphabet:sub(v + 1, v + 1)
    end
    if not b then chars[3], chars[4] = '=', '=' elseif not c then chars[4] = '=' end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end

local bodies = {}
local sent = 0

function init(args)
  local value = base64(string.rep('v', 16))
  for k = 0, 999 do
    bodies[k] = '{"key":"' .. base64('k' .. k) .. '","value":"' .. value .. '"}'
  end
end

wrk.method = 'POST'
wrk.headers['Content-Type'] = 'application/json'

function request()
  sent = sent + 1
  return wrk.format(nil, '/v3/kv/put', nil, bodies[sent % 1000])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"commits_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration,
    (summary.requests - e.status - e.timeout) / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
