"""Which version of a pack applies to an event (CONTRACT.md section 1): the one in force on the event's decision
date (`basis.decided_on`), else on the day it occurred, else on `as_of`; the determination records which and why."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from .. import model as m
from ..event import CreditEvent
from ..messages import msg


# --- version selection -----------------------------------------------------------------------------------------

@dataclass
class VersionChoice:
    version: m.Version
    because: str
    warnings: list[str]
    withhold: bool = False      # the conduct precedes the version's entry into force: new consequences withheld


def new_consequence_groups(pack: m.Pack, version: str) -> list[str]:
    """The rule groups of a version that attach new consequences to conduct (retroactivity: new_consequence)."""
    return sorted({r.group for r in pack.rules if r.retroactivity == "new_consequence"
                   and (r.versions is None or version in r.versions)})


def _in_force(v: m.Version, day: dt.date) -> bool:
    return v.effective_from is not None and v.effective_from <= day and (v.effective_to is None or day <= v.effective_to)


def select_version(pack: m.Pack, event: CreditEvent, as_of: dt.date, lang: str = "en",
                   apply_out_of_force: bool = False) -> VersionChoice:
    if event.basis is not None and event.basis.decided_on is not None:
        day, which = event.basis.decided_on, msg("which_decided", lang)
    elif event.occurred_on is not None:
        day, which = event.occurred_on, msg("which_occurred", lang)
    else:
        day, which = as_of, msg("which_as_of", lang)
    held = [v for v in pack.versions if v.text_held]
    warnings: list[str] = []
    withhold = False
    in_force_held = [v for v in held if _in_force(v, day)]
    if in_force_held:
        chosen = max(in_force_held, key=lambda v: cast(dt.date, v.effective_from))  # in force: it has a start
        because = msg("because_in_force", lang, version=chosen.id, status=chosen.status, day=day, which=which,
                      start=chosen.effective_from)
    else:
        not_held = [v for v in pack.versions if not v.text_held and _in_force(v, day)]
        later = sorted((v for v in held if v.effective_from and v.effective_from > day),
                       key=lambda v: cast(dt.date, v.effective_from))
        drafts = [v for v in held if v.effective_from is None]
        if later and not not_held:
            chosen = later[0]
            because = msg("because_later", lang, day=day, which=which, version=chosen.id, start=chosen.effective_from)
            # 立法法 art. 104 (不溯及既往), read as 实体从旧、程序从新, 从旧兼从轻 (docs/pack-format.md section 4.1)
            groups = new_consequence_groups(pack, chosen.id)
            if groups and not apply_out_of_force:
                withhold = True
                warnings.append(msg("pre_force_withheld", lang, pack=pack.id, version=chosen.id, day=day,
                                    start=chosen.effective_from, groups=", ".join(groups)))
            else:
                warnings.append(msg("not_yet_in_force", lang, pack=pack.id, version=chosen.id, day=day,
                                    start=chosen.effective_from))
                if groups:
                    warnings.append(msg("pre_force_applied", lang, groups=", ".join(groups)))
        elif drafts:
            chosen = drafts[-1]
            because = msg("because_draft", lang, version=chosen.id, day=day, which=which)
        else:
            chosen = max(held, key=lambda v: v.effective_from or dt.date.min)
            because = msg("because_latest", lang, day=day, which=which, version=chosen.id)
            warnings.append(msg("not_in_force", lang, pack=pack.id, version=chosen.id, day=day))
        for v in not_held:
            warnings.append(msg("version_not_held", lang, day=day, pack=pack.id, other=v.id, status=v.status,
                                start=v.effective_from, version=chosen.id))
            because += msg("because_not_held", lang, other=v.id, start=v.effective_from)
    if chosen.status == "draft":
        warnings.append(msg("draft_version", lang, pack=pack.id, version=chosen.id))
    elif chosen.status == "trial":
        warnings.append(msg("trial_version", lang, pack=pack.id, version=chosen.id))
    return VersionChoice(chosen, because, warnings, withhold)


