"""Uploaded files as action parameters.

A parameter annotated ``UploadedFile`` (or ``UploadedFile | None``, or
``list[UploadedFile]``) receives a file part of a ``multipart/form-data`` request. The file is
a msgspec Struct, so a JSON caller may also send ``{"filename", "content_type", "data"}`` with
``data`` in base64; multipart is cheaper and is what the generated clients use.

The whole body is already bounded by the action's ``max_body_size`` before parsing, so the file
is held in memory; ``check()`` adds per-file limits on size and type.
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec

from authstage.errors import ValidationFailed

__all__ = ["UploadedFile"]


class UploadedFile(msgspec.Struct, frozen=True):
    """A file uploaded with the call.

    Example:
        >>> @action
        ... async def upload_avatar(avatar: UploadedFile) -> str:
        ...     avatar.check(field="avatar", types={"image/png", "image/jpeg"}, max_size=5 << 20)
        ...     return avatar.filename
    """

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def check(
        self,
        *,
        field: str,
        types: Collection[str] | None = None,
        max_size: int | None = None,
        allow_empty: bool = False,
    ) -> None:
        """Raise a field error on ``field`` unless the file fits these limits.

        Raises:
            ValidationFailed: the file is empty, too large or of another content type.
        """
        if not allow_empty and not self.data:
            raise ValidationFailed("The file is empty", field_errors={field: ["The file is empty"]})
        if max_size is not None and len(self.data) > max_size:
            message = f"The file is larger than {max_size} bytes"
            raise ValidationFailed(message, field_errors={field: [message]})
        if types is not None and self.content_type not in types:
            message = f"The file type {self.content_type or 'unknown'} is not allowed"
            raise ValidationFailed(message, field_errors={field: [message]})
