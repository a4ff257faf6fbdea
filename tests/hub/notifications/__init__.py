"""Notifications over HTTP: made by real events, read and marked read only by their owner."""
