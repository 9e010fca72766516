"""``dunbot campaign status NAME``: the numbers a supervisor watches on a dialer.

Agents by state (read live from Asterisk over AMI when it answers; the command still
reports the store's numbers when it does not), the measured answer rate and delays,
and the abandonment rate over the last 30 days against the campaign's cap - the same
figures the predictive pacer decides from (robot/dialer/pacestats.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from robot.config import Settings
from robot.dialer.agents import AgentCounts, AgentTracker, queue_wrapup_s
from robot.dialer.pacestats import PaceStats, measure
from robot.dialer.settings import DialerSettings
from robot.store import dialer as ds
from robot.store.db import Store
from robot.telephony.ami import AmiClient, AmiError
from robot.telephony.asterisk_config import CONFIG_SRC


@dataclass(frozen=True)
class CampaignStatus:
    name: str
    settings: DialerSettings
    stats: PaceStats
    agents: AgentCounts | None  # None: AMI did not answer
    agents_error: str = ""


async def read_agents(settings: Settings, queue: str) -> AgentCounts:
    """One ``QueueStatus`` snapshot of ``queue`` reduced to counts."""
    wrap = queue_wrapup_s((CONFIG_SRC / "queues.conf").read_text(), queue)
    tracker = AgentTracker(queue, wrap)
    async with AmiClient.from_settings(settings) as ami:
        tracker.reset(await ami.action_list("QueueStatus", Queue=queue), time.time())
    return tracker.counts(time.time())


async def campaign_status(settings: Settings, store: Store, name: str) -> CampaignStatus:
    camp = await store.require_campaign(name)
    s = await ds.get_settings(store, camp["id"])
    stats = await measure(store, camp["id"], datetime.now(UTC))
    try:
        agents, err = await read_agents(settings, s.agent_queue), ""
    except (AmiError, OSError) as exc:
        agents, err = None, str(exc)
    return CampaignStatus(name, s, stats, agents, err)


def format_status(st: CampaignStatus) -> str:
    """The status as a few aligned lines (pure)."""
    s, p = st.settings, st.stats
    lines = [f"campaign {st.name}: mode {s.mode}"]
    if st.agents is not None:
        a = st.agents
        lines.append(f"  agents ({s.agent_queue}): free {a.free}, talking {a.talking}, "
                     f"wrap-up {a.wrap}, paused {a.paused}, unavailable {a.unavailable}")
    else:
        lines.append(f"  agents ({s.agent_queue}): unknown - {st.agents_error}")
    lines.append(f"  answer rate: {p.answer_rate:.1%} over the last {p.dials} dials "
                 f"(mean {p.mean_answer_s:.1f} s to answer, agents talk {p.mean_talk_s:.0f} s)")
    over = " - OVER THE CAP: no dialling ahead" if (
        p.window_answered and p.abandon_rate >= s.abandon_cap) else ""
    lines.append(f"  abandoned (30 days): {p.window_abandoned} of {p.window_answered} live "
                 f"answers = {p.abandon_rate:.2%} (cap {s.abandon_cap:.0%}){over}")
    if s.mode == "predictive":
        lines.append(f"  trunk: {s.trunk_channels} channels, {s.trunk_cps} calls/s; "
                     f"agent wait {s.agent_wait_s:g} s")
    return "\n".join(lines)
