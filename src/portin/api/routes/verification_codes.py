"""/v2/porting_orders/{id}/verification_codes: send, list and verify phone number codes; and
the porting desk's view of them (the codes themselves, in the sandbox)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import VerificationCodeSend, VerificationCodeVerify
from portin.delivery.code_sender import CodeSender
from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.services import verification_codes as code_service
from portin.services.accounts import Caller
from portin.storage import verification_codes as code_store
from portin.storage.db import Database
from portin.storage.models import PortingVerificationCode
from portin.storage.paging import Page
from portin.storage.verification_codes import CODE_SORTS

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Verification codes"])
operator_router = APIRouter(route_class=OneHopRoute,
                            prefix="/v2/operator", tags=["Operator (porting desk)"],
                            dependencies=[Depends(operator_caller)])

LIST_DOCS: list[ParamDoc] = [
    ("filter[verified]", {"type": "boolean"}, "Codes that have (or have not) been verified."),
    ("sort[value]", {"type": "string", "enum": list(CODE_SORTS)},
     "Sort order (also sort); newest first by default."),
    *PAGE_DOCS,
]


def get_code_sender(request: Request) -> CodeSender:
    sender: CodeSender = request.app.state.code_sender
    return sender


def _codes_page(session: Session, request: Request, order_id: str,
                organization_id: str | None) -> Page[PortingVerificationCode]:
    """A page of one order's codes; organization_id None: the porting desk, any order."""
    query = Query(request.query_params)
    verified = query.boolean("filter[verified]")
    sort = query.choice("sort[value]", CODE_SORTS) or query.choice("sort", CODE_SORTS)
    page = query.page()
    order = order_service.require_order(session, order_id, organization_id)
    return code_store.list_codes(session, order.id, order.organization_id, page, verified,
                                 sort or "-created_at")


@router.get("/porting_orders/{order_id}/verification_codes",
            summary="List an order's verification codes", openapi_extra=parameter_docs(LIST_DOCS))
def list_codes(order_id: str, request: Request, caller: Caller = Depends(user_caller),
               db: Database = Depends(get_db)) -> responses.VerificationCodeList:
    with db.reading() as session:
        result = _codes_page(session, request, order_id, org_id(caller))
        return responses.VerificationCodeList(
            data=[resources.verification_code(r) for r in result.items], meta=result.meta())


@router.post("/porting_orders/{order_id}/verification_codes/send", status_code=204,
             response_class=Response, summary="Send verification codes to an order's numbers")
def send_codes(order_id: str, body: VerificationCodeSend, caller: Caller = Depends(user_caller),
               db: Database = Depends(get_db),
               sender: CodeSender = Depends(get_code_sender)) -> Response:
    with db.writing() as session:
        messages = code_service.send_codes(
            session, org_id(caller), order_id, body.phone_numbers, body.verification_method,
            sender.operator_reads_codes, utcnow())
    # After the commit: a code is only sent once it can be verified.
    sender.send(messages)
    return Response(status_code=204)


@router.post("/porting_orders/{order_id}/verification_codes/verify",
             summary="Verify the codes of an order's numbers")
def verify_codes(order_id: str, body: VerificationCodeVerify,
                 caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db)) -> responses.VerifiedCodes:
    entries = [(entry.phone_number, entry.code) for entry in body.verification_codes]
    with db.writing() as session:
        outcome = code_service.verify_codes(session, org_id(caller), order_id, entries,
                                            utcnow())
        if outcome.refusal is None:
            return responses.VerifiedCodes(
                data=[resources.verification_code(r) for r in outcome.verified])
    # A wrong code is refused after its count is committed: the count is what locks guessing.
    raise outcome.refusal


@operator_router.get("/porting_orders/{order_id}/verification_codes",
                     summary="Read an order's verification codes (the sandbox's codes)",
                     openapi_extra=parameter_docs(LIST_DOCS))
def operator_list_codes(order_id: str, request: Request, db: Database = Depends(get_db)
                        ) -> responses.OperatorVerificationCodeList:
    with db.reading() as session:
        result = _codes_page(session, request, order_id, None)
        return responses.OperatorVerificationCodeList(
            data=[resources.operator_verification_code(r) for r in result.items],
            meta=result.meta())
