"""/v2/portability_checks and /v2/porting/uk_carriers: what an organization may ask before
it orders a port (the answers come from the porting desk's shared reference data)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from portin.api import resources, responses
from portin.api.deps import get_db, user_caller
from portin.api.routing import OneHopRoute
from portin.api.schemas import PortabilityCheckBody
from portin.services import portability as portability_service
from portin.services import uk_carriers as carrier_service
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute,
                   prefix="/v2", tags=["Portability"], dependencies=[Depends(user_caller)])


@router.post("/portability_checks", status_code=201, summary="Run a portability check",
             description="One result per number, in the order sent (at most 1000). A number"
                         " that is not a valid +E.164 number is answered as not portable,"
                         " with the reason.")
def run_check(body: PortabilityCheckBody, db: Database = Depends(get_db)
              ) -> responses.PortabilityCheckResults:
    with db.reading() as session:
        verdicts = portability_service.check(session, body.phone_numbers)
        return responses.PortabilityCheckResults(
            data=[resources.portability_result(v) for v in verdicts])


@router.get("/porting/uk_carriers", summary="List UK carriers",
            description="The carriers the porting desk has loaded, by name.")
def list_uk_carriers(db: Database = Depends(get_db)) -> responses.UkCarrierList:
    with db.reading() as session:
        return responses.UkCarrierList(
            data=[resources.uk_carrier(c) for c in carrier_service.list_carriers(session)])
