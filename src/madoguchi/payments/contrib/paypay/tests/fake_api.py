"""A local fake of PayPay's Open Payment API (the dynamic QR parts), served on loopback.

It checks the ``Authorization`` header exactly as ``paypayopa`` builds it:
``hmac OPA-Auth:<api key>:<base64 HMAC-SHA256>:<nonce>:<epoch seconds>:<body hash>``, the MAC over
``"\\n".join([path, METHOD, nonce, epoch, content type, body hash])`` under the API secret, with
body hash = base64(MD5(content type + body)) — both ``"empty"`` for a request without a body —
and the ``X-ASSUME-MERCHANT`` merchant id. Answers use PayPay's envelope
``{"resultInfo": {"code", "message", "codeId"}, "data": …}``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time

_ids = itertools.count(1)


def _result(code="SUCCESS", message="Success", code_id="08100001", data=None) -> dict:
    return {"resultInfo": {"code": code, "message": message, "codeId": code_id}, "data": data}


class FakePayPay:
    def __init__(self, api_key="a_fake_key", api_secret="fake_secret", merchant_id="999999999999999999"):
        self.api_key, self.api_secret, self.merchant_id = api_key, api_secret, merchant_id
        self.base_url = ""
        self.codes: dict[str, dict] = {}  # by merchantPaymentId
        self.refunds: dict[str, dict] = {}
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    def authentic(self, environ, body: bytes) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, rest = header.partition(":")
        parts = rest.split(":")
        if scheme != "hmac OPA-Auth" or len(parts) != 5:
            return False
        key, mac, nonce, epoch, body_hash = parts
        if key != self.api_key or abs(time.time() - int(epoch or 0)) > 120:
            return False
        content_type = environ.get("CONTENT_TYPE", "") if body else "empty"
        expected_hash = base64.b64encode(hashlib.md5(content_type.encode() + body).digest()).decode() if body else "empty"
        if body_hash != expected_hash:
            return False
        signed = "\n".join([environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"], nonce, epoch, content_type, body_hash])
        expected = base64.b64encode(hmac.new(self.api_secret.encode(), signed.encode(), hashlib.sha256).digest()).decode()
        return hmac.compare_digest(mac, expected) and environ.get("HTTP_X_ASSUME_MERCHANT") == self.merchant_id

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        with self._lock:
            data = json.loads(body) if body else None
            self.requests.append({"method": method, "path": path, "body": data})
            if not self.authentic(environ, body):
                status, answer = 401, _result("UNAUTHORIZED", "Unauthorized request", "08100016")
            else:
                status, answer = self._route(method, path, data)
        raw = json.dumps(answer).encode()
        start_response(f"{status} X", [("Content-Type", "application/json;charset=UTF-8"), ("Content-Length", str(len(raw)))])
        return [raw]

    def _route(self, method, path, data):
        if method == "POST" and path == "/v2/codes":
            return self._create_code(data or {})
        m = re.fullmatch(r"/v2/codes/payments/([^/]+)", path)
        if method == "GET" and m:
            code = self.codes.get(m.group(1))
            if code is None or code["status"] == "DELETED":
                return 400, _result("DYNAMIC_QR_PAYMENT_NOT_FOUND", "Dynamic QR payment not found", "01652073")
            return 200, _result(data=self._details(code))
        m = re.fullmatch(r"/v2/codes/([^/]+)", path)
        if method == "DELETE" and m:
            code = next((c for c in self.codes.values() if c["codeId"] == m.group(1)), None)
            if code is None:
                return 400, _result("DYNAMIC_QR_NOT_FOUND", "Dynamic QR not found", "01652074")
            if code["status"] == "CREATED":
                code["status"] = "DELETED"
            return 200, _result()
        if method == "POST" and path in ("/v2/refunds", "/v2/refunds/"):
            return self._refund(data or {})
        return 404, _result("NOT_FOUND", "Not found", "08100404")

    def _create_code(self, d):
        mpid = d.get("merchantPaymentId")
        amount = (d.get("amount") or {}).get("amount")
        if not mpid or not isinstance(amount, int) or (d.get("amount") or {}).get("currency") != "JPY" or d.get("codeType") != "ORDER_QR":
            return 400, _result("INVALID_PARAMS", "Invalid request params", "08100006")
        if mpid in self.codes:
            return 400, _result("DUPLICATE_DYNAMIC_QR_REQUEST", "Duplicate Dynamic QR request error", "01652075")
        code_id = f"04-{next(_ids):016d}"
        self.codes[mpid] = {
            "codeId": code_id,
            "url": f"{self.base_url}/qr/{code_id}",
            "deeplink": f"paypay://payment?link_key={code_id}",
            "expiryDate": int(time.time()) + 300,
            "merchantPaymentId": mpid,
            "amount": {"amount": amount, "currency": "JPY"},
            "orderDescription": d.get("orderDescription"),
            "codeType": "ORDER_QR",
            "requestedAt": d.get("requestedAt"),
            "redirectUrl": d.get("redirectUrl"),
            "redirectType": d.get("redirectType"),
            "isAuthorization": d.get("isAuthorization", False),
            "status": "CREATED",
            "paymentId": None,
            "refunded": 0,
        }
        public = {k: v for k, v in self.codes[mpid].items() if k not in ("status", "paymentId", "refunded")}
        return 201, _result("SUCCESS", "Created", "08100001", public)

    def _details(self, code) -> dict:
        return {
            "paymentId": code["paymentId"],
            "status": code["status"],
            "acceptedAt": int(time.time()) if code["paymentId"] else None,
            "refunds": {"data": [r for r in self.refunds.values() if r["paymentId"] == code["paymentId"]]},
            "merchantPaymentId": code["merchantPaymentId"],
            "amount": code["amount"],
            "requestedAt": code["requestedAt"],
            "orderDescription": code["orderDescription"],
        }

    def _refund(self, d):
        code = next((c for c in self.codes.values() if c["paymentId"] and c["paymentId"] == d.get("paymentId")), None)
        if code is None:
            return 400, _result("NO_SUCH_PAYMENT", "Payment not found", "01652082")
        if d.get("merchantRefundId") in self.refunds:
            return 400, _result("DUPLICATE_REFUND_REQUEST", "Duplicate refund request", "01652083")
        amount = int((d.get("amount") or {}).get("amount") or 0)
        if amount <= 0 or code["refunded"] + amount > code["amount"]["amount"]:
            return 400, _result("REFUND_AMOUNT_EXCEEDED", "Refund amount exceeds payment", "01652084")
        code["refunded"] += amount
        refund = {
            "status": "CREATED",
            "merchantRefundId": d["merchantRefundId"],
            "paymentId": code["paymentId"],
            "amount": d["amount"],
            "reason": d.get("reason"),
        }
        self.refunds[d["merchantRefundId"]] = refund
        return 201, _result(data=refund)

    # --- what happens on PayPay's side ----------------------------------------------------
    def pay(self, mpid: str) -> dict:
        code = self.codes[mpid]
        code.update(status="COMPLETED", paymentId=f"{next(_ids):019d}")
        return code

    def expire(self, mpid: str) -> dict:
        code = self.codes[mpid]
        code.update(status="EXPIRED", expiryDate=int(time.time()) - 1)
        return code

    def webhook(self, mpid: str, **override) -> bytes:
        """The body of PayPay's ``Transaction`` notification for the code as it is now."""
        code = self.codes[mpid]
        body = {
            "notification_type": "Transaction",
            "merchant_id": self.merchant_id,
            "store_id": "",
            "pos_id": "",
            "order_id": code["paymentId"],
            "merchant_order_id": mpid,
            "authorized_at": None,
            "expires_at": None,
            "paid_at": "2026-12-04T10:00:00Z" if code["status"] == "COMPLETED" else None,
            "order_amount": code["amount"]["amount"],
            "state": code["status"],
        }
        body.update(override)
        return json.dumps(body).encode()

    def calls(self, method: str, prefix: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(prefix)]
