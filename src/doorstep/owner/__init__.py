"""The owner's client: what a resident's own device does with keys, over the hub's API.

Private keys live only here (and in the browser's equivalent); the hub sees public
keys, passphrase boxes and wrapped keys. Used by `doorstep keys`, the demo and tests.
"""
