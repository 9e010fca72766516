"""One exception hierarchy for the whole project.

Every error Dunbot raises on purpose derives from :class:`DunbotError`, so the CLI can
catch that one class, print the message (which names the place: file:line:column, row
number, ARI request) and exit non-zero, while a real bug still shows its traceback.
"""

from __future__ import annotations


class DunbotError(Exception):
    """Base class of every error Dunbot raises on purpose."""


class ConfigError(DunbotError):
    """Settings, environment or a configuration file is wrong or incomplete."""


class InputError(DunbotError):
    """Bad user input: a CSV row, a YAML file, a CLI argument, an audio file.

    ``where`` names the place (``file:line:column`` or ``file row N``) so the message
    can point the user at it.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class DialogError(InputError):
    """A dialogue script is invalid (syntax, schema or graph rule)."""


class StoreError(DunbotError):
    """The case store refused an operation or its schema is not what we expect."""


class TelephonyError(DunbotError):
    """Asterisk is unreachable, refused a request, or behaved unexpectedly."""


class AsteriskNotRunning(TelephonyError):
    """ARI did not answer: Asterisk is down or not yet started."""


class AriError(TelephonyError):
    """ARI answered a REST request with an error status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        self.method, self.path, self.status, self.body = method, path, status, body
        super().__init__(f"ARI {method} {path} -> HTTP {status}: {body.strip()[:300]}")


class AriNotFound(AriError):
    """ARI answered 404: the channel, bridge or recording no longer exists."""


class SpeechError(DunbotError):
    """An ASR/TTS/VAD engine failed."""


class ModelMissing(SpeechError):
    """An engine's model files are not where the configuration says they are."""


class AccessDenied(StoreError):
    """A collector asked for, or acted on, a case that is not placed with it."""
