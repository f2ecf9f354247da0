"""Pseudonymization of the numéro unique (CONTRACTS.md, "Personal data").

id_demande = lowercase hex HMAC-SHA-256 of the trimmed, upper-cased numéro, keyed by a secret.
Computed in SQL on an in-memory DuckDB connection that is never attached to the warehouse, over the
distinct values only, and only those the latest calls did not hash; the numéro never leaves this process's
memory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .scratch import scratch

KEY_ENV = "OBSERVATOIRE_CLE"
KEY_FILE = Path("secret") / "cle_pseudonymisation"
_BLOCK = 64  # SHA-256 block size
# Up to this many distinct numéros, Python's hmac beats a round trip through DuckDB.
SMALL = 2000
# Pseudonyms kept for the next calls (~30 MB): a scale-10 extract's (106 k), read by chunks of 100 k lines.
RECENT = 250_000
_NO_PSEUDONYMS = pl.DataFrame(schema={"v": pl.String, "h": pl.String})


class KeyProblem(Exception):
    """A French message for the analyst about the pseudonymization key."""


@dataclass(frozen=True)
class Key:
    secret: bytes
    origin: str  # "environnement" or the key file's path

    @property
    def fingerprint(self) -> str:
        """Identifies the key without revealing it (stored in the warehouse)."""
        return hmac.new(self.secret, b"observatoire:empreinte-cle", hashlib.sha256).hexdigest()[:16]


def load_key(home: Path, *, create: bool) -> tuple[Key, bool]:
    """The key from the environment, else from the home; created when allowed. Returns (key, created)."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        try:
            secret = bytes.fromhex(env)
        except ValueError:
            raise KeyProblem(f"{KEY_ENV} doit contenir la clé en hexadécimal") from None
        if len(secret) < 16:
            raise KeyProblem(f"{KEY_ENV} : clé trop courte (16 octets au moins, 32 conseillés)")
        return Key(secret, "environnement"), False
    path = home / KEY_FILE
    if path.exists():
        return Key(bytes.fromhex(path.read_text().strip()), str(path)), False
    if not create:
        raise KeyProblem(
            f"clé de pseudonymisation introuvable ({KEY_ENV} non défini, {path} absent) alors que "
            "l'entrepôt contient déjà des données : restaurez la clé, ou rejouez l'archive avec une nouvelle clé"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    return Key(bytes.fromhex(path.read_text().strip()), str(path)), True


def normalize(numero: pl.Expr) -> pl.Expr:
    return numero.str.strip_chars().str.to_uppercase()


class Pseudonymizer:
    def __init__(self, key: Key):
        self._secret = key.secret
        # HMAC's inner and outer keys (RFC 2104), for the SQL path, where no HMAC function exists.
        k = key.secret if len(key.secret) <= _BLOCK else hashlib.sha256(key.secret).digest()
        k = k.ljust(_BLOCK, b"\0")
        self._ipad = bytes(b ^ 0x36 for b in k)
        self._opad = bytes(b ^ 0x5C for b in k)
        # The pseudonyms hashed by the latest calls (v, h), one frame per call, the oldest dropped past
        # RECENT: a monthly snapshot holds ~95% of the month before's demands, so only the new ones are
        # hashed (1.1 µs a numéro; the lookup 0.15 µs). A call at a time (the loader reads in threads): two
        # could hash the same numéro, and a numéro held twice would double its lines.
        self._hashed_before: list[pl.DataFrame] = []
        self._lock = threading.Lock()

    def __call__(self, numeros: pl.Series) -> pl.Series:
        """id_demande for each (already normalized) numéro; null stays null."""
        with self._lock:
            known = pl.concat(self._hashed_before) if self._hashed_before else _NO_PSEUDONYMS
            out = pl.DataFrame({"v": numeros}).join(known, on="v", how="left", maintain_order="left")
            new = out.filter(pl.col("h").is_null()).select(pl.col("v").drop_nulls().unique())
            if new.height:
                hashed = self._hashed(new)
                out = out.update(hashed, on="v", how="left")
                self._hashed_before.append(hashed)
                while sum(f.height for f in self._hashed_before) > RECENT and len(self._hashed_before) > 1:
                    self._hashed_before.pop(0)
        return out["h"].alias("id_demande")

    def _hashed(self, distinct: pl.DataFrame) -> pl.DataFrame:
        """The pseudonym (h) of each distinct numéro (v)."""
        if distinct.height <= SMALL:
            return distinct.with_columns(h=pl.Series([self._one(v) for v in distinct["v"]], dtype=pl.String))
        with scratch() as con:
            con.register("numeros", distinct)
            return con.sql(
                "select v, sha256($opad || unhex(sha256($ipad || encode(v)))) as h from numeros",
                params={"ipad": self._ipad, "opad": self._opad},
            ).pl()

    def _one(self, numero: str) -> str:
        return hmac.new(self._secret, numero.encode(), hashlib.sha256).hexdigest()


def hmac_python(key: Key, numero: str) -> str:
    """Reference implementation (tests): Python's hmac on one normalized numéro."""
    return hmac.new(key.secret, numero.strip().upper().encode(), hashlib.sha256).hexdigest()
