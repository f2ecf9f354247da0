"""The public rows' worker processes stay cheap to start (assets/publish/public_rows.py): each one imports the
confidentiality code, once per cold site build."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_confidentiality_code_imports_neither_dagster_nor_dbt():
    # dagster-dbt and dagster cost each worker 2.5 s of CPU on the demo (python -X importtime)
    probe = "import sys, assets.publish.confidentiality; print(sorted({m.split('.')[0] for m in sys.modules}))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = done.stdout
    assert "'dagster'" not in loaded and "'dagster_dbt'" not in loaded and "'dbt'" not in loaded
