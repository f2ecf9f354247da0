"""Entry point of the synthetic territory generator (called by ``observatoire generate``).

Imports neither Dagster nor dbt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import calibration
from .dates import month_label, parse_month
from .output import Output
from .simulation import Simulation
from .writer import Writer


@dataclass
class GenerationReport:
    """What a generation wrote. Figures are computed from the simulation (the tests recompute them from the files)."""

    out: Path
    seed: int
    scale: float
    debut: str
    fin: str
    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    # Calibration figures (French names; shares are fractions in [0, 1]).
    calibration: dict[str, float] = field(default_factory=dict)
    # --defauts: faults injected per file name ({kind: count}) and rows the ingestion should quarantine.
    defauts: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantaine_attendue: dict[str, int] = field(default_factory=dict)

    def resume(self) -> str:
        """A French summary, one fact per line."""
        lines = [
            f"Territoire synthétique (graine {self.seed}, échelle {self.scale:g}, {self.debut} à {self.fin}) : "
            f"{len(self.files)} fichiers, {self.total_bytes / 1e6:.1f} Mo dans {self.out}",
        ]
        lines += [f"  {k} : {_fr(v)}" for k, v in self.calibration.items()]
        if self.defauts:
            total = sum(sum(v.values()) for v in self.defauts.values())
            lines.append(
                f"  défauts injectés : {total} dans {len(self.defauts)} fichiers, "
                f"{sum(self.quarantaine_attendue.values())} lignes à mettre en quarantaine"
            )
        return "\n".join(lines)


def _fr(v: float) -> str:
    """A figure the French way: thin-space thousands, decimal comma."""
    if isinstance(v, int):
        return f"{v:,}".replace(",", "\u202f")
    return f"{v:.4g}".replace(".", ",")


def generate(
    out: Path,
    *,
    seed: int = 1,
    scale: float = 1.0,
    debut: str = "2024-01",
    fin: str = "2026-09",
    defauts: bool = False,
    progress: Callable[[str], None] | None = None,
) -> GenerationReport:
    """Write a synthetic territory into ``out`` (a flat folder, like an inbox drop); same arguments, same bytes."""
    out = Path(out)
    d, f = parse_month(debut), parse_month(fin)
    sim = Simulation(seed, scale, d, f)
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(out, defauts=defauts, fault_rng=np.random.default_rng(sim.fault_seed))
    sink = Output(sim, writer)
    if progress:
        progress(f"simulation du territoire de {month_label(sim.sim_start)} (mise en route) à {fin}…")
    sim.run(sink, progress)
    sink.finish()
    return GenerationReport(
        out=out,
        seed=seed,
        scale=scale,
        debut=debut,
        fin=fin,
        files=writer.files,
        total_bytes=writer.total_bytes,
        rows=writer.rows,
        calibration=calibration.figures(sim, sink),
        defauts=writer.fault_counts,
        quarantaine_attendue=writer.expected_quarantine,
    )
