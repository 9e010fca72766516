"""``dunbot audit``: defined with the case commands (robot/cli/cases.py), listed apart."""

from robot.cli.cases import register_audit as register

__all__ = ["register"]
