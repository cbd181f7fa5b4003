"""Example Relais Santé connector: drops each pushed document into a software's import folder."""
