-- wrk script: POST one entry (or a batch file) to the admin API with the bearer token.
-- Environment: REMACTO_TOKEN, REMACTO_BODY (path of the JSON body).
local f = assert(io.open(os.getenv("REMACTO_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("REMACTO_TOKEN")

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end
