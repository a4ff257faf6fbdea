"""Which problem a page form shows for each field, and where a form-wide one goes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from doorstep.hub.web.pages.form_errors import FORM, first_problems


class _Window(BaseModel):
    hours: int | bool  # "soon" fails both members of the union: two problems, one field
    note: str

    @model_validator(mode="after")
    def _short(self) -> _Window:
        if self.note == "too long":
            raise ValueError("the window and its note don't fit together")
        return self


def _problems(**values: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        _Window.model_validate(values)
    return {name: problem["type"] for name, problem in first_problems(caught.value).items()}


def test_each_field_shows_its_first_problem() -> None:
    assert _problems(hours="soon") == {"hours": "int_parsing", "note": "missing"}


def test_a_problem_with_no_field_is_the_forms() -> None:
    problems = _problems(hours=3, note="too long")
    assert problems == {FORM: "value_error"}
