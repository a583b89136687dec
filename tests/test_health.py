async def test_health_reports_database_and_broker(bo_client):
    res = await bo_client.get("/health")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"].startswith("ok")


async def test_openapi_schema_lists_the_api(bo_client):
    res = await bo_client.get("/api/schema/openapi.json")
    assert res.status_code == 200
    paths = res.json()["paths"]
    assert "/api/v1/companies" in paths and "/api/v1/auth/token" in paths
    docs = await bo_client.get("/api/schema/swagger")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
