"""Uploads: type by content, size limit, private storage, serving only to the uploader."""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.forms.engine import FormEngine
from madoguchi.forms.models import Upload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


SCHEMA = {
    "pages": [
        {
            "key": "p",
            "title": "書類",
            "fields": [{"key": "document", "type": "file", "label": "本人確認書類", "accept": ["jpeg", "png"], "max_bytes": 2000}],
        }
    ]
}


@pytest.fixture
def file_engine():
    return FormEngine.from_schema(SCHEMA)


def test_pdf_renamed_jpg_refused(db, rf, file_engine):
    request = rf.post("/")
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request.user = __import__("django.contrib.auth.models", fromlist=["AnonymousUser"]).AnonymousUser()
    result = file_engine.validate_page(0, {}, {"document": SimpleUploadedFile("免許証.jpg", PDF, "image/jpeg")}, {}, owner=request)
    message = result.errors["document"][0]
    assert "「本人確認書類」" in message and ".jpg" in message and "中身はPDF" in message
    assert Upload.objects.count() == 0


def test_oversize_refused(db, file_engine):
    big = png_bytes() + b"\x00" * 3000
    result = file_engine.validate_page(0, {}, {"document": SimpleUploadedFile("photo.png", big, "image/png")}, {})
    assert "上限" in result.errors["document"][0]
    assert Upload.objects.count() == 0


def test_empty_and_garbage_refused_without_500(db, file_engine):
    r = file_engine.validate_page(0, {}, {"document": SimpleUploadedFile("x.png", b"", "image/png")}, {})
    assert "「本人確認書類」" in r.errors["document"][0]
    r = file_engine.validate_page(0, {}, {"document": SimpleUploadedFile("x.png", b"\x01\x02\x03\xff" * 10, "image/png")}, {})
    assert "種類を確認できません" in r.errors["document"][0]


def test_png_accepted_and_stored_privately(db, settings, client, file_engine):
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request.user = AnonymousUser()
    data = png_bytes()
    result = file_engine.validate_page(0, {}, {"document": SimpleUploadedFile("../../etc/写真.jpg", data, "image/jpeg")}, {}, owner=request)
    assert result.errors == {}
    answer = result.answers["document"]
    upload = Upload.objects.get(pk=answer["upload_id"])
    assert upload.content_type == "image/png" and upload.size == len(data)
    assert upload.original_name == "写真.jpg"
    assert str(settings.PRIVATE_MEDIA_ROOT) in upload.file.path
    assert "写真" not in upload.file.name  # stored under a random name
    import hashlib

    assert upload.sha256 == hashlib.sha256(data).hexdigest()

    # keeping the previous upload when the page is submitted again without a file
    again = file_engine.validate_page(0, {}, {}, result.answers)
    assert again.answers["document"] == answer

    # the uploader (same session) can fetch it; anyone else gets 404
    url = f"/forms/uploads/{upload.pk}/"
    assert client.get(url).status_code == 404
    session = client.session
    session.save()
    upload.session_key = session.session_key
    upload.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == data

    path = upload.file.path
    upload.delete()
    import os

    assert not os.path.exists(path)


def test_owner_user_can_fetch(db, client, django_user_model):
    user = django_user_model.objects.create_user(email="u@example.jp", password="x-pass-12345")
    other = django_user_model.objects.create_user(email="o@example.jp", password="x-pass-12345")
    from django.core.files.base import ContentFile

    upload = Upload(owner=user, original_name="a.pdf", size=len(PDF), content_type="application/pdf", sha256="0" * 64)
    upload.file.save("a.pdf", ContentFile(PDF), save=False)
    upload.save()
    client.force_login(other)
    assert client.get(f"/forms/uploads/{upload.pk}/").status_code == 404
    client.force_login(user)
    assert client.get(f"/forms/uploads/{upload.pk}/").status_code == 200
    assert client.get("/forms/uploads/999999/").status_code == 404


def test_text_pdf_sniffing():
    from madoguchi.core.uploads import sniff

    assert sniff(PDF) == "application/pdf"
    assert sniff("住所,氏名\n".encode("cp932"), "a.csv") == "text/csv"
    assert sniff(io.BytesIO(png_bytes()).read()) == "image/png"
