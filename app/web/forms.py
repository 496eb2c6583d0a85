"""Form bodies read on the event loop as a dependency, so the route itself can be a plain
`def` that FastAPI runs in its thread pool (its database work never blocks the loop)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from app.web.deps import SettingsDep

BASE_FORM_FIELDS = 1_000  # Starlette's own default
FIELDS_PER_COLUMN = 3  # the builder posts a box, an encoder and a hidden name per column


async def read_form(request: Request) -> FormData:
    return await request.form()


async def read_wide_form(request: Request, settings: SettingsDep) -> FormData:
    """A form with a few fields per column of the widest dataset allowed (the builder's)."""
    return await request.form(max_fields=BASE_FORM_FIELDS + FIELDS_PER_COLUMN * settings.max_columns)


FormDep = Annotated[FormData, Depends(read_form)]
WideFormDep = Annotated[FormData, Depends(read_wide_form)]
