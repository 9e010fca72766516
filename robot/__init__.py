"""Dunbot: a telephone debt-collection robot driving Asterisk over ARI."""

__version__ = "0.1.0"
