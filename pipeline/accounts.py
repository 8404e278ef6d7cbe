"""Accounts of the review station: a name, a role (`officer` may change
records, `viewer` may only look) and a password hash (hashlib.scrypt, a
salt per account). Kept in `state/users.sqlite3`, apart from the ledger.

`pipeline user add NAME [--role officer|viewer]` reads the password from
standard input; a second line, if given, must repeat it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
from pathlib import Path
from typing import Literal, Optional

from .errors import UsageError

Role = Literal["officer", "viewer"]
ROLES: dict[str, str] = {"officer": "审核人员（可更正、受理、退回）", "viewer": "查看人员（只读）"}
MIN_PASSWORD = 8
# scrypt cost: 2**15 × 8 × 128 bytes = 32 MiB and ~0.1 s per check on this hardware
N, R, P = 2**15, 8, 1
_NAME = re.compile(r"^[\w\u4e00-\u9fa5.·-]{1,32}$")


def users_path(state: Path) -> Path:
    return Path(state) / "users.sqlite3"


def _db(state: Path) -> sqlite3.Connection:
    Path(state).mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(users_path(state), isolation_level=None, timeout=30, check_same_thread=False)
    db.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, salt BLOB NOT NULL, "
                "hash BLOB NOT NULL, n INTEGER NOT NULL, r INTEGER NOT NULL, p INTEGER NOT NULL)")
    return db


def _hash(password: str, salt: bytes, n: int = N, r: int = R, p: int = P) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * 1024 * 1024, dklen=32)


def passwords_from(text: str) -> str:
    """The password from standard input: one line, or two that must match."""
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise UsageError("请从标准输入提供密码（一行；若给第二行，须与第一行相同）。")
    if len(lines) > 1 and lines[1] != lines[0]:
        raise UsageError("两次输入的密码不一致，未创建账号。")
    if len(lines[0]) < MIN_PASSWORD:
        raise UsageError(f"密码至少 {MIN_PASSWORD} 位。")
    return lines[0]


def add_user(state: Path, name: str, role: str, password: str) -> None:
    """Create the account, or set a new password and role for an existing one."""
    if not _NAME.match(name or ""):
        raise UsageError("用户名应为 1–32 个汉字、字母、数字或 . _ -。")
    if role not in ROLES:
        raise UsageError(f"角色“{role}”无效：应为 officer（审核人员）或 viewer（查看人员）。")
    salt = os.urandom(16)
    db = _db(state)
    try:
        db.execute("INSERT OR REPLACE INTO users (name, role, salt, hash, n, r, p) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (name, role, salt, _hash(password, salt), N, R, P))
    finally:
        db.close()
    os.chmod(users_path(state), 0o600)


def check(state: Path, name: str, password: str) -> Optional[Role]:
    """The account's role when the password is right; None otherwise (the
    same work is done for an unknown name, so timing tells nothing)."""
    db = _db(state)
    try:
        row = db.execute("SELECT role, salt, hash, n, r, p FROM users WHERE name = ?", (name,)).fetchone()
    finally:
        db.close()
    if row is None:
        _hash(password, b"\0" * 16)
        return None
    role, salt, stored, n, r, p = row
    return role if hmac.compare_digest(_hash(password, salt, n, r, p), stored) else None


def has_users(state: Path) -> bool:
    if not users_path(state).is_file():
        return False
    db = _db(state)
    try:
        return db.execute("SELECT COUNT(*) FROM users").fetchone()[0] > 0
    finally:
        db.close()
