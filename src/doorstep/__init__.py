"""Doorstep: home cameras and a request portal built not to become a surveillance network."""

__version__ = "0.1.0"
