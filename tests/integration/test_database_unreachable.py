"""When the database cannot be reached: /readyz and the API answer 503 with Retry-After, in the
error format, and /healthz (liveness) still answers 200."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from portin.api.app import create_app
from portin.config import Settings


@pytest.mark.parametrize("database_url", [
    "postgresql+psycopg://127.0.0.1:1/nowhere",  # nothing listens on port 1
    "sqlite:///{tmp}",  # a directory: "unable to open database file"
])
def test_readyz_and_the_api_answer_503_when_the_database_is_unreachable(
        database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database_url=database_url.format(tmp=tmp_path))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            ready = client.get("/readyz")
            api = client.get("/v2/porting_orders",
                             headers={"Authorization": "Bearer KEYnotchecked"})
    for response in (ready, api):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        (error,) = response.json()["errors"]
        assert error["title"] == "Service unavailable"
        assert error["code"] == "10007"
    assert len(caplog.records) == 2  # one line per failed request
    assert all(record.exc_info is None for record in caplog.records)


def test_a_portal_page_answers_its_html_503_when_the_database_is_unreachable(
        tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}")  # a directory
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.cookies.set("portin_session", "a-session-token")  # looked up in the database
        page = client.get("/orders")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "2"
    assert page.headers["content-type"].startswith("text/html")
    assert "Service unavailable" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
