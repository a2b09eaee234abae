"""The V1 ids of an order (`GET /v2/porting_orders/{id}/sub_request`), derived, never stored.

In the V1 API a port request groups sub requests, one per porting order. portin has no V1
records, so it derives stable ids (UUID version 5) in a namespace of its own: the sub
request's from the order's id (one per order, fixed for its life), the port request's from the
order's parent_support_key, which a submitted order gets and the orders split from it keep
(so they share one port request). A draft has no port request yet.
"""

from __future__ import annotations

import uuid
from typing import Final

NAMESPACE: Final = uuid.UUID("8f6d2c1e-5b0a-4e47-9a3c-2d7e6f1b0c94")


def sub_request_id(order_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"sub_request/{order_id}"))


def port_request_id(parent_support_key: str | None) -> str | None:
    if parent_support_key is None:
        return None
    return str(uuid.uuid5(NAMESPACE, f"port_request/{parent_support_key}"))
