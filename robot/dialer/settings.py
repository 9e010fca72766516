"""A campaign's dialing settings: profile, window, answering machines, retries.

Stored as a JSON object in ``campaigns.dialer`` and changed with ``dunbot campaign set``.
Everything has a default, so a campaign loaded from a CSV dials without any setting:
the profile follows each account (Chinese yuan or Mandarin -> ``cn``, else ``us``),
there is no campaign window beyond the profile's calling hours, machines are hung up on.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import time
from typing import Any

from robot.dialer.profile import Profile, Window, load_profile
from robot.errors import InputError
from robot.store.models import Account

MACHINE_ACTIONS = ("hangup", "voicemail")
#: ``robot``: the robot talks to every answered call (progressive, up to --max-concurrent).
#: ``predictive``: answered calls go straight to human agents in an Asterisk queue and
#: the dialer dials ahead of them (robot/dialer/predictive.py, docs/dialer.md).
MODES = ("robot", "predictive")
#: Longest wait for a free agent before the no-agent message (47 CFR 64.1200(a)(7)(i)).
MAX_AGENT_WAIT_S = 2.0
#: Default minutes to wait before the next attempt, by what the last attempt gave.
DEFAULT_RETRY_MIN: dict[str, int] = {
    "busy": 30,          # the line was in use: try again soon
    "no_answer": 120,    # rang out
    "failed": 60,        # network trouble
    "machine": 240,      # answering machine / voicemail
    "no_contact": 120,   # answered, but no conversation came of it
    "third_party": 240,  # someone else answered; the borrower was not there
    "callback": 120,     # asked to be called later without naming a time
    "interrupted": 0,    # our side broke: the call did not really happen
}
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def parse_window(text: str) -> Window:
    """``"09:00-20:00"`` -> Window (``end <= start`` wraps past midnight)."""
    m = _WINDOW.match(text.strip())
    if not m:
        raise InputError(f"window must look like 09:00-20:00, not {text!r}")
    a, b, c, d = (int(g) for g in m.groups())
    return Window(time(a, b), time(c, d))


@dataclass(frozen=True)
class DialerSettings:
    """One campaign's dialing settings (see the module docstring for defaults)."""

    profile: str | None = None          # cn, us or a profile file; None: by account
    window: str | None = None           # local hours the campaign calls in, "09:00-20:00"
    machine: str = "hangup"             # hangup | voicemail
    max_attempts: int = 6               # attempts per account in this campaign
    retry_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RETRY_MIN))
    best_time: bool = True              # aim retries at the account's best hour
    business_name: str | None = None    # voicemail: a name that does not say "collection"
    contact_name: str | None = None     # voicemail: whom to call back
    callback_number: str | None = None  # voicemail: the number to call back
    mode: str = "robot"                 # robot | predictive (answered calls go to agents)
    agent_queue: str = "collectors"     # predictive: the Asterisk queue of the agents
    agent_wait_s: float = 1.0           # predictive: wait this long for a free agent (1 keeps
                                        # the message inside 2 s of the greeting)
    abandon_cap: float = 0.03           # predictive: abandoned / live answers, 30 days
    trunk_channels: int = 30            # predictive: calls the trunk carries at once
    trunk_cps: int = 5                  # predictive: new calls per second on the trunk
    noagent_text: dict[str, str] = field(default_factory=dict)  # lang -> own message

    def __post_init__(self) -> None:
        if self.machine not in MACHINE_ACTIONS:
            raise InputError(f"machine must be one of {MACHINE_ACTIONS}, not {self.machine!r}")
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise InputError(f"max_attempts must be a whole number >= 1, not {self.max_attempts!r}")
        for key, minutes in self.retry_minutes.items():
            if key not in DEFAULT_RETRY_MIN:
                raise InputError(f"retry rule {key!r} unknown (known: "
                                 f"{', '.join(DEFAULT_RETRY_MIN)})")
            if not isinstance(minutes, int) or minutes < 0:
                raise InputError(f"retry {key} must be whole minutes >= 0, not {minutes!r}")
        if self.window is not None:
            parse_window(self.window)
        self._check_predictive()
        if self.profile is not None:
            load_profile(self.profile)  # fails now, with file:line:column, not mid-run
        if self.machine == "voicemail":
            from robot.dialer.voicemail import check_fields

            check_fields(self.business_name, self.contact_name, self.callback_number)

    def _check_predictive(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {MODES}, not {self.mode!r}")
        if not isinstance(self.agent_wait_s, (int, float)) or not (
                0 < self.agent_wait_s <= MAX_AGENT_WAIT_S):
            raise InputError(f"agent_wait_s must be > 0 and <= {MAX_AGENT_WAIT_S:g} s, "
                             f"not {self.agent_wait_s!r}")
        if not isinstance(self.abandon_cap, (int, float)) or not 0 <= self.abandon_cap < 1:
            raise InputError(f"abandon_cap must be a share in [0, 1), e.g. 0.03, not "
                             f"{self.abandon_cap!r}")
        for name in ("trunk_channels", "trunk_cps"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a whole number >= 1, not {value!r}")
        if not re.match(r"^[A-Za-z0-9_-]+$", self.agent_queue or ""):
            raise InputError(f"agent_queue {self.agent_queue!r} is not a queue name")
        if self.mode == "predictive":
            from robot.dialer.noagent import check_settings

            check_settings(self)

    @property
    def campaign_window(self) -> Window | None:
        return parse_window(self.window) if self.window else None

    def retry_delay_min(self, key: str) -> int:
        return self.retry_minutes.get(key, DEFAULT_RETRY_MIN[key])

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> DialerSettings:
        data = json.loads(text or "{}")
        if not isinstance(data, dict):
            raise InputError("campaign dialer settings must be a JSON object")
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> DialerSettings:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown dialer setting(s) {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(known))})")
        retry = {**DEFAULT_RETRY_MIN, **(data.get("retry_minutes") or {})}
        return cls(**{**data, "retry_minutes": retry})

    def updated(self, **changes: Any) -> DialerSettings:
        """A copy with ``changes`` applied (``None`` values are left out), re-checked."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


class Profiles:
    """Loads each profile once; picks the one that applies to an account."""

    def __init__(self, settings: DialerSettings) -> None:
        self.settings = settings
        self._loaded: dict[str, Profile] = {}

    def name_for(self, account: Account) -> str:
        if self.settings.profile:
            return self.settings.profile
        return default_profile_name(account.currency, account.lang)

    def for_account(self, account: Account) -> Profile:
        name = self.name_for(account)
        if name not in self._loaded:
            self._loaded[name] = load_profile(name)
        return self._loaded[name]


def default_profile_name(currency: str, lang: str) -> str:
    """``cn`` for yuan or Mandarin accounts, ``us`` for the rest."""
    return "cn" if currency.upper() == "CNY" or lang == "zh" else "us"


def account_state(account: Account) -> str | None:
    """The US state (sub-jurisdiction) from the call list's optional ``state`` column."""
    state = str((account.extra or {}).get("state") or "").strip().upper()
    return state or None


def truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "y", "是")
