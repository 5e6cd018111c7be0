"""Geometry on the earth's surface, in one place: great-circle distances (matching ranks providers by them,
EVV checks check-ins against them) and the GCJ-02 datum Chinese map apps expect."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _gcj_offset(x: float, y: float) -> tuple[float, float]:
    """The published GCJ-02 offset polynomials, in metres-ish units before scaling to degrees."""
    wave = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + wave
    lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + wave
    lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return lat, lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Phones report WGS-84; Chinese map apps (Amap) expect the GCJ-02 datum, offset by a few hundred
    metres. Outside mainland China the two are the same."""
    if not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271):
        return lat, lon
    a, ee = 6378245.0, 0.00669342162296594323
    d_lat, d_lon = _gcj_offset(lon - 105.0, lat - 35.0)
    rad = math.radians(lat)
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def offset_km(lat: float, lon: float, distance_km: float, bearing: float) -> tuple[float, float]:
    """The point ``distance_km`` from (lat, lon) towards ``bearing`` (radians from north), on a flat
    earth of 111 km per degree: good to a few metres over the tens of km of a district (the demo places
    its communities with it); not for long distances."""
    d_lat = distance_km / 111.0 * math.cos(bearing)
    d_lon = distance_km / (111.0 * math.cos(math.radians(lat))) * math.sin(bearing)
    return lat + d_lat, lon + d_lon


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return distance_m(lat1, lon1, lat2, lon2) / 1000


def distance_text(metres: float) -> str:
    """A distance as people read it: 350 m, 1.2 km, 950 km."""
    if metres < 1000:
        return f"{metres:.0f} m"
    if metres < 100_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:.0f} km"
