#!/usr/bin/env python3
"""Derives the 2026 demo unit layer (units.geojson here) from the 2024 one (../../nanjing/data).

The changes are illustrative, chosen so that every part of `zonecheck diff` has something to
show (see ../CHANGES.md); none of them is an official adjustment:
  - re-drawn: 江宁区高新技术示例集聚区 (ZH32011520001, key) takes a disc of the Jiangning general
    unit (ZH32011530001) east of it;
  - added (split): 六合区金牛湖生态示例保护区 (ZH32011610002, priority) is cut out of the Luhe
    general unit (ZH32011630001);
  - removed (merged): 栖霞区港口物流示例集聚区 (ZH32011320001, key) is merged back into the Qixia
    general unit (ZH32011330001);
  - re-typed: 南京市高淳区一般管控单元 (ZH32011830001, general) becomes 南京市高淳区太湖上游重点管控单元
    (ZH32011820002, key), same polygon.
Every other unit keeps its polygon byte for byte. Needs shapely 2.
Run from this directory: python3 make_2026_units.py
"""
import json
import shapely
from shapely.geometry import Point, mapping, shape

SRC = "../../nanjing/data/units.geojson"
fc = json.load(open(SRC, encoding="utf-8"))
by_code = {f["properties"]["code"]: f for f in fc["features"]}


def geom(code):
    return shape(by_code[code]["geometry"])


def disc(lon, lat, r):
    return Point(lon, lat).buffer(r, quad_segs=16)


def set_geom(feature, g):
    g = shapely.normalize(g)
    feature["geometry"] = mapping(g)


out = []
# re-drawn: the Jiangning high-tech cluster grows east into the general unit
piece = geom("ZH32011530001").intersection(disc(118.872, 31.893, 0.022))
jn_key = geom("ZH32011520001").union(piece)
jn_gen = geom("ZH32011530001").difference(piece)
# split: a new priority unit around 金牛湖 out of the Luhe general unit
jnh = geom("ZH32011630001").intersection(disc(118.95, 32.45, 0.03))
lh_gen = geom("ZH32011630001").difference(jnh)
# merge: the Qixia port cluster goes back into the Qixia general unit
qx_gen = geom("ZH32011330001").union(geom("ZH32011320001"))

for f in fc["features"]:
    code = f["properties"]["code"]
    if code == "ZH32011320001":
        continue
    if code == "ZH32011520001":
        set_geom(f, jn_key)
    elif code == "ZH32011530001":
        set_geom(f, jn_gen)
    elif code == "ZH32011630001":
        set_geom(f, lh_gen)
    elif code == "ZH32011330001":
        set_geom(f, qx_gen)
    elif code == "ZH32011830001":
        f["properties"].update(
            code="ZH32011820002",
            name="南京市高淳区太湖上游重点管控单元",
            type="重点管控",
            note="2026年调整：由一般管控单元调整为重点管控单元（太湖上游水质目标）",
        )
    out.append(f)
    if code == "ZH32011610001":
        new = {
            "type": "Feature",
            "properties": {
                "code": "ZH32011610002",
                "name": "六合区金牛湖生态示例保护区优先保护单元",
                "type": "优先保护",
                "admin_code": "320116",
                "note": "2026年新增：由六合区一般管控单元划出的示例生态保护区",
            },
            "geometry": None,
        }
        set_geom(new, jnh)
        out.append(new)

fc["features"] = out
fc["name"] = "nanjing-units-2026"
with open("units.geojson", "w", encoding="utf-8") as fh:
    json.dump(fc, fh, ensure_ascii=False, separators=(",", ":"))
    fh.write("\n")
print(len(out), "units")
