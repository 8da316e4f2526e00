-- wrk script: PUT a 57-value batch to a random seeded assessment.
-- ASSESSMENT_IDS and VALUES_JSON name the files written by seed_assessments.py.
local ids = {}
for line in io.lines(os.getenv("ASSESSMENT_IDS")) do ids[#ids + 1] = line end
local f = io.open(os.getenv("VALUES_JSON")); local body = f:read("*a"); f:close()
math.randomseed(os.time())
wrk.method = "PUT"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, "/api/v1/assessments/" .. ids[math.random(#ids)] .. "/indicator-values")
end
