"""Reading WebDataset tars (no Ray): samples as (key, members), the key being a member name up to its first dot."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from typing import IO


def read_samples(fileobj: IO[bytes]) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Yield (key, {suffix: bytes}) from a WebDataset tar; a key is the basename up to its first dot."""
    current: str | None = None
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
        for info in tar:
            if not info.isfile():
                continue
            base = info.name.rsplit("/", 1)[-1]
            key, _, suffix = base.partition(".")
            f = tar.extractfile(info)
            data = f.read() if f else b""
            if key != current:
                if current is not None:
                    yield current, members
                current, members = key, {}
            members[suffix] = data
    if current is not None:
        yield current, members
