"""A local fake of the Stripe HTTP API (the parts this provider uses), served on loopback.

It speaks Stripe's shapes: ``Authorization: Bearer <secret key>``, form-encoded bodies with
bracketed keys (``line_items[0][price_data][unit_amount]=1200``), JSON objects with ``id`` /
``object``, errors as ``{"error": {"type", "code", "message"}}``, and ``Idempotency-Key``
replay (same key and parameters → the same response; other parameters → 400
``idempotency_error``). Webhook events are signed as Stripe signs them: ``Stripe-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "t.body" under the endpoint's secret>``."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from urllib.parse import parse_qsl

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):08d}fake"


def decode_form(body: str) -> dict:
    """Stripe's form encoding back to nested dicts and lists (``a[0][b]=1`` → ``{"a": [{"b": "1"}]}``)."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node = root
        for part, following in zip(parts, parts[1:] + [None], strict=True):
            if following is None:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


class FakeStripe:
    def __init__(self, secret_key: str = "sk_test_fake", webhook_secret: str = "whsec_fake"):
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.base_url = ""
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[dict] = []  # method, path, params, headers (for assertions)
        self._idempotent: dict[str, tuple[dict, int, dict]] = {}
        self._lock = threading.Lock()

    # --- the HTTP API ---------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length).decode() if length else ""
        params = decode_form(raw if method == "POST" else environ.get("QUERY_STRING", ""))
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
        with self._lock:
            self.requests.append({"method": method, "path": path, "params": params, "idempotency_key": key})
            if environ.get("HTTP_AUTHORIZATION", "") != f"Bearer {self.secret_key}":
                status, body = 401, _error("invalid_request_error", "Invalid API Key provided.", code="api_key_invalid")
            elif method == "POST" and key and key in self._idempotent:
                seen, status, body = self._idempotent[key]
                if seen != params:
                    status, body = (
                        400,
                        _error("idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with."),
                    )
            else:
                status, body = self._route(method, path, params)
                if method == "POST" and key:
                    self._idempotent[key] = (params, status, body)
        data = json.dumps(body).encode()
        start_response(f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(data))), ("Request-Id", f"req_{next(_ids)}")])
        return [data]

    def _route(self, method, path, params):
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        m = re.fullmatch(r"/v1/checkout/sessions/([A-Za-z0-9_]+)", path)
        if method == "GET" and m:
            session = self.sessions.get(m.group(1))
            return (
                (200, session)
                if session
                else (404, _error("invalid_request_error", f"No such checkout.session: '{m.group(1)}'", code="resource_missing", param="session"))
            )
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, p):
        if p.get("mode") != "payment":
            return 400, _error("invalid_request_error", "Missing required param: mode.", param="mode")
        if not p.get("success_url"):
            return 400, _error("invalid_request_error", "Missing required param: success_url.", param="success_url")
        items = p.get("line_items") or []
        try:
            total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items)
            currency = {i["price_data"]["currency"] for i in items}
        except (KeyError, TypeError, ValueError):
            return 400, _error("invalid_request_error", "Invalid line_items.", param="line_items")
        if not items or currency != {"jpy"}:
            return 400, _error("invalid_request_error", "line_items must be in one currency.", param="line_items")
        methods = p.get("payment_method_types") or ["card"]
        if "konbini" in methods and not (120 <= total <= 300000):
            return 400, _error("invalid_request_error", "konbini amounts must be between ¥120 and ¥300,000.", param="line_items")
        sid = _id("cs")
        session = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": "jpy",
            "client_reference_id": p.get("client_reference_id"),
            "customer_email": p.get("customer_email"),
            "metadata": p.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": methods,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": p["success_url"],
            "cancel_url": p.get("cancel_url"),
            "expires_at": int(time.time()) + 86400,
            "livemode": False,
            "url": f"{self.base_url}/c/pay/{sid}",
        }
        self.sessions[sid] = session
        return 200, session

    def _create_refund(self, p):
        intent = p.get("payment_intent")
        session = next((s for s in self.sessions.values() if s["payment_intent"] == intent), None)
        if session is None:
            return 404, _error("invalid_request_error", f"No such payment_intent: '{intent}'", code="resource_missing", param="payment_intent")
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        amount = int(p.get("amount") or session["amount_total"] - refunded)
        if amount + refunded > session["amount_total"]:
            return 400, _error("invalid_request_error", "Refund amount is greater than unrefunded amount on charge.", code="amount_too_large")
        rid = _id("re")
        refund = {
            "id": rid,
            "object": "refund",
            "amount": amount,
            "currency": "jpy",
            "payment_intent": intent,
            "status": "succeeded",
            "metadata": p.get("metadata") or {},
        }
        self.refunds[rid] = refund
        return 200, refund

    # --- what happens on Stripe's side ----------------------------------------------------
    def complete(self, session_id: str, *, paid: bool = True) -> dict:
        """The resident finished the checkout: paid by card, or (``paid=False``) a コンビニ voucher."""
        s = self.sessions[session_id]
        s.update(status="complete", payment_status="paid" if paid else "unpaid", payment_intent=s["payment_intent"] or _id("pi"), url=None)
        return s

    def pay_konbini(self, session_id: str) -> dict:
        s = self.sessions[session_id]
        s["payment_status"] = "paid"
        return s

    def expire(self, session_id: str) -> dict:
        s = self.sessions[session_id]
        s.update(status="expired", url=None)
        return s

    def event(self, kind: str, obj: dict, *, event_id: str | None = None, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, str]:
        """A webhook delivery: (body, ``Stripe-Signature`` header)."""
        body = json.dumps(
            {
                "id": event_id or _id("evt"),
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "data": {"object": dict(obj)},
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": kind,
            }
        ).encode()
        t = int(time.time()) if timestamp is None else timestamp
        signature = hmac.new((secret or self.webhook_secret).encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return body, f"t={t},v1={signature}"

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]


def _error(kind: str, message: str, *, code: str | None = None, param: str | None = None) -> dict:
    error = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return {"error": error}
