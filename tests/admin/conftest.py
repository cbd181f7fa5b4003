"""The administration's browser tests use the browser fixtures (a live site, fresh pages, sign-in)."""
from browser.conftest import artifacts, make_site, new_page, sign_in, site  # noqa: F401  (pytest fixtures)
