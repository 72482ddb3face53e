"""sftmart.paths: staging directories published by rename, safe when writers race."""

from concurrent.futures import ThreadPoolExecutor

from sftmart.paths import publish_dir, staging_dir_for


def build(target, content):
    staging = staging_dir_for(target)
    staging.mkdir()
    (staging / "file.txt").write_text(content)
    return staging


def test_first_writer_wins_and_the_loser_is_cleaned_up(tmp_path):
    target = tmp_path / "cache" / "thing"
    first, second = build(target, "first"), build(target, "second")
    assert first != second  # unique per call, even in one process and thread
    publish_dir(first, target)
    publish_dir(second, target)
    assert (target / "file.txt").read_text() == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["thing"]


def test_replace_swaps_in_the_new_directory(tmp_path):
    target = tmp_path / "merged"
    publish_dir(build(target, "old"), target)
    publish_dir(build(target, "new"), target, replace=True)
    assert (target / "file.txt").read_text() == "new"


def test_racing_threads_leave_one_complete_directory(tmp_path):
    target = tmp_path / "raced"

    def write(i):
        publish_dir(build(target, f"writer {i}"), target)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(16)))
    assert (target / "file.txt").read_text().startswith("writer ")
    assert [p.name for p in tmp_path.iterdir()] == ["raced"]
