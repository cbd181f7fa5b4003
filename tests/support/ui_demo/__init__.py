"""A plugin folder for tests of the shell's UI hooks: templates/, static/ (ES modules, CSS), a page, a channel."""
