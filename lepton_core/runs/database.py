"""The RunStore's database connection: which URL, one cached engine per URL, SQLite's settings.

SQLite (the default, `<LEPTON_HOME>/lepton.db`) runs in WAL mode with a 30 s busy timeout;
every write transaction starts with BEGIN IMMEDIATE (it takes the write lock up front, so it
waits for another writer instead of failing on a lock upgrade) and reads run without a
transaction, so readers never block writers. PostgreSQL (`LEPTON_DB_URL=postgresql://...`)
uses psycopg 3, READ COMMITTED writes and autocommit reads.

Engines are cached per URL and process (creating a RunStore stays cheap); they hold no rows,
only pooled connections, so two servers on one database never disagree.
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

MAX_ENGINES = 8  # engines kept per process (tests open many homes); the oldest is disposed
SQLITE_TIMEOUT_S = 30


def database_url(home: Path, url: str | None = None) -> str:
    """`url`, else LEPTON_DB_URL, else SQLite in `home`; postgresql:// means psycopg 3."""
    url = url or os.environ.get("LEPTON_DB_URL", "").strip() or f"sqlite:///{home / 'lepton.db'}"
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain) :]
    return url


def without_password(url: str) -> str:
    """`url` without its password: what may be sent where others can read it (Ray tasks)."""
    parsed = make_url(url)
    if not parsed.password:
        return url
    return parsed._replace(password=None).render_as_string(hide_password=False)  # set() keeps it


def with_local_password(url: str, local_url: str) -> str:
    """`url` (sent without password) with the password of `local_url`, this machine's own
    LEPTON_DB_URL, where both name the same database; else `url` as it is: libpq then reads
    PGPASSWORD or ~/.pgpass."""
    if local_url.strip():
        local = database_url(Path(), local_url.strip())
        if without_password(local) == url:
            return local
    return url


def sqlite_path(url: str) -> Path | None:
    """The SQLite file of `url`, or None for another database (or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@dataclass
class Database:
    """One URL's engines: `writer` (transactions) and `reader` (no transaction)."""

    url: str
    pid: int
    writer: Engine
    reader: Engine
    migrated: bool = False  # brought to the latest schema by this process
    inode: int | None = None  # the SQLite file it was migrated in

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.writer.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE), committed at the end."""
        with self.writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads that takes no lock."""
        with self.reader.connect() as conn:
            yield conn


_cache: "OrderedDict[str, Database]" = OrderedDict()
_cache_lock = threading.Lock()


def database(url: str) -> Database:
    """The cached Database for `url` in this process (a forked child gets its own)."""
    with _cache_lock:  # Streamlit sessions run in threads
        return _cached(url)


def _cached(url: str) -> Database:
    db = _cache.get(url)
    if db is not None and db.pid == os.getpid():
        _cache.move_to_end(url)
        return db
    if db is not None:  # inherited through fork: its pooled connections belong to the parent
        db.writer.dispose(close=False)
    db = _sqlite(url) if url.startswith("sqlite") else _postgres(url)
    _cache[url] = db
    while len(_cache) > MAX_ENGINES:
        _cache.popitem(last=False)[1].writer.dispose()
    return db


def forget(url: str) -> None:
    """Drop `url`'s cached engine (its database file was replaced or removed)."""
    with _cache_lock:
        db = _cache.pop(url, None)
    if db is not None and db.pid == os.getpid():
        db.writer.dispose()


def _sqlite(url: str) -> Database:
    """SQLite: WAL (set by the migration), busy timeout, foreign keys, BEGIN IMMEDIATE writes."""
    # Pooled connections, but no limit on how many callers hold one: many sessions may wait
    # for the write lock at once, and a reader must never wait for a free connection.
    engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S}, max_overflow=-1)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # the driver emits no BEGIN of its own
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get("lepton_read"):  # (straight to the driver)
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return Database(url, os.getpid(), engine, engine.execution_options(lepton_read=True))


def _postgres(url: str) -> Database:
    """PostgreSQL through psycopg 3 (imported here, only when used)."""
    # sessions are threads: more of them than connections wait up to pool_timeout for one
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)
    reader = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Database(url, os.getpid(), engine, reader)


def upsert(conn: Connection, table):
    """INSERT for `table` in `conn`'s dialect, with its on_conflict_do_update."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
