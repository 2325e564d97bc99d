"""Stories from several wires: texts of one earthquake as two agencies wrote it, another
story, and an article builder for them (the store and publish tests of story clustering)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from syndication.model import Article, Block

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
QUAKE = [
    "ضرب زلزال بقوة 5.8 درجات على مقياس ريختر ولاية ملاطية في شرق تركيا فجر الثلاثاء، وفق ما أعلنت إدارة الكوارث والطوارئ التركية.",
    "وقالت الإدارة إن مركز الزلزال كان على عمق سبعة كيلومترات قرب بلدة يشيل يورت، وإن السكان شعروا به في ولايات أديامان وإلازيغ المجاورة.",
    "وأفاد وزير الداخلية بأن فرق الإنقاذ انتشرت في القرى الجبلية لتفقد المباني القديمة، مشيرا إلى تضرر عدد من المنازل الطينية دون تسجيل وفيات.",
]
QUAKE_REWRITE = [
    "أنقرة (الأناضول) - ضرب زلزال بقوة ٥٫٨ درجات على مقياس ريختر ولاية ملاطيه في شرق تركيا فجر الثلاثاء، وفق ما اعلنت ادارة الكوارث والطوارئ التركيه.",
    "وأفادت الإدارة إن مركز الزلزال كان على عمق سبعة كيلومترات قرب بلدة يشيل يورت، وإن السكان شعروا به في ولايات أديامان وإلازيغ المجاورة.",
]
FUEL = [
    "قررت لجنة تسعير المنتجات البترولية في مصر رفع أسعار البنزين بأنواعه والسولار اعتبارا من صباح الجمعة، في ثاني زيادة خلال العام.",
    "وأصبح سعر لتر بنزين 92 نحو 15.25 جنيه، فيما ارتفع سعر لتر السولار إلى 13.50 جنيه، بحسب بيان وزارة البترول.",
]


def article(
    article_id: str, partner: str, paragraphs: list[str], hours: float = 0, **changes: Any
) -> Article:
    values: dict[str, Any] = {
        "id": article_id,
        "partner_id": partner,
        "url": f"https://{partner}.example.com/{article_id}",
        "guid": None,
        "title": "زلزال في تركيا",
        "summary": "",
        "body_html": "",
        "blocks": tuple(Block("p", p) for p in paragraphs),
        "images": (),
        "urgent": False,
        "published": T0 + dt.timedelta(hours=hours),
        "updated": T0 + dt.timedelta(hours=hours),
        "author": None,
        "categories": (),
        "language": "ar",
        "content_hash": article_id,
    }
    values.update(changes)
    return Article(**values)
