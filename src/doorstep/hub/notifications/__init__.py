"""Notifications to people: a request in a home's inbox, a share received, a legal demand."""
