"""The one-file multipart body of the upload endpoints (avatar, portal branding files).

A form class rather than a bare ``UploadFile``: litestar then answers 400 naming the missing
``file`` part (a bare ``UploadFile`` without any file part crashed its extractor into a 500) and
the OpenAPI document marks the part as required.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body


@dataclass
class FileForm:
    file: UploadFile


Upload = Annotated[FileForm, Body(media_type=RequestEncodingType.MULTI_PART)]
