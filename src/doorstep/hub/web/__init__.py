"""The hub's browser assets: ``static/`` holds the clip viewer and its WebCrypto reader."""
