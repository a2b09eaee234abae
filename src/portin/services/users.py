"""Portal users: argon2id passwords, a lock-out after repeated failures, server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portin.domain.email_address import validate_email
from portin.domain.errors import Conflict, InvalidRequest, NotFound, PortinError
from portin.storage.models import Organization, PortalSession, User

MAX_FAILED_SIGN_INS = 5
LOCK_OUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class SignInRefused(PortinError):
    """Email or password is wrong."""

    status_code = 401
    code = "10009"


class LockedOut(PortinError):
    """Too many failed sign-ins."""

    status_code = 429
    code = "10011"


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    organization_id: str
    organization_name: str
    email: str
    csrf_token: str


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(session: Session, organization_id: str, email: str, password: str,
                now: datetime) -> User:
    address = validate_email(email, "/email").lower()
    if session.get(Organization, organization_id) is None:
        raise NotFound(f"Organization {organization_id} was not found.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
                             pointer="/password")
    if session.execute(select(User.id).where(User.email == address)).first():
        raise Conflict(f"A user with the email {address} already exists.")
    user = User(id=str(uuid.uuid4()), organization_id=organization_id, email=address,
                password_hash=_hasher.hash(password), failed_sign_ins=0, locked_until=None,
                created_at=now)
    session.add(user)
    session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignInResult:
    """Either a session token or the refusal. Returned, not raised, so that the caller's
    transaction commits the failure count along with everything else."""

    token: str | None = None
    refusal: PortinError | None = None


def sign_in(session: Session, email: str, password: str, now: datetime) -> SignInResult:
    """Check the password and open a session.

    Five wrong passwords in a row lock the account for 15 minutes. An unknown email costs the
    same work as a wrong password, and both get the same answer."""
    user = session.execute(
        select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        _hasher.hash(password)  # same cost as a real check
        return SignInResult(refusal=SignInRefused())
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignInResult(refusal=LockedOut(
            f"Too many failed sign-ins; try again in {minutes} minute(s)."))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            user.failed_sign_ins = 0
            user.locked_until = now + LOCK_OUT
            return SignInResult(refusal=LockedOut(
                f"Too many failed sign-ins; try again in {int(LOCK_OUT.total_seconds()) // 60}"
                " minute(s)."))
        return SignInResult(refusal=SignInRefused())
    user.failed_sign_ins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    session.add(PortalSession(token_hash=_token_hash(token), user_id=user.id,
                              csrf_token=secrets.token_urlsafe(32), created_at=now,
                              expires_at=now + SESSION_LIFETIME))
    session.flush()
    return SignInResult(token=token)


def session_of(session: Session, token: str, now: datetime) -> SignedIn | None:
    row = session.execute(
        select(PortalSession, User, Organization)
        .join(User, User.id == PortalSession.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .where(PortalSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    portal_session, user, organization = row
    if portal_session.expires_at <= now:
        return None
    return SignedIn(user.id, user.organization_id, organization.name, user.email,
                    portal_session.csrf_token)


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(PortalSession).where(PortalSession.token_hash == _token_hash(token)))


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
                             pointer="/password")
    user.password_hash = _hasher.hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()


def find_user(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
