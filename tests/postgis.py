"""A throwaway PostgreSQL + PostGIS cluster: the independent oracle for areas and overlays.

``start()`` runs ``initdb`` and ``pg_ctl`` in a temporary folder, listening
on a Unix socket there and nowhere else (no TCP), creates the ``postgis``
extension and returns a :class:`PostGIS` handle; ``PostGIS.stop()`` stops
the server and removes the folder. PostgreSQL refuses to run as root, so
when the tests run as root (CI) the cluster belongs to ``nobody``.

``start()`` raises :class:`Unavailable` (with the reason) when the binaries,
the extension or the driver are missing; the fixture turns that into a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostGIS", "Unavailable", "start", "pg_bin", "geodesic_segmentize", "wkb"]


class Unavailable(RuntimeError):
    """PostgreSQL or PostGIS cannot be started here (the reason is the message)."""


def pg_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: $FRONTMAP_PG_BIN, else Debian's newest."""
    env = os.environ.get("FRONTMAP_PG_BIN")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        p = Path(c)
        if (p / "initdb").is_file() and (p / "pg_ctl").is_file():
            return p
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    return None


def _owner() -> tuple[str | None, str | None]:
    """(user, group) to run the server as: ``nobody`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None, None
    import grp
    import pwd

    pw = pwd.getpwnam("nobody")
    return pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name


_G = "ST_GeomFromWKB(decode(%s, 'hex'), 4326)"


class PostGIS:
    """A connection to the throwaway cluster, with the few helpers the tests need."""

    def __init__(self, conn, bin_dir: Path, root: Path, user, group):
        self.conn = conn
        self._bin = bin_dir
        self._root = root
        self._user, self._group = user, group
        self.version = self.scalar("SELECT postgis_full_version()")

    def scalar(self, sql: str, *params):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
        return None if row is None else row[0]

    def rows(self, sql: str, *params) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def execute(self, sql: str, *params) -> None:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)

    # geometries travel as hex WKB, lon/lat WGS84
    def area_km2(self, g: str) -> float:
        """``ST_Area(geography)``: geodesic km², |outer| - |holes| per polygon."""
        return float(self.scalar(f"SELECT ST_Area({_G}::geography)", g)) / 1e6

    def difference(self, a: str, b: str) -> str:
        return self._geom(f"ST_Difference({_G}, {_G})", a, b)

    def intersection(self, a: str, b: str) -> str:
        return self._geom(f"ST_Intersection({_G}, {_G})", a, b)

    def union(self, geoms: list[str]) -> str:
        if not geoms:
            return self._geom("ST_GeomFromText('MULTIPOLYGON EMPTY', 4326)")
        items = ", ".join([_G] * len(geoms))
        return self._geom(f"ST_Union(ARRAY[{items}])", *geoms)

    def _geom(self, expr: str, *params) -> str:
        # only the polygons: overlays may leave lines and points where shapes touch
        return self.scalar(
            f"SELECT encode(ST_AsBinary(ST_CollectionExtract({expr}, 3)), 'hex')", *params
        )

    def stop(self) -> None:
        try:
            self.conn.close()
        finally:
            _run(
                [str(self._bin / "pg_ctl"), "-D", str(self._root / "data"), "-m", "fast",
                 "-w", "stop"],
                self._user, self._group, check=False,
            )
            shutil.rmtree(self._root, ignore_errors=True)


def _run(cmd, user, group, check=True) -> subprocess.CompletedProcess:
    kwargs = {"user": user, "group": group} if user else {}
    proc = subprocess.run(
        cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        env={**os.environ, "LC_ALL": "C"}, cwd="/", **kwargs,
    )
    if check and proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise Unavailable(f"{Path(cmd[0]).name} failed: " + " | ".join(tail))
    return proc


def start() -> PostGIS:
    """Start a cluster in a new temporary folder (see the module docstring)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise Unavailable(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): "
            "install Debian's postgresql and postgis (make test does)"
        )
    try:
        import psycopg
    except ImportError:
        raise Unavailable("the psycopg driver is missing: pip install -e '.[test]'") from None
    user, group = _owner()
    root = Path(tempfile.mkdtemp(prefix="frontmap-pg-"))
    try:
        if user:
            shutil.chown(root, user, group)
        data = root / "data"
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "frontmap", "--auth=trust",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            user, group,
        )
        opts = f"-c listen_addresses='' -k {root} -c fsync=off -c full_page_writes=off"
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
             "-o", opts, "-w", "-t", "60", "start"],
            user, group,
        )
        try:
            conn = psycopg.connect(host=str(root), dbname="postgres", user="frontmap",
                                   autocommit=True)
        except psycopg.Error as exc:
            raise Unavailable(f"cannot connect to the test cluster: {exc}") from None
        try:
            conn.execute("CREATE EXTENSION postgis")
        except psycopg.Error as exc:
            conn.close()
            raise Unavailable(f"the postgis extension is not installed: {exc}") from None
        return PostGIS(conn, bin_dir, root, user, group)
    except BaseException:
        if (root / "data" / "postmaster.pid").exists():
            _run([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate",
                  "stop"], user, group, check=False)
        shutil.rmtree(root, ignore_errors=True)
        raise


# --------------------------------------------------------------------------
# Shapes for the oracle, prepared here, independently of frontmap's code.

#: the longest chord the oracle's shapes keep (m): its sag under the geodesic
#: is under a millimetre, so PostGIS's planar overlays follow the geodesics
ORACLE_STEP_M = 100.0


def geodesic_segmentize(geom, step_m: float = ORACLE_STEP_M):
    """``geom`` (polygons) with a vertex every ``step_m`` or less along each
    edge's WGS84 geodesic (``pyproj.Geod.npts``, edge by edge).

    PostGIS's own ``ST_Segmentize(geography)`` interpolates great circles on a
    sphere instead: on a 5° x 1° box at 50°N that moves the area by 3.4e-6
    (1.2e-5 at 60°S), more than the tolerance of these tests.
    """
    import numpy as np
    import pyproj
    import shapely

    geod = pyproj.Geod(ellps="WGS84")

    def ring(coords):
        out = [coords[0]]
        for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:], strict=True):
            _, _, dist = geod.inv(x1, y1, x2, y2)
            n = int(np.ceil(dist / step_m)) - 1
            if n > 0:
                out.extend(geod.npts(x1, y1, x2, y2, n))
            out.append((x2, y2))
        return out

    polys = []
    for p in shapely.get_parts(geom):
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        shell = ring(list(p.exterior.coords))
        holes = [ring(list(h.coords)) for h in p.interiors]
        polys.append(shapely.Polygon(shell, holes))
    return shapely.MultiPolygon(polys)


def geodesic_valid(geom, step_m: float = ORACLE_STEP_M):
    """:func:`geodesic_segmentize`, each part made valid as frontmap's reader repairs
    one (shells minus holes: a part may cross itself or its neighbour once its edges
    follow their geodesics), the parts united."""
    import shapely

    return shapely.union_all([
        shapely.make_valid(p, method="structure", keep_collapsed=False)
        for p in shapely.get_parts(geodesic_segmentize(geom, step_m))
    ])


def wkb(geom) -> str:
    import shapely

    return shapely.to_wkb(geom, hex=True)
