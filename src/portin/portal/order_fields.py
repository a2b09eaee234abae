"""The fields of the portal's order forms (new order, an order's details): their names and
labels, the order's current values, which of them the order's status lets change (the
lifecycle's rule, asked, not repeated), and the PATCH a submitted form stands for.

Values are checked with the API's own request models, so the portal takes what the API takes;
refusals come back as {form field: the customer's words}.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from portin.api.schemas import EndUser, OrderCreate, to_storable_utc
from portin.domain import lifecycle
from portin.domain.errors import PortinError
from portin.domain.lifecycle import OrderStatus
from portin.domain.number_paste import regions
from portin.storage.models import PortingOrder

# (group in end_user, key, label), in the order the form shows them.
END_USER_FIELDS: list[tuple[str, str, str]] = [
    ("admin", "entity_name", "Entity name (the business or person who has the numbers)"),
    ("admin", "auth_person_name", "Authorized person (signs the LOA)"),
    ("admin", "billing_phone_number", "Billing telephone number (BTN)"),
    ("admin", "account_number", "Account number with the current carrier"),
    ("admin", "pin_passcode", "Account PIN or passcode"),
    ("admin", "business_identifier", "Business identifier"),
    ("admin", "tax_identifier", "Tax identifier"),
    ("location", "street_address", "Street address"),
    ("location", "extended_address", "Address line 2"),
    ("location", "locality", "City or locality"),
    ("location", "administrative_area", "State, province or region"),
    ("location", "postal_code", "Postal code"),
    ("location", "country_code", "Country"),
]
FOC_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends, read as UTC

# Each form field and the top-level PATCH field whose editability it follows.
PATCH_FIELD: dict[str, str] = {
    "customer_reference": "customer_reference",
    "customer_group_reference": "customer_group_reference",
    "foc_datetime_requested": "activation_settings",
    "enable_messaging": "messaging",
    **{f"{group}_{key}": "end_user" for group, key, _ in END_USER_FIELDS},
}


def end_user_name(group: str, key: str) -> str:
    return f"{group}_{key}"


def current_values(order: PortingOrder) -> dict[str, str]:
    """The details form's fields as the order holds them now ("" for nothing)."""
    end_user = order.end_user or {}
    values = {
        "customer_reference": order.customer_reference or "",
        "customer_group_reference": order.customer_group_reference or "",
        "foc_datetime_requested": _foc_text(order.foc_datetime_requested),
        "enable_messaging": "yes" if order.enable_messaging else "",
    }
    for group, key, _ in END_USER_FIELDS:
        values[end_user_name(group, key)] = str((end_user.get(group) or {}).get(key) or "")
    return values


def editable(status: OrderStatus) -> dict[str, bool]:
    """Which of the details form's fields an order in `status` lets the user change."""
    return {name: lifecycle.can_edit(status, field) for name, field in PATCH_FIELD.items()}


def locked_reason(status: OrderStatus) -> str:
    """One line saying why some details cannot change now."""
    open_in = " or ".join(f"'{s}'" for s in sorted(lifecycle.EDITABLE))
    return (f"Locked while the order is '{status}': these details change only while it is"
            f" {open_in}. The customer reference can change at any time.")


def details_changes(order: PortingOrder, values: dict[str, str]
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """The PATCH the details form stands for (only fields whose value changed), and the
    refusals by form field. A field the status locks is never sent: it shows read-only."""
    status = OrderStatus(order.status)
    may = editable(status)
    before = current_values(order)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}

    def changed(name: str) -> bool:
        return name in values and may[name] and _clean(values[name]) != before[name]

    for name in ("customer_reference", "customer_group_reference"):
        if changed(name):
            changes[name] = _clean(values[name]) or None
    if changes:
        errors.update(_refusals(OrderCreate, {"phone_numbers": [], **changes}))
    if changed("foc_datetime_requested"):
        text = _clean(values["foc_datetime_requested"])
        try:
            requested = _foc_value(text) if text else None
            changes["activation_settings"] = {"foc_datetime_requested": requested}
        except ValueError:
            errors["foc_datetime_requested"] = ("Enter a date and a time, such as"
                                                " 2027-01-15 09:00 (UTC).")
    # An unticked checkbox sends nothing: the form says it showed the box (messaging_shown).
    if values.get("messaging_shown") and may["enable_messaging"]:
        wanted = "yes" if values.get("enable_messaging") == "yes" else ""
        if wanted != before["enable_messaging"]:
            changes["messaging"] = {"enable_messaging": bool(wanted)}
    end_user = {name: values[name] for group, key, _ in END_USER_FIELDS
                if changed(name := end_user_name(group, key))}
    if end_user:
        nested, refused = end_user_from(end_user, keep_empty=True)
        errors.update(refused)
        changes["end_user"] = nested
    return changes, errors


def end_user_from(values: dict[str, str], keep_empty: bool = False
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """The end_user object of the fields given, checked as the API checks it. Empty fields
    are left out (a new order), or kept as null to clear them (`keep_empty`)."""
    nested: dict[str, dict[str, str | None]] = {}
    errors: dict[str, str] = {}
    countries = {code for code, _ in regions()}
    for group, key, _ in END_USER_FIELDS:
        name = end_user_name(group, key)
        text = _clean(values.get(name, ""))
        if key == "country_code":
            text = text.upper()
            if text and text not in countries:
                errors[name] = "Choose the country from the list."
                continue
        if text or (keep_empty and name in values):
            nested.setdefault(group, {})[key] = text or None
    errors.update({f"{'_'.join(loc)}": said
                   for loc, said in _located_refusals(EndUser, nested).items()})
    return nested, errors


def references_refused(values: dict[str, str]) -> dict[str, str]:
    """The new-order form's references, checked as POST /v2/porting_orders checks them."""
    body = {name: _clean(values.get(name, "")) or None
            for name in ("customer_reference", "customer_group_reference")}
    return _refusals(OrderCreate, {"phone_numbers": [], **body})


def field_of(exc: PortinError) -> str | None:
    """The form field a service's refusal concerns, from its JSON pointer (None: the page's)."""
    pointer = exc.pointer or ""
    if pointer.startswith("/phone_numbers"):
        return "phone_numbers"
    if pointer == "/activation_settings/foc_datetime_requested":
        return "foc_datetime_requested"
    if pointer == "/messaging/enable_messaging":
        return "enable_messaging"
    parts = pointer.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "end_user":
        return end_user_name(parts[1], parts[2])
    if pointer.strip("/") in PATCH_FIELD:
        return pointer.strip("/")
    return None


def said(exc: PortinError, field: str | None) -> str:
    """A service's refusal as the form says it: the FOC rule points at the page's own list
    of windows rather than at the API."""
    if field == "foc_datetime_requested" and "allowed FOC" in exc.detail:
        return ("That date and time is outside the order's allowed FOC windows; choose one"
                " from “Allowed FOC windows” on this page (times in UTC).")
    return exc.detail


def _refusals(model: type[BaseModel], body: dict[str, Any]) -> dict[str, str]:
    return {loc[0]: text for loc, text in _located_refusals(model, body).items()}


def _located_refusals(model: type[BaseModel], body: dict[str, Any]
                      ) -> dict[tuple[str, ...], str]:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        found: dict[tuple[str, ...], str] = {}
        for error in exc.errors():
            loc = tuple(str(part) for part in error["loc"])
            limit = (error.get("ctx") or {}).get("max_length")
            found.setdefault(loc, f"Keep this to {limit} characters or fewer." if limit
                             else "This value is not accepted here.")
        return found
    return {}


def _clean(text: str) -> str:
    return text.strip()


def _foc_text(value: datetime | None) -> str:
    if value is None:
        return ""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.strftime(FOC_FORMAT)


def _foc_value(text: str) -> datetime:
    """A datetime-local value (seconds allowed) as a UTC instant; ValueError if it is none."""
    for pattern in (FOC_FORMAT, FOC_FORMAT + ":%S", "%Y-%m-%d %H:%M"):
        try:
            return to_storable_utc(datetime.strptime(text, pattern).replace(tzinfo=UTC))
        except ValueError:
            continue
    raise ValueError(text)
