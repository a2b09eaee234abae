"""Every port-in method of the `telnyx` SDK reaches an operation of portin's API.

The SDK's resource modules are read as source (their `self._get("/path", ...)` calls), so a
method the SDK gains in a new version, or a route portin loses, fails here before any user
meets a 404.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import telnyx
from fastapi.testclient import TestClient

RESOURCES = Path(telnyx.__file__).parent / "resources"
PORT_IN_MODULES = [
    *sorted((RESOURCES / "porting_orders").glob("*.py")),
    *sorted((RESOURCES / "porting").glob("*.py")),
    *(RESOURCES / name for name in ("documents.py", "document_links.py",
                                     "portability_checks.py", "porting_phone_numbers.py")),
]
HTTP_CALLS = {"_get": "get", "_post": "post", "_patch": "patch", "_put": "put",
              "_delete": "delete", "_get_api_list": "get"}


def _path_of(argument: ast.expr) -> str:
    if isinstance(argument, ast.Call):  # path_template("/a/{id}", id=id)
        argument = argument.args[0]
    assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
    return argument.value.split("?")[0]


def sdk_operations() -> set[tuple[str, str, str]]:
    """(method, path template, the SDK's name for it) of every synchronous resource method."""
    found = set()
    for module in PORT_IN_MODULES:
        for cls in ast.parse(module.read_text()).body:
            if not (isinstance(cls, ast.ClassDef) and cls.name.endswith("Resource")
                    and not cls.name.startswith("Async")):
                continue
            for method in (f for f in cls.body if isinstance(f, ast.FunctionDef)):
                for node in ast.walk(method):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr in HTTP_CALLS):
                        found.add((HTTP_CALLS[node.func.attr], _path_of(node.args[0]),
                                   f"{module.stem}.{method.name}"))
    return found


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_the_sdk_is_read(client: TestClient) -> None:
    operations = sdk_operations()
    # Guards the parsing itself: the port-in surface of telnyx 4.189.0 is over 60 methods.
    assert len(operations) > 60
    assert ("get", "/porting_orders/{id}", "porting_orders.retrieve") in operations


def test_every_port_in_method_of_the_sdk_has_an_operation(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    served = {(method, _shape(path.removeprefix("/v2")))
              for path, item in document["paths"].items() for method in item}
    missing = sorted(f"{name}: {method.upper()} {path}"
                     for method, path, name in sdk_operations()
                     if (method, _shape(path)) not in served)
    assert missing == []
