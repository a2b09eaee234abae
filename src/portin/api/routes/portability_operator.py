"""/v2/operator/portability_rules and /v2/operator/uk_carriers: the porting desk edits the
shared reference data behind portability checks and the UK carrier list."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller
from portin.api.routing import OneHopRoute
from portin.api.schemas import PortabilityRuleBody, UkCarrierBody
from portin.domain.portability import Rule
from portin.domain.timefmt import utcnow
from portin.domain.uk_carriers import check_entry
from portin.services import portability as portability_service
from portin.services import uk_carriers as carrier_service
from portin.storage.db import Database

router = APIRouter(route_class=OneHopRoute, prefix="/v2/operator", tags=["Operator (porting desk)"],
                   dependencies=[Depends(operator_caller)])

RULE_PATH = "/portability_rules/{country_code}/{phone_number_type}"


# -- portability rules ------------------------------------------------------------------
@router.get("/portability_rules", summary="List the portability rules")
def list_rules(db: Database = Depends(get_db)) -> responses.PortabilityRuleList:
    with db.reading() as session:
        return responses.PortabilityRuleList(data=[
            resources.portability_rule(r) for r in portability_service.list_rules(session)])


@router.put(RULE_PATH, summary="Set the portability rule of a country and number type",
            description="'*' as the country or the type is a wildcard; the most specific"
                        " rule wins.")
def put_rule(country_code: str, phone_number_type: str, body: PortabilityRuleBody,
             db: Database = Depends(get_db)) -> responses.OnePortabilityRule:
    rule = Rule(country_code=country_code, phone_number_type=phone_number_type,
                portable=body.portable, fast_portable=body.fast_portable,
                not_portable_reason=body.not_portable_reason)
    with db.writing() as session:
        row = portability_service.put_rule(session, rule, utcnow())
        return responses.OnePortabilityRule(data=resources.portability_rule(row))


@router.delete(RULE_PATH, summary="Delete the portability rule of a country and number type")
def delete_rule(country_code: str, phone_number_type: str,
                db: Database = Depends(get_db)) -> responses.OnePortabilityRule:
    with db.writing() as session:
        row = portability_service.delete_rule(session, country_code, phone_number_type)
        return responses.OnePortabilityRule(data=resources.portability_rule(row))


# -- UK carriers ------------------------------------------------------------------------
@router.get("/uk_carriers", summary="List the UK carriers")
def list_carriers(db: Database = Depends(get_db)) -> responses.UkCarrierList:
    with db.reading() as session:
        return responses.UkCarrierList(
            data=[resources.uk_carrier(c) for c in carrier_service.list_carriers(session)])


@router.post("/uk_carriers", summary="Add a UK carrier, or update the one with its CUPID")
def upsert_carrier(body: UkCarrierBody, db: Database = Depends(get_db)
                   ) -> responses.OneUkCarrier:
    entry = check_entry(body.name, body.cupid, body.alternative_cupids)
    with db.writing() as session:
        result = carrier_service.upsert(session, [entry], utcnow())
        return responses.OneUkCarrier(data=resources.uk_carrier(result.carriers[0]))


@router.delete("/uk_carriers/{carrier_id}", summary="Delete a UK carrier")
def delete_carrier(carrier_id: str, db: Database = Depends(get_db)) -> responses.OneUkCarrier:
    with db.writing() as session:
        return responses.OneUkCarrier(
            data=resources.uk_carrier(carrier_service.delete(session, carrier_id)))
