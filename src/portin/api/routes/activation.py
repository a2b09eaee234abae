"""/v2/porting_orders/{id}: allowed FOC windows, activation and its jobs (the user's side)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from portin.api import resources, responses
from portin.api.deps import get_db, org_id, user_caller
from portin.api.query import PAGE_DOCS, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import ActivationJobUpdate
from portin.domain.timefmt import utcnow
from portin.services import activation as activation_service
from portin.services import foc as foc_service
from portin.services import orders as order_service
from portin.services.accounts import Caller
from portin.storage import activation as activation_store
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["FOC windows and activation"])


@router.get("/porting_orders/{order_id}/allowed_foc_windows",
            summary="List the windows in which the order may port")
def allowed_foc_windows(order_id: str, caller: Caller = Depends(user_caller),
                        db: Database = Depends(get_db)) -> responses.AllowedFocWindows:
    with db.reading() as session:
        order = order_service.require_order(session, order_id, org_id(caller))
        return resources.foc_windows(foc_service.allowed_windows(session, order, utcnow()))


@router.post("/porting_orders/{order_id}/actions/activate", status_code=202,
             summary="Activate a FastPort order whose FOC date is confirmed")
def activate(order_id: str, caller: Caller = Depends(user_caller),
             db: Database = Depends(get_db)) -> responses.OneActivationJob:
    with db.writing() as session:
        job = activation_service.activate(session, org_id(caller), order_id, utcnow())
        return responses.OneActivationJob(data=resources.activation_job(job))


@router.get("/porting_orders/{order_id}/activation_jobs",
            summary="List an order's activation jobs", openapi_extra=parameter_docs(PAGE_DOCS))
def list_activation_jobs(order_id: str, request: Request, caller: Caller = Depends(user_caller),
                         db: Database = Depends(get_db)) -> responses.ActivationJobList:
    page = Query(request.query_params).page()
    with db.reading() as session:
        order_service.require_order(session, order_id, org_id(caller))
        result = activation_store.list_jobs(session, order_id, page)
        return responses.ActivationJobList(
            data=[resources.activation_job(j) for j in result.items], meta=result.meta())


@router.get("/porting_orders/{order_id}/activation_jobs/{job_id}",
            summary="Retrieve an activation job")
def retrieve_activation_job(order_id: str, job_id: str, caller: Caller = Depends(user_caller),
                            db: Database = Depends(get_db)) -> responses.OneActivationJob:
    with db.reading() as session:
        order = order_service.require_order(session, order_id, org_id(caller))
        job = activation_service.require_job(session, order, job_id)
        return responses.OneActivationJob(data=resources.activation_job(job))


@router.patch("/porting_orders/{order_id}/activation_jobs/{job_id}",
              summary="Reschedule an activation job inside its activation windows")
def update_activation_job(order_id: str, job_id: str, body: ActivationJobUpdate,
                          caller: Caller = Depends(user_caller),
                          db: Database = Depends(get_db)) -> responses.OneActivationJob:
    with db.writing() as session:
        job = activation_service.reschedule(session, org_id(caller), order_id, job_id,
                                            body.activate_at, utcnow())
        return responses.OneActivationJob(data=resources.activation_job(job))
