"""`sftmart gc`: removes the artefacts (sftmart.artefacts) that the published warehouse does not
refer to: adapters and merged models of builds that failed, were killed or were replaced before
anything recorded them, and the training folders of unfinished runs. It reads the published file
read-only, holds the build lock while it removes (so it refuses while a build runs, and no build
starts meanwhile) and never touches a folder that any column of REFERENCE_COLUMNS names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sftmart.artefacts import artefacts_root, unreferenced
from sftmart.cli_errors import UserError, no_warehouse


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def collect(published: Path, dry_run: bool = False, out=print) -> list[Path]:
    """Removes (or with dry_run only lists) the unreferenced artefact folders of `published`, one
    line each on `out`, then a summary line; returns them."""
    from sftmart.publish import BuildLock, BuildLockTimeout

    if not published.exists():
        raise UserError(no_warehouse(published))
    try:
        lock = BuildLock(published, timeout_s=0)
    except BuildLockTimeout as error:
        raise UserError(f"not collecting while a build runs: {error}") from None
    try:
        doomed, kept = unreferenced(published)
        freed = 0
        for path in doomed:
            freed += _size(path)
            out(f"{'would remove' if dry_run else 'removing'} {path}")
            if not dry_run:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    finally:
        lock.release()
    verb = "would free" if dry_run else "freed"
    out(
        f"{len(doomed)} unreferenced artefact(s), {verb} {freed / 2**20:.1f} MiB; "
        f"kept {len(kept)} that {published.name} refers to (in {artefacts_root(published)})"
    )
    return doomed
