"""Editing a company from a contact's card: name, type, main phone, billing address, status.

A contact is linked to a company by `core.contacts.edits.update_contact` (an existing company,
or a new name found or made by `core.contacts.service.find_or_create_company`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import CompanyStatus, CompanyType
from core.common.validation import clean_text, parse_choice, required_text
from core.contacts.input import ADDRESS_LIMIT, NAME_LIMIT
from core.contacts.points import normalize_phone
from core.errors import InvalidInput, NotFound
from core.models import Company, Workspace
from core.platform.audit import audit, snapshot

__all__ = ["get_company", "update_company"]


def get_company(session: Session, *, workspace: Workspace, company_id: str) -> Company:
    """The company, or NotFound outside this workspace."""
    company = session.scalars(
        select(Company).where(
            Company.workspace_id == workspace.workspace_id, Company.company_id == company_id
        )
    ).first()
    if company is None:
        raise NotFound("That company is not in this workspace.", field="company_id")
    return company


def update_company(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    company_id: str,
    name: str,
    type: str,
    main_phone: str | None,
    billing_address: str | None,
    status: str,
) -> Company:
    """Save the Edit company form: every field checked before any is written, one audit row."""
    company = get_company(session, workspace=workspace, company_id=company_id)
    cleaned_name = required_text(name, field="name", label="company name", limit=NAME_LIMIT)
    kind = parse_choice(CompanyType, type, field="type", label="company type")
    phone_text = clean_text(main_phone, field="main_phone", label="main phone", limit=100)
    try:
        phone = normalize_phone(phone_text, workspace.default_phone_region) if phone_text else None
    except InvalidInput as wrong:  # said of the company's main phone, shown on that input
        raise InvalidInput(wrong.message, field="main_phone") from None
    address = clean_text(
        billing_address,
        field="billing_address",
        label="billing address",
        limit=ADDRESS_LIMIT,
        one_line=True,
    )
    state = parse_choice(CompanyStatus, status, field="status", label="company status")
    before = snapshot(company)
    company.name = cleaned_name
    company.type = kind
    company.main_phone = phone
    company.billing_address = address
    company.status = state
    audit(session, workspace, actor=actor, action="update_company", entity=company, before=before)
    return company
