"""The web shell: login, inbox, send panel, generic form renderer, thread view."""
