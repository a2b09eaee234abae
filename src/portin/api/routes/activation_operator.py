"""/v2/operator: the porting desk's side of FOC windows and activation: the lead-time and
holiday tables, and the outcome of an activation job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller
from portin.api.routing import OneHopRoute
from portin.api.schemas import ActivationJobOutcome, FocHolidayBody, FocLeadTimeBody
from portin.domain.timefmt import utcnow
from portin.services import activation as activation_service
from portin.services import foc as foc_service
from portin.storage import activation as activation_store
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute,
                   prefix="/v2/operator", tags=["Operator: FOC windows and activation"],
                   dependencies=[Depends(operator_caller)])


@router.post("/porting_orders/{order_id}/activation_jobs/{job_id}",
             summary="Complete or fail an activation job")
def finish_activation_job(order_id: str, job_id: str, body: ActivationJobOutcome,
                          db: Database = Depends(get_db)) -> responses.OneActivationJob:
    with db.writing() as session:
        job = activation_service.finish(session, order_id, job_id, body.status, utcnow())
        return responses.OneActivationJob(data=resources.activation_job(job))


@router.get("/foc_lead_times", summary="List the FOC lead-time table")
def list_lead_times(db: Database = Depends(get_db)) -> responses.FocLeadTimes:
    with db.reading() as session:
        return responses.FocLeadTimes(
            data=[resources.foc_lead_time(r) for r in activation_store.lead_times(session)])


@router.put("/foc_lead_times/{country_code}/{phone_number_type}",
            summary="Set the lead time of a country and number type ('*' for any)")
def put_lead_time(country_code: str, phone_number_type: str, body: FocLeadTimeBody,
                  db: Database = Depends(get_db)) -> responses.OneFocLeadTime:
    with db.writing() as session:
        row = foc_service.put_lead_time(session, country_code, phone_number_type,
                                        body.lead_business_days, body.time_zone, utcnow())
        return responses.OneFocLeadTime(data=resources.foc_lead_time(row))


@router.delete("/foc_lead_times/{country_code}/{phone_number_type}", status_code=204,
               response_class=Response, summary="Remove a row of the lead-time table")
def delete_lead_time(country_code: str, phone_number_type: str,
                     db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        foc_service.delete_lead_time(session, country_code, phone_number_type)
    return Response(status_code=204)


@router.get("/foc_holidays", summary="List the operator's holiday changes")
def list_holidays(db: Database = Depends(get_db)) -> responses.FocHolidays:
    with db.reading() as session:
        return responses.FocHolidays(
            data=[resources.foc_holiday(r) for r in activation_store.holiday_changes(session)])


@router.post("/foc_holidays", status_code=201,
             summary="Close a day, or open a public holiday, in one country")
def add_holiday(body: FocHolidayBody, db: Database = Depends(get_db)
                ) -> responses.OneFocHoliday:
    with db.writing() as session:
        row = foc_service.add_holiday(session, body.country_code, body.date, body.kind,
                                      body.name, utcnow())
        return responses.OneFocHoliday(data=resources.foc_holiday(row))


@router.delete("/foc_holidays/{holiday_id}", status_code=204, response_class=Response,
               summary="Remove a holiday change")
def delete_holiday(holiday_id: str, db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        foc_service.delete_holiday(session, holiday_id)
    return Response(status_code=204)
