"""Rendering pages: the Jinja2 templates with what every page needs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bedstretch.web import auth

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]

NAV = (
    ("/", "Home"),
    ("/exercises", "Exercises"),
    ("/plan", "Plan"),
    ("/history", "History"),
    ("/progress", "Progress"),
    ("/settings", "Settings"),
)


@lru_cache(maxsize=1)
def static_version() -> str:
    """A short hash of the static files: their URLs change whenever one of them does."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def render(
    request: Request, template: str, title: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page: the template with what every page needs (CSRF token, navigation, version)."""
    context.setdefault("signed_in", True)
    context.setdefault("here", request.url.path)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "csrf": auth.csrf_token(request),
            "nav": NAV,
            "version": static_version(),
            **context,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
