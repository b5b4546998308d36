"""The file field type (ファイル添付): saved as an ``Upload`` when the page is submitted."""

from __future__ import annotations

from .base import FieldError, FieldType


class FileField(FieldType):
    """ファイル添付: stored as an ``Upload`` as soon as the page is submitted."""

    label = "ファイル添付"
    multipart = True

    def clean(self, f, data, ctx):
        from madoguchi.core.uploads import UploadError

        from ..models import Upload
        from ..uploads import save_upload

        previous = ctx.previous
        uploaded = ctx.files.get(f.key) if ctx.files is not None else None
        if uploaded is not None and getattr(uploaded, "size", 1) == 0 and not getattr(uploaded, "name", ""):
            uploaded = None  # browsers send an empty part when nothing was chosen
        if uploaded is not None:
            try:
                upload = save_upload(uploaded, label=f.label, request=ctx.request, accept=f.spec.get("accept"), max_bytes=f.spec.get("max_bytes"))
            except UploadError as exc:
                raise FieldError(str(exc), keep=previous if isinstance(previous, dict) else None) from None
            except Exception:  # noqa: BLE001 - a broken upload must never become a 500
                raise FieldError(
                    f"「{f.label}」のファイルを受け取れませんでした。もう一度選んでください。", keep=previous if isinstance(previous, dict) else None
                ) from None
            return upload.as_answer()
        if isinstance(previous, dict) and previous.get("upload_id"):
            if Upload.objects.filter(pk=previous["upload_id"]).exists():
                return previous
            raise FieldError(f"「{f.label}」のファイルが見つかりません。もう一度選んでください。")
        return None

    def required_message(self, f):
        return f"「{f.label}」のファイルを選んでください。"

    def as_data(self, f, value):
        return {}  # the stored answer (``previous``) is what is re-checked

    def display(self, f, value):
        if not isinstance(value, dict):
            return super().display(f, value)
        from madoguchi.core.uploads import human_size, kind_label

        return f"{value.get('name', '')}（{kind_label(value.get('content_type', ''))}、{human_size(int(value.get('size') or 0))}）"

    def schema_errors(self, spec, where, *, allows_my_number=True):
        from madoguchi.core.uploads import FILE_KINDS

        errors = []
        accept = spec.get("accept")
        if accept is not None:
            if not isinstance(accept, list) or not accept:
                errors.append(f'{where}: accept（受け付けるファイルの種類）は一覧で書いてください（例: ["pdf", "jpeg"]）。')
            else:
                unknown = [str(a) for a in accept if a not in FILE_KINDS]
                if unknown:
                    errors.append(f"{where}: ファイルの種類「{'」「'.join(unknown)}」は使えません。使える種類: {', '.join(FILE_KINDS)}。")
        mb = spec.get("max_bytes")
        if mb is not None and (not isinstance(mb, int) or isinstance(mb, bool) or mb <= 0):
            errors.append(f"{where}: max_bytes（ファイルの上限バイト数）は正の整数で書いてください。")
        return errors

    def hint(self, f):
        from madoguchi.core.uploads import accepted_mimes, human_size, kind_label, upload_max_bytes

        return f"{'、'.join(kind_label(m) for m in accepted_mimes(f.spec.get('accept')))}（{human_size(f.spec.get('max_bytes') or upload_max_bytes())}まで）"

    def widget_context(self, f, value):
        from madoguchi.core.uploads import accepted_mimes

        return {"file": value if isinstance(value, dict) else None, "accept": ",".join(accepted_mimes(f.spec.get("accept")))}
