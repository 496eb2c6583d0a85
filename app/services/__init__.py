"""One function per use case, between the routers and `db` / `jobs` (docs/ARCHITECTURE.md).

The JSON routers and the HTML routers both call these; a service raises `ServiceError`
with a sentence and a 4xx status when it refuses, and changes nothing then.
"""
