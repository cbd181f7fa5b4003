"""Sending documents over MSSanté with their IHE XDM package, and reading the ones received (DOC-1 to DOC-5)."""
