"""Shipped dialogue scripts (YAML), installed with the package as data files.

Use :func:`robot.dialogue.loader.shipped_script` to load one by name.
"""
