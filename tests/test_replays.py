"""Every scripted replay in tests/replays/ runs through a real MCP client over stdio against copies of
the seeded templates; a replay passes only when every expectation holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.dev.replay import DatabasePair, load, run_replay
from server.errors import ReplayError

pytestmark = pytest.mark.anyio

REPLAYS = sorted((Path(__file__).parent / "replays").glob("*.json"))


@pytest.mark.parametrize("path", REPLAYS, ids=[p.stem for p in REPLAYS])
async def test_replay(path: Path, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    replay = load(path)
    # `"supabase": true` replays run on the Supabase-shaped cluster (SPEC.md §15), started only then
    pg_cluster = request.getfixturevalue("supabase_cluster" if replay.settings.supabase else "pg_cluster")
    names = []
    try:
        s_name, staging = pg_cluster.copy_of_template(replay.settings.scale, False, prefix="rs")
        names.append(s_name)
        p_name, production = pg_cluster.copy_of_template(replay.settings.scale, True, prefix="rp")
        names.append(p_name)
        report = await run_replay(
            replay, DatabasePair(staging, production), tmp_path / "run", out=lambda _: None
        )
    finally:
        for name in names:
            pg_cluster.drop_database(name)
    assert report.passed, "\n".join(report.lines)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{", "not valid JSON"),
        ('{"name": "x", "steps": []}', "steps"),
        (
            '{"name": "x", "steps": [{"call": "status", "sql": "select 1", "environment": "staging"}]}',
            "exactly one",
        ),
        (
            '{"name": "x", "steps": [{"call": "status", "expect": {"refused": "NOPE"}}]}',
            "unknown refusal code",
        ),
        ('{"name": "x", "steps": [{"operator": "approve", "by": 3}]}', "by"),
        ('{"name": "x", "settings": {"scale": -1}, "steps": [{"wait_seconds": 0}]}', "scale"),
        ('{"name": "x", "steps": [{"sql": "select 1", "environment": "stagin"}]}', "environment"),
    ],
)
def test_a_malformed_replay_file_is_a_clear_error(tmp_path: Path, content: str, complaint: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReplayError) as caught:
        load(path)
    assert complaint in str(caught.value)
    assert str(path) in str(caught.value)


def test_every_shipped_replay_is_valid_and_names_its_claim() -> None:
    assert REPLAYS, "tests/replays holds the scripted sequences"
    for path in REPLAYS:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert load(path).name == data["name"]
