"""Production answers only to its own host names (TRUSTED_HOSTS)."""

from __future__ import annotations

from config import ProductionConfig


def production_trusted_hosts(**settings) -> list[str] | None:
    """TRUSTED_HOSTS as production would set it, from ``settings``."""
    config = {"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "postgresql://db/x",
              "SECURITY_PASSWORD_SALT": "salt", "SECURITY_TOTP_SECRETS": {"1": "totp"},
              "BASE_URL": "https://events.example.org", "TRUSTED_HOSTS": None, **settings}
    ProductionConfig.prepare(config)
    return config["TRUSTED_HOSTS"]


def test_production_trusts_base_urls_host_by_default():
    assert production_trusted_hosts() == ["events.example.org"]
    assert production_trusted_hosts(TRUSTED_HOSTS=["a.example", "10.0.0.5"]) == [
        "a.example", "10.0.0.5"]


def test_a_foreign_host_is_refused_not_redirected_to(client, monkeypatch, app):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", production_trusted_hosts())
    for method in (client.get, client.post):
        response = method("/manage", headers={"Host": "evil.example"})
        assert response.status_code == 400 and "Location" not in response.headers
        assert "evil.example" not in response.get_data(as_text=True)
    ours = client.get("/manage", headers={"Host": "events.example.org"})
    assert ours.status_code == 308 and ours.location == "http://events.example.org/manage/"


def test_development_answers_to_any_host(client):
    """(What production did before TRUSTED_HOSTS: the redirect names the foreign host.)"""
    response = client.get("/manage", headers={"Host": "evil.example"})
    assert response.status_code == 308 and response.location == "http://evil.example/manage/"
