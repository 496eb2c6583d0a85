"""Which column to predict, proposed from evidence: its name first, then its kind.

A column is proposed only when something speaks for it; otherwise the answer is
None and the person is asked. Position in the file is never evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# Words that name what people predict, most telling first. A column matches when its
# whole name is one of them ("Survived", "y"), or its last word one of the telling
# ones ("SalePrice", "is_churn"); "radius_y" and "ticket_class" do not.
LABEL_WORDS = (
    "target",
    "label",
    "labels",
    "class",
    "outcome",
    "y",
    "survived",
    "species",
    "churn",
    "churned",
    "default",
    "diagnosis",
    "price",
    "saleprice",
    "progression",
    "response",
)
LAST_WORDS = frozenset({"target", "label", "outcome", "survived", "species", "churn", "diagnosis", "price"})
_RANK = {word: rank for rank, word in enumerate(LABEL_WORDS)}
UNLEARNABLE_KINDS = frozenset({"id", "constant", "text", "datetime"})
MAX_CATEGORIES = 20  # above this a categorical column is more likely a feature than a label
MAX_MISSING_SHARE = 0.2


def name_words(name: str) -> list[str]:
    """`SalePrice` → [sale, price]; `is_churn` → [is, churn]; case and underscores ignored."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [word for word in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if word]


def _name_rank(name: str) -> int | None:
    words = name_words(name)
    if not words:
        return None
    ranks = [_RANK[word] for word in ("".join(words), words[-1] if words[-1] in LAST_WORDS else "") if word in _RANK]
    return min(ranks) if ranks else None


def _learnable(column: Mapping[str, Any], rows: int) -> bool:
    missing_share = column.get("missing", 0) / rows if rows else 0.0
    return (
        column.get("kind") not in UNLEARNABLE_KINDS
        and int(column.get("unique", 0)) >= 2
        and missing_share <= MAX_MISSING_SHARE
    )


def propose_label(columns: Sequence[Mapping[str, Any]], rows: int) -> str | None:
    """The column to predict, or None when nothing stands out. Linear in the columns.

    columns: the profile's columns (`name`, `kind`, `unique`, `missing`).
    """
    named: tuple[int, int, str] | None = None
    yes_no: list[str] = []
    categories: list[str] = []
    for position, column in enumerate(columns):
        if not _learnable(column, rows):
            continue
        name = str(column["name"])
        rank = _name_rank(name)
        if rank is not None and (named is None or (rank, -position) < (named[0], named[1])):
            named = (rank, -position, name)
        if column["kind"] == "boolean":
            yes_no.append(name)
        elif column["kind"] == "categorical" and int(column["unique"]) <= MAX_CATEGORIES:
            categories.append(name)
    if named is not None:
        return named[2]
    if len(yes_no) == 1:
        return yes_no[0]
    if not yes_no and len(categories) == 1:
        return categories[0]
    return None
