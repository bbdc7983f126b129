#!/usr/bin/env python3
"""Draws the illustrative layers the Nanjing demo rules need and the shared data lacks.

None of these boundaries is official: drinking-water protection zones, park boundaries and
basin outlines are drawn for the demo only, and every feature says so in its `note`.
Run from this directory: python3 make_illustrative_layers.py
"""
import json

NOTE = "示例图层：为演示绘制，非官方边界"


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def write(path, name, features):
    fc = {"type": "FeatureCollection", "name": name, "features": features}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fc, f, ensure_ascii=False, indent=1)
        f.write("\n")


def feature(props, geometry):
    return {"type": "Feature", "properties": {**props, "note": NOTE}, "geometry": geometry}


units = json.load(open("units.geojson", encoding="utf-8"))["features"]
clusters = [u for u in units if "示例集聚区" in u["properties"]["name"]]

# Industrial parks: the illustrative cluster units' own boundaries.
write("parks.geojson", "工业园区（示例）", [
    feature({"name": u["properties"]["name"].replace("示例集聚区重点管控单元", "示例园区")}, u["geometry"]) for u in clusters
])
# Chemical parks: only the Luhe chemical cluster.
write("chemical_parks.geojson", "化工园区（示例）", [
    feature({"name": "江北新材料科技园（示例）"}, u["geometry"]) for u in clusters if u["properties"]["code"] == "ZH32011620001"
])
# Drinking-water source protection zones: small rectangles on the river, as for Jiajiang and
# Yanziji intakes, and one on the Qinhuai river upstream.
write("water_sources.geojson", "饮用水水源保护区（示例）", [
    feature({"name": "夹江饮用水水源保护区（示例）", "grade": "一级"}, rect(118.700, 31.990, 118.712, 32.010)),
    feature({"name": "燕子矶饮用水水源保护区（示例）", "grade": "一级"}, rect(118.800, 32.150, 118.815, 32.160)),
    feature({"name": "秦淮河上游饮用水水源保护区（示例）", "grade": "二级"}, rect(118.900, 31.700, 118.915, 31.712)),
])
# Basins: the whole city lies in the Yangtze basin; the south-east corner drains to Taihu.
write("basins.geojson", "流域（示例）", [
    feature({"name": "长江流域（南京段，示例）"}, rect(118.30, 31.10, 119.30, 32.70)),
])
write("taihu_basin.geojson", "太湖流域（示例）", [
    feature({"name": "太湖流域（南京部分，示例）"}, rect(119.00, 31.20, 119.30, 31.60)),
])
