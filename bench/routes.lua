-- bench/gateway.sh: GET /u<i>/r<j>/1k, i cycling over the first N upstreams (wrk ... -s routes.lua URL -- N)
-- and j over each upstream's ten routes, so the load is spread evenly; N = 1 is one upstream's load
-- at the same cost to wrk.
local upstreams, prefix, next = 1, "", 0
function init(args)
    upstreams = tonumber(args[1] or "1")
    prefix = wrk.path:gsub("/$", "")
end
function request()
    local u = next % upstreams
    local r = math.floor(next / upstreams) % 10
    next = next + 1
    return wrk.format("GET", prefix .. "/u" .. u .. "/r" .. r .. "/1k")
end
