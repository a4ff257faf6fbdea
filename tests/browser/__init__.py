"""Browser tests: the WebCrypto reader and the clip viewer in Chromium."""
