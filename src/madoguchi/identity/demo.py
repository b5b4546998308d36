"""Demo data of the identity app: the demo city registers its clients with the local demo OP
(デモ用の本人確認サービス), so マイナンバーカード and gBizID procedures can be tried end to end."""

from __future__ import annotations

from . import conf


def load(municipality) -> None:
    if not conf.demo_provider_enabled():
        return
    registered = dict(municipality.provider_settings or {})
    identity = dict(registered.get("identity") or {})
    for key in ("digital_auth_app", "gbizid"):
        identity.setdefault(key, {"demo": True})
    registered["identity"] = identity
    municipality.provider_settings = registered
    municipality.save(update_fields=["provider_settings"])
