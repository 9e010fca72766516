"""The no-agent ("safe harbor") message of a predictive campaign.

When a predictive dialer connects a live person and no agent takes the call within
2 seconds, the person must at once hear a recorded message that names the caller and
gives a number to call back (47 CFR 64.1200(a)(7)(i)); the call then counts as
abandoned. Anyone in the household may pick up, so the message follows the same
discipline as the voicemail (robot/dialer/voicemail.py): the business name and the
callback number, nothing that reveals a debt.

The text comes from ``noagent/<lang>.txt`` or the campaign's ``noagent_text[lang]``;
both may use only ``{business_name}`` and ``{callback_number}`` and are checked before
any dial. :func:`install_sounds` renders each language once with the project's TTS
into Asterisk's spool folder, where the ``dunbot-predictive`` dialplan plays it.
"""

from __future__ import annotations

import hashlib
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.dialer.voicemail import check_fields, forbidden_words
from robot.errors import InputError

if TYPE_CHECKING:
    from robot.dialer.settings import DialerSettings

TEMPLATES_DIR = Path(__file__).resolve().parent / "noagent"
FIELDS = frozenset({"business_name", "callback_number"})
LANGS = ("en", "zh")
#: Folder under astspooldir the dialplan plays the messages from.
SOUNDS_SUBDIR = "dunbot-sounds"


def check_text(text: str, where: str) -> None:
    """Only the two placeholders, the callback number present, no word revealing a debt."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise InputError(f"bad placeholder: {exc}", where) from None
    extra = sorted(fields - FIELDS)
    if extra:
        raise InputError(f"placeholder(s) {', '.join(extra)} not allowed in the no-agent "
                         f"message (allowed: {', '.join(sorted(FIELDS))})", where)
    for needed in FIELDS:
        if "{" + needed + "}" not in text:
            raise InputError(f"the no-agent message must name {{{needed}}}", where)
    bad = forbidden_words(text)
    if bad:
        raise InputError(f"reveals a debt: {', '.join(bad)}", where)


def template(s: DialerSettings, lang: str) -> tuple[str, str]:
    """``(text, where)`` of the message template for ``lang``."""
    if lang in s.noagent_text:
        return s.noagent_text[lang], f"campaign setting noagent_text[{lang}]"
    path = TEMPLATES_DIR / f"{lang}.txt"
    if not path.exists():
        raise InputError(f"no no-agent message for language {lang!r}", str(path))
    return path.read_text(encoding="utf-8").strip(), str(path)


def check_settings(s: DialerSettings) -> None:
    """A predictive campaign names its business and a callback number, and every
    message it could play passes :func:`check_text`."""
    if not s.business_name or not s.callback_number:
        raise InputError("mode predictive needs business_name and callback_number "
                         "(the no-agent message names the caller and a number to call back)")
    check_fields(s.business_name, "-", s.callback_number)
    for lang in sorted(set(LANGS) | set(s.noagent_text)):
        text, where = template(s, lang)
        check_text(text, where)


def render_text(s: DialerSettings, lang: str) -> str:
    """The message for ``lang`` with the campaign's values (English reads digits one by one)."""
    text, where = template(s, lang)
    check_text(text, where)
    assert s.business_name and s.callback_number
    number = s.callback_number
    if lang == "en":
        number = " ".join(ch for ch in number if ch.isdigit())
    message = text.format(business_name=s.business_name, callback_number=number)
    bad = forbidden_words(message)
    if bad:
        raise InputError(f"no-agent message reveals a debt: {', '.join(bad)}", where)
    return message


def sound_name(campaign_id: int, lang: str, text: str) -> str:
    """File name (no extension) of a rendered message: a new text never reuses old audio."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"noagent-{campaign_id}-{lang}-{digest}"


async def install_sounds(s: DialerSettings, campaign_id: int, langs: set[str], sounds_dir: Path,
                         tts: Any, prompts: Any) -> dict[str, tuple[str, str]]:
    """Render the message of each language into ``sounds_dir`` (16 kHz ``.sln16``);
    returns ``lang -> (sound name, text)``. Rendered once per text (cached by name)."""
    sounds_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[str, str]] = {}
    for lang in sorted(langs):
        text = render_text(s, lang)
        name = sound_name(campaign_id, lang, text)
        path = sounds_dir / f"{name}.sln16"
        if not path.exists():
            pcm = await prompts.render(tts(lang), text)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(pcm)
            tmp.replace(path)
        out[lang] = (name, text)
    return out
