"""Browser tests (a package, so the live stack of conftest.py ends with the last test in this folder)."""
