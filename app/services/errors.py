"""The one way a service refuses: a sentence for a person and the HTTP status it maps to."""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
