"""`portin simulate`: drive orders through realistic lifecycles against a running server.

Everything goes through the HTTP API, as a customer (API key) and the porting desk (operator
key) would do it, so every step writes its real events and notifications.
"""

from __future__ import annotations

import base64
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from portin.cli.api_client import ApiClient, ApiError

AREA_CODES = ("212", "303", "312", "415", "512", "617", "720", "919", "206", "404")
ENTITIES = ("Acme Plumbing LLC", "Blue Harbor Dental", "Northwind Traders", "Cedar & Sage Cafe",
            "Orbit Logistics", "Juniper Law Group", "Summit Fitness", "Lakeside Veterinary")
PEOPLE = ("Dana Whitfield", "Luis Ortega", "Priya Raman", "Tom Becker", "Mei Chen", "Ada Okafor")
REJECTIONS = ("The account number does not match the losing carrier's records.",
              "The document is unreadable; please upload a clearer scan.",
              "The authorized person's signature is missing.")
# Chances, per order, of the desk rejecting one requirement and of an activation failing.
REJECT_RATE = 0.3
ACTIVATION_FAIL_RATE = 0.25

# Scenario name -> weight. Happy paths dominate, as they do at a real porting desk.
SCENARIOS = {"happy": 5, "exception": 3, "split": 2, "cancel": 2, "messaging_exception": 1,
             "abandoned_draft": 1, "au_mobile": 1}


def _is_valid_number(candidate: str) -> bool:
    import phonenumbers  # imported when a simulation runs, not for `portin --help`

    return bool(phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)))


def _exception_codes() -> list[str]:
    from portin.domain.exception_codes import EXCEPTION_TYPES

    return [code for code in EXCEPTION_TYPES if code != "PORTING_ORDER_SPLIT_REQUIRED"]


@dataclass
class Run:
    rng: random.Random
    operator: ApiClient
    delay: float
    used_numbers: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)

    def pause(self) -> None:
        if self.delay:
            time.sleep(self.delay)

    def numbers(self, count: int) -> list[str]:
        result: list[str] = []
        while len(result) < count:
            candidate = (f"+1{self.rng.choice(AREA_CODES)}{self.rng.randint(201, 999)}"
                         f"{self.rng.randint(0, 9999):04d}")
            if candidate in self.used_numbers or "555" in candidate[5:8]:
                continue
            if _is_valid_number(candidate):
                self.used_numbers.add(candidate)
                result.append(candidate)
        return result

    def au_mobile_numbers(self, count: int) -> list[str]:
        """Australian mobiles: they need verification codes and an identity check."""
        result: list[str] = []
        while len(result) < count:
            candidate = f"+614{self.rng.randint(10_000_000, 99_999_999)}"
            if candidate not in self.used_numbers and _is_valid_number(candidate):
                self.used_numbers.add(candidate)
                result.append(candidate)
        return result


class Order:
    """One order as the simulator drives it: user calls and operator calls side by side."""

    def __init__(self, run: Run, user: ApiClient, numbers: list[str],
                 fresh: Callable[[int], list[str]] | None = None) -> None:
        self.run = run
        self.user = user
        self.fresh = fresh or run.numbers
        reference = f"sim-{run.rng.randint(100000, 999999)}"
        created = self._create(numbers, reference)
        self.id: str = created["id"]
        self.numbers = [n["phone_number"] for n in created["phone_numbers"]]

    def _create(self, numbers: list[str], reference: str) -> dict[str, Any]:
        for _ in range(5):
            try:
                body = {"phone_numbers": numbers, "customer_reference": reference}
                return dict(self.user.post("/porting_orders", body)["data"][0])
            except ApiError as exc:
                if exc.status != 422:
                    raise
                numbers = self.fresh(len(numbers))  # held by an earlier, unfinished run
        raise click.ClickException("could not find free phone numbers to port")

    def fill_in(self, messaging: bool) -> None:
        """The user fills in the end user, the requested FOC date and every requirement."""
        rng = self.run.rng
        self.user.patch(f"/porting_orders/{self.id}", {
            "end_user": {
                "admin": {"entity_name": rng.choice(ENTITIES),
                          "auth_person_name": rng.choice(PEOPLE),
                          "account_number": str(rng.randint(10**7, 10**8)),
                          "billing_phone_number": self.numbers[0]},
                "location": {"street_address": f"{rng.randint(1, 999)} Main St",
                             "locality": "Springfield", "administrative_area": "IL",
                             "postal_code": f"{rng.randint(10000, 99999)}",
                             "country_code": "US"},
            },
            "misc": {"type": "full"},
            "messaging": {"enable_messaging": messaging},
            "activation_settings": {"foc_datetime_requested": self._foc_date()},
        })
        provide_requirements(self)

    def _foc_date(self) -> str:
        """A requested FOC date inside one of the order's allowed windows (any other is
        refused), picked at random; three weeks out if the order has none."""
        found = self.user.get(f"/porting_orders/{self.id}/allowed_foc_windows")["data"]
        if not found:
            return (datetime.now(UTC) + timedelta(days=21)).isoformat()
        return str(self.run.rng.choice(found)["started_at"])

    def confirm(self) -> None:
        self.user.post(f"/porting_orders/{self.id}/actions/confirm")

    def status(self, value: str, *codes: str, order_id: str | None = None) -> None:
        body: dict[str, Any] = {"value": value}
        if codes:
            body["details"] = [{"code": code} for code in codes]
        self.run.operator.post(f"/operator/porting_orders/{order_id or self.id}/status", body)

    def admin_says(self, text: str) -> None:
        self.run.operator.post(f"/operator/porting_orders/{self.id}/comments", {"body": text})

    def user_says(self, text: str) -> None:
        self.user.post(f"/porting_orders/{self.id}/comments", {"body": text})

    def messaging(self, value: str, order_id: str | None = None) -> None:
        self.run.operator.post(f"/operator/porting_orders/{order_id or self.id}/messaging",
                               {"messaging_port_status": value})

    def upload(self, name: str) -> str:
        """A small PDF of the user's, as the end user scanned it."""
        content = f"%PDF-1.4\n% {name} for order {self.id}\n%%EOF\n".encode()
        body = {"file": base64.b64encode(content).decode(), "filename": name}
        return str(self.user.post("/documents", body)["data"]["id"])

    def split(self, numbers: list[str]) -> str:
        new = self.run.operator.post(f"/operator/porting_orders/{self.id}/split",
                                     {"phone_numbers": numbers})
        return str(new["data"]["id"])


def provide_requirements(order: Order) -> None:
    """The user answers every requirement the order's numbers need: documents are uploaded,
    textual values typed in."""
    base = f"/porting_orders/{order.id}/requirements"
    values = [{"requirement_type_id": r["requirement_type"]["id"],
               "field_value": requirement_value(order, r["requirement_type"])}
              for r in order.user.get(f"{base}?page[size]=250")["data"]]
    if values:
        order.user.patch(f"/porting_orders/{order.id}", {"requirements": values})


def requirement_value(order: Order, requirement_type: dict[str, Any]) -> str:
    if requirement_type["type"] == "document":
        return order.upload(f"{requirement_type['name'].lower().replace(' ', '-')}.pdf")
    return str(order.run.rng.randint(10**7, 10**9))


def reject_one_requirement(order: Order) -> dict[str, Any] | None:
    """Sometimes the desk rejects one requirement with a reason: the order goes into
    exception. Returns the rejected requirement's type, or None."""
    rng = order.run.rng
    pending = [r for r in order.run.operator.get(
        f"/operator/porting_orders/{order.id}/requirements?page[size]=250")["data"]
        if r["requirement_status"] == "requirement-info-under-review"]
    if not pending or rng.random() >= REJECT_RATE:
        return None
    rejected: dict[str, Any] = rng.choice(pending)["requirement_type"]
    order.run.operator.post(
        f"/operator/porting_orders/{order.id}/requirements/{rejected['id']}",
        {"status": "rejected", "reason": rng.choice(REJECTIONS)})
    return rejected


def approve_requirements(order: Order) -> None:
    """The desk approves every requirement waiting for review."""
    base = f"/operator/porting_orders/{order.id}/requirements"
    for r in order.run.operator.get(f"{base}?page[size]=250")["data"]:
        if r["requirement_status"] == "requirement-info-under-review":
            order.run.operator.post(f"{base}/{r['requirement_type']['id']}",
                                    {"status": "approved"})


def review_requirements(order: Order) -> None:
    """The porting desk reviews a submitted order's requirements. A rejection puts the order
    in exception; the user gives a new value, the desk approves it and resubmits."""
    rejected = reject_one_requirement(order)
    if rejected is not None:
        order.user.patch(f"/porting_orders/{order.id}", {"requirements": [
            {"requirement_type_id": rejected["id"],
             "field_value": requirement_value(order, rejected)}]})
        order.user_says(f"Replaced the {rejected['name']} as asked.")
    approve_requirements(order)
    if rejected is not None:
        order.status("submitted")


def port(order: Order) -> None:
    """A FastPort order is activated by the user and the desk completes the job (a job may
    fail first; the user then activates again). Any other order is ported by the desk."""
    if not order.user.get(f"/porting_orders/{order.id}")["data"][
            "activation_settings"]["fast_port_eligible"]:
        order.status("ported")
        return
    if order.run.rng.random() < ACTIVATION_FAIL_RATE:
        finish_activation(order, "failed")
        order.admin_says("The losing carrier did not release the numbers; please retry.")
    finish_activation(order, "completed")


def finish_activation(order: Order, outcome: str) -> None:
    job = order.user.post(f"/porting_orders/{order.id}/actions/activate")["data"]
    order.run.operator.post(f"/operator/porting_orders/{order.id}/activation_jobs/{job['id']}",
                            {"status": outcome})


def _happy(order: Order, step: Callable[[], None], messaging_ok: bool = True) -> str:
    order.fill_in(messaging=True)
    step()
    order.confirm()
    step()
    order.status("submitted")
    order.messaging("pending")
    review_requirements(order)
    step()
    order.admin_says("The losing carrier accepted the request; waiting for a FOC date.")
    order.status("foc-date-confirmed")
    order.messaging("activating")
    step()
    port(order)
    order.messaging("ported" if messaging_ok else "exception")
    step()
    return "ported" if messaging_ok else "ported, messaging exception"


def _exception(order: Order, step: Callable[[], None]) -> str:
    order.fill_in(messaging=False)
    order.confirm()
    step()
    order.status("submitted")
    codes = order.run.rng.sample(_exception_codes(), order.run.rng.randint(1, 2))
    order.status("exception", *codes)
    step()
    order.user.patch(f"/porting_orders/{order.id}",
                     {"end_user": {"admin": {"account_number": "99887766",
                                             "pin_passcode": "4321"}}})
    order.user_says("Corrected the account number and PIN from the latest bill.")
    step()
    order.status("submitted")
    review_requirements(order)
    order.status("foc-date-confirmed")
    step()
    port(order)
    step()
    return "ported after exception"


def _split(order: Order, step: Callable[[], None]) -> str:
    order.fill_in(messaging=False)
    order.confirm()
    order.status("submitted")
    step()
    order.status("exception", "PORTING_ORDER_SPLIT_REQUIRED")
    step()
    new_id = order.split(order.numbers[len(order.numbers) // 2:])
    step()
    for order_id in (order.id, new_id):
        order.status("submitted", order_id=order_id)
        order.status("foc-date-confirmed", order_id=order_id)
        order.status("ported", order_id=order_id)
    step()
    return "split and ported"


def _cancel(order: Order, step: Callable[[], None]) -> str:
    order.fill_in(messaging=False)
    order.confirm()
    step()
    order.status("submitted")
    step()
    order.user_says("The customer decided to stay with their carrier; please cancel.")
    order.user.post(f"/porting_orders/{order.id}/actions/cancel")
    step()
    order.status("cancelled")
    step()
    return "cancelled"


def _abandoned(order: Order, step: Callable[[], None]) -> str:
    step()
    order.user.delete(f"/porting_orders/{order.id}")
    step()
    return "draft deleted"


def _messaging_exception(order: Order, step: Callable[[], None]) -> str:
    return _happy(order, step, messaging_ok=False)


def verify_with_desk_codes(order: Order) -> None:
    """Send codes to the numbers that need them, read them where the porting desk reads the
    sandbox's codes, and verify them (no SMS leaves the machine in the sandbox)."""
    base = f"/porting_orders/{order.id}/verification_codes"
    order.user.post(f"{base}/send", {"verification_method": "sms"})
    codes = order.run.operator.get(f"/operator{base}?page[size]=250")["data"]
    order.user.post(f"{base}/verify", {"verification_codes": [
        {"phone_number": c["phone_number"], "code": c["code"]}
        for c in codes if not c["verified"]]})


def complete_action_requirements(order: Order) -> None:
    """The user initiates each identity check; the porting desk reports it completed."""
    base = f"/porting_orders/{order.id}/action_requirements"
    for requirement in order.user.get(f"{base}?filter[status]=created")["data"]:
        first, last = order.run.rng.choice(PEOPLE).split()
        order.user.post(f"{base}/{requirement['id']}/initiate",
                        {"params": {"first_name": first, "last_name": last}})
        order.run.operator.post(f"/operator{base}/{requirement['id']}", {"status": "completed"})


def _au_mobile(order: Order, step: Callable[[], None]) -> str:
    order.fill_in(messaging=False)
    verify_with_desk_codes(order)
    step()
    complete_action_requirements(order)
    step()
    order.confirm()
    order.status("submitted")
    step()
    order.status("foc-date-confirmed")
    step()
    port(order)
    step()
    return "ported (AU mobiles: codes and ID check)"


SCENARIO_STEPS: dict[str, Callable[[Order, Callable[[], None]], str]] = {
    "happy": _happy,
    "messaging_exception": _messaging_exception,
    "exception": _exception,
    "split": _split,
    "cancel": _cancel,
    "abandoned_draft": _abandoned,
    "au_mobile": _au_mobile,
}
STEPS_PER_ORDER = 5


def drive(run: Run, users: list[ApiClient], count: int,
          progress: Callable[[int], None]) -> None:
    names, weights = zip(*SCENARIOS.items(), strict=True)
    for _ in range(count):
        scenario = run.rng.choices(names, weights)[0]
        user = run.rng.choice(users)
        size = 4 if scenario == "split" else run.rng.randint(1, 3)
        fresh = run.au_mobile_numbers if scenario == "au_mobile" else run.numbers
        order = Order(run, user, fresh(size), fresh)
        taken = 0

        def step() -> None:
            nonlocal taken
            if taken < STEPS_PER_ORDER:
                taken += 1
                progress(1)
            run.pause()

        outcome = SCENARIO_STEPS[scenario](order, step)
        progress(STEPS_PER_ORDER - taken)
        run.outcomes[outcome] += 1


@click.command()
@click.option("--url", default="http://127.0.0.1:8080", show_default=True,
              help="The running portin server.")
@click.option("--api-key", "api_keys", multiple=True, required=True, envvar="PORTIN_API_KEY",
              help="An organization's API key; repeat to spread orders over organizations.")
@click.option("--operator-key", required=True, envvar="PORTIN_OPERATOR_KEY",
              help="An operator key, to act as the porting desk.")
@click.option("--orders", "count", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--seed", type=int, default=None, help="Make the run repeatable.")
@click.option("--delay", default=0.0, show_default=True, type=click.FloatRange(0, 60),
              help="Seconds to wait between steps, to watch orders move.")
def simulate(url: str, api_keys: tuple[str, ...], operator_key: str, count: int,
             seed: int | None, delay: float) -> None:
    """Drive orders through realistic lifecycles: happy paths with requirements the desk
    reviews (and sometimes rejects), exceptions with real reason codes and their resolution,
    splits, messaging activation, FastPort activations the desk completes (or fails, and the
    user retries), cancellations, and Australian mobiles (verification codes and identity
    checks)."""
    base = url.rstrip("/") + "/v2"
    run = Run(rng=random.Random(seed), operator=ApiClient(base, operator_key), delay=delay)
    users = [ApiClient(base, key) for key in api_keys]
    try:
        with click.progressbar(length=count * STEPS_PER_ORDER, label="simulating",
                               file=sys.stderr) as bar:
            drive(run, users, count, bar.update)
    except ApiError as exc:
        raise click.ClickException(f"the server refused a step: {exc}") from exc
    for outcome, number in sorted(run.outcomes.items()):
        click.echo(f"{number:5d}  {outcome}")
