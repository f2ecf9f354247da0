"""dbt started ahead of its step: a process that imports dbt and loads the project (its parse) while the
run ingests, then runs the step's `dbt build` when the step hands it over.

Before its first node, `dbt build` spends ~1.5 s starting Python and importing dbt, then ~1.3 s loading
its partial parse and writing the manifest (a scale-1 update); none of it depends on the ingested data.
The CLI starts `serve` when a run starts (assets/dbt.py start_parse). The dbt resource's executable is
`launch` (the console script `observatoire-dbt`): it hands its command, environment, folder and
stdout/stderr to the prepared process, which runs the build in them through dbtRunner with the parse it
made, so dagster-dbt reads the same JSON lines, exit code and artifacts as from dbt itself. The prepared
process builds only the command it was prepared for (`build` with these vars, this profile's environment,
this target folder); anything else, or no prepared process (a run from the UI), runs plain dbt.

This module imports only the standard library: `launch` starts before every dbt command.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import threading
from pathlib import Path

# The prepared process's socket, in the environment dbt is given: a name in Linux's abstract namespace (no
# file to remove, whatever ends the run).
ADDRESS_ENV = "OBSERVATOIRE_DBT_PRET"
_HEADER = struct.Struct("!I")
_ACCEPTED, _REFUSED = b"A", b"R"
# Options a prepared build may be given: they select nodes, none changes the parse.
_SELECTION = {"--select", "-s", "--exclude", "--selector"}
# What dagster-dbt adds to the environment of a dbt command, besides the paths and the profile's settings.
_DAGSTER_DBT_ENV = {
    "PYTHONLEGACYWINDOWSSTDIO": "1",
    "DAGSTER_DBT_CLI": "true",
    "PYTHONUNBUFFERED": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_LOG_FORMAT": "json",
}
_UNCOMPARED = {ADDRESS_ENV, "DBT_INDIRECT_SELECTION"}  # neither changes the parse
# Dagster's own settings (DAGSTER_HOME is set when the run's instance is made, after this process started):
# the dbt project reads none of them.
_UNCOMPARED_PREFIX = "DAGSTER_"


def build_env(base: dict[str, str], project_dir: Path, target: Path) -> dict[str, str]:
    """The environment dagster-dbt gives a dbt command on this project and target folder."""
    paths = {"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
    dirs = {"DBT_PROFILES_DIR": str(project_dir), "DBT_PROJECT_DIR": str(project_dir)}
    return {"PYTHONLEGACYWINDOWSSTDIO": "1", **base, **_DAGSTER_DBT_ENV, **paths, **dirs}


# --- the launcher: dagster-dbt's dbt executable ---------------------------------------------------------


def launch() -> None:
    """Run this dbt command in the prepared process when there is one and it accepts, else plain dbt."""
    argv = sys.argv[1:]
    address = os.environ.get(ADDRESS_ENV)
    code = _hand_over(address, argv) if address else None
    if code is None:
        dbt = str(Path(sys.executable).parent / "dbt")
        os.execv(dbt, [dbt, *argv])
    sys.exit(code)


def _abstract(name: str) -> bytes:
    return b"\0" + name.encode()


def _peer(sock: socket.socket) -> tuple[int, int, int]:
    """The pid, uid and gid of the process at the socket's other end."""
    return struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))


def _hand_over(address: str, argv: list[str]) -> int | None:
    """The build's exit code from the prepared process; None when it is not there or refuses."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(_abstract(address))
        request = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(sock, [_HEADER.pack(len(request))], [1, 2])
        sock.sendall(request)
        if sock.recv(1) != _ACCEPTED:  # refused, or the process ended (its parse failed: dbt tells why)
            return None
    except OSError:
        sock.close()
        return None
    pid = _peer(sock)[0]
    for signum in (signal.SIGINT, signal.SIGTERM):  # dagster-dbt interrupts dbt with SIGINT
        signal.signal(signum, lambda s, _f, pid=pid: os.kill(pid, s))
    code = sock.recv(1)
    if not code:
        print("dbt (préparé) s'est arrêté sans code de sortie", file=sys.stderr)
        return 2
    return code[0]


# --- the prepared process -------------------------------------------------------------------------------


def serve(address: str, parent: int, vars_json: str, ready_fd: int) -> int:
    """Parse the project, tell the parent (a byte on `ready_fd`), then build the one command handed over."""
    _die_with(parent)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(_abstract(address))
    listener.listen(1)
    prepared = dict(os.environ), os.getcwd()
    from dbt.cli.main import dbtRunner

    parsed = dbtRunner().invoke(["parse", "--vars", vars_json])
    os.write(ready_fd, b"1")
    os.close(ready_fd)
    # ended unused (the run failed before dbt): exit as Python does, dbt's semaphores released
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    conn, _ = listener.accept()
    listener.close()
    argv, env, cwd, fds = _receive(conn)
    refusal = _refusal(argv, env, cwd, vars_json, prepared) if parsed.success else "parse failed"
    if _peer(conn)[1] != os.getuid():  # an abstract socket has no file permissions: another user's
        refusal = "another user"
    if refusal:
        print(f"dbt préparé non utilisé : {refusal}", flush=True)
        conn.sendall(_REFUSED)
        return 0
    conn.sendall(_ACCEPTED)
    return _build(conn, dbtRunner(manifest=parsed.result), argv, env, cwd, fds)


def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent ends (Linux), however the parent ends: no orphan dbt."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the call above
        os._exit(1)


def _receive(conn: socket.socket) -> tuple[list[str], dict[str, str], str, list[int]]:
    header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 2)
    size = _HEADER.unpack(header)[0]
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the launcher left")
        data += chunk
    request = json.loads(data)
    return request["argv"], request["env"], request["cwd"], fds


def _refusal(argv: list[str], env: dict, cwd: str, vars_json: str, prepared: tuple[dict, str]) -> str:
    """Why this command cannot use the prepared parse ('' when it can)."""
    if argv[:1] != ["build"]:
        return f"command {argv[:1]}"
    options = [a for a in argv[1:] if a.startswith("-")]
    if "--vars" not in argv or argv[argv.index("--vars") + 1] != vars_json:
        return "other vars"
    if any(o not in _SELECTION | {"--vars"} for o in options):
        return f"options {sorted(set(options) - _SELECTION)}"
    prepared_env, prepared_cwd = prepared
    keys = {k for k in env.keys() | prepared_env.keys() if env.get(k) != prepared_env.get(k)} - _UNCOMPARED
    keys = {k for k in keys if not k.startswith(_UNCOMPARED_PREFIX)}
    if keys:
        return f"environment differs in {sorted(keys)}"  # names only: values may be anything
    return "" if cwd == prepared_cwd else "folder"


def _build(conn: socket.socket, runner, argv: list[str], env: dict, cwd: str, fds: list[int]) -> int:
    """Run the build in the launcher's environment, folder and output; send it dbt's exit code."""
    built = threading.Event()

    def watch() -> None:  # the launcher killed (dagster-dbt's last resort): stop building for nobody
        if not conn.recv(1) and not built.is_set():
            os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdout.flush()
    for fd, received in zip((1, 2), fds, strict=True):
        os.dup2(received, fd)
        os.close(received)
    try:
        result = runner.invoke(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # release the launcher's output first: dagster-dbt reads dbt's output until every writer closed it
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
    _release_warehouse()
    # dbt's exit codes: 0 success, 1 failed nodes (a result), 2 an error without result
    code = 0 if result.success else 1 if result.exception is None else 2
    built.set()
    conn.sendall(bytes([code]))
    return code


def _release_warehouse() -> None:
    """Close dbt-duckdb's database before the step ends. dbt-duckdb 1.11 keeps it open after a build (its
    `keep_open` default: another invocation in the same process reuses it), here until this process exits;
    the run's next connection, made as soon as the step ends, then found the file locked and waited for it
    (0.5 s, the warehouse's poll, in 6 of 11 updates at scale 1). A plain `dbt build` ends before its step does."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV  # noqa: SLF001 - the adapter's one environment (no public accessor)
    DuckDBConnectionManager.close_all_connections()
    if env is not None:
        env.close()


if __name__ == "__main__":
    address_, parent_, vars_, ready_ = sys.argv[1:]
    sys.exit(serve(address_, int(parent_), vars_, int(ready_)))
