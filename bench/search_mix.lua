-- wrk script: type-ahead as many officers type it, one random query per request from
-- SEARCH_PATHS (written by bench/search_queries.py: the 2- to 8-letter prefixes and the
-- inner words of every commune name, with and without diacritics). There are far more
-- distinct queries than the snapshot keeps answers for, so most requests are computed.
local paths = {}
for line in io.lines(os.getenv("SEARCH_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format(nil, paths[math.random(#paths)])
end
