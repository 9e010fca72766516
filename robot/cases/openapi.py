"""The OpenAPI 3.1 description of the REST API (published as docs/openapi.json)."""

from __future__ import annotations

from typing import Any

_ERR = {"description": "error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}  # fmt: skip


def _json(ref: str, desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {
        "$ref": f"#/components/schemas/{ref}"}}}}  # fmt: skip


def _file_upload(kind: str, doc: str) -> dict[str, Any]:
    return {
        "summary": f"Send a {kind} file (CSV, columns in {doc})",
        "description": "The body is the CSV file as the bank exports it (UTF-8 or GB18030)."
        " Re-sending the same file returns the first result with already=true and changes"
        " nothing; bad rows are listed in rejects and kept in a reject file.",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {
            "type": "string"}}}},  # fmt: skip
        "responses": {"200": _json("ImportReport", "what the import did"), "400": _ERR,
                      "401": _ERR, "403": _ERR},  # fmt: skip
    }


def spec() -> dict[str, Any]:
    case_id = {"name": "account_id", "in": "path", "required": True, "schema": {"type": "string"}}
    accounts = _file_upload("account", "docs/account-file.md")
    accounts["parameters"] = [{"name": "today", "in": "query", "schema": {
        "type": "string", "format": "date"}, "description": "day to compute days past due"
        " from (default: the server's today)"}]  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dunbot case API", "version": "1",
                 "description": "Account and payment files from banks; placed cases for"
                 " agencies. Guide: docs/api.md."},  # fmt: skip
        "paths": {
            "/v1/account-files": {"post": accounts},
            "/v1/payment-files": {"post": _file_upload("payment", "docs/payment-file.md")},
            "/v1/payments": {"post": {
                "summary": "Report one payment (JSON), e.g. as it settles",
                "description": "Idempotent on payment_id: the same payment again answers 200"
                " with already=true and changes nothing; the same id with other values is"
                " refused with 409 (a person decides). Same field rules as the payment file"
                " (docs/payment-file.md); unknown fields are refused.",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/PaymentIn"}}}},
                "responses": {"201": _json("Payment", "stored"),
                              "200": _json("Payment", "received before (already=true)"),
                              "400": _ERR, "401": _ERR, "403": _ERR, "409": _ERR}}},
            "/v1/cases/{account_id}": {"get": {
                "summary": "One case (bank token)", "security": [{"bearer": []}],
                "parameters": [case_id],
                "responses": {"200": _json("Case", "the case"), "401": _ERR, "403": _ERR,
                              "404": _ERR}}},  # fmt: skip
            "/v1/agency/cases": {"get": {
                "summary": "Cases placed with the token's agency", "security": [{"bearer": []}],
                "responses": {"200": {"description": "the cases", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "cases": {"type": "array", "items": {
                            "$ref": "#/components/schemas/PlacedCase"}}}}}}},
                    "401": _ERR, "403": _ERR}}},  # fmt: skip
            "/v1/agency/cases/{account_id}": {"get": {
                "summary": "One placed case with the agency's actions on it",
                "security": [{"bearer": []}], "parameters": [case_id],
                "responses": {"200": _json("PlacedCase", "the case"), "401": _ERR,
                              "403": _ERR, "404": _ERR}}},  # fmt: skip
            "/v1/agency/cases/{account_id}/actions": {"post": {
                "summary": "Record an action (call, visit, promise ...) on a placed case",
                "description": "An Idempotency-Key header makes a re-sent action a no-op"
                " that returns the first action's id.",
                "security": [{"bearer": []}],
                "parameters": [case_id, {"name": "Idempotency-Key", "in": "header",
                                         "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Action"}}}},
                "responses": {"201": {"description": "recorded", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "id": {"type": "integer"}}}}}},
                    "400": _ERR, "401": _ERR, "403": _ERR, "404": _ERR}}},  # fmt: skip
            "/v1/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3.1"}}}},  # fmt: skip
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "dunbot cases token NAME --role"
                                           " bank|agency"}},  # fmt: skip
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
                "ImportReport": {"type": "object", "properties": {
                    "kind": {"type": "string"}, "name": {"type": "string"},
                    "sha256": {"type": "string"}, "rows": {"type": "integer"},
                    "inserted": {"type": "integer"},
                    "updated": {"type": "integer", "description": "accounts refreshed; for"
                                " payments, ids already received with the same values"},
                    "rejected": {"type": "integer"}, "already": {"type": "boolean"},
                    "rejects_path": {"type": ["string", "null"]},
                    "rejects": {"type": "array", "items": {"type": "object", "properties": {
                        "row": {"type": "integer"}, "reason": {"type": "string"}}}}}},
                "PaymentIn": {"type": "object", "additionalProperties": False,
                              "required": ["payment_id", "account_id", "amount", "paid_on"],
                              "properties": {
                    "payment_id": {"type": "string", "description": "the bank's id; the key"},
                    "account_id": {"type": "string"},
                    "amount": {"type": ["string", "number"], "description": "positive,"
                               " at most 2 decimals; a string keeps it exact"},
                    "paid_on": {"type": "string", "format": "date"},
                    "currency": {"type": "string", "description": "ISO 4217; default the"
                                 " account's"},
                    "channel": {"type": "string"}, "reference": {"type": "string"}}},
                "Payment": {"type": "object", "properties": {
                    "payment_id": {"type": "string"}, "account_id": {"type": "string"},
                    "amount": {"type": "string", "description": "exact decimal"},
                    "currency": {"type": "string"},
                    "paid_on": {"type": "string", "format": "date"},
                    "channel": {"type": "string"}, "reference": {"type": "string"},
                    "status": {"enum": ["new", "matched", "unmatched"]},
                    "source": {"type": "string"}, "already": {"type": "boolean"}}},
                "Case": {"type": "object", "properties": {
                    "account_id": {"type": "string"},
                    "status": {"enum": ["open", "closed"]},
                    "balance": {"type": "string", "description": "exact decimal"},
                    "currency": {"type": "string"}, "bucket": {"type": "string"},
                    "dpd": {"type": "integer"}, "risk_score": {"type": ["integer", "null"]},
                    "region": {"type": "string"}, "compliance": {"type": "string"},
                    "as_of": {"type": "string", "format": "date"}}},
                "PlacedCase": {"type": "object", "properties": {
                    "account_id": {"type": "string"}, "name": {"type": "string"},
                    "phone": {"type": "string"}, "currency": {"type": "string"},
                    "bucket": {"type": "string"}, "dpd": {"type": "integer"},
                    "balance": {"type": "string"}, "placement_id": {"type": "integer"},
                    "placed_on": {"type": "string", "format": "date"},
                    "expires_on": {"type": "string", "format": "date"},
                    "actions": {"type": "array", "items": {"type": "object"}}}},
                "Action": {"type": "object", "required": ["kind"], "properties": {
                    "kind": {"enum": ["call", "sms", "visit", "letter", "note", "promise"]},
                    "result": {"type": "string", "description": "no_contact, contact,"
                               " right_party or promise (used by the reports)"},
                    "note": {"type": "string"},
                    "ptp_amount": {"type": "string", "description": "exact decimal"},
                    "ptp_date": {"type": "string", "format": "date"}}},
            },
        },
    }  # fmt: skip
