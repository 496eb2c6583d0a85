"""`url_for` in templates, remembered: a page links half a dozen static files, and each
`request.url_for` walks every route of the app to find the one named."""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2 import pass_context

MAX_REMEMBERED = 1024  # addresses × names; the Host header is the client's, so the memory is bounded


def install_url_for(env: jinja2.Environment) -> None:
    """Replace Starlette's `url_for` global by one that answers each (address, name, parameters) once."""
    remembered: dict[tuple[str, str, tuple[tuple[str, Any], ...]], str] = {}

    @pass_context
    def url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
        request = context["request"]
        key = (str(request.base_url), name, tuple(sorted(path_params.items())))
        url = remembered.get(key)
        if url is None:
            if len(remembered) >= MAX_REMEMBERED:
                remembered.clear()
            url = remembered[key] = str(request.url_for(name, **path_params))
        return url

    env.globals["url_for"] = url_for
