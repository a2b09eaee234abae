"""/v2/operator: the requirements catalogue (types, and which apply to which country and
number type), the desk's review of an order's requirements, and any organization's porting
settings (operator keys only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from portin.api import resources, responses
from portin.api.deps import get_db, operator_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routes.requirements import requirement_page
from portin.api.routing import OneHopRoute
from portin.api.schemas import (
    CountryRequirementsBody,
    PortingSettingsUpdate,
    RequirementReview,
    RequirementTypeBody,
)
from portin.domain.errors import NotFound
from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.services import requirement_review
from portin.services import requirements as requirement_service
from portin.storage import accounts
from portin.storage import requirements as requirement_store
from portin.storage.db import Database
from portin.storage.requirements import RuleFilters

router = APIRouter(route_class=OneHopRoute, prefix="/v2/operator", tags=["Operator: requirements"],
                   dependencies=[Depends(operator_caller)])

RULE_FILTER_DOCS: list[ParamDoc] = [
    ("filter[country_code]", {"type": "string"}, "One country (ISO alpha-2)."),
    ("filter[phone_number_type]", {"type": "string",
                                   "enum": list(requirement_service.NUMBER_TYPES)},
     "One number type."),
    *PAGE_DOCS,
]


# -- requirement types ----------------------------------------------------------------------
@router.get("/requirement_types", summary="List the requirement types of the catalogue",
            openapi_extra=parameter_docs(PAGE_DOCS))
def list_types(request: Request, db: Database = Depends(get_db)
               ) -> responses.RequirementTypeList:
    page = Query(request.query_params).page()
    with db.reading() as session:
        result = requirement_store.list_types(session, page)
        return responses.RequirementTypeList(
            data=[resources.requirement_type(row) for row in result.items],
            meta=responses.PageMeta(**result.meta()))


@router.get("/requirement_types/{type_id}", summary="Retrieve a requirement type")
def retrieve_type(type_id: str, db: Database = Depends(get_db)
                  ) -> responses.OneRequirementType:
    with db.reading() as session:
        row = requirement_service.require_type(session, type_id)
        return responses.OneRequirementType(data=resources.requirement_type(row))


@router.put("/requirement_types/{type_id}", summary="Create or replace a requirement type")
def put_type(type_id: str, body: RequirementTypeBody, db: Database = Depends(get_db)
             ) -> responses.OneRequirementType:
    fields = body.model_dump()
    fields["acceptance_criteria"] = body.acceptance_criteria.model_dump(exclude_none=True)
    with db.writing() as session:
        row = requirement_service.put_type(session, type_id, fields, utcnow())
        return responses.OneRequirementType(data=resources.requirement_type(row))


@router.delete("/requirement_types/{type_id}", status_code=204, response_class=Response,
               summary="Delete a requirement type nothing uses")
def delete_type(type_id: str, db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        requirement_service.delete_type(session, type_id)
    return Response(status_code=204)


# -- which types apply where ----------------------------------------------------------------
@router.get("/requirements_by_country",
            summary="List which requirement types each country and number type needs",
            openapi_extra=parameter_docs(RULE_FILTER_DOCS))
def list_country_requirements(request: Request, db: Database = Depends(get_db)
                              ) -> responses.CountryRequirementsList:
    query = Query(request.query_params)
    filters = RuleFilters(
        country_code=query.text("filter[country_code]", 2),
        phone_number_type=query.choice("filter[phone_number_type]",
                                       requirement_service.NUMBER_TYPES))
    page = query.page()
    with db.reading() as session:
        result = requirement_store.list_pairs(session, filters, page)
        rules = requirement_store.rules_for(session, result.items)
        return responses.CountryRequirementsList(
            data=[resources.country_requirements(country, kind, rules.get((country, kind), []))
                  for country, kind in result.items],
            meta=responses.PageMeta(**result.meta()))


@router.put("/requirements_by_country/{country_code}/{phone_number_type}",
            summary="Set the requirement types numbers of a country and type need")
def put_country_requirements(country_code: str, phone_number_type: str,
                             body: CountryRequirementsBody, db: Database = Depends(get_db)
                             ) -> responses.OneCountryRequirements:
    with db.writing() as session:
        type_ids = requirement_service.put_country_rules(
            session, country_code, phone_number_type, body.requirement_type_ids, utcnow())
        return responses.OneCountryRequirements(
            data=resources.country_requirements(country_code, phone_number_type, type_ids))


@router.delete("/requirements_by_country/{country_code}/{phone_number_type}",
               status_code=204, response_class=Response,
               summary="Require nothing of numbers of a country and type")
def delete_country_requirements(country_code: str, phone_number_type: str,
                                db: Database = Depends(get_db)) -> Response:
    with db.writing() as session:
        requirement_service.delete_country_rules(session, country_code, phone_number_type)
    return Response(status_code=204)


# -- the desk's review ----------------------------------------------------------------------
@router.get("/porting_orders/{order_id}/requirements",
            summary="List any order's requirements", openapi_extra=parameter_docs(PAGE_DOCS))
def list_any_requirements(order_id: str, request: Request, db: Database = Depends(get_db)
                          ) -> responses.RequirementList:
    with db.reading() as session:
        order = order_service.require_order(session, order_id, None)
        return requirement_page(session, order, request)


@router.post("/porting_orders/{order_id}/requirements/{requirement_type_id}",
             summary="Approve or reject an order's value for a requirement")
def review_requirement(order_id: str, requirement_type_id: str, body: RequirementReview,
                       db: Database = Depends(get_db)) -> responses.OneRequirement:
    with db.writing() as session:
        item = requirement_review.review(session, order_id, requirement_type_id, body.status,
                                         body.reason, utcnow())
        return responses.OneRequirement(data=resources.requirement(item))


# -- organizations' settings ----------------------------------------------------------------
def _require_organization(organization_id: str, session: Session) -> None:
    if accounts.get_organization(session, organization_id) is None:
        raise NotFound(f"Organization {organization_id} was not found.")


@router.get("/organizations/{organization_id}/porting_settings",
            summary="An organization's porting settings")
def get_organization_settings(organization_id: str, db: Database = Depends(get_db)
                              ) -> responses.OnePortingSettings:
    with db.reading() as session:
        _require_organization(organization_id, session)
        settings = requirement_service.settings_of(session, organization_id)
        return responses.OnePortingSettings(data=resources.porting_settings(settings))


@router.patch("/organizations/{organization_id}/porting_settings",
              summary="Change an organization's porting settings")
def update_organization_settings(organization_id: str, body: PortingSettingsUpdate,
                                 db: Database = Depends(get_db)
                                 ) -> responses.OnePortingSettings:
    with db.writing() as session:
        _require_organization(organization_id, session)
        settings = requirement_service.update_settings(
            session, organization_id, body.model_dump(exclude_unset=True), utcnow())
        return responses.OnePortingSettings(data=resources.porting_settings(settings))
