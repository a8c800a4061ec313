"""Common Voice clips for corpora that translate them (CoVoST 2, CVSS): where a locale's ``clips/`` folder is.

Both corpora name source clips by their Common Voice file name and pair with Common Voice release 4
(``cv-corpus-4-2019-12-10/<locale>/clips/*.mp3``). Recording paths are relative to the recipe's root, so the Common
Voice release sits under that root: ``options.common_voice`` names its folder (relative to the root); by default it
is the one ``cv-corpus-*`` folder under the root, else the root itself when it holds ``<locale>/clips/``.
"""

from __future__ import annotations

import posixpath
from typing import Any

from audioflan_ray.storage import Root


def common_voice_folder(root: Root, options: dict[str, Any]) -> str | None:
    """The Common Voice release folder relative to ``root`` ("" for the root itself), or None when there is none."""
    named = options.get("common_voice")
    if named:
        folder = str(named).strip("/")
        return folder if root.isdir(folder) else None
    if not root.isdir():
        return None
    releases = [d for d in root.ls_dirs() if d.startswith("cv-corpus-")]
    if len(releases) == 1:
        return releases[0]
    if any(root.isdir(posixpath.join(d, "clips")) for d in root.ls_dirs()):
        return ""
    return None


class ClipIndex:
    """The mp3 clips of each locale of one Common Voice release, listed once per locale when first asked."""

    def __init__(self, root: Root, folder: str | None):
        self.root = root
        self.folder = folder
        self._clips: dict[str, dict[str, int]] = {}

    def clips_dir(self, locale: str) -> str:
        return posixpath.join(self.folder or "", locale, "clips")

    def find(self, locale: str, clip: str) -> tuple[str, int] | None:
        """(path relative to the root, size) of ``clip`` (``common_voice_fr_19176154.mp3``) of ``locale``, or None."""
        if self.folder is None:
            return None
        if locale not in self._clips:
            self._clips[locale] = self.root.find(self.clips_dir(locale), ".mp3")
        path = posixpath.join(self.clips_dir(locale), clip)
        size = self._clips[locale].get(path)
        return None if size is None else (path, size)
