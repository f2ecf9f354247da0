"""The inbox sensor: one run per tick for all new files. It lists files and keeps a cursor; it never
opens DuckDB (a run may be writing)."""

import hashlib
import json
import time

import dagster as dg

from assets.ingest.loader import pending
from assets.settings import load_settings

from .jobs import observatoire_job


def new_files(cursor: str | None, now: float) -> tuple[list[str], list[str], str]:
    """(new settled files, unknown names, next cursor). The cursor remembers name, size and mtime."""
    settings = load_settings()
    inbox = settings.inbox
    seen = set(json.loads(cursor)) if cursor else set()
    known, unknown = pending(inbox)
    fresh, current = [], set()
    for path, _ in known:
        st = path.stat()
        sig = f"{path.name}|{st.st_size}|{int(st.st_mtime_ns)}"
        if now - st.st_mtime < settings.stabilite_secondes:  # may still be being copied: next tick
            continue
        current.add(sig)
        if sig not in seen:
            fresh.append(sig)
    return fresh, [p.name for p in unknown], json.dumps(sorted(current))


@dg.sensor(
    job=observatoire_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Surveille la boîte de dépôt et lance un traitement pour tous les nouveaux fichiers.",
)
def boite_de_depot(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    fresh, unknown, cursor = new_files(context.cursor, time.time())
    for name in unknown:
        context.log.warning(f"{name} : nom de fichier non reconnu (aucun flux) ; laissé dans la boîte de dépôt")
    if not fresh:
        return dg.SensorResult(skip_reason="aucun nouveau fichier", cursor=cursor)
    run_key = hashlib.sha256("\n".join(fresh).encode()).hexdigest()[:16]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={"observatoire/fichiers": str(len(fresh))})],
        cursor=cursor,
    )
