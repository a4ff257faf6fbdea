"""The first problem pydantic found with each field of a page form.

Each page words its errors its own way (a label, a rule, a limit); which problem a field
shows, and where a form-wide one goes, is decided here once.
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

FORM = "form"  # where a problem with no field (the form as a whole) is shown


def first_problems(exc: ValidationError) -> dict[str, ErrorDetails]:
    """Each field's first problem, by the field's name (:data:`FORM` for the form)."""
    problems: dict[str, ErrorDetails] = {}
    for problem in exc.errors():
        problems.setdefault(str(problem["loc"][0]) if problem["loc"] else FORM, problem)
    return problems
