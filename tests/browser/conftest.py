"""Figure tests in Chromium: the `browser` fixture lives in tests/conftest.py."""
