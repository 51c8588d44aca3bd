-- S3: POST a 64 KiB body to be echoed.
wrk.method = "POST"
wrk.body = string.rep("x", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
