"""
Uploaded files (hold evidence, signed visit agreements and receipts, agents' photos): what
is accepted, under which name it is kept, and how it goes back out.

- **Accepted** by content, never by the file's name or the browser's word for it: a PDF,
  JPEG or PNG file starts with its own signature ("magic bytes"), and each field names the
  kinds it takes. Anything else (HTML, SVG, scripts, office files) is refused with the
  field's name, as is a file over the field's size in ``settings.UPLOAD_MAX_MB``.
- **Kept** under a random name with the extension the content calls for, so a name never
  carries the uploader's text and can't be guessed.
- **Given out** only through a view of the owning app that checks who may see the record
  (``ProtectedFieldFile.url`` names that view, so every admin page and template links there),
  as an attachment with ``nosniff``: a browser never renders an upload as a page of this
  site. The media folder itself must never be served (README).
"""

from __future__ import annotations

from dataclasses import dataclass
import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Kind:
    name: str
    signature: bytes
    extension: str
    content_type: str


KINDS = {
    kind.name: kind
    for kind in (
        Kind("PDF", b"%PDF-", ".pdf", "application/pdf"),
        Kind("JPEG", b"\xff\xd8\xff", ".jpg", "image/jpeg"),
        Kind("PNG", b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    )
}
DOCUMENTS = ("PDF", "JPEG", "PNG")  # a scanned or photographed paper, or a PDF
IMAGES = ("JPEG", "PNG")
SIGNATURE_LENGTH = max(len(kind.signature) for kind in KINDS.values())


def sniff(file) -> Kind | None:
    """The kind the file's first bytes say it is (its read position is left where it was)."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(SIGNATURE_LENGTH)
    finally:
        file.seek(position)
    return next((kind for kind in KINDS.values() if head.startswith(kind.signature)), None)


def check_upload(file, *, kinds, limit: str, label) -> Kind:
    """The file's kind, or ValidationError naming the field: not one of ``kinds`` by its
    content, or larger than ``settings.UPLOAD_MAX_MB[limit]``."""
    largest, label = settings.UPLOAD_MAX_MB[limit], capfirst(label)
    if file.size > largest * 1024 * 1024:
        raise ValidationError(
            _("%(field)s: this file is %(size)s MB; the largest accepted is %(limit)s MB.")
            % {"field": label, "size": f"{file.size / 1024 / 1024:.1f}", "limit": largest},
            code="file_too_large",
        )
    kind = sniff(file)
    if kind is None or kind.name not in kinds:
        raise ValidationError(
            _("%(field)s: this file's content is not of a kind accepted here (%(kinds)s).")
            % {"field": label, "kinds": ", ".join(kinds)},
            code="file_type",
        )
    return kind


@deconstructible
class RandomName:
    """``upload_to``: ``<folder>/<year>/<month>/<32 random hex digits><extension>``; the
    extension comes from the content (ProtectedFieldFile.save), not from the uploader."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = os.path.splitext(filename)[1].lower()
        return f"{self.folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{extension}"

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.folder == self.folder


class ProtectedFieldFile(FieldFile):
    @property
    def kind(self) -> str:
        """PDF, JPG or PNG: the extension the content gave it when it was kept (RandomName)."""
        return os.path.splitext(self.name)[1].lstrip(".").upper()

    @property
    def url(self) -> str:
        """The owning app's download view, which checks who may see the record."""
        self._require_file()
        return reverse(self.field.download_url, args=[self.instance.pk, self.field.name])

    def save(self, name, content, save=True):
        # Last line of defence: services and forms check first, with a better message.
        kind = check_upload(content, kinds=self.field.kinds, limit=self.field.limit, label=self.field.verbose_name)
        super().save(f"upload{kind.extension}", content, save)


class ProtectedFileField(models.FileField):
    """A FileField for the uploads above: ``kinds`` accepted, ``limit`` (a key of
    settings.UPLOAD_MAX_MB), ``download_url`` (a URL name taking the row's pk and the
    field's name). Its form field checks the upload, so a refusal shows beside the field."""

    attr_class = ProtectedFieldFile

    def __init__(self, *args, kinds=DOCUMENTS, limit: str = "", download_url: str = "", **kwargs):
        self.kinds, self.limit, self.download_url = tuple(kinds), limit, download_url
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(kinds=self.kinds, limit=self.limit, download_url=self.download_url)
        return name, path, args, kwargs

    def check_file(self, file):
        return check_upload(file, kinds=self.kinds, limit=self.limit, label=self.verbose_name)

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.validators.append(self.check_file)
        field.widget.attrs.setdefault("accept", ",".join(KINDS[name].extension for name in self.kinds))
        if not field.help_text:
            field.help_text = format_lazy(
                gettext_lazy("{kinds}, at most {limit} MB."),
                kinds=", ".join(self.kinds),
                limit=settings.UPLOAD_MAX_MB[self.limit],
            )
        return field


def attachment(file: FieldFile, *, filename: str) -> FileResponse:
    """The stored file as a download: ``Content-Disposition: attachment``, the content type
    its content calls for (``application/octet-stream`` for a file kept before uploads were
    checked), ``nosniff``, not cached, and sandboxed should a browser open it anyway."""
    kind = sniff(file.open("rb"))
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"{filename}{kind.extension if kind else ''}",
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    return _locked_down(response)


def inline_image(file: FieldFile) -> FileResponse | None:
    """A stored photo to show in an ``<img>``: only if its content is an image."""
    kind = sniff(file.open("rb"))
    if kind is None or kind.name not in IMAGES:
        file.close()
        return None
    return _locked_down(FileResponse(file, content_type=kind.content_type))


def _locked_down(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
