import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def city(db, settings):
    from madoguchi.alerts import demo as alerts_demo
    from madoguchi.core import demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALERTS_PARALLELISM = "1"
    m = demo.load()
    alerts_demo.load(m)
    from madoguchi.alerts.models import Subscription

    Subscription.objects.all().delete()  # tests count their own subscribers only
    return m


@pytest.fixture
def staff(city):
    from django.contrib.auth import get_user_model

    from madoguchi.core.models import Section, StaffRole

    User = get_user_model()
    section = Section.objects.get(municipality=city, name="防災安全課")

    def make(local, role):
        u = User.objects.create_user(email=f"{local}@test.example", password="x" * 12, is_staff=True)
        StaffRole.objects.create(user=u, section=section, role=role)
        return u

    return {"section": section, "clerk": make("clerk", "clerk"), "approver": make("approver", "approver"), "approver2": make("approver2", "approver")}


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class _Server:
    def __init__(self, handler_cls):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
        self.httpd.owner = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.received = []
        self.errors = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class PushHandler(BaseHTTPRequestHandler):
    """Checks what a push service checks: VAPID JWT (ES256, aud = our origin, exp, sub) signed
    by the key in k=, aes128gcm body; then decrypts with the subscriber's private key."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        import http_ece
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        token = self.path.rsplit("/", 1)[-1]
        try:
            auth = self.headers["Authorization"]
            assert auth.startswith("vapid "), auth
            parts = dict(p.strip().split("=", 1) for p in auth[6:].split(","))
            jwt, k = parts["t"], parts["k"]
            header_b64, claims_b64, sig_b64 = jwt.split(".")
            header = json.loads(unb64u(header_b64))
            claims = json.loads(unb64u(claims_b64))
            assert header["alg"] == "ES256"
            assert claims["aud"] == owner.url, claims
            assert claims["sub"].startswith(("mailto:", "https:"))
            import time

            assert claims["exp"] > time.time()
            pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(k))
            sig = unb64u(sig_b64)
            pub.verify(
                encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
                f"{header_b64}.{claims_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
            if owner.expected_key:
                assert k == owner.expected_key
            assert self.headers["Content-Encoding"] == "aes128gcm"
            assert int(self.headers["TTL"]) >= 0
            assert len(body) <= 4096
            sub = owner.subscribers[token]
            plain = http_ece.decrypt(body, private_key=sub["private"], auth_secret=sub["auth"], version="aes128gcm")
            payload = json.loads(plain)
        except Exception as exc:  # noqa: BLE001
            with owner.lock:
                owner.errors.append(repr(exc))
            self.send_response(400)
            self.end_headers()
            return
        if token in owner.gone:
            self.send_response(410)
            self.end_headers()
            return
        if token in owner.status:  # a push service refusing this request (400, 413 …)
            self.send_response(owner.status[token])
            self.end_headers()
            return
        with owner.lock:
            owner.received.append({"token": token, "payload": payload, "topic": self.headers.get("Topic"), "urgency": self.headers.get("Urgency")})
        self.send_response(201)
        self.end_headers()


@pytest.fixture
def push_service(settings):
    from py_vapid import Vapid02

    v = Vapid02()
    v.generate_keys()
    settings.VAPID_PRIVATE_KEY = v.private_pem().decode()
    settings.ALERTS_PUSH_ALLOW_LOOPBACK = True  # the stand-in push service listens on 127.0.0.1
    server = _Server(PushHandler)
    server.subscribers = {}
    server.gone = set()
    server.status = {}
    from madoguchi.alerts.channels.webpush import public_key

    server.expected_key = public_key()

    def new_subscriber(name):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        private = ec.generate_private_key(ec.SECP256R1())
        raw = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        auth = os.urandom(16)
        server.subscribers[name] = {"private": private, "auth": auth}
        return {"endpoint": f"{server.url}/push/{name}", "p256dh": b64u(raw), "auth": b64u(auth)}

    server.new_subscriber = new_subscriber
    yield server
    server.close()


class LineHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        problems = []
        generic = False
        if self.headers.get("Authorization") != f"Bearer {owner.token}":
            problems.append("bad token")
            status = 401
        else:
            try:
                data = json.loads(body)
                assert self.path == "/v2/bot/message/push", self.path
                assert isinstance(data["to"], str) and data["to"]
                assert 1 <= len(data["messages"]) <= 5
                for m in data["messages"]:
                    assert m["type"] == "text" and 0 < len(m["text"]) <= 5000
                key = self.headers.get("X-Line-Retry-Key")
                import uuid

                uuid.UUID(key)
                status = 200
                if data["to"].startswith("Uinvalid"):
                    status = 400
                elif data["to"].startswith("Ubadrequest"):  # refused for the request, not the user
                    status, generic = 400, True
                elif key in owner.keys:
                    status = 409
            except Exception as exc:  # noqa: BLE001
                problems.append(repr(exc))
                status = 400
        with owner.lock:
            owner.errors += problems
            if status == 200:
                owner.keys.add(self.headers.get("X-Line-Retry-Key"))
                owner.received.append(json.loads(body))
        out = (
            json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]}).encode()
            if status == 200
            else json.dumps(
                {"message": "The request body has 1 error(s)", "details": [{"message": "Length must be between 0 and 5000", "property": "messages[0].text"}]}
            ).encode()
            if generic
            else json.dumps({"message": "The property, 'to', in the request body is invalid (line: -, column: -)"}).encode()
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture
def line_api(settings):
    server = _Server(LineHandler)
    server.token = "test-channel-token"
    server.keys = set()
    settings.LINE_API_HOST = server.url
    settings.LINE_CHANNEL_ACCESS_TOKEN = server.token
    settings.LINE_CHANNEL_SECRET = "test-channel-secret"
    yield server
    server.close()
