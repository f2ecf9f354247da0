"""What `observatoire run` does before its first step and after its last one stays cheap (issue 13: 10.5 s
outside the steps at scale 1)."""

from __future__ import annotations

from assets.ingest.feeds import FEED_ASSETS
from pipelines.cli import feed_files


def _given(config: dict, feed: str):
    return config[f"raw__{feed}"]["config"]["fichiers"]


def test_each_feed_op_is_given_only_its_own_files_of_the_run():
    files = ["bailleurs.csv", "rpls_901548073_2025.csv", "bilan_flux_901548073_2025.csv", "notes.txt"]
    config = feed_files(FEED_ASSETS, files)
    assert len(config) == len(FEED_ASSETS)
    assert _given(config, "bailleurs") == ["bailleurs.csv"]
    assert _given(config, "rpls") == ["rpls_901548073_2025.csv"]
    assert _given(config, "bilan_flux") == ["bilan_flux_901548073_2025.csv"]
    assert _given(config, "mouvements") == []  # no file of its own: it takes none


def test_without_a_list_of_files_every_feed_takes_its_settled_files():
    config = feed_files(FEED_ASSETS, None)
    assert {c["config"]["fichiers"] for c in config.values()} == {None}
