"""A determination in a few lines of words (`evaluate --format text`, one record of a batch), from the
determination alone (plain data or the typed model): no Python values, every word in the language asked for."""
from __future__ import annotations

from typing import Any

from . import words as wd


def _plain(det: Any) -> dict:
    if isinstance(det, dict):
        return det
    return det.model_dump(mode="json", by_alias=True)


_LIST = {True: "eligible", False: "not_eligible", None: "undetermined"}


def summary_text(det: Any, lang: str = "zh") -> str:
    """`henan-2024-0001: henan 2019 (enacted), as of 2024-06-01` then one line per conclusion."""
    d = _plain(det)
    lang = "zh" if lang == "zh" else "en"
    w = wd.words(lang)
    pack = d["pack"]
    colon, sep, comma = w["colon"], w["sep"], w["list_sep"]
    level = d["dishonesty"]["level"]
    level_key = "at_least" if level == "undetermined" and d["dishonesty"].get("at_least") else level
    severe = d["severe_list"]
    listing = w["list_short"][_LIST[severe["eligible"]]] if severe["rules"] or severe["eligible"] is not None \
        else w["list_short"]["silent"]
    if severe["criteria"]:
        listing += w["open"] + comma.join(severe["criteria"]) + w["close"]
    p = d["publication"]
    if p["rules"]:
        publication = comma.join(x for x in (
            w["disclosure"].get(p["disclosure"], str(p["disclosure"])),
            w["window_from"].format(start=wd.day(p["start"], lang)) if p["start"] else "",
            w["window_min"].format(day=wd.day(p["min_end"], lang)) if p["min_end"] else "",
            w["window_max"].format(day=wd.day(p["max_end"], lang)) if p["max_end"] else "",
            w["window_extended"] if p["extended_until_removal"] else "") if x)
    else:
        publication = w["silent_short"]
    r = d["repair"]
    repair = (w["repair_no"] if r["eligible"] is False else
              w["repair_earliest_short"].format(day=wd.day(r["earliest"], lang)) if r["earliest"] else
              w["repair_yes"] if r["eligible"] else w["repair_unknown_short"])
    lines = [f"{d['event_id']}{colon}{pack['id']} {pack['version']}{w['open']}"
             f"{w['status'].get(pack['status'], pack['status'])}{w['close']}{sep}{w['as_of']} {d['as_of']}",
             f"  {w['dishonesty']}{colon}{w['levels_short'][level_key]}",
             f"  {w['severe']}{colon}{listing}",
             f"  {w['sanctions']}{colon}" + (comma.join(s["id"] for s in d["sanctions"]) or w["measures_none_short"]),
             f"  {w['incentives']}{colon}" + (comma.join(i["id"] for i in d["incentives"]) or "—"),
             f"  {w['publication']}{colon}{publication}",
             f"  {w['repair']}{colon}{repair}"]
    for x in d["deadlines"]:
        lines.append(f"  {w['deadlines']} {x['id']}{colon}" + w["deadline"].format(
            n=x["working_days"], start=wd.day(x.get("from"), lang), due=wd.day(x.get("due"), lang)))
    for x in d["decisions"]:
        lines.append(f"  {w['decisions']} {x['id']}{colon}{wd.value(x['value'], lang)}"
                     + (sep + w["until"].format(day=wd.day(x["until"], lang)) if x.get("until") else ""))
    if d["missing_facts"]:
        lines.append(f"  {w['missing']}{colon}{comma.join(d['missing_facts'])}")
    lines += [f"  {w['warnings']}{colon}{wd.visible(text)}" for text in d["warnings"]]
    return "\n".join(wd.visible(line) if i == 0 else line for i, line in enumerate(lines))
