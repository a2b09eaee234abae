"""A real `portin serve`, a real Chromium (Debian's, driven by Playwright), a real SMTP server
and a real webhook receiver, all on loopback. Screenshots go to test-artifacts/portal/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.acceptance.conftest import Server, running_server
from tests.support.installed import installed_wheel
from tests.support.receiver import Receiver
from tests.support.smtp import Inbox, smtp_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
PASSWORD = "correct horse battery"
__all__ = ["installed_wheel"]  # the browser tests drive the installed `portin` too


@dataclass
class Portal:
    server: Server
    org: dict[str, str]
    email: str
    inbox: Inbox
    receiver: Receiver

    @property
    def url(self) -> str:
        return self.server.base_url

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/v2",
                            headers={"Authorization": f"Bearer {self.org['api_key']}"})

    def desk(self) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/v2/operator",
                            headers={"Authorization": f"Bearer {self.server.operator_key()}"})


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    with smtp_server() as (inbox, smtp_url), Receiver().running() as receiver:
        folder = tmp_path_factory.mktemp("portal")
        with running_server(folder, PORTIN_SMTP_URL=smtp_url, PORTIN_RETRY_BASE_SECONDS="0.2",
                            PORTIN_WORKER_POLL_SECONDS="0.05") as server:
            org = server.new_org("Acme Telecom")
            email = "ops@acme.example"
            server.portin("user", "create", "--org", org["organization_id"], "--email", email,
                          "--password", PASSWORD)
            yield Portal(server, org, email, inbox, receiver)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, portal: Portal, password: str = PASSWORD) -> None:
    page.goto(portal.url + "/login")
    page.get_by_label("Email").fill(portal.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def pretty(value: object) -> str:
    return json.dumps(value, indent=2)
