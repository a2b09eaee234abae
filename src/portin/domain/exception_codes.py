"""The catalogue of exception reasons an operator may put an order in `exception` for.

The 21 codes of the public API plus LOA_ILLEGIBLE, which the seed's example shows. The
descriptions are what a person reads in emails and in the portal.
"""

from __future__ import annotations

from portin.domain.errors import InvalidRequest

EXCEPTION_TYPES: dict[str, str] = {
    "ACCOUNT_NUMBER_MISMATCH": "Account number does not match that on the CSR",
    "AUTH_PERSON_MISMATCH": "Authorized person does not match that on the CSR",
    "BTN_ATN_MISMATCH": "Billing telephone number does not match the account telephone number",
    "ENTITY_NAME_MISMATCH": "Entity name does not match that on the CSR",
    "FOC_EXPIRED": "The FOC date expired before the numbers were activated",
    "FOC_REJECTED": "The losing carrier rejected the requested FOC date",
    "LOCATION_MISMATCH": "Service address does not match that on the CSR",
    "LSR_PENDING": "The local service request is pending with the losing carrier",
    "MAIN_BTN_PORTING": "The main billing telephone number is being ported without the others",
    "OSP_IRRESPONSIVE": "The old service provider is not responding",
    "OTHER": "Other reason; see the comments on the order",
    "PASSCODE_PIN_INVALID": "The account passcode or PIN is invalid",
    "PHONE_NUMBER_HAS_SPECIAL_FEATURE": "A phone number has a special feature that blocks the port",
    "PHONE_NUMBER_MISMATCH": "A phone number is not on the account at the losing carrier",
    "PHONE_NUMBER_NOT_PORTABLE": "A phone number is not portable",
    "PORT_TYPE_INCORRECT": "The port type (full or partial) is incorrect",
    "PORTING_ORDER_SPLIT_REQUIRED": (
        "The OSP requires this Porting Order to be split and submitted as separate orders"
    ),
    "POSTAL_CODE_MISMATCH": "Postal code does not match that on the CSR",
    "RATE_CENTER_NOT_PORTABLE": "The rate center of a phone number is not portable",
    "SV_CONFLICT": "A subscription version conflict was raised",
    "SV_UNKNOWN_FAILURE": "The subscription version failed for an unknown reason",
    "LOA_ILLEGIBLE": "The LOA is illegible",
}


def resolve_details(details: list[dict[str, str | None]]) -> list[dict[str, str]]:
    """Check operator-given exception details against the catalogue.

    A detail without a description takes the catalogue's; one with a description keeps the
    operator's words. An unknown code is refused. Duplicate codes are kept once.
    """
    resolved: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, detail in enumerate(details):
        code = detail.get("code")
        if not code or code not in EXCEPTION_TYPES:
            raise InvalidRequest(
                f"Unknown exception code {code!r}; see GET /v2/porting_orders/exception_types.",
                pointer=f"/details/{index}/code",
            )
        if code in seen:
            continue
        seen.add(code)
        description = detail.get("description") or EXCEPTION_TYPES[code]
        resolved.append({"code": code, "description": description})
    return resolved
