"""Geometries: values whose text is Well-Known Text, numbers and keywords.

GIS code builds PostGIS queries by formatting a geometry into the SQL
(`ST_GeomFromText('{polygon}', 2193)`). A shapely geometry's text (`str(geom)`,
`geom.wkt`, `shapely.wkt.dumps(geom)`) is WKT, `POLYGON ((1 2, 3 4, ...))`: it can
carry no quote, so it cannot change the statement. This module tells which
expressions are geometries, by their type as the code shows it:

- GeoPandas frames: a parameter annotated `GeoDataFrame`, `gpd.read_file(...)`,
  `gpd.read_postgis(...)`, `GeoDataFrame(...)`, `GeoDataFrame.from_postgis(...)`,
  and what a frame's methods return (`to_crs()`, `copy()`, ...);
- their geometry columns: `frame["geometry"]`, `frame.geometry`, a `GeoSeries`
  parameter, `frame.buffer(...)` and the other geometric methods;
- geometries: an element of a geometry column (`column[0]`, `column.iloc[0]`),
  `unary_union`, shapely's constructors and geometric methods.

A name is what every assignment of it gives. Anything else (a request's
`body.wkt`, whatever a caller passes unannotated) is not a geometry.
"""

from __future__ import annotations

import enum
import threading

import libcst as cst

from .inference import Resolver
from .model import Scope, binding_scope

_MAX_DEPTH = 12


class Geo(enum.Enum):
    FRAME = "GeoDataFrame"
    SERIES = "GeoSeries"
    GEOMETRY = "geometry"


_FRAME_TYPES = frozenset({"geopandas.GeoDataFrame", "geopandas.geodataframe.GeoDataFrame"})
_SERIES_TYPES = frozenset({"geopandas.GeoSeries", "geopandas.geoseries.GeoSeries"})
_GEOMETRY_TYPES = frozenset(
    {
        "shapely.geometry.base.BaseGeometry",
        "shapely.Geometry",
        *(
            f"{module}.{name}"
            for module in ("shapely", "shapely.geometry")
            for name in (
                "Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                "MultiLineString", "MultiPolygon", "GeometryCollection", "box",
            )
        ),
        "shapely.wkt.loads", "shapely.wkb.loads", "shapely.ops.unary_union",
        "shapely.union_all", "shapely.geometry.shape", "shapely.from_wkt",
    }
)  # fmt: skip
_FRAME_READERS = frozenset(
    {
        "geopandas.read_file",
        "geopandas.read_postgis",
        "geopandas.read_parquet",
        "geopandas.read_feather",
        "geopandas.GeoDataFrame.from_postgis",
        "geopandas.GeoDataFrame.from_features",
        "geopandas.GeoDataFrame.from_file",
    }
)
# Methods of a frame that give a frame.
_FRAME_METHODS = frozenset(
    {"to_crs", "set_crs", "copy", "explode", "dissolve", "clip", "head", "tail",
     "reset_index", "sort_values", "set_geometry", "drop", "query", "overlay", "sjoin"}
)  # fmt: skip
# Methods and properties of a frame or a column that give a column of geometries.
_SERIES_METHODS = frozenset(
    {"buffer", "simplify", "to_crs", "set_crs", "copy", "centroid", "envelope", "boundary",
     "convex_hull", "exterior", "representative_point", "affine_transform", "rotate",
     "scale", "translate", "make_valid", "normalize"}
)  # fmt: skip
_SERIES_PROPERTIES = frozenset({"geometry", "centroid", "envelope", "boundary", "convex_hull"})
# A geometry's methods and properties that give a geometry.
_GEOMETRY_METHODS = frozenset(
    {"buffer", "simplify", "union", "intersection", "difference", "symmetric_difference",
     "centroid", "envelope", "boundary", "convex_hull", "exterior", "representative_point",
     "minimum_rotated_rectangle", "normalize", "reverse", "segmentize"}
)  # fmt: skip
_UNIONS = frozenset({"unary_union", "union_all"})


def geo_kind(
    expr: cst.BaseExpression, resolver: Resolver, scope: Scope, depth: int = 0
) -> Geo | None:
    """What `expr` is, when it is a GeoPandas frame or column or a shapely geometry."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        return _name_kind(expr.value, resolver, scope, depth)
    if isinstance(expr, cst.Subscript):
        base = geo_kind(expr.value, resolver, scope, depth + 1)
        if base is Geo.FRAME and _string_index(expr) == "geometry":
            return Geo.SERIES  # frame["geometry"]
        if base is Geo.SERIES and _string_index(expr) is None:
            return Geo.GEOMETRY  # column[0]
        if (
            isinstance(expr.value, cst.Attribute)
            and expr.value.attr.value in ("iloc", "loc", "iat", "at", "values")
            and geo_kind(expr.value.value, resolver, scope, depth + 1) is Geo.SERIES
        ):
            return Geo.GEOMETRY  # column.iloc[0]
        return None
    if isinstance(expr, cst.Attribute):
        name = expr.attr.value
        base = geo_kind(expr.value, resolver, scope, depth + 1)
        if base in (Geo.FRAME, Geo.SERIES):
            if name in _UNIONS:
                return Geo.GEOMETRY
            if name in _SERIES_PROPERTIES:
                return Geo.SERIES
        if base is Geo.GEOMETRY and name in _GEOMETRY_METHODS:
            return Geo.GEOMETRY  # polygon.centroid
        return None
    if isinstance(expr, cst.Call):
        qualified = resolver.qualify(expr.func) or ""
        if qualified in _FRAME_READERS or qualified in _FRAME_TYPES:
            return Geo.FRAME
        if qualified in _SERIES_TYPES:
            return Geo.SERIES
        if qualified in _GEOMETRY_TYPES:
            return Geo.GEOMETRY
        if (
            qualified == "pandas.concat"
            and expr.args
            and _all_frames(expr.args[0].value, resolver, scope, depth)
        ):
            return Geo.FRAME  # pd.concat([frame, other_frame])
        if not isinstance(expr.func, cst.Attribute):
            return None
        method = expr.func.attr.value
        base = geo_kind(expr.func.value, resolver, scope, depth + 1)
        if base is Geo.FRAME and method in _FRAME_METHODS:
            return Geo.FRAME
        if base in (Geo.FRAME, Geo.SERIES) and method in _SERIES_METHODS:
            return Geo.SERIES
        if base in (Geo.FRAME, Geo.SERIES) and method in _UNIONS:
            return Geo.GEOMETRY
        if base is Geo.GEOMETRY and method in _GEOMETRY_METHODS:
            return Geo.GEOMETRY
    return None


class _Resolving(threading.local):
    """Names being resolved, on this thread: `frame = frame.to_crs(2193)` refers to itself."""

    def __init__(self) -> None:
        self.names: set[tuple[str, int]] = set()


_RESOLVING = _Resolving()


def _name_kind(name: str, resolver: Resolver, scope: Scope, depth: int) -> Geo | None:
    bound = binding_scope(name, scope)
    if bound is None:
        return None
    param = bound.params.get(name)
    if param is not None:
        annotation = param.annotation.annotation if param.annotation is not None else None
        return _annotated(annotation, resolver) if annotation is not None else None
    key = (name, id(bound))
    if key in _RESOLVING.names:
        raise _SelfReference
    _RESOLVING.names.add(key)
    try:
        kinds: set[Geo | None] = set()
        for assignment in bound.assignments.get(name, ()):
            if assignment.value is None or assignment.via_with:
                return None
            try:
                kinds.add(geo_kind(assignment.value, resolver, bound, depth + 1))
            except _SelfReference:
                continue  # `frame = frame.to_crs(...)`: what the other assignments say
    finally:
        _RESOLVING.names.discard(key)
    if len(kinds) != 1:
        return None
    (kind,) = kinds
    return kind


class _SelfReference(Exception):
    """Raised through an assignment whose value reads the name being resolved."""


def _all_frames(expr: cst.BaseExpression, resolver: Resolver, scope: Scope, depth: int) -> bool:
    return (
        isinstance(expr, (cst.List, cst.Tuple))
        and bool(expr.elements)
        and all(
            isinstance(e, cst.Element)
            and geo_kind(e.value, resolver, scope, depth + 1) is Geo.FRAME
            for e in expr.elements
        )
    )


def _annotated(annotation: cst.BaseExpression, resolver: Resolver) -> Geo | None:
    qualified = resolver.qualify(annotation) or ""
    if qualified in _FRAME_TYPES:
        return Geo.FRAME
    if qualified in _SERIES_TYPES:
        return Geo.SERIES
    if qualified in _GEOMETRY_TYPES:
        return Geo.GEOMETRY
    return None


def _string_index(expr: cst.Subscript) -> str | None:
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    value = expr.slice[0].slice.value
    if isinstance(value, cst.SimpleString):
        evaluated = value.evaluated_value
        return evaluated if isinstance(evaluated, str) else None
    return None


def writes_wkt(expr: cst.BaseExpression, resolver: Resolver, scope: Scope) -> bool:
    """Whether formatting `expr` into text gives WKT or a number: a geometry itself
    (`f"{polygon}"`), its `.wkt`, `shapely.wkt.dumps(geometry)`, or a CRS's
    `to_epsg()` (an integer)."""
    if geo_kind(expr, resolver, scope) is Geo.GEOMETRY:
        return True
    if isinstance(expr, cst.Attribute) and expr.attr.value in ("wkt", "wkb_hex"):
        return geo_kind(expr.value, resolver, scope) is Geo.GEOMETRY
    if isinstance(expr, cst.Call):
        qualified = resolver.qualify(expr.func) or ""
        if qualified in ("shapely.wkt.dumps", "shapely.to_wkt") and expr.args:
            return geo_kind(expr.args[0].value, resolver, scope) is Geo.GEOMETRY
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "to_epsg" and not expr.args:
            return True  # pyproj's CRS.to_epsg(): an int (or None)
    return False
