"""Getting verification codes to the handset: one small interface a carrier implements.

`PORTIN_VERIFICATION_CODE_SENDER` chooses the sender: `sandbox` (the default) sends nothing
and keeps each code readable by the porting desk (GET /v2/operator/porting_orders/{id}/
verification_codes); `package.module:factory` names a carrier's own sender, built once with
the Settings. A sender must never log a code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

from portin.config import Settings


@dataclass(frozen=True)
class CodeMessage:
    porting_order_id: str
    phone_number: str
    method: str  # "sms" or "call"
    code: str = field(repr=False)  # a secret: left out of reprs, so out of tracebacks too


class CodeSender(Protocol):
    # True: portin keeps each code readable for the porting desk (the sandbox, where no
    # message leaves the machine). A real sender says False and only a digest is kept.
    operator_reads_codes: bool

    def send(self, messages: Sequence[CodeMessage]) -> None:
        """Deliver the codes (called after they are committed). Raise to report a failure;
        the caller may send again, which makes a new code."""


class SandboxSender:
    """Nothing leaves the machine: the codes wait for the porting desk to read them."""

    operator_reads_codes = True

    def send(self, messages: Sequence[CodeMessage]) -> None:
        return None


def load_sender(settings: Settings) -> CodeSender:
    spec = settings.verification_code_sender
    if spec == "sandbox":
        return SandboxSender()
    module_name, _, attribute = spec.partition(":")
    factory = cast(Callable[[Settings], CodeSender],
                   getattr(importlib.import_module(module_name), attribute))
    return factory(settings)
