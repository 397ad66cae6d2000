"""Files an agent sends from the phone: real signatures (the upload check reads content)."""

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def pdf(name="agreement.pdf", size=None) -> SimpleUploadedFile:
    body = PDF if size is None else PDF + b"\x00" * (size - len(PDF))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def jpeg(name="door.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


def html_named_pdf(name="agreement.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="application/pdf")
