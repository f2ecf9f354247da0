"""The `observatoire` command. Dagster and dbt are imported only inside the commands that need them,
so `observatoire generate` starts fast."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import re
import shutil
import signal
import subprocess
import sys
import types
import uuid
from pathlib import Path

from dashboards.formats import nombre
from pipelines import ahead
from pipelines.summary import publication_lines, run_summary

ROOT = Path(__file__).resolve().parent.parent
DEMO_MARK = ".demo"
# The console shows warnings; the full logs of every run are in the Dagster UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def say(msg: str) -> None:
    print(msg, flush=True)


def _settings(home: str | None):
    from assets.settings import HOME_ENV, load_settings

    settings = load_settings(home)
    os.environ[HOME_ENV] = str(settings.home)  # the Dagster resource and code server read it
    return settings


# --- generate -------------------------------------------------------------------------------------


def cmd_generate(args) -> int:
    from pipelines.generator.api import generate

    out = Path(args.out)
    report = generate(
        out, seed=args.seed, scale=args.scale, debut=args.debut, fin=args.fin, defauts=args.defauts, progress=say
    )
    say(report.resume())
    return 0


# --- run ------------------------------------------------------------------------------------------


def _instance(settings):
    """The home's persistent Dagster instance (its runs show in the UI)."""
    from pipelines.eventlog import event_log_config

    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    conf = settings.dagster_home / "dagster.yaml"
    ours = "telemetry:\n  enabled: false\n"
    text = ours + event_log_config(settings.dagster_home)
    # the file this function wrote for a home made before, or moved; never one the analyst wrote
    if not conf.exists() or conf.read_text(encoding="utf-8").startswith(ours):
        conf.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    import dagster as dg

    return dg.DagsterInstance.get()


def _fail_orphan_runs(instance) -> None:
    """Runs started by a CLI process that no longer exists are marked failed."""
    import dagster as dg

    running = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    for run in running:
        pid = run.tags.get("observatoire/pid")
        if pid and not _alive(int(pid)):
            instance.report_run_failed(run, f"processus {pid} disparu (run interrompu)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_pipeline(settings, files: list[str] | None = None, publication: str | None = None):
    """Materialize the main job in-process on the home's instance; returns Dagster's result (its
    success, and the check evaluations the summary reads). `files`: the inbox files to take (None: those
    no longer being written). `publication`: the run id of the publication that will follow, whose releases
    of statistical secret and Chromium are started as soon as dbt has built the marts (pipelines/ahead.py)."""
    from assets.dbt import end_parse, ensure_manifest, start_parse
    from assets.transform import dbt_env
    from assets.warehouse import writer_lock

    ensure_manifest()
    with writer_lock(settings.home, say=say):  # the home's dbt target folder is the writer's too
        start_parse(settings.home, settings.dbt_vars(), dbt_env(settings))
        try:
            return _execute(settings, files, publication)
        finally:
            end_parse(settings.home)


def _execute(settings, files: list[str] | None, publication: str | None = None):
    """The job, in-process (the caller holds the writer lock); returns its result."""
    from assets.ingest.feeds import FEED_ASSETS
    from assets.transform import dbt_models
    from pipelines.definitions import defs
    from pipelines.jobs import MAIN_JOB

    instance = _instance(settings)
    _fail_orphan_runs(instance)
    run_id = str(uuid.uuid4())  # known before the run starts, for its listener
    dbt = dbt_models.op.name
    instance.add_event_listener(run_id, ahead.import_at_step("great_expectations", dbt))
    if publication is not None:
        instance.add_event_listener(run_id, ahead.keep_after(settings.home, dbt, say))
        prepare = ahead.prepare_after(dbt, lambda: _prepare_publication(settings, publication))
        instance.add_event_listener(run_id, prepare)
    # dbt's console output goes to a log file; the analyst reads the summary (and the UI).
    log = settings.home / "journaux" / f"run_{dt.datetime.now():%Y%m%d_%H%M%S}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        job = defs.resolve_job_def(MAIN_JOB)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            run_config={**QUIET, "ops": feed_files(FEED_ASSETS, files)},
            tags={"observatoire/pid": str(os.getpid()), "observatoire/origine": "cli"},
        )
    say(f"Journal détaillé du traitement : {log}")
    if not result.success:
        for ev in result.all_events:
            if ev.is_step_failure:
                say(f"ÉCHEC de l'étape {ev.step_key} : {_root_cause(ev.step_failure_data.error)}")
    return result


def feed_files(feed_assets, files: list[str] | None) -> dict:
    """Each feed's op is given only its own files (None: all files no longer being written). Dagster
    validates the run config element by element, three times per run: the demo's 1,295 names given to
    each of the 11 feeds cost 0.6 s of CPU before the first step (cProfile of `observatoire run`)."""
    from expectations.contract import feed_for

    by_feed: dict[str, list[str]] = {}
    for name in files or []:
        contract = feed_for(name)
        if contract is not None:
            by_feed.setdefault(contract.feed, []).append(name)
    return {
        a.op.name: {"config": {"fichiers": None if files is None else by_feed.get(a.key.path[-1], [])}}
        for a in feed_assets
    }


def _prepare_publication(settings, run_id: str) -> None:
    """What the publication `run_id` of the last publishable quarter needs started ahead (none if none)."""
    choice = _last_publishable(settings)
    if choice is not None:
        ahead.start_publication(settings, *choice[:2], run_id, say)


def _root_cause(err) -> str:
    """The message of the error at the bottom of Dagster's wrapping (a French sentence of ours)."""
    while err is not None and err.cause is not None:
        err = err.cause
    if err is None:
        return ""
    return re.sub(rf"^[\w.]*{re.escape(err.cls_name or '')}:\s*", "", err.message.strip())


def cmd_run(args, settle: bool = True) -> int:
    """`settle`: watch the inbox files modified recently, in case they are still being copied."""
    from assets.ingest.loader import accept, check_key, pending, settled
    from assets.warehouse import connect, writer_lock

    settings = _settings(args.home)
    for folder in (settings.inbox, settings.published):
        folder.mkdir(parents=True, exist_ok=True)
    say(f"Traitement de la boîte de dépôt {settings.inbox}")
    with writer_lock(settings.home, say=say):
        start = dt.datetime.now()  # after any wait for another run: the summary reports this run's loads
        with connect(settings.home, say=say) as con:  # waits while another program holds the warehouse file
            check_key(con, settings.home)
        if args.accepter:
            accept(settings, args.accepter, say=say)
        files = pending(settings.inbox)[0]
        if settle:
            files = settled(files, settings.stabilite_secondes, say)
        publication = str(uuid.uuid4())
        try:
            small = sum(p.stat().st_size for p, _ in files) <= ahead.AHEAD_MAX_BYTES
            result = run_pipeline(settings, [p.name for p, _ in files], publication if small else None)
            ok = result.success
            published = publish_last_quarter(settings, publication) if ok else None
        finally:
            ahead.forget(settings)  # what a failed run or step did not take
    say(run_summary(settings, start, result.get_asset_check_evaluations(), published))
    if not ok:
        say("Publication non faite : le traitement a échoué (étape ou contrôle bloquant, voir ci-dessus).")
    elif published is not None and not published.success:
        ok = False
    say("Traitement terminé." if ok else "Traitement en échec (voir ci-dessus et l'interface Dagster).")
    return 0 if ok else 1


# --- publication ----------------------------------------------------------------------------------


# the publication job's steps, as the analyst names them
PUBLISHED = {"published__pack_cil": "pack CIL", "published__site": "site public"}


def publish_last_quarter(settings, run_id: str | None = None):
    """The CIL pack and the site of the last complete quarter (or past its deadline); None when there is none.
    `run_id`: the publication's (one whose releases were submitted ahead), else a new one."""
    choice = _last_publishable(settings)
    if choice is None:
        say("Aucun trimestre complet à publier (pack CIL et site public).")
        return None
    return publish_quarter(settings, *choice[:2], run_id)


def _last_publishable(settings):
    """cil_export.last_publishable of the home's warehouse today."""
    from assets.publish.cil_export import last_publishable
    from assets.warehouse import connect

    with connect(settings.home, read_only=True, say=say) as con:
        return last_publishable(con, dt.date.today())


def publish_quarter(settings, annee: int, trimestre: int, run_id: str | None = None):
    """Materialize the publication of one quarter (pack, site) in-process on the home's instance; returns
    Dagster's result. `run_id`: as publish_last_quarter's."""
    from assets.dbt import ensure_manifest
    from assets.partitions import quarter_key, trimestres_cil
    from assets.publish.cil_export import failed_blocking_check
    from pipelines.definitions import defs
    from pipelines.jobs import PUBLICATION_JOB

    ensure_manifest()
    key = quarter_key(annee, trimestre)
    instance = _instance(settings)
    instance.add_dynamic_partitions(trimestres_cil.name, [key])
    run_id = run_id or str(uuid.uuid4())
    if failed_blocking_check(instance) is None:  # else the steps refuse: nothing to compute
        ahead.start_publication(settings, annee, trimestre, run_id, say)  # while Dagster plans the run (if not done)
    try:
        result = defs.resolve_job_def(PUBLICATION_JOB).execute_in_process(
            instance=instance,
            partition_key=key,
            raise_on_error=False,
            run_id=run_id,
            run_config=QUIET,
            tags={"observatoire/pid": str(os.getpid()), "observatoire/origine": "cli"},
        )
    finally:
        ahead.forget(settings)  # what a failed step did not take
    for ev in result.all_events:
        if ev.is_step_failure:
            what = PUBLISHED.get(ev.step_key, ev.step_key)
            say(f"ÉCHEC de la publication ({what}) {key} : {_root_cause(ev.step_failure_data.error)}")
    return result


def cmd_export(args) -> int:
    from assets.partitions import parse_quarter
    from assets.publish.cil_export import ExportRefused, check_quarter
    from assets.warehouse import connect, writer_lock

    settings = _settings(args.home)
    try:
        annee, trimestre = parse_quarter(args.trimestre)
    except ValueError as e:
        raise ExportRefused(str(e)) from None
    if not settings.warehouse.exists():
        raise ExportRefused(f"aucun entrepôt dans {settings.home} : lancez d'abord observatoire run")
    with writer_lock(settings.home, say=say):
        with connect(settings.home, read_only=True, say=say) as con:
            check_quarter(con, annee, trimestre, dt.date.today())
        result = publish_quarter(settings, annee, trimestre)
    say("\n".join(publication_lines(result)))
    return 0 if result.success else 1


# --- rejouer --------------------------------------------------------------------------------------


def cmd_rejouer(args) -> int:
    from assets.ingest.replay import replay

    settings = _settings(args.home)
    reports, purged = replay(settings, say=say)
    loaded = sum(r.lignes_chargees for r in reports)
    say(f"{len(reports)} fichiers rejoués depuis l'archive, {nombre(loaded)} lignes chargées.")
    if purged:
        say(f"{len(purged)} fichiers purgés par la durée de conservation n'ont pas pu être rejoués.")
    return 0


# --- demo -----------------------------------------------------------------------------------------


def cmd_demo(args) -> int:
    settings = _settings(args.home)
    home = settings.home
    if home.exists() and any(home.iterdir()):
        if not (home / DEMO_MARK).exists():
            say(
                f"{home} contient déjà des données qui ne viennent pas de la démonstration : choisissez "
                "un autre dossier avec --home (la démonstration part d'un dossier vide)."
            )
            return 2
        say(f"Réinitialisation de la démonstration précédente dans {home}")
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / DEMO_MARK).write_text("Dossier créé par « observatoire demo » : il peut être effacé.\n")
    args.accepter, args.out, args.seed, args.scale, args.debut, args.fin, args.defauts = (
        [],
        str(settings.inbox),
        1,
        1.0,
        "2024-01",
        "2026-09",
        False,
    )
    say("Génération du territoire synthétique de la CASA (données fictives)…")
    cmd_generate(args)
    code = cmd_run(args, settle=False)  # the files were written, and closed, by this process
    say("")
    say(f"Entrepôt DuckDB : {settings.warehouse}")
    say(f"Site public (à ouvrir dans un navigateur) : {settings.published / 'site' / 'index.html'}")
    say(f"Pack trimestriel de la CIL : {settings.published / 'cil'}")
    say(f"Rapports de quarantaine : {settings.reports / 'quarantaine'}")
    say(f"Interface Dagster : observatoire ui --home {home}  (puis http://127.0.0.1:3000)")
    return code


# --- ui -------------------------------------------------------------------------------------------


def cmd_ui(args) -> int:
    from assets.dbt import ensure_manifest

    settings = _settings(args.home)
    ensure_manifest()
    _instance(settings)  # creates the Dagster home and sets DAGSTER_HOME
    cmd = [_venv_tool("dagster"), "dev", "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(args.port)]
    say(f"Interface Dagster sur http://127.0.0.1:{args.port} (arrêt : Ctrl-C)")
    # dagster dev started from a shell in the background ignores SIGINT unless it is reset to default. In a
    # session of its own, it gets a terminal's Ctrl-C once, from us, like any stop signal.
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    stop = _forward_stop_signals(proc)
    code = proc.wait()
    if not stop.signalled:
        return code
    _end_descendants(stop.procs)
    say("Interface Dagster arrêtée.")
    return 0


def _forward_stop_signals(proc: subprocess.Popen) -> types.SimpleNamespace:
    """SIGINT and SIGTERM go to `dagster dev`, which stops its web server, daemon and code server; the
    returned record says whether one came, and the processes dagster dev then had."""
    import psutil

    stop = types.SimpleNamespace(signalled=False, procs=[])

    def forward(signum, _frame) -> None:
        if not stop.signalled:
            stop.signalled = True
            with contextlib.suppress(psutil.NoSuchProcess):
                stop.procs = psutil.Process(proc.pid).children(recursive=True)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    return stop


def _end_descendants(procs: list, grace: float = 10) -> None:
    """Processes of `dagster dev` still running once it has exited: asked to stop, then killed."""
    import psutil

    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()


def _venv_tool(name: str) -> str:
    """A console script of this environment, even when its bin folder is not on PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


# --- docs ---------------------------------------------------------------------------------------------


def cmd_docs(args) -> int:
    """dbt docs (models, tests, lineage) and the GX data docs of the last validations, under <home>/docs/."""
    import json

    from assets.checks import gx_docs_dir, gx_results_dir
    from assets.dbt import DBT_DIR
    from assets.warehouse import writer_lock
    from expectations.runner import build_data_docs

    settings = _settings(args.home)
    dbt_dir = settings.home / "docs" / "dbt"
    dbt = [
        _venv_tool("dbt"),
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(dbt_dir),
        "--log-path",
        str(settings.home / "journaux" / "dbt_docs"),
        "--vars",
        json.dumps(settings.dbt_vars(), sort_keys=True),
    ]
    say("Documentation dbt (modèles, tests, lignage)…")
    with writer_lock(settings.home, say=say):  # dbt reads the warehouse's catalog
        done = subprocess.run(dbt, cwd=DBT_DIR, env=os.environ.copy(), capture_output=True, text=True)
    if done.returncode != 0:
        say(f"ÉCHEC de dbt docs generate :\n{(done.stdout + done.stderr)[-2000:]}")
        return 1
    say("Documentation Great Expectations (dernières validations des suites)…")
    site = gx_docs_dir(settings)
    shutil.rmtree(site / "validations", ignore_errors=True)  # only the last validation of each suite
    index = build_data_docs(gx_results_dir(settings), site)
    say(
        f"Documentation dbt : {dbt_dir / 'static_index.html'} (un seul fichier ; index.html demande un "
        "serveur : dbt docs serve)"
    )
    say(f"Documentation Great Expectations : {index}")
    return 0


# --- parser ---------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="observatoire",
        description="Observatoire de la demande de logement social de la CASA (Sophia Antipolis).",
    )
    sub = p.add_subparsers(dest="commande", required=True, metavar="COMMANDE")
    home_help = "dossier de travail (défaut : $OBSERVATOIRE_HOME ou ./data)"

    g = sub.add_parser("generate", help="écrit un territoire synthétique (fichiers au format des contrats)")
    g.add_argument("--out", required=True, help="dossier où écrire les fichiers")
    g.add_argument("--seed", type=int, default=1, help="graine du tirage aléatoire (défaut : 1)")
    g.add_argument("--scale", type=float, default=1.0, help="facteur de taille du territoire (défaut : 1)")
    g.add_argument("--debut", default="2024-01", help="premier mois AAAA-MM (défaut : 2024-01)")
    g.add_argument("--fin", default="2026-09", help="dernier mois AAAA-MM (défaut : 2026-09)")
    g.add_argument("--defauts", action="store_true", help="ajoute des lignes défectueuses réalistes")
    g.set_defaults(func=cmd_generate)

    r = sub.add_parser(
        "run",
        help="ingère les nouveaux fichiers et reconstruit les indicateurs",
        description="Traite les fichiers déposés dans la boîte de dépôt, le dossier inbox/ du dossier de travail "
        "(par défaut ./data/inbox/, ou $OBSERVATOIRE_HOME/inbox/, ou D/inbox/ avec --home D). Chaque fichier "
        "traité quitte la boîte de dépôt pour archive/ (copie inchangée) ; un fichier au nom non reconnu y "
        "reste. Un résumé en français liste les lignes chargées, la quarantaine et les avertissements.",
    )
    r.add_argument("--home", help=home_help)
    r.add_argument(
        "--accepter",
        action="append",
        default=[],
        metavar="FICHIER",
        help="applique un fichier renvoyé que le traitement a retenu parce qu'il retirerait beaucoup de lignes "
        "(le fichier de la boîte de dépôt, sinon sa version archivée) ; option répétable",
    )
    r.set_defaults(func=cmd_run)

    j = sub.add_parser("rejouer", help="reconstruit les tables brutes depuis l'archive")
    j.add_argument("--home", help=home_help)
    j.set_defaults(func=cmd_rejouer)

    x = sub.add_parser(
        "export",
        help="publie le pack CIL d'un trimestre (XLSX et CSV sous <home>/published/cil/)",
        description="Écrit cil_240600585_AAAAT<q>.xlsx et .csv pour un trimestre de l'historique déjà complet "
        "(ou arrivé à échéance, le 20 du mois qui suit le trimestre), après secret statistique.",
    )
    x.add_argument("--trimestre", required=True, metavar="AAAAT<q>", help="trimestre à publier, par exemple 2026T3")
    x.add_argument("--home", help=home_help)
    x.set_defaults(func=cmd_export)

    d = sub.add_parser("demo", help="génère le territoire synthétique dans un dossier vide puis le traite")
    d.add_argument("--home", help=home_help)
    d.set_defaults(func=cmd_demo)

    o = sub.add_parser(
        "docs", help="construit la documentation dbt et celle des contrôles Great Expectations sous <home>/docs/"
    )
    o.add_argument("--home", help=home_help)
    o.set_defaults(func=cmd_docs)

    u = sub.add_parser("ui", help="lance l'interface Dagster (avec le démon) sur 127.0.0.1")
    u.add_argument("--home", help=home_help)
    u.add_argument("--port", type=int, default=3000, help="port (défaut : 3000)")
    u.set_defaults(func=cmd_ui)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as e:  # the analyst gets a French sentence, the traceback goes to stderr
        from assets.ingest.pseudonym import KeyProblem
        from assets.publish.cil_export import ExportRefused
        from assets.warehouse import WarehouseBusy, WarehouseWriteFailed

        if isinstance(e, KeyProblem | WarehouseBusy | WarehouseWriteFailed | ExportRefused):
            print(f"Erreur : {e}", file=sys.stderr)
            return 2
        raise


def script() -> None:
    """The `observatoire` command (pyproject's entry point). At exit, Python's finalization collects the objects
    of the run (Dagster's, dbt's, GX's): 1.8 s of a scale-1 update's 53 s, between `main`'s return and the
    process's end, 0.2 s once they are frozen (out of the collector's reach, freed with the process). Exit
    handlers still run. Not in `main`: the tests call it in their own long-lived process."""
    code = main()
    gc.freeze()
    _silence_finalization()
    sys.exit(code)


def _silence_finalization() -> None:
    """Nothing reaches the terminal after the command's last sentence. At finalization DuckDB's bindings
    (nanobind) list the objects of theirs still referenced (module constants, frozen objects): ~50 lines of
    "nanobind: leaked …" after « Traitement terminé. », leaks only in nanobind's sense, the memory going with
    the process. Everything the command had to say is written by then; an error in an exit handler would be
    silenced too (the run's logs are in the home's journaux/ and in Dagster)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


if __name__ == "__main__":
    script()
