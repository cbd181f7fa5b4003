"""Built-in plugins, each a self-contained package found through the ``relais.plugins`` entry points."""
