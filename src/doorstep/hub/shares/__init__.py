"""Clips a resident shared with an agency: terms, wrapped keys, receipts, packages, expiry."""
