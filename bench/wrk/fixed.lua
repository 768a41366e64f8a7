-- The same request over and over. From the environment:
--   BENCH_METHOD     GET (default) or POST
--   BENCH_HEADERS    "Name: value" lines
--   BENCH_BODY_FILE  a file whose bytes are the body (a multipart upload, a JSON body)

function init(args)
   wrk.method = os.getenv("BENCH_METHOD") or "GET"
   for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
      local name, value = line:match("^([^:]+):%s*(.*)$")
      wrk.headers[name] = value
   end
   local path = os.getenv("BENCH_BODY_FILE") or ""
   if path ~= "" then
      local file = assert(io.open(path, "rb"))
      wrk.body = file:read("*a")
      file:close()
   end
end
