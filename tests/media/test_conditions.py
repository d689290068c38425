"""Robustness conditions: what runs under which condition, and how babble's crowd is drawn.

The end-to-end runs of a real recogniser in noise use the quickstart's own Whisper runs, computed once for the suite
(tests/leaderboard/test_views.py: noise raises the WER, each condition against clean on the same samples, a resumed
run answers as the first process did, babble raises the WER)."""

from __future__ import annotations

from typer.testing import CliRunner

from evals.cli.main import app


def test_an_unknown_condition_stops_before_anything_runs(tmp_path):
    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-t", "harvard_asr", "--conditions", "clean,fog:3",
                                      "-o", str(tmp_path / "runs"), "--no-progress"])
    assert result.exit_code == 2 and "--conditions: unknown condition 'fog:3'; known: clean, babble, brightness" in result.output
    assert not (tmp_path / "runs").exists()


def test_babble_mixes_in_the_split_s_first_clips_never_the_clip_itself_whatever_the_limit():
    from evals.data.open import open_dataset
    from evals.run.plan import RequestPlanner, mix_pool
    from evals.spec.catalog import load_task
    from evals.spec.task import under_condition

    clean = load_task("harvard_asr")
    spec = under_condition(clean, "babble:5")
    source = open_dataset(clean, None)
    first = [RequestPlanner(clean, source.columns).plan(i, row).request.audios[0].sha for i, row in source.rows][:5]
    pool = mix_pool(spec, None)
    assert [p.sha for p in pool] == first  # four talkers for a clip among them, four for the others
    assert mix_pool(clean, None) == ()  # clean mixes nothing
    planner = RequestPlanner(spec, source.columns)
    planner.mix = pool
    keys = {}
    for i, row in open_dataset(clean, None).rows:
        audio = planner.plan(i, row).request.audios[0]
        mixed = [q.sha for q in audio.mix]
        assert len(mixed) == 4 and audio.sha not in mixed and audio.condition == "babble:5"
        assert mixed == ([s for s in first if s != audio.sha])[:4]
        keys[i] = planner.plan(i, row).request.key
    noisy = RequestPlanner(under_condition(clean, "white_noise:5"), source.columns)
    assert all(noisy.plan(i, row).request.key != keys[i] for i, row in open_dataset(clean, None).rows)
