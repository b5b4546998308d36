"""The address field type (郵便番号と住所), filled from the postal code."""

from __future__ import annotations

import jaconv

from ..postal import PostalCodeError, format_postal_code, lookup, normalise_postal_code
from .base import FieldError, FieldType, get_value


class AddressField(FieldType):
    """郵便番号と住所: ``{"postal_code", "address", "building"}``."""

    label = "郵便番号と住所"
    PARTS = ("postal_code", "address", "building")

    def raw_strings(self, f, data):
        return [get_value(data, f"{f.key}__{part}") for part in self.PARTS]

    def clean(self, f, data, ctx):
        raw = {part: get_value(data, f"{f.key}__{part}").strip() for part in self.PARTS}
        if not any(raw.values()):
            return None
        kept = dict(raw)
        postal = ""
        if raw["postal_code"]:
            try:
                postal = format_postal_code(normalise_postal_code(raw["postal_code"]))
            except PostalCodeError:
                raise FieldError(f"「{f.label}」の郵便番号は7桁の数字で入力してください（例: 190-0012）。", keep=kept) from None
            kept["postal_code"] = postal
        elif f.required and f.spec.get("postal_required", True):
            raise FieldError(f"「{f.label}」の郵便番号を入力してください（例: 190-0012）。", keep=kept)
        address = jaconv.h2z(raw["address"], kana=True, ascii=False, digit=False)
        if not address and postal:
            found = lookup(postal)
            if found is None:
                raise FieldError(f"「{f.label}」の郵便番号 {postal} に当たる住所が見つかりません。郵便番号を確かめるか、住所を入力してください。", keep=kept)
            # Without JavaScript the postal code fills the address on submit; the resident adds 番地.
            kept["address"] = found.address
            raise FieldError(f"「{f.label}」の郵便番号から「{found.address}」を入力しました。続けて番地・号を入力してください。", keep=kept)
        if not address:
            raise FieldError(f"「{f.label}」の住所を入力してください。", keep=kept)
        value = {"postal_code": postal, "address": address, "building": jaconv.h2z(raw["building"], kana=True, ascii=False, digit=False)}
        max_length = f.spec.get("max_length") or 200
        if len(address) > max_length or len(value["building"]) > max_length:
            raise FieldError(f"「{f.label}」は{max_length}文字以内で入力してください。", keep=kept)
        return value

    def as_data(self, f, value):
        value = value if isinstance(value, dict) else {}
        return {f"{f.key}__{k}": str(value.get(k) or "") for k in self.PARTS}

    def prefill(self, f, profile):
        # The address comes from the profile's postal code + address whatever ``prefill`` names.
        if not (profile.get("address") or profile.get("postal_code")):
            return None
        postal = profile.get("postal_code") or ""
        try:
            postal = format_postal_code(normalise_postal_code(postal)) if postal else ""
        except PostalCodeError:
            pass
        return {"postal_code": postal, "address": profile.get("address") or "", "building": profile.get("address_building") or ""}

    def display(self, f, value):
        if not isinstance(value, dict):
            return super().display(f, value)
        parts = [f"〒{value['postal_code']}" if value.get("postal_code") else "", value.get("address") or "", value.get("building") or ""]
        return " ".join(p for p in parts if p)

    def anchor(self, f):
        return f"{f.id}-postal_code"

    def widget_context(self, f, value):
        return {"address": value if isinstance(value, dict) else {}, "addr_autocomplete": bool(f.autocomplete) or f.spec.get("prefill") == "address"}
