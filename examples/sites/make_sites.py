#!/usr/bin/env python3
"""Generates the example site files in this directory: one site near Nanjing, in every format.

The site is a five-vertex polygon of about 300 m x 230 m around lon 118.80, lat 32.06, defined
in CGCS2000 3-degree Gauss-Krueger zone 40 (EPSG:4528, zone-prefixed easting) with coordinates
rounded to the centimetre; the lon/lat files carry the same vertices converted back to CGCS2000
geographic (EPSG:4490, equal to WGS84 for this purpose) with 8 decimals.

Needs: pip install pyproj pyshp. Run from anywhere: python3 examples/sites/make_sites.py
The generated files are committed; tests do not need Python.
"""
import json
import os

import shapefile  # pyshp
from pyproj import CRS, Transformer

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "南京示例地块"

to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4528", always_xy=True)
to_ll = Transformer.from_crs("EPSG:4528", "EPSG:4490", always_xy=True)

e0, n0 = to_gk.transform(118.80, 32.06)
e0, n0 = round(e0, 2), round(n0, 2)
# Clockwise when seen with east right and north up (the shapefile's outer-ring order).
offsets = [(-150, -100), (-150, 100), (0, 130), (150, 100), (150, -100)]
gk = [(round(e0 + de, 2), round(n0 + dn, 2)) for de, dn in offsets]  # (easting, northing)
gk_ring = gk + [gk[0]]
ll = [to_ll.transform(e, n) for e, n in gk]
ll = [(round(lon, 8), round(lat, 8)) for lon, lat in ll]
ll_ccw = list(reversed(ll))  # GeoJSON / KML outer rings are counter-clockwise
ll_ring = ll_ccw + [ll_ccw[0]]


def area(ring):
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))) / 2


def write(name, text, encoding="utf-8"):
    with open(os.path.join(HERE, name), "w", encoding=encoding, newline="\n") as f:
        f.write(text)


# GeoJSON (RFC 7946: lon/lat WGS84)
write("site.geojson", json.dumps({
    "type": "Feature",
    "properties": {"name": NAME, "项目名称": "示例项目"},
    "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ll_ring]]},
}, ensure_ascii=False, indent=1) + "\n")

# EWKT in CGCS2000 geographic
write("site.wkt", "SRID=4490;POLYGON((" + ", ".join(f"{x} {y}" for x, y in ll_ring) + "))\n")

# Shapefile in EPSG:4528 with its .prj; the .dbf is GBK-encoded (as Chinese GIS exports are)
w = shapefile.Writer(os.path.join(HERE, "site"), shapeType=shapefile.POLYGON, encoding="gbk")
w.field("NAME", "C", size=40)
w.field("AREA_M2", "N", size=12, decimal=2)
w.poly([[list(p) for p in gk_ring]])
w.record(NAME, round(area(gk_ring), 2))
w.close()
write("site.prj", CRS.from_epsg(4528).to_wkt("WKT1_ESRI"))

# KML (always WGS84 lon,lat)
coords = " ".join(f"{x},{y},0" for x, y in ll_ring)
write("site.kml", f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
  <name>示例</name>
  <Folder>
    <name>用地红线</name>
    <Placemark>
      <name>{NAME}</name>
      <ExtendedData>
        <Data name="项目名称"><value>示例项目</value></Data>
      </ExtendedData>
      <Polygon>
        <outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs>
      </Polygon>
    </Placemark>
  </Folder>
</Document>
</kml>
""")

# 界址点 table: X (northing) first, then Y (zone-prefixed easting)
rows = [f"J{i + 1},{n:.2f},{e:.2f}" for i, (e, n) in enumerate(gk)] + [f"J1,{gk[0][1]:.2f},{gk[0][0]:.2f}"]
write("site-table.txt", "# 坐标系: 2000国家大地坐标系 3度带 第40带 (EPSG:4528)\n点号,X坐标,Y坐标\n" + "\n".join(rows) + "\n")

# 电子报盘 TXT, GBK
pts = [f"J{i + 1},1,{n:.3f},{e:.3f}" for i, (e, n) in enumerate(gk)] + [f"J1,1,{gk[0][1]:.3f},{gk[0][0]:.3f}"]
ha = area(gk_ring) / 10000
write("site-baopan.txt", "\r\n".join([
    "[属性描述]",
    "格式版本号=1.01版本",
    "数据产生单位=示例单位",
    "数据产生日期=2024-06-01",
    "坐标系=2000国家大地坐标系",
    "几度分带=3",
    "投影类型=高斯克吕格",
    "计量单位=米",
    "带号=40",
    "精度=0.01",
    "转换参数=,,,,,,",
    "[地块坐标]",
    f"{len(pts)},{ha:.4f},1,{NAME},面,,建设用地,0601,@",
    *pts,
]) + "\r\n", encoding="gbk")

print("centre", e0, n0, "area m2", area(gk_ring))
