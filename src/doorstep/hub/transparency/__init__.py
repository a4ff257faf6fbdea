"""The live transparency report: JSON, CSV and a page, computed from the audit log.

``doorstep.audit.report`` does the counting from public entries; this package reads
the entries it needs, keeps the report up to date as the log grows (``cache``), and
serves it (``router``, ``export`` for CSV, ``page`` and ``charts`` for HTML).
"""
