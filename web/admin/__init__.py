"""The administration's pages (accounts, structures) and the public page of one-time password links.

Thin like the rest of the shell: lists are drawn here from the kernel's services, every change is sent by
the page's script to /api/v1/admin (kernel/api/admin_*.py), which checks it with the marshmallow schemas.
"""
from .pages import admin_pages
from .password_link import password_link

__all__ = ["admin_pages", "password_link"]
