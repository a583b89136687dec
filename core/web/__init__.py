"""HTTP: the litestar app, the REST API under /api/v1 and the server-rendered UI."""
