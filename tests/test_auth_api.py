"""Token issue, /me and revocation."""


async def test_token_by_login_or_email_and_me(bo_factory, bo_client):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner, login="boss", email="Boss@Example.test")
    for login in ("boss", "boss@example.test"):
        res = await bo_client.post(
            "/api/v1/auth/token", json={"login": login, "password": user["password"]}
        )
        assert res.status_code == 201, res.text
        body = res.json()
        assert body["token_type"] == "bearer" and len(body["access_token"]) > 30
    me = await bo_client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["email"] == "boss@example.test"
    assert me.json()["company"] == {"id": owner["id"], "name": owner["name"], "type": "owner"}
    assert "password" not in me.text


async def test_wrong_password_is_401_with_one_vague_message(bo_factory, bo_client):
    user = await bo_factory.user(await bo_factory.owner(), login="boss")
    wrong = await bo_client.post("/api/v1/auth/token", json={"login": "boss", "password": "nope"})
    unknown = await bo_client.post("/api/v1/auth/token", json={"login": "ghost", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert user["password_hash"] not in wrong.text


async def test_logout_revokes_the_token(bo_factory, bo_client):
    user = await bo_factory.user(await bo_factory.owner())
    token = await bo_factory.token(user)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await bo_client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_password_hash_is_argon2(bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    assert user["password_hash"].startswith("$argon2id$")
