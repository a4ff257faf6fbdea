"""``python -m tests.mutants``: the mutation check (see ``runner``)."""

from tests.mutants.runner import main

raise SystemExit(main())
