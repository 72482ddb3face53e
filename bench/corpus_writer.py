"""JSONL output of a benchmark corpus (bench/make_corpus.py), in parts of at most N rows."""

from __future__ import annotations

from pathlib import Path


class RotatingWriter:
    """JSONL parts of at most `per_file` rows under <out>/<collection>/."""

    def __init__(self, out: Path, per_file: int):
        self.out, self.per_file = out, per_file
        self.state: dict[str, list] = {}  # collection -> [file index, rows in file, handle, buffer]
        self.files: list[dict] = []

    def write(self, collection: str, line: str) -> tuple[str, int]:
        st = self.state.get(collection)
        if st is None or st[1] >= self.per_file:
            if st is not None:
                self._close(st)
            idx = 0 if st is None else st[0] + 1
            path = self.out / "raw" / collection / f"part-{idx:05d}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            st = [idx, 0, open(path, "w", encoding="utf-8"), []]
            self.files.append({"path": str(path.relative_to(self.out / "raw")), "rows": 0})
            st.append(len(self.files) - 1)
            self.state[collection] = st
        st[3].append(line)
        if len(st[3]) >= 2000:
            st[2].write("".join(st[3]))
            st[3].clear()
        st[1] += 1
        self.files[st[4]]["rows"] += 1
        return self.files[st[4]]["path"], st[1]

    def _close(self, st):
        st[2].write("".join(st[3]))
        st[3].clear()
        st[2].close()

    def close(self):
        for st in self.state.values():
            self._close(st)
