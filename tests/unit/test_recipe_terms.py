"""Every registered recipe declares its corpus's licence and citation: the dataset card lists both per source."""

from __future__ import annotations

import re

from audioflan_ray.card import source_terms
from audioflan_ray.config import Config, SourceConfig
from audioflan_ray.recipes.base import registry

BIBTEX = re.compile(r"\s*@\w+\{[^,\s]+,.*\}\s*", re.DOTALL)
#: Recipes that stand for any corpus: their source's options declare the terms (``Recipe.terms``).
GENERIC = {"manifest"}


def bibtex_problem(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return "missing"
    if not BIBTEX.fullmatch(text):
        return "not one BibTeX entry (@type{key, ...})"
    if text.count("{") != text.count("}"):
        return "unbalanced braces"
    return None


def test_every_recipe_declares_licence_and_citation() -> None:
    missing = []
    for name, cls in registry().items():
        if name in GENERIC:
            continue
        lic = getattr(cls, "license", None)
        problems = []
        if not isinstance(lic, str) or not lic.strip():
            problems.append("license = '<SPDX id, e.g. CC-BY-4.0, or the licence's name>' (missing)")
        cit = bibtex_problem(getattr(cls, "citation", None))
        if cit:
            problems.append(f"citation = r'''<BibTeX entry>''' ({cit})")
        if problems:
            missing.append(f"  {name} ({cls.__module__}.{cls.__name__}): " + "; ".join(problems))
    assert not missing, "recipes that do not declare their corpus's terms (class attributes):\n" + "\n".join(missing)


def test_generic_manifest_takes_its_terms_from_the_source_options() -> None:
    bib = "@misc{my2026corpus,\n  title = {My corpus},\n  year = {2026}\n}"
    cfg = Config(
        sources=(
            SourceConfig(
                recipe="manifest", root="/data/a", options={"domain": "speech", "license": "CC-BY-4.0", "citation": bib}
            ),
            SourceConfig(recipe="manifest", root="/data/b", options={"domain": "audio"}),
        )
    )
    first, second = source_terms(cfg)
    assert (first.license, first.hub_license, first.non_commercial) == ("CC-BY-4.0", "cc-by-4.0", False)
    assert bibtex_problem(first.citation) is None
    # no declared terms: "unspecified", flagged as not cleared for commercial use, no citation
    assert (second.license, second.citation, second.non_commercial) == ("unspecified", None, True)
