#!/usr/bin/env python3
"""Generates rules/national: an illustrative national access list (全国生态环境分区管控准入清单（示例）).

The rule set sits on the shared national units (../shared/data/national/units-national.geojson.gz,
42,158 illustrative units cut from real county boundaries), which it references and never copies.
This script draws the feature layers the rules need (major rivers, rough basin outlines, the Grand
Canal, drinking-water protection zones, industrial and chemical parks) into rules/national/data/,
and writes the levels: national, provincial, provincial-by-type, basin and region, basin-by-type,
unit type, city, a central district per city, and one list per unit ("一单元一策略").

Nothing here is official. River lines and basin outlines are drawn by hand from general geography
(tens of vertices each); water-source zones and parks are placed pseudo-randomly on units. Every
generated feature carries a `note` saying so. Clause texts paraphrase the kinds of requirement
published in provincial and city lists (see ../shared/domain.md and rules/nanjing).

Deterministic: all choices come from SHA-256 of a fixed seed and a stable key (usually a unit
code), so a unit's clauses do not depend on --units-limit or on iteration order.

usage: python3 scripts/make_national_rules.py [--units-limit N] [--single-units-file] [--out DIR] [--units PATH]
  --units-limit N       write unit-specific levels for the first N units only (quick lint checks)
  --single-units-file   all unit lists in one 90-units.zc instead of one 90-units-NN.zc per province
                        (about 22 MB: over the parser's 8 MiB limit per rule file)
Python 3.11 standard library only.
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import re
import sys
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "rules", "national")
DEFAULT_UNITS = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "national", "units-national.geojson.gz"))
UNITS_REF = "../../../shared/data/national/units-national.geojson.gz"  # relative to rules/national/*.zc
GBT_TABLE = os.path.join(ROOT, "data", "gbt4754-2017.tsv")
SEED = "zonecheck-national-2024"
NOTE = "示例图层：为演示手工绘制或伪随机生成，非官方边界"

# ------------------------------------------------------------------------------------------
# deterministic choices
# ------------------------------------------------------------------------------------------


def hrand(*key):
    """A float in [0, 1) from SHA-256 of the seed and a key: stable across runs and Pythons."""
    h = hashlib.sha256(("\x1f".join([SEED, *map(str, key)])).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


def hpick(seq, *key):
    return seq[int(hrand(*key) * len(seq))]


def hsample(seq, k, *key):
    """k distinct items of seq, ordered by a keyed hash (stable)."""
    ranked = sorted(range(len(seq)), key=lambda i: hrand(*key, i))
    return [seq[i] for i in sorted(ranked[:k])]


def fmt(x):
    """A number as the DSL writes it: no exponent, no trailing zeros."""
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x))
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return s


# ------------------------------------------------------------------------------------------
# administrative names
# ------------------------------------------------------------------------------------------

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
# Cities whose name cannot be read off their units' names (province-administered counties,
# single-county cities, Chongqing's two prefixes).
CITY_OVERRIDES = {
    "4190": "济源市", "4290": "湖北省省直辖县级行政区划", "4690": "海南省省直辖县级行政区划",
    "6590": "新疆维吾尔自治区直辖县级行政区划", "5001": "重庆市（市辖区）", "5002": "重庆市（县）",
}
TYPE_NAMES = ["优先保护", "重点管控", "一般管控"]

COASTAL = {"12", "13", "21", "31", "32", "33", "35", "37", "44", "45", "46", "81", "82"}
YANGTZE_BELT = {"31", "32", "33", "34", "36", "42", "43", "50", "51", "52", "53"}
YELLOW = {"63", "51", "62", "64", "15", "14", "61", "41", "37"}
NORTH_HEATING = {"11", "12", "13", "14", "15", "21", "22", "23", "37", "41", "61", "62", "63", "64", "65"}
HEAVY_METAL = {"43", "45", "53", "52", "36", "62", "42", "44"}
COAL_BASE = {"14", "15", "61", "62", "64", "65"}
KEY_AIR = {"11", "12", "13", "14", "37", "41", "61"}
LIVESTOCK = {"13", "37", "41", "42", "43", "45", "51", "53"}
VOC_DOUBLE = {"11", "12", "13", "14", "31", "32", "33", "34", "37", "41", "61", "44"}

# ------------------------------------------------------------------------------------------
# hand-drawn geography (lon, lat); approximate, illustrative only
# ------------------------------------------------------------------------------------------

RIVERS = {
    # layer name -> (file, [(feature name, [(lon, lat), ...]), ...])
    "长江": ("river-changjiang.geojson", [
        ("长江干流（示例）", [
            (122.05, 31.35), (121.75, 31.45), (121.5, 31.55), (121.2, 31.72), (120.9, 31.95),
            (120.55, 32.0), (120.3, 31.95), (120.05, 32.0), (119.8, 32.2), (119.45, 32.22),
            (119.1, 32.2), (118.85, 32.16), (118.73, 32.07), (118.6, 31.9), (118.5, 31.7),
            (118.35, 31.35), (118.0, 31.1), (117.8, 30.95), (117.4, 30.75), (117.05, 30.5),
            (116.6, 30.1), (116.2, 29.75), (115.85, 29.78), (115.5, 29.85), (115.1, 30.22),
            (114.9, 30.4), (114.55, 30.6), (114.3, 30.6), (114.05, 30.3), (113.85, 29.95),
            (113.5, 29.75), (113.1, 29.45), (112.9, 29.75), (112.6, 29.8), (112.4, 29.72),
            (112.2, 30.28), (111.75, 30.4), (111.3, 30.7), (111.0, 30.82), (110.35, 31.05),
            (109.9, 31.07), (109.5, 31.02), (108.7, 30.93), (108.4, 30.8), (108.0, 30.3),
            (107.7, 29.9), (107.4, 29.7), (107.1, 29.85), (106.55, 29.57), (106.25, 29.3),
            (105.8, 28.8), (105.45, 28.9), (104.97, 28.85), (104.62, 28.77),
        ]),
        ("金沙江（长江上游，示例）", [
            (104.62, 28.77), (104.4, 28.6), (104.1, 28.6), (103.6, 28.2), (103.2, 27.5),
            (102.9, 26.9), (102.6, 26.3), (102.2, 26.2), (101.7, 26.58), (101.2, 26.45),
            (100.8, 26.45), (100.6, 26.9), (100.4, 27.35), (100.1, 27.2), (99.95, 26.87),
            (99.75, 27.4), (99.4, 28.1), (99.3, 28.7), (99.1, 30.0), (98.8, 31.2), (98.6, 31.8),
            (97.7, 32.5), (97.2, 33.0), (96.4, 33.6), (95.8, 34.1), (94.5, 34.3), (93.0, 34.6),
        ]),
        ("汉江（长江支流，示例）", [
            (114.28, 30.57), (113.8, 30.65), (113.3, 30.55), (112.9, 30.4), (112.6, 31.17),
            (112.4, 31.7), (112.15, 32.05), (111.9, 32.3), (111.5, 32.55), (110.8, 32.65),
            (110.0, 32.8), (109.0, 32.7), (108.3, 32.9), (107.5, 33.05), (107.0, 33.07), (106.25, 32.8),
        ]),
        ("嘉陵江（长江支流，示例）", [
            (106.57, 29.57), (106.27, 30.0), (106.08, 30.8), (105.97, 31.57), (105.84, 32.43),
            (106.0, 32.9), (106.15, 33.33),
        ]),
        ("岷江（长江支流，示例）", [
            (104.62, 28.77), (104.2, 29.2), (103.75, 29.57), (103.83, 30.05), (103.75, 30.55),
            (103.6, 31.0), (103.58, 31.47), (103.7, 32.0), (103.6, 32.6),
        ]),
        ("湘江（长江支流，示例）", [
            (113.1, 29.45), (112.95, 28.9), (112.95, 28.2), (112.9, 27.85), (113.13, 27.8),
            (112.6, 26.9), (112.1, 26.45), (111.6, 26.4), (111.07, 25.93),
        ]),
        ("赣江（长江支流，示例）", [
            (116.2, 29.73), (116.0, 29.2), (115.9, 28.68), (115.55, 28.05), (115.2, 27.6),
            (114.98, 27.1), (114.78, 26.46), (114.93, 25.85),
        ]),
    ]),
    "黄河": ("river-huanghe.geojson", [
        ("黄河干流（示例）", [
            (119.25, 37.78), (119.05, 37.75), (118.65, 37.62), (118.35, 37.5), (118.05, 37.32),
            (117.75, 37.12), (117.4, 36.9), (117.0, 36.7), (116.75, 36.52), (116.5, 36.33),
            (116.25, 36.2), (115.95, 36.0), (115.65, 35.8), (115.35, 35.5), (115.05, 35.15),
            (114.82, 34.87), (114.3, 34.92), (113.65, 34.93), (113.0, 34.85), (112.4, 34.93),
            (111.7, 34.85), (111.2, 34.8), (110.7, 34.62), (110.35, 34.6), (110.45, 35.4),
            (110.5, 36.1), (110.45, 36.8), (110.7, 37.5), (110.95, 38.3), (111.15, 39.0),
            (111.4, 39.45), (111.2, 40.25), (110.6, 40.45), (110.0, 40.55), (109.0, 40.6),
            (108.3, 40.9), (107.4, 40.75), (107.0, 40.3), (106.8, 39.65), (106.75, 39.2),
            (106.4, 38.5), (105.95, 37.95), (105.2, 37.5), (104.7, 36.6), (103.8, 36.07),
            (103.3, 35.93), (102.5, 35.85), (101.45, 36.05), (100.9, 36.1), (100.6, 35.25),
            (101.6, 34.7), (102.05, 34.0), (101.48, 33.43), (100.5, 33.7), (99.65, 33.75),
            (98.9, 34.3), (98.2, 34.9), (97.3, 35.0),
        ]),
    ]),
    "珠江": ("river-zhujiang.geojson", [
        ("西江（珠江干流，示例）", [
            (113.42, 22.12), (113.25, 22.4), (113.05, 22.7), (112.85, 23.15), (112.45, 23.05),
            (111.78, 23.15), (111.3, 23.47), (110.9, 23.37), (110.4, 23.5), (110.08, 23.4),
            (109.65, 23.6), (109.22, 23.75), (108.7, 24.1), (108.2, 24.6), (107.6, 24.9),
            (107.17, 25.0), (106.5, 25.05), (105.9, 24.9), (105.3, 24.9), (104.9, 25.1),
            (104.3, 25.3), (103.8, 25.5), (103.9, 25.6),
        ]),
        ("郁江（珠江支流，示例）", [
            (110.08, 23.4), (109.6, 23.1), (109.0, 22.9), (108.3, 22.8), (107.6, 23.2),
            (107.0, 23.6), (106.6, 23.9),
        ]),
        ("北江（珠江支流，示例）", [
            (112.85, 23.15), (113.05, 23.7), (113.4, 24.2), (113.6, 24.8), (113.9, 25.1),
        ]),
        ("东江（珠江支流，示例）", [
            (113.55, 23.05), (114.0, 23.05), (114.4, 23.1), (114.7, 23.75), (115.0, 24.3), (115.4, 24.75),
        ]),
        ("珠江广州河段（示例）", [(113.25, 23.12), (113.4, 23.1), (113.55, 23.05), (113.65, 22.75)]),
    ]),
    "淮河": ("river-huaihe.geojson", [
        ("淮河干流（示例）", [
            (113.35, 32.4), (113.8, 32.35), (114.07, 32.25), (114.7, 32.35), (115.1, 32.4),
            (115.6, 32.43), (116.1, 32.5), (116.5, 32.55), (116.8, 32.6), (117.0, 32.65),
            (117.38, 32.93), (117.65, 33.05), (117.9, 33.15), (118.2, 33.2), (118.5, 33.3),
            (118.9, 33.2), (119.2, 33.0), (119.4, 32.8), (119.5, 32.55), (119.7, 32.3),
        ]),
        ("淮河入海水道（示例）", [
            (118.9, 33.3), (119.1, 33.55), (119.5, 33.75), (119.9, 33.95), (120.1, 34.15),
        ]),
    ]),
    "松花江": ("river-songhuajiang.geojson", [
        ("松花江干流（示例）", [
            (124.8, 45.4), (125.4, 45.5), (126.0, 45.65), (126.6, 45.78), (127.4, 45.95),
            (128.0, 45.95), (128.8, 46.1), (129.55, 46.32), (130.35, 46.8), (131.2, 47.0),
            (132.0, 47.25), (132.5, 47.7),
        ]),
        ("嫩江（示例）", [
            (124.8, 45.4), (124.3, 45.6), (123.9, 46.2), (123.95, 46.8), (123.95, 47.35),
            (124.4, 48.0), (125.2, 49.2), (125.6, 50.2),
        ]),
        ("第二松花江（示例）", [
            (124.8, 45.4), (125.6, 44.9), (126.3, 44.3), (126.55, 43.85), (126.7, 43.7),
            (127.2, 42.9), (127.7, 42.4), (128.05, 42.0),
        ]),
    ]),
}

GRAND_CANAL = [
    (116.68, 39.9), (116.9, 39.7), (117.05, 39.45), (117.2, 39.15), (116.95, 38.9),
    (116.8, 38.58), (116.85, 38.3), (116.57, 38.07), (116.45, 37.85), (116.3, 37.45),
    (116.0, 37.15), (115.7, 36.85), (115.98, 36.45), (116.1, 36.1), (116.15, 35.8),
    (116.6, 35.4), (116.75, 35.0), (117.1, 34.75), (117.73, 34.56), (117.95, 34.32),
    (118.3, 33.95), (118.7, 33.75), (119.02, 33.6), (119.3, 33.23), (119.45, 32.8),
    (119.43, 32.4), (119.45, 32.2), (119.57, 32.0), (119.95, 31.78), (120.3, 31.57),
    (120.6, 31.3), (120.63, 31.15), (120.75, 30.77), (120.56, 30.63), (120.15, 30.32),
]

# Junctions where three basins (or a basin and the coast) meet.
W1 = (95.5, 34.9)      # 长江 / 黄河 / 西北诸河
J1 = (112.3, 33.9)     # 长江 / 黄河 / 淮河
C1 = (121.95, 31.75)   # 长江 / 淮河, coast
C2 = (122.1, 30.75)    # 长江 / 东南诸河, coast
J2 = (116.4, 26.0)     # 长江 / 东南诸河 / 珠江
J3 = (102.4, 24.6)     # 长江 / 珠江 / 西南诸河
J4 = (90.6, 33.0)      # 长江 / 西南诸河 / 西北诸河
J5 = (112.3, 40.6)     # 黄河 / 海河 / 西北诸河
J6 = (118.9, 38.25)    # 黄河 / 海河, coast
J6B = (119.3, 37.65)   # 黄河 / 淮河, coast
J7 = (117.6, 42.1)     # 海河 / 辽河 / 西北诸河
J8 = (119.85, 40.05)   # 海河 / 辽河, coast
J9 = (119.2, 44.8)     # 辽河 / 松花江 / 西北诸河
J10 = (128.2, 41.95)   # 辽河 / 松花江, border
BZX = (105.5, 23.0)    # 珠江 / 西南诸河, border
C3 = (117.3, 23.4)     # 珠江 / 东南诸河, coast
BSX = (117.4, 46.55)   # 松花江 / 西北诸河, border
XW = (78.5, 33.4)      # 西南诸河 / 西北诸河, border

# Divides, each from its first junction to its second; shared by the two basins they separate,
# so the major basins tile the country without gaps or overlaps.
DIVIDES = {
    "CJ-HH": [W1, (96.8, 34.5), (97.8, 34.2), (99.0, 33.6), (100.5, 33.0), (101.5, 32.9), (102.3, 33.2),
              (103.0, 33.6), (103.8, 34.0), (104.8, 34.1), (106.0, 34.2), (107.5, 34.0), (108.8, 33.9),
              (109.8, 33.95), (111.0, 33.7), J1],
    "CJ-HUAI": [J1, (112.9, 33.5), (113.1, 32.9), (113.2, 32.3), (113.9, 31.95), (114.6, 31.7), (115.3, 31.4), (116.0, 31.0),
                (116.5, 31.2), (116.9, 31.6), (117.3, 31.95), (117.9, 32.3), (118.5, 32.5), (119.0, 32.55),
                (119.5, 32.55), (120.0, 32.45), (120.6, 32.3), (121.2, 32.05), C1],
    "CJ-SE": [C2, (121.2, 30.65), (120.8, 30.45), (120.3, 30.3), (119.7, 30.4), (119.2, 30.3), (118.6, 30.0),
              (118.1, 29.6), (118.15, 29.0), (118.35, 28.4), (117.8, 27.9), (117.3, 27.4), (116.8, 26.8), J2],
    "CJ-ZJ": [J2, (116.0, 25.5), (115.6, 25.05), (115.0, 24.9), (114.4, 25.1), (113.8, 25.4), (113.1, 25.45),
              (112.3, 25.3), (111.5, 25.5), (110.6, 25.85), (109.9, 25.95), (109.1, 25.9), (108.4, 26.15),
              (107.6, 26.35), (106.8, 26.35), (106.0, 26.45), (105.2, 26.55), (104.5, 26.3), (104.0, 25.75),
              (103.5, 25.6), (103.0, 25.0), J3],
    "CJ-XN": [J3, (101.6, 25.1), (100.9, 25.6), (100.4, 26.2), (99.7, 26.6), (99.6, 27.3), (99.3, 28.0),
              (99.1, 28.7), (98.8, 29.5), (98.7, 30.3), (98.5, 31.0), (98.0, 31.7), (97.4, 32.3), (96.5, 32.9),
              (95.5, 33.3), (94.5, 33.4), (93.3, 33.0), (92.2, 32.9), J4],
    "CJ-XB": [J4, (90.3, 33.8), (90.8, 34.9), (92.0, 35.4), (93.5, 35.6), (94.6, 35.4), W1],
    "HH-XB": [W1, (96.6, 35.4), (97.8, 35.5), (98.9, 35.9), (99.7, 36.3), (100.6, 36.45), (101.0, 36.9),
              (101.0, 37.2), (101.3, 37.7), (102.3, 37.6), (102.9, 37.2), (103.6, 37.3), (104.6, 37.8),
              (105.3, 38.2), (105.8, 38.8), (106.1, 39.5), (106.5, 40.1), (106.9, 40.9), (107.6, 41.2),
              (108.6, 41.3), (109.6, 41.1), (110.0, 40.9), (110.8, 40.95), (111.6, 41.05), (112.1, 40.9), J5],
    "HH-HAI": [J5, (112.6, 40.1), (112.4, 39.6), (112.2, 39.0), (112.4, 38.5), (112.9, 38.0), (113.2, 37.6),
               (113.0, 37.0), (112.75, 36.6), (112.8, 36.0), (113.1, 35.6), (113.5, 35.35), (114.3, 35.05),
               (114.9, 35.1), (115.2, 35.45), (115.5, 35.75), (115.8, 36.05), (116.1, 36.3), (116.5, 36.55),
               (116.9, 36.85), (117.3, 37.08), (117.7, 37.32), (118.1, 37.55), (118.5, 37.8), J6],
    "HH-HUAI": [J1, (112.8, 34.25), (113.3, 34.5), (113.7, 34.82), (114.3, 34.86), (114.8, 34.82), (115.2, 35.2),
                (115.6, 35.55), (116.0, 35.8), (116.4, 35.75), (116.9, 35.75), (117.4, 35.7), (117.9, 35.85),
                (118.0, 36.25), (117.6, 36.4), (117.2, 36.35), (116.9, 36.5), (116.9, 36.62), (117.3, 36.82),
                (117.7, 37.05), (118.1, 37.25), (118.5, 37.5), (118.9, 37.6), J6B],
    "HAI-XB": [J5, (112.9, 41.0), (113.6, 41.2), (114.3, 41.5), (115.0, 41.6), (115.7, 41.9), (116.3, 42.35),
               (117.0, 42.4), J7],
    "HAI-LH": [J7, (118.1, 41.7), (118.6, 41.3), (119.1, 40.9), (119.4, 40.5), J8],
    "LH-XB": [J7, (117.4, 42.8), (117.9, 43.5), (118.6, 44.2), J9],
    "LH-SH": [J9, (120.3, 45.1), (121.3, 44.9), (122.3, 44.5), (123.2, 44.3), (124.0, 44.0), (124.6, 43.5),
              (125.2, 43.2), (125.6, 42.8), (126.2, 42.5), (126.9, 42.3), (127.6, 42.1), J10],
    "SH-XB": [BSX, (118.2, 45.7), (118.7, 45.2), J9],
    "XN-XB": [J4, (89.5, 32.4), (88.2, 31.4), (86.5, 31.0), (85.0, 30.9), (83.5, 30.9), (82.2, 31.2),
              (81.2, 31.9), (80.4, 32.7), (79.4, 33.2), XW],
    "ZJ-XN": [J3, (103.0, 24.1), (103.7, 23.6), (104.4, 23.4), (105.0, 23.2), BZX],
    "SE-ZJ": [J2, (116.8, 25.4), (116.95, 24.8), (117.1, 24.2), (117.2, 23.8), C3],
}

# Coasts and borders (rough; they may run a little out to sea or across the border).
EDGES = {
    "CJ-coast": [C1, (122.5, 31.3), C2],
    "HH-coast": [J6, (119.6, 38.0), J6B],
    "HUAI-coast": [J6B, (120.2, 37.95), (120.8, 38.25), (121.5, 37.95), (122.3, 37.75), (122.9, 37.4),
                   (122.8, 36.8), (121.8, 36.45), (121.0, 36.0), (120.5, 35.7), (119.9, 35.3), (119.6, 34.8),
                   (120.1, 34.45), (120.6, 33.9), (121.0, 33.3), (121.3, 32.7), (121.9, 32.3), C1],
    "HAI-coast": [J8, (119.9, 39.8), (119.3, 39.3), (118.6, 38.95), (117.95, 38.9), (118.0, 38.35),
                  (118.6, 38.15), J6],
    "LH-border-coast": [J10, (127.5, 41.3), (126.9, 41.6), (126.4, 41.2), (125.9, 40.7), (125.3, 40.4),
                        (124.5, 40.0), (124.2, 39.75), (123.5, 39.5), (122.9, 38.9), (122.0, 38.6),
                        (121.1, 38.6), J8],
    "SH-border": [J10, (129.0, 42.05), (129.7, 42.3), (130.7, 42.3), (131.2, 42.85), (131.3, 43.5),
                  (131.35, 44.1), (131.3, 44.8), (131.9, 45.0), (132.9, 44.95), (133.2, 45.1), (134.2, 46.6),
                  (134.9, 47.6), (134.9, 48.4), (133.5, 48.2), (132.5, 47.8), (131.2, 47.75), (130.8, 48.95),
                  (129.5, 49.5), (127.7, 50.3), (127.0, 51.5), (126.2, 52.9), (125.0, 53.3), (123.5, 53.7),
                  (121.2, 53.45), (120.0, 52.6), (120.3, 52.0), (119.0, 50.4), (117.6, 49.6), (116.5, 49.95),
                  (115.4, 48.2), (115.8, 47.7), (116.8, 47.75), (117.4, 47.5), (118.5, 47.8), (119.7, 47.1),
                  (119.9, 46.6), (118.7, 46.6), BSX],
    "XB-border": [XW, (78.2, 34.3), (77.8, 35.5), (77.0, 35.4), (75.8, 35.9), (74.5, 37.0), (73.5, 38.5),
                  (73.3, 39.6), (73.9, 40.5), (75.6, 40.5), (76.8, 40.9), (78.3, 41.4), (79.8, 42.0),
                  (79.9, 42.9), (80.0, 44.2), (80.3, 45.2), (81.8, 45.5), (82.3, 45.3), (82.2, 46.0),
                  (82.4, 47.0), (83.1, 47.4), (85.0, 47.2), (85.5, 48.4), (86.7, 49.3), (87.9, 49.3),
                  (88.6, 48.5), (90.4, 47.9), (91.3, 46.5), (91.2, 45.4), (92.5, 45.2), (93.8, 45.1),
                  (95.4, 44.4), (96.4, 42.9), (98.0, 42.9), (100.0, 42.8), (101.8, 42.6), (103.8, 42.1),
                  (105.0, 41.8), (106.8, 42.5), (109.0, 42.9), (110.5, 43.1), (111.9, 44.0), (113.6, 45.0),
                  (114.5, 45.6), (115.7, 45.7), (116.6, 46.45), BSX],
    "XN-border": [BZX, (104.6, 22.8), (104.0, 22.5), (103.0, 22.45), (102.3, 22.4), (101.9, 21.9), (101.6, 21.1),
                  (100.9, 21.3), (100.2, 21.35), (99.6, 21.9), (99.0, 22.0), (99.1, 22.8), (98.6, 23.3),
                  (98.2, 23.7), (97.4, 23.8), (97.5, 24.8), (97.9, 25.4), (98.4, 26.0), (98.6, 26.6), (98.5, 27.4),
                  (98.0, 27.8), (97.5, 28.2), (96.9, 27.8), (96.2, 27.3), (95.3, 26.9), (94.2, 26.8),
                  (93.0, 26.85), (92.1, 26.85), (91.9, 27.8), (91.3, 28.0), (90.3, 28.15), (89.5, 28.0),
                  (89.1, 27.2), (88.75, 27.3), (88.8, 27.85), (88.1, 27.8), (86.9, 27.85), (85.8, 28.05),
                  (85.0, 28.3), (84.0, 28.6), (83.0, 29.2), (82.0, 29.9), (81.2, 29.9), (80.2, 30.4), (79.0, 30.8),
                  (78.6, 31.3), (78.5, 32.5), XW],
    "ZJ-border-coast": [BZX, (106.2, 22.9), (106.7, 22.3), (106.6, 21.95), (107.4, 21.5), (108.0, 21.4),
                        (108.6, 21.4), (108.9, 20.7), (109.6, 21.2), (109.6, 20.4), (110.0, 20.1), (110.7, 20.2),
                        (110.7, 21.0), (111.0, 21.3), (111.8, 21.3), (112.6, 21.4), (113.3, 21.6), (114.0, 21.7),
                        (114.4, 22.0), (115.5, 22.5), (116.3, 22.75), (116.9, 22.85), (117.5, 23.15), C3],
    "SE-coast": [C3, (117.9, 23.6), (118.4, 24.1), (118.9, 24.5), (119.6, 24.8), (120.0, 25.4), (120.6, 26.2),
                 (121.0, 26.8), (121.4, 27.4), (121.9, 28.1), (122.5, 28.8), (122.9, 29.8), (123.0, 30.8), C2],
}

HAINAN = [(108.4, 19.2), (108.5, 18.4), (109.5, 18.0), (110.2, 18.1), (110.7, 18.7), (111.3, 19.6),
          (110.8, 20.25), (110.1, 20.2), (109.5, 20.1), (108.9, 19.8)]


def path(*parts):
    """Concatenates divide/edge pieces; a leading '-' reverses one. Shared endpoints are merged."""
    out = []
    for p in parts:
        rev = p.startswith("-")
        key = p[1:] if rev else p
        pts = DIVIDES.get(key) or EDGES[key]
        pts = list(reversed(pts)) if rev else list(pts)
        if out and out[-1] == pts[0]:
            pts = pts[1:]
        elif out:
            raise SystemExit(f"basin path does not join at {p}: {out[-1]} vs {pts[0]}")
        out.extend(pts)
    if out[0] != out[-1]:
        raise SystemExit(f"basin ring not closed: {parts}")
    return out


# Major basins (water-resources regions), each a closed ring built from shared divides.
MAJOR_BASINS = [
    # (layer, short id, file, feature name, ring pieces)
    ("长江流域", "CJ", "basin-changjiang.geojson", "长江流域（示例轮廓）",
     ["CJ-HH", "CJ-HUAI", "CJ-coast", "CJ-SE", "CJ-ZJ", "CJ-XN", "CJ-XB"]),
    ("黄河流域", "HH", "basin-huanghe.geojson", "黄河流域（示例轮廓）",
     ["HH-XB", "HH-HAI", "HH-coast", "-HH-HUAI", "-CJ-HH"]),
    ("淮河流域", "HUAI", "basin-huaihe.geojson", "淮河流域（含山东半岛诸河，示例轮廓）",
     ["HH-HUAI", "HUAI-coast", "-CJ-HUAI"]),
    ("海河流域", "HAI", "basin-haihe.geojson", "海河流域（示例轮廓）",
     ["HAI-XB", "HAI-LH", "HAI-coast", "-HH-HAI"]),
    ("珠江流域", "ZJ", "basin-zhujiang.geojson", "珠江流域（含韩江及粤桂琼沿海诸河，示例轮廓）",
     ["CJ-ZJ", "ZJ-XN", "ZJ-border-coast", "-SE-ZJ"]),
    ("松花江流域", "SH", "basin-songhuajiang.geojson", "松花江流域（含黑龙江、乌苏里江、图们江，示例轮廓）",
     ["LH-SH", "SH-border", "SH-XB"]),
    ("辽河流域", "LH", "basin-liaohe.geojson", "辽河流域（含鸭绿江及辽宁沿海诸河，示例轮廓）",
     ["LH-XB", "LH-SH", "LH-border-coast", "-HAI-LH"]),
    ("东南诸河流域", "SE", "basin-dongnan.geojson", "东南诸河流域（钱塘江、闽江等，示例轮廓）",
     ["CJ-SE", "SE-ZJ", "SE-coast"]),
    ("西南诸河流域", "XN", "basin-xinan.geojson", "西南诸河流域（澜沧江、怒江、雅鲁藏布江等，示例轮廓）",
     ["ZJ-XN", "XN-border", "-XN-XB", "-CJ-XN"]),
    ("西北诸河流域", "XB", "basin-xibei.geojson", "西北诸河流域（内陆河，示例轮廓）",
     ["XB-border", "SH-XB", "-LH-XB", "-HAI-XB", "-HH-XB", "-CJ-XB", "XN-XB"]),
]

# Sub-basins and regions that overlap the major basins.
TAIHU = [(119.25, 32.05), (119.7, 32.0), (120.2, 31.98), (120.6, 31.92), (121.0, 31.78), (121.4, 31.6),
         (121.9, 31.45), (122.0, 31.1), (121.95, 30.85), (121.2, 30.65), (120.8, 30.45), (120.3, 30.3),
         (119.9, 30.35), (119.6, 30.45), (119.35, 30.6), (119.25, 30.95), (119.4, 31.25), (119.3, 31.5),
         (119.15, 31.75), (119.25, 32.05)]
DANJIANGKOU = [(106.5, 33.3), (107.5, 33.6), (108.7, 33.85), (109.8, 33.95), (110.8, 33.8), (111.5, 33.6),
               (111.7, 33.2), (111.5, 32.7), (111.1, 32.3), (110.5, 31.9), (109.5, 31.75), (108.5, 31.9),
               (107.6, 32.3), (106.8, 32.6), (106.3, 33.0), (106.5, 33.3)]

# ------------------------------------------------------------------------------------------
# geometry helpers (planar on lon/lat; good enough for placing illustrative features)
# ------------------------------------------------------------------------------------------


def ring_area(r):
    return 0.5 * sum(r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1] for i in range(len(r) - 1))


def ring_centroid(r):
    a = ring_area(r)
    if abs(a) < 1e-15:
        xs = [p[0] for p in r]
        ys = [p[1] for p in r]
        return (sum(xs) / len(xs), sum(ys) / len(ys))
    cx = cy = 0.0
    for i in range(len(r) - 1):
        f = r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1]
        cx += (r[i][0] + r[i + 1][0]) * f
        cy += (r[i][1] + r[i + 1][1]) * f
    return (cx / (6 * a), cy / (6 * a))


def in_ring(x, y, r):
    inside = False
    j = len(r) - 1
    for i in range(len(r)):
        xi, yi = r[i][0], r[i][1]
        xj, yj = r[j][0], r[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_polygon(x, y, rings):
    """rings: outer ring then holes."""
    if not in_ring(x, y, rings[0]):
        return False
    return not any(in_ring(x, y, h) for h in rings[1:])


def scanline_point(rings, y):
    """Midpoint of the widest inside interval of the polygon along latitude y, or None."""
    xs = []
    for r in rings:
        for i in range(len(r) - 1):
            (x1, y1), (x2, y2) = r[i][:2], r[i + 1][:2]
            if (y1 > y) != (y2 > y):
                xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    xs.sort()
    best = None
    for i in range(0, len(xs) - 1, 2):
        w = xs[i + 1] - xs[i]
        if best is None or w > best[0]:
            best = (w, (xs[i] + xs[i + 1]) / 2)
    return (best[1], y) if best else None


def representative_point(polys):
    """A point inside the unit: the centroid of its largest part if inside, else a scanline point."""
    part = max(polys, key=lambda p: abs(ring_area(p[0])))
    cx, cy = ring_centroid(part[0])
    if in_polygon(cx, cy, part):
        return (cx, cy)
    ys = [p[1] for p in part[0]]
    for t in (0.5, 0.37, 0.63, 0.25, 0.75):
        y = min(ys) + t * (max(ys) - min(ys)) + 1e-9
        p = scanline_point(part, y)
        if p:
            return p
    return tuple(part[0][0][:2])


def segments_cross(p1, p2, p3, p4):
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 1e-12) - (v < -1e-12)
    o1, o2, o3, o4 = orient(p1, p2, p3), orient(p1, p2, p4), orient(p3, p4, p1), orient(p3, p4, p2)
    return o1 * o2 < 0 and o3 * o4 < 0


def check_simple(name, ring):
    """Fails loudly if a hand-drawn ring crosses itself."""
    n = len(ring) - 1
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            if segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1]):
                raise SystemExit(f"{name}: ring crosses itself between edges {i} and {j}: "
                                 f"{ring[i]}-{ring[i+1]} x {ring[j]}-{ring[j+1]}")
    if len(set(ring[:-1])) != n:
        dup = [p for p, c in Counter(ring[:-1]).items() if c > 1]
        raise SystemExit(f"{name}: repeated vertices {dup}")


def buffer_line(line, d):
    """A simple polygon around a polyline: offsets by d degrees (longitude scaled by cos lat)."""
    left, right = [], []
    n = len(line)
    for i, (x, y) in enumerate(line):
        k = 1.0 / math.cos(math.radians(y))
        def unit_normal(a, b):
            dx, dy = (b[0] - a[0]) / k, b[1] - a[1]
            L = math.hypot(dx, dy)
            return (-dy / L, dx / L)
        if i == 0:
            nx, ny = unit_normal(line[0], line[1])
        elif i == n - 1:
            nx, ny = unit_normal(line[-2], line[-1])
        else:
            a = unit_normal(line[i - 1], line[i])
            b = unit_normal(line[i], line[i + 1])
            nx, ny = a[0] + b[0], a[1] + b[1]
            L = math.hypot(nx, ny)
            cos_half = max(L / 2, 0.5)  # miter, limited to 2x
            nx, ny = nx / L / cos_half, ny / L / cos_half
        left.append((round(x + nx * d * k, 5), round(y + ny * d, 5)))
        right.append((round(x - nx * d * k, 5), round(y - ny * d, 5)))
    ring = left + list(reversed(right))
    ring.append(ring[0])
    return ring


def square(cx, cy, w_km, h_km):
    dy = h_km / 2 / 111.32
    dx = w_km / 2 / (111.32 * math.cos(math.radians(cy)))
    r = [(cx - dx, cy - dy), (cx + dx, cy - dy), (cx + dx, cy + dy), (cx - dx, cy + dy), (cx - dx, cy - dy)]
    return [[round(x, 6), round(y, 6)] for x, y in r]


def blob(cx, cy, r_km, n, key):
    """A star-shaped polygon (always simple) with n jittered vertices around a centre."""
    pts = []
    for i in range(n):
        a = 2 * math.pi * (i + 0.3 * hrand(key, "a", i)) / n
        r = r_km * (0.65 + 0.35 * hrand(key, "r", i))
        dy = r * math.sin(a) / 111.32
        dx = r * math.cos(a) / (111.32 * math.cos(math.radians(cy)))
        pts.append([round(cx + dx, 6), round(cy + dy, 6)])
    pts.append(pts[0])
    return pts


def feature(props, geometry):
    return {"type": "Feature", "properties": {**props, "note": NOTE}, "geometry": geometry}


def write_fc(path_, name, features):
    """One feature per line: diffable, compact."""
    os.makedirs(os.path.dirname(path_), exist_ok=True)
    with open(path_, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False) + ',"features":[\n')
        for i, ft in enumerate(features):
            f.write(("" if i == 0 else ",\n") + json.dumps(ft, ensure_ascii=False, separators=(",", ":")))
        f.write("\n]}\n")


def lst(coords):
    return [[x, y] for x, y in coords]


# ------------------------------------------------------------------------------------------
# the units
# ------------------------------------------------------------------------------------------


class Unit:
    __slots__ = ("code", "name", "type", "admin", "bbox", "polys", "place", "basins")


def load_units(path_):
    t = time.time()
    with gzip.open(path_, "rt", encoding="utf-8") as f:
        fc = json.load(f)
    units = []
    for ft in fc["features"]:
        p, g = ft["properties"], ft["geometry"]
        u = Unit()
        u.code, u.name, u.type, u.admin = p["code"], p["name"], p["type"], p["admin_code"]
        u.polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        xs = [c[0] for poly in u.polys for c in poly[0]]
        ys = [c[1] for poly in u.polys for c in poly[0]]
        u.bbox = (min(xs), min(ys), max(xs), max(ys))
        cut = u.name.rfind(u.type + "单元")
        u.place = u.name[:cut] if cut > 0 else u.name
        u.basins = []
        units.append(u)
    print(f"read {len(units)} units in {time.time() - t:.1f} s", file=sys.stderr)
    return units


def city_names(units):
    places = defaultdict(set)
    for u in units:
        places[u.admin[:4]].add(u.place)
    out = {}
    for c, ps in places.items():
        if c in CITY_OVERRIDES:
            out[c] = CITY_OVERRIDES[c]
            continue
        lcp = os.path.commonprefix(sorted(ps))
        if len(ps) < 2 or not lcp.endswith(("市", "州", "盟", "地区", "行政区")):
            raise SystemExit(f"cannot name city {c} from {sorted(ps)[:3]}: add it to CITY_OVERRIDES")
        out[c] = lcp
    return out


def district_names(units, cities):
    out = {}
    for u in units:
        if u.admin not in out:
            c = cities[u.admin[:4]]
            out[u.admin] = u.place[len(c):] if u.place.startswith(c) and len(u.place) > len(c) else u.place
    return out


# ------------------------------------------------------------------------------------------
# industry codes
# ------------------------------------------------------------------------------------------


def load_gbt():
    names = {}
    with open(GBT_TABLE, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            names[cols[1]] = cols[2].strip()
    return names


GBT = load_gbt()


def ind(*codes):
    for c in codes:
        if c not in GBT:
            raise SystemExit(f"industry code {c} is not in GB/T 4754-2017")
    return "[" + ", ".join(codes) + "]"


# ------------------------------------------------------------------------------------------
# the rule language
# ------------------------------------------------------------------------------------------

DIM = {"KJ": "空间布局约束", "WR": "污染物排放管控", "FX": "环境风险防控", "ZY": "资源利用效率"}

# named industry sets (checked against GB/T 4754-2017) and value sets
INDUSTRY_SETS = {
    "化工": ["C251", "C252", "C26", "C271", "C281", "C282"],
    "限入园": ["C2511", "C252", "C26", "C271", "C3011", "C3041", "C311", "C312", "C321"],
    "产能过剩": ["C3011", "C3041", "C311", "C312", "C3216"],
    "两高": ["C2511", "C252", "C26", "C3011", "C3041", "C311", "C312", "C321", "D4411"],
    "重污染": ["C1713", "C1723", "C1752", "C1762", "C191", "C2211", "C2212", "C222", "C3360"],
    "印染": ["C1713", "C1723", "C1733", "C1743", "C1752", "C1762"],
    "涉重金属": ["B0912", "B0913", "B0914", "B0915", "C3211", "C3212", "C3213", "C3214", "C3215", "C3360", "C3843", "C1910"],
    "采矿": ["B06", "B07", "B08", "B09", "B10"],
    "畜禽养殖": ["A031", "A032"],
    "危化品仓储": ["G5941", "G5942", "G5949"],
    "太湖禁止": ["C2211", "C2212", "C191", "C1511", "C2645", "C1713", "C1723", "C1752", "C1762", "C3360"],
    "淮河禁止": ["C2211", "C2212", "C191", "C26", "C1713", "C1752", "C3360", "C1511"],
    "京津冀禁增": ["C31", "C2521", "C3391", "C3011", "C3041"],
    "土壤重点": ["C32", "C2511", "C26", "C2521", "C3360", "C191", "C3843", "N7724"],
    "涉VOCs": ["C2511", "C26", "C2641", "C2642", "C265", "C231", "C292", "C3360", "C361", "C373"],
    "高耗水": ["C2211", "C2212", "C222", "C17", "C2511", "C26", "C31", "C1511", "C1512"],
    "新能源": ["D4413", "D4415", "D4416"],
}
VALUE_SETS = {
    "高污染燃料": ["煤", "重油", "渣油", "石油焦"],
    "有毒气体": ["液氯", "液氨", "光气", "硫化氢"],
    "危险化学品": ["液氯", "液氨", "光气", "硫化氢", "氢气", "甲醇", "苯", "硝酸铵", "汽油", "柴油"],
    "豁免情形": ["国家重大战略项目", "生态保护修复", "民生基础设施", "军事国防"],
}


class Clause:
    def __init__(self, cid, dim, text, when=None, effect="forbid", unless=()):
        self.id, self.dim, self.text, self.when, self.effect, self.unless = cid, dim, text, when, effect, list(unless)
        for ch in ('"', "\n", "\\"):
            assert ch not in text, (cid, text)
        for cond in [when or "", effect, *(c for c, _ in self.unless)]:
            for items in re.findall(r"industry in \[([^\]]*)\]", cond):
                for code in items.split(","):
                    if code.strip() not in GBT:
                        raise SystemExit(f"{cid}: industry code {code.strip()} is not in GB/T 4754-2017")

    def render(self, indent="  "):
        out = [f'{indent}clause {self.id} {DIM[self.dim]} "{self.text}"']
        if self.when:
            out.append(f"{indent}  when {self.when}")
        out.append(f"{indent}  {self.effect}")
        for cond, reason in self.unless:
            out.append(f"{indent}  unless {cond}" + (f' review "{reason}"' if reason else ""))
        return "\n".join(out)


def review(reason):
    return f'review "{reason}"'


class Level:
    def __init__(self, name, scope, kind):
        self.name, self.scope, self.kind = name, scope, kind  # scope: [(kind, value), ...]
        self.clauses = []

    def add(self, *clauses):
        self.clauses.extend(clauses)
        return self

    def render(self):
        sel = " and ".join(k if v is None else (f"units [{v}]" if k == "units" else f"{k} {v}") for k, v in self.scope)
        body = "\n\n".join(c.render() for c in self.clauses)
        return f'level "{self.name}" applies to {sel} {{\n{body}\n}}\n'


def numbered(prefix):
    counts = Counter()

    def nid(dim):
        counts[dim] += 1
        return f"{prefix}-{dim}-{counts[dim]:02d}"
    return nid


# ------------------------------------------------------------------------------------------
# levels
# ------------------------------------------------------------------------------------------

EXEMPT_REVIEW = "豁免情形须经有审批权的主管部门认定，并论证不可避让性"


def national_level():
    n = numbered("GJ")
    lv = Level("全国总体管控要求", [("national", None)], "national")
    lv.add(
        Clause(n("KJ"), "KJ", "生态保护红线内，自然保护地核心保护区原则上禁止人为活动；其他区域严格禁止开发性、生产性建设活动，在符合法律法规的前提下仅允许对生态功能不造成破坏的有限人为活动。",
               "in_redline and nature in [新建, 改建, 扩建, 迁建]", "forbid",
               [("exemption in 豁免情形", EXEMPT_REVIEW)]),
        Clause(n("KJ"), "KJ", "严禁新增钢铁、水泥熟料、平板玻璃、电解铝等产能严重过剩行业产能，确需建设的须实施产能等量或减量置换。",
               "nature in [新建, 扩建] and industry in 产能过剩", "require capacity_replacement"),
        Clause(n("KJ"), "KJ", "新建、扩建石化、化工、焦化、有色金属冶炼、平板玻璃等项目，应布设在依法合规设立并经规划环评的产业园区。",
               "nature in [新建, 扩建] and industry in 限入园", "require in_park or within(工业园区)"),
        Clause(n("KJ"), "KJ", "饮用水水源保护区内禁止新建、改建、扩建与供水设施和保护水源无关的建设项目。",
               "nature in [新建, 改建, 扩建] and intersects(饮用水水源保护区)", "forbid",
               [("exemption == 民生基础设施", "核实项目是否属于供水设施或保护水源的建设项目")]),
        Clause(n("KJ"), "KJ", "禁止在饮用水水源保护区及其周边一公里范围内新建、扩建采矿、尾矿库等项目。",
               "nature in [新建, 扩建] and (industry in 采矿 or tailings_facility) and distance(饮用水水源保护区) < 1 km", "forbid"),
        Clause(n("KJ"), "KJ", "新建涉及有毒有害气体的危险化学品生产项目，与居民区等环境敏感目标的距离不得小于一公里。",
               "nature == 新建 and hazardous_storage in 有毒气体", "limit sensitive_distance >= 1 km"),
        Clause(n("WR"), "WR", "新增二氧化硫、氮氧化物排放的建设项目，须落实主要污染物排放总量指标来源，实行等量削减替代。",
               "increase(SO2) > 0 or increase(NOx) > 0", "require offset(SO2) >= increase(SO2) and offset(NOx) >= increase(NOx)"),
        Clause(n("WR"), "WR", "新增化学需氧量、氨氮排放的建设项目，实行区域内等量削减替代。",
               "increase(COD) > 0 or increase(氨氮) > 0", "require offset(COD) >= increase(COD) and offset(氨氮) >= increase(氨氮)"),
        Clause(n("WR"), "WR", "新增挥发性有机物排放的建设项目，实行区域内等量削减替代，重点区域实行倍量替代。",
               "increase(VOCs) > 0", "require offset(VOCs) >= increase(VOCs)"),
        Clause(n("WR"), "WR", "涉重金属重点行业建设项目，实行重点重金属污染物排放等量或减量替代。",
               "increase(重金属) > 0", "require offset(重金属) >= increase(重金属)"),
        Clause(n("WR"), "WR", "涉挥发性有机物排放的重点行业建设项目，须核算并申报挥发性有机物排放量。",
               "industry in 涉VOCs and not known(VOCs)", review("项目未申报VOCs排放量，须补充源强核算")),
        Clause(n("WR"), "WR", "新建燃煤发电机组应同步建设高效脱硫、脱硝和除尘设施，实现超低排放。",
               "nature == 新建 and industry in [D4411] and fuel == 煤", review("核实超低排放技术路线及排放浓度")),
        Clause(n("FX"), "FX", "生产、使用、储存危险化学品并构成重大危险源的建设项目，应开展环境风险评价，编制突发环境事件应急预案。",
               "major_hazard", review("核实环境风险评价结论、应急预案与三级防控措施")),
        Clause(n("FX"), "FX", "有色金属冶炼、石油加工、化工、焦化、电镀、制革等行业建设项目，应开展土壤和地下水污染状况调查，落实防渗措施。",
               "industry in 土壤重点", review("核实土壤和地下水污染状况调查及分区防渗方案")),
        Clause(n("FX"), "FX", "化工园区内构成重大危险源的项目，应纳入园区环境风险预警体系。",
               "within(化工园区) and major_hazard", review("核实纳入园区有毒有害气体预警及应急联动体系")),
        Clause(n("FX"), "FX", "禁止新建、扩建光气及光气化产品生产装置，国家鼓励类技术改造除外。",
               "nature in [新建, 扩建] and hazardous_storage contains 光气", "forbid",
               [("nature == 技术改造", None)]),
        Clause(n("ZY"), "ZY", "原则上不再新建每小时35蒸吨以下的燃煤锅炉。",
               "coal_boiler_t_h > 0 t/h and coal_boiler_t_h < 35 t/h", "forbid"),
        Clause(n("ZY"), "ZY", "新建、扩建高耗能、高排放项目，能效水平应达到行业标杆水平。",
               "nature in [新建, 扩建] and industry in 两高", review("能效水平须对照重点行业能效标杆水平核查")),
        Clause(n("ZY"), "ZY", "年综合能源消费量一万吨标准煤以上的固定资产投资项目，须通过节能审查。",
               "energy_use >= 1 万tce/a", review("须取得节能审查意见")),
        Clause(n("ZY"), "ZY", "新建工业项目须申报单位工业增加值综合能耗，未申报的不得通过准入审查。",
               "nature == 新建 and industry in [C] and not known(energy_intensity)", review("须补充单位工业增加值综合能耗测算")),
        Clause(n("ZY"), "ZY", "高耗水行业新建、扩建项目用水效率应达到国内先进水平，年取水量五十万立方米以上的须开展水资源论证。",
               "nature in [新建, 扩建] and industry in 高耗水 and water_use >= 50 万m3/a", review("须取得水资源论证审查意见")),
        Clause(n("ZY"), "ZY", "工业项目建设用地应符合土地使用标准，用地规模超过一百公顷的须开展节约集约用地专项论证。",
               "industry in [C] and site_area() > 100 ha", review("核实节约集约用地论证")),
    )
    return lv


def province_levels(pp, pname):
    n = numbered(f"P{pp}")
    lv = Level(f"{pname}总体管控要求", [("province", pp)], "province")
    d = hpick([500, 800, 1000], "p-hazard", pp)
    t = hpick([10, 20, 35, 65], "p-boiler", pp)
    e = hpick([0.4, 0.45, 0.5, 0.6, 0.7, 0.8], "p-energy", pp)
    q = hpick([0.5, 1, 2, 5], "p-energy-use", pp)
    k = 2 if pp in VOC_DOUBLE else 1
    bans = [("印染", "set 印染"), ("制革", "C191"), ("化学制浆", "C2211, C2212"), ("焦化", "C2521"),
            ("铅蓄电池", "C3843"), ("电解铝", "C3216"), ("化学农药原药", "C2631"), ("染料", "C2645"),
            ("铁合金", "C3140"), ("粘土砖瓦", "C3031")]
    picked = hsample(bans, 2, "p-bans", pp)
    ban_names = "、".join(b[0] for b in picked)
    codes = [c for b in picked if not b[1].startswith("set ") for c in b[1].split(", ")]
    sets = [b[1][4:] for b in picked if b[1].startswith("set ")]
    conds = [f"industry in {s}" for s in sets] + ([f"industry in {ind(*codes)}"] if codes else [])
    ban_cond = conds[0] if len(conds) == 1 else "(" + " or ".join(conds) + ")"
    lv.add(
        Clause(n("KJ"), "KJ", f"{pname}新建、扩建、迁建化工项目须进入依法合规设立并经规划环评的化工园区，园区外不得新建化工项目。",
               "nature in [新建, 扩建, 迁建] and industry in 化工", "require within(化工园区)",
               [("exemption == 国家重大战略项目", "国家重大战略项目须经省级主管部门论证认定")]),
        Clause(n("KJ"), "KJ", f"{pname}不再新建、扩建{ban_names}项目。",
               f"nature in [新建, 扩建] and {ban_cond}", "forbid"),
        Clause(n("WR"), "WR", f"{pname}新增挥发性有机物排放的建设项目，实行区域内{'二倍' if k == 2 else '等量'}削减量替代。",
               "increase(VOCs) > 0", f"require offset(VOCs) >= {k} * increase(VOCs)" if k != 1 else "require offset(VOCs) >= increase(VOCs)"),
        Clause(n("WR"), "WR", f"{pname}新建工业项目生产废水须经预处理后接入城镇或园区集中污水处理设施，不得直排。",
               "nature == 新建 and industry in [C]", "require wastewater_to_plant"),
        Clause(n("WR"), "WR", f"{pname}钢铁、火电、水泥、焦化等重点行业新建项目执行大气污染物特别排放限值或超低排放要求。",
               "nature in [新建, 扩建] and industry in 两高", review("核实特别排放限值及超低排放技术路线")),
        Clause(n("FX"), "FX", f"{pname}构成危险化学品重大危险源的建设项目，不得在饮用水水源保护区边界{d}米范围内建设。",
               f"major_hazard and distance(饮用水水源保护区) < {d} m", "forbid"),
        Clause(n("FX"), "FX", f"{pname}涉及液氯、液氨、光气等有毒气体的建设项目须位于化工园区内，并设置有毒有害气体泄漏监测预警系统。",
               "hazardous_storage in 有毒气体", "require within(化工园区)"),
        Clause(n("ZY"), "ZY", f"{pname}禁止新建每小时{t}蒸吨以下的燃煤锅炉。",
               f"coal_boiler_t_h > 0 t/h and coal_boiler_t_h < {t} {'蒸吨/小时' if t % 20 else 't/h'}", "forbid"),
        Clause(n("ZY"), "ZY", f"{pname}新建工业项目单位工业增加值综合能耗原则上不高于{fmt(e)}吨标准煤/万元。",
               "nature == 新建 and industry in [C]", f"limit energy_intensity <= {fmt(e)} tce/万元"),
        Clause(n("ZY"), "ZY", f"{pname}年综合能源消费量{fmt(q)}万吨标准煤以上的项目，须落实能耗替代来源并通过节能审查。",
               f"nature in [新建, 扩建] and energy_use >= {fmt(q)} 万tce/a", review("须核实能耗替代来源及节能审查意见")),
    )
    if pp in COASTAL:
        lv.add(Clause(n("KJ"), "KJ", f"{pname}严格管控围填海，除国家重大项目外，禁止新增围填海。",
                      "sea_reclamation", "forbid", [("exemption == 国家重大战略项目", "须取得国务院批准文件")]))
    if pp in YANGTZE_BELT:
        lv.add(Clause(n("FX"), "FX", f"{pname}长江干支流岸线五公里范围内新建涉危险化学品项目，须开展环境风险专项论证。",
                      "nature == 新建 and hazardous_storage in 危险化学品 and distance(长江) < 5 km",
                      review("须提交沿江环境风险专项论证")))
    if pp in YELLOW:
        lv.add(Clause(n("KJ"), "KJ", f"{pname}禁止在黄河干支流岸线管控范围（一公里）内新建、扩建化工园区和化工项目。",
                      "nature in [新建, 扩建] and industry in 化工 and distance(黄河) < 1 km", "forbid"))
    if pp in NORTH_HEATING:
        lv.add(Clause(n("ZY"), "ZY", f"{pname}新建集中供热项目优先使用清洁能源，禁止新建燃煤分散供热设施。",
                      "nature == 新建 and industry in [D4430] and fuel == 煤", "forbid",
                      [("coal_boiler_t_h >= 65 t/h", "大型燃煤集中供热须核实超低排放与煤炭消费减量替代")]))
    if pp in HEAVY_METAL:
        lv.add(Clause(n("WR"), "WR", f"{pname}重点重金属污染物排放实行“减量置换”，新增排放按1.2倍削减替代。",
                      "increase(重金属) > 0", "require offset(重金属) >= 1.2 * increase(重金属)"))
    if pp in COAL_BASE:
        lv.add(Clause(n("ZY"), "ZY", f"{pname}新建煤制油、煤制气等现代煤化工项目须开展水资源论证，严禁挤占生态用水。",
                      "industry in [C2522, C2523]", review("须取得水资源论证及用水总量指标")))
    if pp in KEY_AIR:
        lv.add(Clause(n("KJ"), "KJ", f"{pname}禁止新增钢铁、焦化、铸造、水泥和平板玻璃产能。",
                      "nature in [新建, 扩建] and industry in 京津冀禁增", "forbid",
                      [("capacity_replacement", "须核实产能减量置换方案及其公示")]))
    if pp in LIVESTOCK:
        m = hpick([300, 500, 1000], "p-livestock", pp)
        lv.add(Clause(n("WR"), "WR", f"{pname}存栏生猪当量{m}头以上的规模化畜禽养殖场，应配套建设粪污处理和资源化利用设施。",
                      f"industry in 畜禽养殖 and livestock_units >= {m}", review("核实粪污处理与资源化利用设施")))

    # provincial requirements by unit type
    yx = Level(f"{pname}优先保护单元管控要求", [("province", pp), ("type", "优先保护")], "province-type")
    a = hpick([15, 30, 50], "p-yx-area", pp)
    yx.add(
        Clause(f"P{pp}-YX-01", "KJ", f"{pname}优先保护单元内禁止新建、扩建工业项目，现有工业企业逐步退出。",
               "nature in [新建, 扩建] and industry in [B, C]", "forbid",
               [("exemption in [国家重大战略项目, 民生基础设施]", EXEMPT_REVIEW)]),
        Clause(f"P{pp}-YX-02", "KJ", f"{pname}优先保护单元内新建旅游服务设施须严格控制规模，单个项目占地不超过{a}亩。",
               "nature == 新建 and industry in [H61, N786]", f"limit site_area() <= {a} 亩"),
    )
    zd = Level(f"{pname}重点管控单元管控要求", [("province", pp), ("type", "重点管控")], "province-type")
    r = hpick([20, 30, 50], "p-zd-ratio", pp)
    zd.add(
        Clause(f"P{pp}-ZD-01", "KJ", f"{pname}重点管控单元内新建项目须符合所在园区产业定位及规划环评结论和审查意见。",
               "nature == 新建 and in_park", review("核实产业定位及规划环评符合性")),
        Clause(f"P{pp}-ZD-02", "WR", f"{pname}重点管控单元内改建、技术改造项目须“以新带老”，新增挥发性有机物排放量不超过改造后排放总量的{r}%。",
               "nature in [改建, 技术改造] and increase(VOCs) > 0", f"limit increase(VOCs) / total(VOCs) <= {r} %"),
    )
    yb = Level(f"{pname}一般管控单元管控要求", [("province", pp), ("type", "一般管控")], "province-type")
    yb.add(
        Clause(f"P{pp}-YB-01", "KJ", f"{pname}一般管控单元内，园区外禁止新建、扩建印染、制革、造纸、电镀等重污染项目。",
               "nature in [新建, 扩建] and industry in 重污染 and not in_park", "forbid"),
        Clause(f"P{pp}-YB-02", "ZY", f"{pname}一般管控单元内严格控制地下水开采，地下水超采区禁止新增取水。",
               "groundwater_intake", review("核实取水许可及是否位于地下水超采区")),
    )
    return [lv, yx, zd, yb]


def basin_levels():
    L = []
    cj = Level("长江流域管控要求", [("basin", "长江流域")], "basin")
    cj.add(
        Clause("CJ-KJ-01", "KJ", "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目。",
               "nature in [新建, 扩建] and industry in 化工 and distance(长江) < 1 km", "forbid"),
        Clause("CJ-KJ-02", "KJ", "禁止在长江干流岸线三公里范围内和重要支流岸线一公里范围内新建、改建、扩建尾矿库；以提升安全、生态环境保护水平为目的的改建除外。",
               "nature in [新建, 改建, 扩建] and tailings_facility and distance(长江) < 3 km", "forbid",
               [("nature == 改建", "须核实改建以提升安全和生态环境保护水平为目的")]),
        Clause("CJ-KJ-03", "KJ", "长江岸线开发利用须符合岸线保护与利用规划，严格控制岸线占用长度。",
               "occupies_shoreline", review("核实岸线保护与利用规划符合性及岸线占用审查意见")),
        Clause("CJ-KJ-04", "KJ", "禁止在长江流域河湖管理范围内非法采砂，采砂须依法取得许可。",
               "sand_mining", review("核实河道采砂许可及采砂规划")),
        Clause("CJ-KJ-05", "KJ", "占用长江岸线超过一公里的港口、码头项目，须开展岸线利用专题论证。",
               "occupies_shoreline and shoreline_length > 1 公里", review("须提交岸线利用专题论证")),
        Clause("CJ-WR-01", "WR", "长江流域新增总磷排放的建设项目，实行总磷排放等量削减替代。",
               "increase(总磷) > 0", "require offset(总磷) >= increase(总磷)"),
        Clause("CJ-FX-01", "FX", "沿江化工及涉危险化学品企业应建设事故废水收集与应急储存设施，严防事故废水进入长江。",
               "industry in 化工 and distance(长江) < 5 km", review("核实事故废水三级防控体系建设情况")),
        Clause("CJ-ZY-01", "ZY", "严格控制长江流域用水总量，新建、扩建项目用水效率应达到国内先进水平。",
               "nature in [新建, 扩建] and water_use >= 100000 m3/a", review("用水效率及再生水利用方案须人工核查")),
    )
    L.append(cj)
    hh = Level("黄河流域管控要求", [("basin", "黄河流域")], "basin")
    hh.add(
        Clause("HH-KJ-01", "KJ", "禁止在黄河干支流岸线管控范围内新建、扩建化工园区和化工项目。",
               "nature in [新建, 扩建] and industry in 化工 and distance(黄河) < 1 km", "forbid"),
        Clause("HH-KJ-02", "KJ", "黄河流域严格限制新建、扩建高耗水、高污染、高耗能项目。",
               "nature in [新建, 扩建] and industry in 高耗水 and industry in 两高", review("须论证水资源承载能力及能耗替代来源")),
        Clause("HH-WR-01", "WR", "黄河流域新增化学需氧量、氨氮排放的项目，实行1.5倍削减替代。",
               "increase(COD) > 0 or increase(氨氮) > 0", "require offset(COD) >= 1.5 * increase(COD) and offset(氨氮) >= 1.5 * increase(氨氮)"),
        Clause("HH-FX-01", "FX", "黄河干流沿岸三公里范围内尾矿库、渣场等须落实防渗和防洪措施。",
               "tailings_facility and distance(黄河) < 3 km", review("核实防渗、防洪及闭库方案")),
        Clause("HH-ZY-01", "ZY", "黄河流域以水定城、以水定产，年新鲜水用量二十万立方米以上的项目须取得用水总量指标。",
               "water_use >= 20 万m3/a", review("须取得区域用水总量指标")),
        Clause("HH-ZY-02", "ZY", "黄河流域水土流失重点防治区内占地超过五十公顷的项目须编制水土保持方案。",
               "site_area() > 50 公顷", review("须取得水土保持方案批复")),
    )
    L.append(hh)
    hu = Level("淮河流域管控要求", [("basin", "淮河流域")], "basin")
    hu.add(
        Clause("HUAI-KJ-01", "KJ", "淮河流域禁止新建化学制浆造纸、制革、化工、印染、电镀、酿造等污染严重的小型企业。",
               "nature == 新建 and industry in 淮河禁止 and investment < 5000 万元", "forbid"),
        Clause("HUAI-WR-01", "WR", "淮河流域新增化学需氧量、氨氮排放的项目，实行等量削减替代。",
               "increase(COD) > 0 or increase(氨氮) > 0", "require offset(COD) >= increase(COD) and offset(氨氮) >= increase(氨氮)"),
        Clause("HUAI-WR-02", "WR", "淮河干流及主要支流沿岸禁止新设工业排污口。",
               "new_outfall and distance(淮河) < 2 km", "forbid"),
        Clause("HUAI-FX-01", "FX", "淮河流域涉水企业应建设事故应急池，防范突发水污染事件。",
               "industry in 化工 or industry in 印染", review("核实事故应急池容积及切换设施")),
        Clause("HUAI-ZY-01", "ZY", "淮河流域新建、扩建项目水重复利用率应达到行业先进水平。",
               "nature in [新建, 扩建] and water_use >= 300 m3/d", review("核实水重复利用方案")),
        Clause("HUAI-ZY-02", "ZY", "淮河流域地下水超采区内禁止新增工业取用地下水。",
               "groundwater_intake and industry in [C]", "forbid",
               [("exemption == 民生基础设施", "须核实应急供水或民生用水情形")]),
    )
    L.append(hu)
    hai = Level("海河流域管控要求", [("basin", "海河流域")], "basin")
    hai.add(
        Clause("HAI-KJ-01", "KJ", "海河流域严格控制新建高耗水项目，地下水超采区内禁止新建、扩建高耗水项目。",
               "nature in [新建, 扩建] and industry in 高耗水 and groundwater_intake", "forbid"),
        Clause("HAI-WR-01", "WR", "海河流域新增总氮排放的建设项目，实行等量削减替代。",
               "increase(总氮) > 0", "require offset(总氮) >= increase(总氮)"),
        Clause("HAI-FX-01", "FX", "海河流域涉危险化学品仓储项目应落实防渗及地下水监测措施。",
               "industry in 危化品仓储", review("核实防渗等级及地下水监测井布设")),
        Clause("HAI-ZY-01", "ZY", "海河流域新建工业项目应优先使用再生水，年取新水量十万立方米以上的须论证再生水利用可行性。",
               "nature == 新建 and industry in [C] and water_use >= 10 万m3/a", review("须论证再生水利用可行性")),
        Clause("HAI-ZY-02", "ZY", "海河流域地下水超采区禁止新增地下水开采。",
               "groundwater_intake", "forbid", [("exemption == 民生基础设施", "须核实应急供水或民生用水情形")]),
        Clause("HAI-KJ-02", "KJ", "大清河、子牙河等河流沿岸禁止新建、扩建排放重金属的项目。",
               "nature in [新建, 扩建] and increase(重金属) > 0", "forbid"),
    )
    L.append(hai)
    zj = Level("珠江流域管控要求", [("basin", "珠江流域")], "basin")
    zj.add(
        Clause("ZJ-KJ-01", "KJ", "珠江干流及西江、北江、东江沿岸一公里范围内禁止新建、扩建化工园区和化工项目。",
               "nature in [新建, 扩建] and industry in 化工 and distance(珠江) < 1 km", "forbid"),
        Clause("ZJ-KJ-02", "KJ", "东江、西江等重要饮用水源河段上游禁止新建、扩建涉重金属排放项目。",
               "nature in [新建, 扩建] and industry in 涉重金属 and distance(珠江) < 5 km", "forbid"),
        Clause("ZJ-WR-01", "WR", "珠江流域新增总磷、总氮排放的项目，实行等量削减替代。",
               "increase(总磷) > 0 or increase(总氮) > 0", "require offset(总磷) >= increase(总磷) and offset(总氮) >= increase(总氮)"),
        Clause("ZJ-FX-01", "FX", "珠江流域有色金属矿采选和冶炼企业应建设尾矿库和渣库渗滤液收集处理设施。",
               "industry in 涉重金属 or tailings_facility", review("核实渗滤液收集处理及地下水监测")),
        Clause("ZJ-ZY-01", "ZY", "珠江流域新建小水电站原则上不予准入，确需建设的须保障生态流量。",
               "nature == 新建 and industry in [D4413] and installed_capacity < 50 MW", "forbid",
               [("exemption == 民生基础设施", "须论证无电地区供电等民生需要及生态流量保障")]),
        Clause("ZJ-ZY-02", "ZY", "珠江三角洲地区新建项目单位工业增加值综合能耗不高于0.3吨标准煤/万元。",
               "nature == 新建 and industry in [C] and within(工业园区)", "limit energy_intensity <= 0.3 吨标准煤/万元"),
    )
    L.append(zj)
    sh = Level("松花江流域管控要求", [("basin", "松花江流域")], "basin")
    sh.add(
        Clause("SH-KJ-01", "KJ", "松花江干流及嫩江、第二松花江沿岸一公里范围内禁止新建、扩建化工项目。",
               "nature in [新建, 扩建] and industry in 化工 and distance(松花江) < 1 km", "forbid"),
        Clause("SH-KJ-02", "KJ", "黑土地保护范围内占用耕地超过三百亩的建设项目须开展黑土层剥离利用论证。",
               "site_area() > 300 亩", review("须提交黑土层剥离再利用方案")),
        Clause("SH-WR-01", "WR", "松花江流域新增化学需氧量排放的项目，实行等量削减替代。",
               "increase(COD) > 0", "require offset(COD) >= increase(COD)"),
        Clause("SH-FX-01", "FX", "沿江化工企业应建设事故废水应急池，冬季冰封期须落实应急处置措施。",
               "industry in 化工 and distance(松花江) < 10 km", review("核实冰封期突发水污染事件应急方案")),
        Clause("SH-ZY-01", "ZY", "松花江流域新建燃煤锅炉规模不得低于每小时六十五蒸吨。",
               "nature == 新建 and coal_boiler_t_h > 0 t/h", "limit coal_boiler_t_h >= 65 t/h"),
        Clause("SH-ZY-02", "ZY", "松花江流域秸秆综合利用项目优先准入，生物质成型燃料锅炉应配套高效除尘设施。",
               "fuel == 生物质成型燃料", review("核实除尘设施效率")),
    )
    L.append(sh)
    lh = Level("辽河流域管控要求", [("basin", "辽河流域")], "basin")
    lh.add(
        Clause("LH-KJ-01", "KJ", "辽河流域保护区内禁止新建、扩建化学制浆造纸、制革、印染等项目。",
               "nature in [新建, 扩建] and (industry in [C2211, C2212, C191] or industry in 印染)", "forbid"),
        Clause("LH-WR-01", "WR", "辽河流域新增氨氮排放的项目，实行1.5倍削减替代。",
               "increase(氨氮) > 0", "require offset(氨氮) >= 1.5 * increase(氨氮)"),
        Clause("LH-FX-01", "FX", "辽河流域石化、冶金企业应开展地下水污染防控。",
               "industry in [C2511, C31, C32]", review("核实地下水污染防控措施")),
        Clause("LH-ZY-01", "ZY", "辽河流域新建项目工业用水重复利用率不低于90%。",
               "nature == 新建 and industry in [C]", review("核实工业用水重复利用率")),
        Clause("LH-ZY-02", "ZY", "辽河流域禁止新建每小时二十蒸吨以下燃煤锅炉。",
               "coal_boiler_t_h > 0 t/h and coal_boiler_t_h < 20 t/h", "forbid"),
        Clause("LH-KJ-02", "KJ", "辽河干流河道管理范围内禁止新建、扩建畜禽养殖场。",
               "nature in [新建, 扩建] and industry in 畜禽养殖 and livestock_units > 0", review("核实是否位于辽河干流河道管理范围内")),
    )
    L.append(lh)
    se = Level("东南诸河流域管控要求", [("basin", "东南诸河流域")], "basin")
    se.add(
        Clause("SE-KJ-01", "KJ", "钱塘江、闽江等主要河流干流沿岸一公里范围内禁止新建、扩建化工项目。",
               "nature in [新建, 扩建] and industry in 化工 and not within(化工园区)", review("须核实与钱塘江、闽江等干流岸线的距离")),
        Clause("SE-KJ-02", "KJ", "东南诸河流域重要水库集雨区内禁止新建、扩建排放含磷、氮污染物的工业项目。",
               "nature in [新建, 扩建] and industry in [C] and (increase(总磷) > 0 or increase(总氮) > 0)", review("核实是否位于水库集雨区")),
        Clause("SE-WR-01", "WR", "东南诸河流域新增总磷排放的项目，实行二倍削减替代。",
               "increase(总磷) > 0", "require offset(总磷) >= 2 * increase(总磷)"),
        Clause("SE-FX-01", "FX", "沿海石化基地应建设突发环境事件应急物资库，防范溢油和危化品泄漏。",
               "industry in [C2511, C2614] and major_hazard", review("核实应急物资库及溢油应急能力")),
        Clause("SE-ZY-01", "ZY", "东南诸河流域新建小水电站原则上不予准入。",
               "nature == 新建 and industry in [D4413] and installed_capacity < 50000 kW", "forbid"),
        Clause("SE-ZY-02", "ZY", "东南诸河流域新建项目用水量超过每日一千立方米的，须开展节水评价。",
               "water_use > 1000 m3/d", review("须提交节水评价报告")),
    )
    L.append(se)
    xn = Level("西南诸河流域管控要求", [("basin", "西南诸河流域")], "basin")
    xn.add(
        Clause("XN-KJ-01", "KJ", "澜沧江、怒江、雅鲁藏布江干流及重要支流严格控制水电开发，禁止新建小水电。",
               "nature == 新建 and industry in [D4413] and installed_capacity < 50 MW", "forbid"),
        Clause("XN-KJ-02", "KJ", "西南诸河流域重要生态功能区内新建矿产资源开发项目须开展生态影响专项评价。",
               "nature == 新建 and industry in 采矿", review("须提交生态影响专项评价")),
        Clause("XN-WR-01", "WR", "西南诸河流域新增化学需氧量、总磷排放的项目，实行等量削减替代。",
               "increase(COD) > 0 or increase(总磷) > 0", "require offset(COD) >= increase(COD) and offset(总磷) >= increase(总磷)"),
        Clause("XN-FX-01", "FX", "跨境河流沿岸涉危险化学品项目应落实跨境水污染风险防控措施。",
               "hazardous_storage in 危险化学品", review("核实跨境突发水污染事件应急预案")),
        Clause("XN-ZY-01", "ZY", "西南诸河流域新建风电、光伏项目应避让生态保护红线，占地超过一平方公里的须开展生态影响论证。",
               "industry in 新能源 and site_area() > 1 km2", review("核实生态保护红线避让及生态影响论证")),
        Clause("XN-ZY-02", "ZY", "西南诸河流域新建项目用地须避让天然林，占地超过二十公顷的须开展植被恢复方案论证。",
               "nature == 新建 and site_area() > 20 ha", review("须提交植被恢复方案")),
    )
    L.append(xn)
    xb = Level("西北诸河流域管控要求", [("basin", "西北诸河流域")], "basin")
    xb.add(
        Clause("XB-KJ-01", "KJ", "西北内陆河流域严格限制新建高耗水项目，禁止在荒漠绿洲过渡带新建高耗水工业项目。",
               "nature in [新建, 扩建] and industry in 高耗水", review("须论证水资源承载能力及生态用水保障")),
        Clause("XB-KJ-02", "KJ", "西北诸河流域禁止新建、扩建破坏草原植被的采矿项目，确需建设的须同步实施生态修复。",
               "nature in [新建, 扩建] and industry in 采矿 and site_area() > 10 ha", review("须提交草原植被恢复及生态修复方案")),
        Clause("XB-WR-01", "WR", "西北诸河流域新增颗粒物排放的项目，实行等量削减替代。",
               "increase(颗粒物) > 0", "require offset(颗粒物) >= increase(颗粒物)"),
        Clause("XB-FX-01", "FX", "西北诸河流域涉危险化学品项目须落实防渗及地下水污染防控措施。",
               "hazardous_storage in 危险化学品", review("核实防渗及地下水监测措施")),
        Clause("XB-ZY-01", "ZY", "西北诸河流域新建工业项目年取新水量不得超过区域用水总量控制指标，五十万立方米以上的须开展水资源论证。",
               "nature == 新建 and water_use > 500000 m3/a", review("须取得水资源论证审查意见")),
        Clause("XB-ZY-02", "ZY", "西北诸河流域禁止开采深层承压地下水用于工业生产。",
               "groundwater_intake and industry in [C]", "forbid"),
    )
    L.append(xb)
    th = Level("太湖流域管控要求", [("basin", "太湖流域")], "basin")
    th.add(
        Clause("TH-KJ-01", "KJ", "太湖流域保护区内禁止新建、扩建化学制浆造纸、制革、酒精、染料、印染、电镀以及其他排放含磷、氮等污染物的项目。",
               "nature in [新建, 扩建] and (industry in 太湖禁止 or increase(总磷) > 0 or increase(总氮) > 0)", "forbid"),
        Clause("TH-WR-01", "WR", "太湖流域新增化学需氧量、氨氮排放的项目，实行二倍削减替代。",
               "increase(COD) > 0 or increase(氨氮) > 0", "require offset(COD) >= 2 * increase(COD) and offset(氨氮) >= 2 * increase(氨氮)"),
        Clause("TH-WR-02", "WR", "太湖流域禁止新设入湖排污口。",
               "new_outfall", "forbid"),
        Clause("TH-FX-01", "FX", "加强太湖流域入湖河道水环境风险防控，涉水企业应建设雨污分流与初期雨水收集设施。",
               None, review("核实雨污分流及初期雨水收集设施")),
        Clause("TH-ZY-01", "ZY", "太湖流域新建项目单位工业增加值综合能耗不高于0.35吨标准煤/万元。",
               "nature == 新建 and industry in [C]", "limit energy_intensity <= 0.35 tce/万元"),
        Clause("TH-KJ-02", "KJ", "太湖流域一级保护区内禁止新建、扩建畜禽养殖场。",
               "nature in [新建, 扩建] and industry in 畜禽养殖", "forbid"),
    )
    L.append(th)
    dyh = Level("大运河核心监控区管控要求", [("basin", "大运河沿线")], "basin")
    dyh.add(
        Clause("DYH-KJ-01", "KJ", "大运河主河道两岸各二公里核心监控区内，严禁新建、扩建不利于生态环境保护的工业项目。",
               "nature in [新建, 扩建] and (industry in 重污染 or industry in 化工) and distance(京杭大运河) < 2 km", "forbid"),
        Clause("DYH-KJ-02", "KJ", "核心监控区内新建、扩建建设项目须符合大运河文化保护传承利用规划。",
               "nature in [新建, 扩建] and distance(京杭大运河) < 2000 米", review("核实与大运河文化带规划的符合性")),
        Clause("DYH-WR-01", "WR", "大运河沿线禁止新设工业排污口。",
               "new_outfall and industry in [C]", "forbid"),
        Clause("DYH-FX-01", "FX", "大运河沿线危险化学品码头和仓储项目须落实防泄漏和应急措施。",
               "industry in 危化品仓储 or hazardous_storage in [汽油, 柴油, 甲醇, 苯]", review("核实防泄漏及应急处置措施")),
        Clause("DYH-ZY-01", "ZY", "大运河沿线新建项目不得占用河道岸线，确需占用的须开展论证。",
               "occupies_shoreline and distance(京杭大运河) < 500 m", review("须提交岸线占用论证")),
    )
    L.append(dyh)
    djk = Level("丹江口库区及上游（南水北调中线水源区）管控要求", [("basin", "丹江口库区及上游")], "basin")
    djk.add(
        Clause("DJK-KJ-01", "KJ", "水源区内禁止新建、扩建排放含磷、氮等污染物的工业项目。",
               "nature in [新建, 扩建] and industry in [C] and (increase(总磷) > 0 or increase(总氮) > 0)", "forbid"),
        Clause("DJK-KJ-02", "KJ", "水源区内禁止新建、扩建化工、造纸、印染、制革等项目。",
               "nature in [新建, 扩建] and (industry in 化工 or industry in 重污染)", "forbid"),
        Clause("DJK-WR-01", "WR", "水源区内新增化学需氧量、氨氮排放的项目，实行二倍削减替代。",
               "increase(COD) > 0 or increase(氨氮) > 0", "require offset(COD) >= 2 * increase(COD) and offset(氨氮) >= 2 * increase(氨氮)"),
        Clause("DJK-FX-01", "FX", "汉江干流及丹江口水库周边五公里范围内禁止新建尾矿库。",
               "tailings_facility and distance(长江) < 5 km", "forbid"),
        Clause("DJK-ZY-01", "ZY", "水源区内禁止新建燃用高污染燃料的设施。",
               "nature == 新建 and fuel in 高污染燃料", "forbid"),
        Clause("DJK-KJ-03", "KJ", "水源区内规模化畜禽养殖场须配套粪污全量收集利用设施。",
               "industry in 畜禽养殖 and livestock_units >= 200", review("核实粪污全量收集利用设施")),
    )
    L.append(djk)
    # basin by type
    cjzd = Level("长江流域重点管控单元管控要求", [("basin", "长江流域"), ("type", "重点管控")], "basin-type")
    cjzd.add(
        Clause("CJZD-01", "WR", "长江流域重点管控单元内二氧化硫、氮氧化物新增排放量合计实行1.5倍削减替代。",
               "increase(SO2) + increase(NOx) > 0", "require offset(SO2) + offset(NOx) >= 1.5 * (increase(SO2) + increase(NOx))"),
        Clause("CJZD-02", "FX", "长江流域重点管控单元内化工园区应建设园区、企业、水体三级环境风险防控体系。",
               "within(化工园区)", review("核实三级防控体系")),
        Clause("CJZD-03", "KJ", "长江流域重点管控单元内禁止新建、扩建不符合国家石化、现代煤化工等产业布局规划的项目。",
               "nature in [新建, 扩建] and industry in [C2511, C2522, C2523]", review("核实产业布局规划符合性")),
    )
    hhyx = Level("黄河流域优先保护单元管控要求", [("basin", "黄河流域"), ("type", "优先保护")], "basin-type")
    hhyx.add(
        Clause("HHYX-01", "KJ", "黄河流域优先保护单元内禁止新建、扩建破坏水源涵养功能的项目。",
               "nature in [新建, 扩建] and (industry in 采矿 or site_area() > 5 ha)", "forbid",
               [("exemption == 生态保护修复", "须核实项目以水源涵养和生态修复为目的")]),
        Clause("HHYX-02", "ZY", "黄河流域优先保护单元内禁止开采地下水用于生产经营。",
               "groundwater_intake", "forbid"),
    )
    L += [cjzd, hhyx]
    return L


def type_levels():
    yx = Level("优先保护单元通用管控要求", [("type", "优先保护")], "type")
    yx.add(
        Clause("YX-KJ-01", "KJ", "优先保护单元内原则上禁止开发性、生产性建设活动；国家重大战略项目、生态保护修复、必要的民生基础设施和军事国防项目等法律法规允许的情形除外。",
               "nature in [新建, 改建, 扩建, 迁建]", "forbid", [("exemption in 豁免情形", EXEMPT_REVIEW)]),
        Clause("YX-KJ-02", "KJ", "优先保护单元内禁止开采矿产资源。", "industry in [B]", "forbid"),
        Clause("YX-KJ-03", "KJ", "优先保护单元内新建风电、光伏等新能源项目须避让生态保护红线。",
               "nature == 新建 and industry in 新能源", review("核实生态保护红线避让情况")),
        Clause("YX-WR-01", "WR", "优先保护单元内禁止新设入河（湖）排污口。", "new_outfall", "forbid"),
        Clause("YX-FX-01", "FX", "加强生态空间的监测和监管，防范开发建设活动对生态功能的不利影响。", None,
               review("生态影响须结合生态现状调查人工研判")),
        Clause("YX-ZY-01", "ZY", "优先保护单元内禁止毁林开垦，新建农业开发项目占地超过五公顷的须开展生态影响论证。",
               "nature == 新建 and industry in [A01] and site_area() > 5 ha", review("须提交生态影响论证")),
    )
    zd = Level("重点管控单元通用管控要求", [("type", "重点管控")], "type")
    zd.add(
        Clause("ZD-KJ-01", "KJ", "重点管控单元内新建、扩建、迁建工业项目原则上进入合规园区，现有企业原址改建、技术改造的除外。",
               "nature not in [改建, 技术改造] and industry in [C]", "require in_park or within(工业园区)"),
        Clause("ZD-WR-01", "WR", "单元新增二氧化硫排放须纳入单元总量核算，单元新增排放总量控制在一百二十吨/年以内。",
               "increase(SO2) > 0", review("须结合单元现有排放负荷核算剩余容量")),
        Clause("ZD-WR-02", "WR", "重点管控单元内单个项目挥发性有机物排放总量超过一百吨/年的，须开展区域环境影响专题论证。",
               "total(VOCs) > 100 t/a", review("须提交区域VOCs环境影响专题论证")),
        Clause("ZD-FX-01", "FX", "重点管控单元内涉危险化学品的企业应纳入园区环境风险防控体系。",
               "hazardous_storage in 危险化学品", review("核实企业纳入园区风险防控体系情况")),
        Clause("ZD-FX-02", "FX", "重点管控单元内危险废物年产生量较大的项目，须配套建设贮存设施并落实处置去向。",
               "industry in 土壤重点 and eia_category == 报告书", review("核实危险废物贮存设施及处置协议")),
        Clause("ZD-ZY-01", "ZY", "高耗能、高排放项目能效应达到行业标杆水平，燃料不得使用高污染燃料。",
               "nature in [新建, 扩建] and industry in 两高 and fuel != 天然气 and fuel != 电", review("能效水平及燃料结构须人工核查")),
    )
    yb = Level("一般管控单元通用管控要求", [("type", "一般管控")], "type")
    yb.add(
        Clause("YB-KJ-01", "KJ", "一般管控单元内，园区外禁止新建、扩建印染、制革、造纸、电镀等重污染项目。",
               "nature in [新建, 扩建] and industry in 重污染 and not in_park", "forbid"),
        Clause("YB-KJ-02", "KJ", "一般管控单元内新建登记表类以外的工业项目须符合国土空间规划用途管制要求。",
               "nature == 新建 and industry in [C] and eia_category in [报告书, 报告表]", review("核实国土空间规划符合性")),
        Clause("YB-WR-01", "WR", "畜禽养殖废弃物应资源化利用，规模化养殖场应配套粪污处理设施。",
               "industry in 畜禽养殖", review("核实粪污处理与资源化利用设施")),
        Clause("YB-ZY-01", "ZY", "落实最严格水资源管理制度，严格控制地下水开采。",
               "groundwater_intake", review("取用水方案须人工核查")),
        Clause("YB-ZY-02", "ZY", "一般管控单元内禁止新建燃用高污染燃料的中小型燃烧设施（每小时35蒸吨以下）。",
               "nature == 新建 and fuel in 高污染燃料 and coal_boiler_t_h < 35 t/h", "forbid"),
    )
    return [yx, zd, yb]


CITY_TEMPLATES = [
    ("KJ", "{c}高污染燃料禁燃区内禁止新建、扩建燃用煤、重油、渣油、石油焦等高污染燃料的设施。",
     "nature in [新建, 扩建] and fuel in 高污染燃料", "forbid", []),
    ("WR", "{c}新增挥发性有机物排放的项目，应使用低挥发性有机物含量原辅材料并配套高效收集治理设施。",
     "increase(VOCs) > 0", "require low_voc_materials", [("increase(VOCs) < 0.1 t/a", "少量排放须核实源强核算")]),
    ("FX", "{c}饮用水水源保护区上游{d}公里范围内禁止新建、扩建涉重金属排放项目。",
     "nature in [新建, 扩建] and industry in 涉重金属 and distance(饮用水水源保护区) < {d} km", "forbid", []),
    ("ZY", "{c}新建项目单位工业增加值综合能耗须低于全市平均水平（{e}吨标准煤/万元）。",
     "nature == 新建 and industry in [C]", "limit energy_intensity <= {e} tce/万元", []),
    ("KJ", "{c}城市建成区内不再新建、扩建化工、冶炼等项目，现有企业逐步搬迁入园。",
     "nature in [新建, 扩建] and (industry in 化工 or industry in [C31, C32]) and not within(工业园区)", "forbid", []),
    ("ZY", "{c}禁止新建每小时{t}蒸吨以下的燃煤锅炉。",
     "coal_boiler_t_h > 0 t/h and coal_boiler_t_h < {t} t/h", "forbid", []),
    ("WR", "{c}畜禽禁养区内禁止新建规模化畜禽养殖场（存栏生猪当量{m}头以上）。",
     "nature == 新建 and industry in 畜禽养殖 and livestock_units >= {m}", review("核实是否位于畜禽禁养区"), []),
    ("ZY", "{c}总投资一亿元以上的新建工业项目，须开展碳排放影响评价。",
     "nature == 新建 and industry in [C] and investment >= 1 亿元", review("须提交碳排放影响评价"), []),
    ("FX", "{c}危险化学品仓储项目须位于化工园区或危险化学品集中仓储区内。",
     "nature in [新建, 扩建] and industry in 危化品仓储", "require within(化工园区)", []),
]


def city_level(cc, cname):
    k = 2 + int(hrand("c-count", cc) < 0.5)
    picks = hsample(list(range(len(CITY_TEMPLATES))), k, "c-pick", cc)
    lv = Level(f"{cname}总体管控要求", [("city", cc)], "city")
    params = {"c": cname, "d": hpick([2, 3, 5], "c-d", cc), "e": fmt(hpick([0.3, 0.35, 0.4, 0.45, 0.5], "c-e", cc)),
              "t": hpick([10, 20, 35], "c-t", cc), "m": hpick([200, 300, 500], "c-m", cc)}
    for i, p in enumerate(picks, 1):
        dim, text, when, effect, unless = CITY_TEMPLATES[p]
        lv.add(Clause(f"C{cc}-{i:02d}", dim, text.format(**params), when.format(**params), effect.format(**params), unless))
    return lv


def district_level(dd, dname):
    lv = Level(f"{dname}（中心城区）管控要求", [("district", dd)], "district")
    lv.add(
        Clause(f"D{dd}-01", "KJ", f"{dname}中心城区内禁止新建、扩建排放恶臭污染物的屠宰、有机肥、垃圾处理等项目。",
               "nature in [新建, 扩建] and industry in [C1351, C1352, C2625, N7723]", "forbid"),
        Clause(f"D{dd}-02", "WR", f"{dname}禁止在居民住宅楼、未配套设立专用烟道的商住综合楼新建产生油烟的餐饮服务项目。",
               "nature == 新建 and industry in [H62]", review("核实专用烟道及油烟净化设施")),
    )
    return lv


# ---- unit-specific clauses ("一单元一策略") --------------------------------------------------

BAN_POOL = {
    "重点管控": [("C2631", "化学农药原药"), ("C1910", "皮革鞣制"), ("C2211", "木竹浆"), ("C2521", "炼焦"),
             ("C3110", "炼铁"), ("C3011", "水泥熟料"), ("C3041", "平板玻璃"), ("C3212", "铅锌冶炼"),
             ("C3843", "铅蓄电池"), ("C2645", "染料"), ("C1713", "棉印染精加工"), ("C3360", "电镀"),
             ("C2710", "化学药品原料药"), ("C2671", "炸药及火工产品"), ("C4210", "金属废料和碎屑加工处理")],
    "一般管控": [("C1351", "牲畜屠宰"), ("C2625", "有机肥料"), ("C3031", "粘土砖瓦"), ("C2221", "机制纸及纸板"),
             ("C1340", "制糖"), ("C2652", "合成橡胶"), ("C3391", "黑色金属铸造"), ("C2614", "有机化学原料"),
             ("C1511", "酒精"), ("C3216", "铝冶炼")],
    "优先保护": [("H611", "旅游饭店"), ("A0313", "生猪养殖"), ("B101", "土砂石开采"), ("C2021", "胶合板"),
             ("D4413", "水力发电"), ("E4812", "公路工程（新增穿越）"), ("C3031", "粘土砖瓦")],
}
MINERALS = [("B0610", "煤炭"), ("B0810", "铁矿"), ("B0911", "铜矿"), ("B0912", "铅锌矿"), ("B0921", "金矿"),
            ("B0932", "稀土"), ("B101", "土砂石"), ("B0931", "钨钼矿")]
CHEMICALS = ["液氯", "液氨", "光气", "硫化氢", "硝酸铵", "苯"]


def unit_templates(u, key):
    """Each template returns (dim, text, when, effect, unless)."""
    r = lambda tag: hrand(key, tag)
    pk = lambda seq, tag: hpick(seq, key, tag)

    def t_ban():
        code, nm = pk(BAN_POOL[u.type], "ban")
        return ("KJ", f"单元内禁止新建、扩建{nm}项目。", f"nature in [新建, 扩建] and industry in {ind(code)}", "forbid", [])

    def t_voc_review():
        n = pk([1, 2, 5, 10, 20], "voc")
        return ("WR", f"单个项目新增挥发性有机物排放量超过{n}吨/年的，须开展区域削减可行性论证。",
                f"increase(VOCs) > {n} t/a", review("须提交区域VOCs削减可行性论证"), [])

    def t_energy():
        e = pk([0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6], "energy")
        return ("ZY", f"新建项目单位工业增加值综合能耗不高于{fmt(e)}吨标准煤/万元。", "nature == 新建 and industry in [C]",
                f"limit energy_intensity <= {fmt(e)} tce/万元", [])

    def t_park():
        return ("KJ", "新建工业项目须入驻单元内工业园区规划范围。", "nature == 新建 and industry in [C]",
                "require in_park or within(工业园区)", [("nature == 技术改造", None)])

    def t_outfall():
        return ("WR", "单元内禁止新设入河（湖）排污口。", "new_outfall", "forbid", [])

    def t_cod():
        k = pk([1.2, 1.5, 2], "cod")
        return ("WR", f"新增化学需氧量排放实行{fmt(k)}倍削减替代。", "increase(COD) > 0",
                f"require offset(COD) >= {fmt(k)} * increase(COD)", [])

    def t_boiler():
        t = pk([10, 20, 35], "boiler")
        return ("ZY", f"单元内禁止新建每小时{t}蒸吨以下燃煤锅炉。",
                f"coal_boiler_t_h > 0 t/h and coal_boiler_t_h < {t} 蒸吨/小时", "forbid", [])

    def t_water():
        if r("water-unit") < 0.5:
            w = pk([50000, 100000, 200000], "water")
            return ("ZY", f"年新鲜水用量超过{w}立方米的项目，须开展水资源论证。", f"water_use > {w} m3/a",
                    review("须提交水资源论证报告"), [])
        w = pk([200, 500, 1000], "water")
        return ("ZY", f"日用水量超过{w}立方米的项目，须开展节水评价。", f"water_use > {w} m3/d",
                review("须提交节水评价"), [])

    def t_mining():
        code, nm = pk(MINERALS, "mineral")
        return ("KJ", f"单元内禁止开采{nm}。", f"industry in {ind(code)}", "forbid",
                [("exemption == 国家重大战略项目", "须取得国家战略性矿产资源开发论证意见")])

    def t_hazard_distance():
        d = pk([300, 500, 800, 1000], "hazd")
        return ("FX", f"构成重大危险源的项目与饮用水水源保护区边界距离不得小于{d}米。",
                f"major_hazard and distance(饮用水水源保护区) < {d} m", "forbid", [])

    def t_area():
        if r("area-unit") < 0.5:
            a = pk([5, 10, 20, 50], "area")
            return ("KJ", f"占地面积超过{a}公顷的新建项目，须开展生态影响专题论证。",
                    f"nature == 新建 and site_area() > {a} ha", review("须提交生态影响专题论证"), [])
        a = pk([50, 100, 300], "area")
        return ("KJ", f"占地面积超过{a}亩的新建项目，须开展节约集约用地论证。",
                f"nature == 新建 and site_area() > {a} 亩", review("须提交节约集约用地论证"), [])

    def t_pm_total():
        n = pk([5, 10, 20, 50], "pm")
        return ("WR", f"单个工业项目颗粒物排放总量不超过{n}吨/年。", "industry in [C] and known(颗粒物)",
                f"limit total(颗粒物) <= {n} t/a", [])

    def t_chem():
        c = pk(CHEMICALS, "chem")
        return ("FX", f"单元内禁止新建储存{c}的项目。", f"nature == 新建 and hazardous_storage contains {c}", "forbid",
                [("within(化工园区)", "化工园区内项目须核实园区风险防控能力")])

    def t_livestock():
        m = pk([100, 200, 500, 1000], "ls")
        return ("KJ", f"单元内禁止新建、扩建存栏生猪当量{m}头以上的规模化畜禽养殖场。",
                f"nature in [新建, 扩建] and industry in 畜禽养殖 and livestock_units >= {m}", "forbid", [])

    def t_wastewater():
        return ("WR", "新建项目生产废水须接入集中污水处理设施。", "nature == 新建 and industry in [C]",
                "require wastewater_to_plant", [])

    def t_so2nox():
        k = pk([1.5, 2], "sn")
        return ("WR", f"二氧化硫、氮氧化物新增排放量合计实行{fmt(k)}倍削减替代。",
                "increase(SO2) + increase(NOx) > 0",
                f"require offset(SO2) + offset(NOx) >= {fmt(k)} * (increase(SO2) + increase(NOx))", [])

    def t_net():
        n = pk([0.5, 1, 2], "net")
        return ("WR", f"单元内新增颗粒物排放量扣除区域削减替代量后，净增量不超过{fmt(n)}吨/年。",
                "increase(颗粒物) > 0", f"limit increase(颗粒物) - offset(颗粒物) <= {fmt(n)} t/a", [])

    def t_heavy_metal():
        n = pk([5, 10, 50], "hm")
        return ("WR", f"新增重点重金属污染物排放量超过{n}千克/年的项目，须在县域内落实减量替代来源。",
                f"increase(重金属) > {n} kg/a", review("须核实县域重金属减量替代来源"), [])

    def t_tailings():
        return ("FX", "单元内禁止新建、扩建尾矿库和危险废物处置场。",
                "nature in [新建, 扩建] and (tailings_facility or industry in [N7724])", "forbid", [])

    by_type = {
        "重点管控": [t_ban, t_voc_review, t_energy, t_park, t_cod, t_boiler, t_water, t_hazard_distance,
                 t_pm_total, t_chem, t_wastewater, t_so2nox, t_net, t_heavy_metal],
        "一般管控": [t_ban, t_energy, t_cod, t_boiler, t_water, t_hazard_distance, t_area, t_livestock,
                 t_wastewater, t_voc_review, t_net],
        "优先保护": [t_ban, t_outfall, t_mining, t_area, t_livestock, t_tailings, t_water, t_hazard_distance],
    }
    return by_type[u.type]


def unit_level(u):
    key = ("u", u.code)
    temps = unit_templates(u, key)
    picks = hsample(temps, 2, *key, "pick")
    lv = Level(f"{u.name}（{u.code}）", [("units", u.code)], "units")
    for i, t in enumerate(picks, 1):
        dim, text, when, effect, unless = t()
        lv.add(Clause(f"U-{u.code}-{i}", dim, text, when, effect, unless))
    return lv


# ------------------------------------------------------------------------------------------
# header
# ------------------------------------------------------------------------------------------

FACTS = [
    ("coal_boiler_t_h", "number t/h", "新建燃煤锅炉规模（蒸吨/小时，无则填 0）"),
    ("fuel", "enum [煤, 重油, 渣油, 石油焦, 天然气, 电, 生物质成型燃料, 无]", "主要燃料"),
    ("energy_intensity", "number tce/万元", "单位工业增加值综合能耗"),
    ("energy_use", "number tce/a", "年综合能源消费量"),
    ("water_use", "number m3/a", "年新鲜水用量"),
    ("investment", "number 万元", "项目总投资"),
    ("installed_capacity", "number MW", "发电装机容量"),
    ("shoreline_length", "number m", "占用岸线长度"),
    ("sensitive_distance", "number m", "与最近居民区等环境敏感目标的距离"),
    ("livestock_units", "number", "存栏生猪当量（头）"),
    ("wastewater_to_plant", "bool", "生产废水接入集中污水处理厂"),
    ("new_outfall", "bool", "新设入河（湖、海）排污口"),
    ("major_hazard", "bool", "构成危险化学品重大危险源"),
    ("hazardous_storage", "set [液氯, 液氨, 光气, 硫化氢, 氢气, 甲醇, 苯, 硝酸铵, 汽油, 柴油, 无]", "储存的危险化学品"),
    ("occupies_shoreline", "bool", "占用河流、湖泊岸线"),
    ("sand_mining", "bool", "涉及河道采砂"),
    ("groundwater_intake", "bool", "开采地下水"),
    ("tailings_facility", "bool", "建设尾矿库、冶炼渣库或磷石膏库"),
    ("in_redline", "bool", "占用生态保护红线"),
    ("capacity_replacement", "bool", "已落实产能等量或减量置换方案"),
    ("sea_reclamation", "bool", "涉及围填海"),
    ("low_voc_materials", "bool", "使用低挥发性有机物含量原辅材料"),
    ("eia_category", "enum [报告书, 报告表, 登记表]", "环评文件类别"),
    ("exemption", "enum [无, 国家重大战略项目, 生态保护修复, 民生基础设施, 军事国防]", "申报的豁免情形"),
]
POLLUTANTS = ["SO2", "NOx", "颗粒物", "VOCs", "COD", "氨氮", "总磷", "总氮", "重金属"]


def header_text(layer_files):
    out = [
        "# 全国生态环境分区管控准入清单（示例）",
        "#",
        "# Generated by scripts/make_national_rules.py; do not edit by hand, regenerate instead.",
        "# An illustrative national access list on the shared national units (42,158 units cut from",
        "# real county boundaries; not the official zoning). Rivers, basins, the Grand Canal, water-source",
        "# zones and parks are illustrative layers drawn by the script (see data/, every feature has a note).",
        "",
        'ruleset "全国生态环境分区管控准入清单（示例）" {',
        '  version    "2024.1"',
        '  issuer     "生态环境部（示例，非官方）"',
        "  effective  2024-07-01",
        '  supersedes "2021.1"',
        "}",
        "",
        "# ---- layers: the unit layer is the shared national set, referenced, not copied -----------",
        f'layer 管控单元 = units "{UNITS_REF}" code="code" name="name" type="type" admin="admin_code"',
    ]
    for name, rel in layer_files:
        out.append(f'layer {name} = features "{rel}" name="name"')
    out += ["", "# ---- facts a project states (besides nature, industry, in_park and emissions) ------------"]
    w = max(len(f[0]) for f in FACTS)
    for name, ty, label in FACTS:
        out.append(f'fact {name.ljust(w)} : {ty} "{label}"')
    out += ["", "pollutants [" + ", ".join(POLLUTANTS) + "]", "",
            "# ---- named sets: industry sets (GB/T 4754-2017; a code covers every code below it) -----"]
    for name, codes in INDUSTRY_SETS.items():
        out.append(f"set {name} = {ind(*codes)}")
    out += ["", "# ---- named sets of fact values ----------------------------------------------------------"]
    for name, vals in VALUE_SETS.items():
        out.append(f"set {name} = [" + ", ".join(vals) + "]")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units-limit", type=int, default=None,
                    help="emit unit-specific levels for the first N units only")
    ap.add_argument("--single-units-file", action="store_true",
                    help="write all unit lists to one 90-units.zc (about 22 MB; the parser's limit is 8 MiB)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--units", default=DEFAULT_UNITS, help="the shared national units (.geojson.gz)")
    a = ap.parse_args()
    t0 = time.time()
    out = a.out
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    # Remove files this script wrote before, so that a renamed layer leaves nothing stale.
    for d in (out, data):
        for f in os.listdir(d):
            if f.endswith((".zc", ".geojson")):
                os.remove(os.path.join(d, f))

    units = load_units(a.units)
    cities = city_names(units)
    districts = district_names(units, cities)

    # ---- feature layers ----------------------------------------------------------------
    layer_files = []  # (layer name, path relative to the rule files)

    for lname, (fname, feats) in RIVERS.items():
        write_fc(os.path.join(data, fname), f"{lname}（示例）", [
            feature({"name": fn}, {"type": "LineString", "coordinates": lst(pts)}) for fn, pts in feats])
        layer_files.append((lname, f"data/{fname}"))
    write_fc(os.path.join(data, "river-grand-canal.geojson"), "京杭大运河（示例）", [
        feature({"name": "京杭大运河（示例）"}, {"type": "LineString", "coordinates": lst(GRAND_CANAL)})])
    layer_files.append(("京杭大运河", "data/river-grand-canal.geojson"))

    basins = []  # (layer, short, rings list-of-polygons)
    for lname, short, fname, fn, pieces in MAJOR_BASINS:
        ring = path(*pieces)
        check_simple(lname, ring)
        polys = [[ring]]
        if short == "ZJ":
            hn = HAINAN + [HAINAN[0]]
            check_simple("海南岛", hn)
            polys.append([hn])
        geom = ({"type": "Polygon", "coordinates": [lst(ring)]} if len(polys) == 1 else
                {"type": "MultiPolygon", "coordinates": [[lst(p[0])] for p in polys]})
        write_fc(os.path.join(data, fname), f"{lname}（示例）", [feature({"name": fn}, geom)])
        layer_files.append((lname, f"data/{fname}"))
        basins.append((lname, short, polys))
    canal_ring = buffer_line(GRAND_CANAL, 0.05)
    check_simple("大运河沿线", canal_ring)
    for lname, short, fname, fn, ring in [
        ("太湖流域", "TH", "basin-taihu.geojson", "太湖流域（示例轮廓）", TAIHU),
        ("大运河沿线", "DYH", "region-grand-canal.geojson", "大运河沿线区域（主河道两侧约5公里，示例）", canal_ring),
        ("丹江口库区及上游", "DJK", "region-danjiangkou.geojson", "丹江口库区及上游（南水北调中线水源区，示例轮廓）", DANJIANGKOU),
    ]:
        check_simple(lname, ring)
        write_fc(os.path.join(data, fname), f"{lname}（示例）",
                 [feature({"name": fn}, {"type": "Polygon", "coordinates": [lst(ring)]})])
        layer_files.append((lname, f"data/{fname}"))
        basins.append((lname, short, [[ring]]))

    # basin membership, approximated by each unit's bounding-box centre
    for lname, short, polys in basins:
        xs = [p[0] for poly in polys for p in poly[0]]
        ys = [p[1] for poly in polys for p in poly[0]]
        bx = (min(xs), min(ys), max(xs), max(ys))
        for u in units:
            cx, cy = (u.bbox[0] + u.bbox[2]) / 2, (u.bbox[1] + u.bbox[3]) / 2
            if bx[0] <= cx <= bx[2] and bx[1] <= cy <= bx[3] and any(in_polygon(cx, cy, poly) for poly in polys):
                u.basins.append(lname)

    # drinking-water protection zones: 3,000 small rectangles inside pseudo-random units
    ws = hsample(units, 3000, "water-source")
    wfeats = []
    for i, u in enumerate(ws, 1):
        cx, cy = representative_point(u.polys)
        w = 0.5 + 1.5 * hrand("ws-w", u.code)
        h = 0.5 + 1.5 * hrand("ws-h", u.code)
        grade = "一级" if hrand("ws-g", u.code) < 0.4 else "二级"
        wfeats.append(feature({"name": f"{u.place}饮用水水源{grade}保护区（示例{i}）", "grade": grade, "unit": u.code},
                              {"type": "Polygon", "coordinates": [square(cx, cy, w, h)]}))
    write_fc(os.path.join(data, "water-sources.geojson"), "饮用水水源保护区（示例）", wfeats)
    layer_files.append(("饮用水水源保护区", "data/water-sources.geojson"))

    # industrial parks in key-control units; every ninth one is a chemical park
    key_units = [u for u in units if u.type == "重点管控"]
    parks = hsample(key_units, 1800, "parks")
    pfeats, cfeats = [], []
    for i, u in enumerate(parks, 1):
        cx, cy = representative_point(u.polys)
        chem = hrand("chem-park", u.code) < 1 / 9
        kind = "化工园区" if chem else "工业园区"
        poly = blob(cx, cy, 1.0 + 2.0 * hrand("park-r", u.code), 8 + int(4 * hrand("park-n", u.code)), ("park", u.code))
        ft = feature({"name": f"{u.place}示例{kind}（{i}）", "kind": kind, "unit": u.code},
                     {"type": "Polygon", "coordinates": [poly]})
        pfeats.append(ft)
        if chem:
            cfeats.append(ft)
    write_fc(os.path.join(data, "industrial-parks.geojson"), "工业园区（示例）", pfeats)
    write_fc(os.path.join(data, "chemical-parks.geojson"), "化工园区（示例）", cfeats)
    layer_files.append(("工业园区", "data/industrial-parks.geojson"))
    layer_files.append(("化工园区", "data/chemical-parks.geojson"))

    # ---- levels ------------------------------------------------------------------------
    with open(os.path.join(out, "00-header.zc"), "w", encoding="utf-8") as f:
        f.write(header_text(layer_files))

    files = []  # (file name, comment, levels)
    files.append(("10-national.zc", "全国总体管控要求（示例）", [national_level()]))
    provs = sorted({u.admin[:2] for u in units})
    plevels = []
    for pp in provs:
        plevels += province_levels(pp, PROVINCES[pp])
    files.append(("20-provinces.zc", "省级总体管控要求及分类管控要求（示例）", plevels))
    files.append(("30-basins.zc", "流域、区域管控要求（示例）", basin_levels()))
    files.append(("40-unit-types.zc", "按单元类型的全国通用管控要求（示例）", type_levels()))
    city_lv = [city_level(cc, cities[cc]) for cc in sorted(cities)]
    first_district = {}
    for u in units:
        first_district.setdefault(u.admin[:4], u.admin)
    for cc in first_district:
        first_district[cc] = min(x for x in districts if x[:4] == cc)
    dist_lv = [district_level(dd, cities[dd[:4]] + districts[dd] if not districts[dd].startswith(cities[dd[:4]]) else districts[dd])
               for dd in sorted(first_district.values())]
    files.append(("50-cities.zc", "市级总体管控要求及中心城区管控要求（示例）", city_lv + dist_lv))
    chosen = units if a.units_limit is None else units[: a.units_limit]
    unit_lv = [unit_level(u) for u in chosen]
    if a.single_units_file:
        files.append(("90-units.zc", "单元准入清单（一单元一策略，示例）", unit_lv))
    else:
        # One file per province: the parser refuses rule files over 8 MiB (syntax::MAX_FILE_BYTES)
        # and all unit lists together are about 22 MB.
        by_prov = defaultdict(list)
        for u, lv in zip(chosen, unit_lv):
            by_prov[u.admin[:2]].append(lv)
        for pp in sorted(by_prov):
            files.append((f"90-units-{pp}.zc", f"单元准入清单（一单元一策略，示例）：{PROVINCES[pp]}", by_prov[pp]))

    for fname, comment, levels in files:
        with open(os.path.join(out, fname), "w", encoding="utf-8") as f:
            f.write(f"# {comment}\n# Generated by scripts/make_national_rules.py; regenerate instead of editing.\n\n")
            f.write("\n".join(lv.render() for lv in levels))

    # ---- statistics: clauses that apply to each unit, counting inherited ones ------------
    all_levels = [lv for _, _, lvs in files for lv in lvs]
    ids = [c.id for lv in all_levels for c in lv.clauses]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    if dup:
        raise SystemExit(f"duplicate clause ids: {dup[:5]}")
    by_first = defaultdict(list)
    own = {}
    for lv in all_levels:
        k, v = lv.scope[0]
        if k == "units":
            own[v] = own.get(v, 0) + len(lv.clauses)
        else:
            by_first[(k, v)].append(lv)

    def matches(lv, u):
        for k, v in lv.scope:
            if k == "national":
                continue
            if k in ("province", "city", "district") and not u.admin.startswith(v):
                return False
            if k == "type" and u.type != v:
                return False
            if k == "basin" and v not in u.basins:
                return False
        return True

    total_applicable = 0
    per_kind = Counter()
    for u in units:
        cand = by_first[("national", None)] + by_first[("province", u.admin[:2])] + by_first[("city", u.admin[:4])] \
            + by_first[("district", u.admin)] + by_first[("type", u.type)]
        for b in u.basins:
            cand = cand + by_first[("basin", b)]
        n = own.get(u.code, 0)
        for lv in cand:
            if matches(lv, u):
                n += len(lv.clauses)
        total_applicable += n
    avg = total_applicable / len(units)
    kinds = Counter()
    levels_by_kind = Counter()
    for lv in all_levels:
        kinds[lv.kind] += len(lv.clauses)
        levels_by_kind[lv.kind] += 1
    total = sum(kinds.values())
    basin_units = Counter(b for u in units for b in u.basins)
    major = {m[0] for m in MAJOR_BASINS}
    n_major = Counter(sum(1 for b in u.basins if b in major) for u in units)

    sizes = []
    for root, _, fs in os.walk(out):
        for f in sorted(fs):
            p = os.path.join(root, f)
            if f.endswith((".zc", ".geojson")):
                sizes.append((os.path.relpath(p, out), os.path.getsize(p)))
    sizes.sort()

    kind_order = ["national", "province", "province-type", "basin", "basin-type", "type", "city", "district", "units"]
    kind_label = {"national": "national", "province": "province NN", "province-type": "province NN and type T",
                  "basin": "basin B", "basin-type": "basin B and type T", "type": "type T", "city": "city NNNN",
                  "district": "district NNNNNN", "units": "units [code]"}
    stats = {
        "units": len(units), "unit_levels": len(unit_lv), "provinces": len(provs), "cities": len(city_lv),
        "districts": len(dist_lv), "levels": len(all_levels), "clauses": total, "avg": avg,
        "water_sources": len(wfeats), "parks": len(pfeats), "chemical_parks": len(cfeats),
        "no_basin": n_major[0], "no_basin_sansha": sum(1 for u in units if not any(b in major for b in u.basins) and u.admin[:4] == "4603"),
    }
    write_readme(out, stats, kinds, levels_by_kind, kind_order, kind_label, basin_units, sizes, a.units_limit)

    # README is written after the sizes were taken; add it for the printout.
    sizes.append(("README.md", os.path.getsize(os.path.join(out, "README.md"))))
    print("files:")
    for p, s in sorted(sizes):
        print(f"  {p:40s} {s:>12,d} bytes")
    print("clauses by level kind:")
    for k in kind_order:
        print(f"  {kind_label[k]:26s} {levels_by_kind[k]:>6d} levels {kinds[k]:>7d} clauses")
    print("units per basin (bounding-box centre): " + ", ".join(f"{b} {n}" for b, n in basin_units.most_common()))
    print("units by number of major basins: " + ", ".join(f"{k}: {v}" for k, v in sorted(n_major.items())))
    if a.units_limit is not None:
        print(f"unit-specific levels limited to the first {a.units_limit} units (--units-limit)")
    print(f"total clauses: {total}")
    print(f"average clauses applicable per unit (inherited + own): {avg:.2f}")
    print(f"done in {time.time() - t0:.1f} s", file=sys.stderr)


def write_readme(out, st, kinds, levels_by_kind, kind_order, kind_label, basin_units, sizes, limit):
    rows = "\n".join(f"| `{kind_label[k]}` | {levels_by_kind[k]:,} | {kinds[k]:,} |" for k in kind_order)
    files = "\n".join(f"| `{p}` | {s:,} |" for p, s in sizes)
    basins = ", ".join(f"{b} {n:,}" for b, n in basin_units.most_common())
    lim = (f"\n> This copy was generated with `--units-limit {limit}`: unit-specific levels exist for the first "
           f"{limit} units only. Run the script without the option for the full set.\n") if limit is not None else ""
    text = f"""# 全国生态环境分区管控准入清单（示例） — the national demo rule set

An illustrative national access list for zonecheck at full scale: every one of the
{st['units']:,} shared national control units gets the national requirements, its province's
requirements (general and by unit type), those of every basin or region it overlaps, the national
requirements for its unit type, its city's, and its own list ("一单元一策略"). It exercises every
kind of clause, scope, condition and unit of measure in docs/dsl.md. **Nothing here is official**: the units are cut from
real county boundaries by ../shared/tools/make_units.py, rivers and basin outlines are drawn by hand
with tens of vertices, and water-source zones and parks are placed pseudo-randomly; every generated
feature carries a `note` saying so. Clause texts paraphrase the kinds of requirement published in
provincial and city lists; thresholds and industry choices per province, city and unit are
pseudo-random. The rule set covers the provinces present in the shared unit data, which includes
Hong Kong and Macau; their levels are as illustrative as the rest.
{lim}
## Files

| file | what |
|---|---|
| `00-header.zc` | header, layers, facts, pollutants, named sets |
| `10-national.zc` | `national`: 全国总体管控要求 |
| `20-provinces.zc` | `province NN`, and `province NN and type T` for each unit type |
| `30-basins.zc` | `basin B` for ten major basins and three regions; two `basin B and type T` |
| `40-unit-types.zc` | `type T`: national requirements per unit type |
| `50-cities.zc` | `city NNNN` for every city, `district NNNNNN` for each city's central district |
| `90-units-NN.zc` | `units [code]`: each unit's own list, one file per province |
| `data/*.geojson` | the illustrative feature layers |

The unit lists are split by province because the parser refuses rule files over 8 MiB
(`syntax::MAX_FILE_BYTES`) and together they are about 22 MB; `--single-units-file` writes them to
one `90-units.zc` for when that limit changes.

## Regenerate

```
python3 scripts/make_national_rules.py                  # full set
python3 scripts/make_national_rules.py --units-limit 200 # unit lists for the first 200 units only
cargo run --release -- lint rules/national
```

The script is deterministic (choices are SHA-256 of a fixed seed and a unit or area code) and uses
the Python 3.11 standard library only. It rewrites every `.zc` and `data/*.geojson` file here; do not
edit them by hand.

## The unit layer is shared, not copied

`00-header.zc` declares

```
layer 管控单元 = units "{UNITS_REF}" code="code" name="name" type="type" admin="admin_code"
```

(relative to the rule file), i.e. `../shared/data/national/units-national.geojson.gz` beside the
repository. The rule set does not load without that checkout of `../shared`.

## Counts

{st['levels']:,} levels, {st['clauses']:,} clauses; on average **{st['avg']:.1f} clauses apply to a unit**
(counting national, provincial, basin, type, city, district and the unit's own; basin membership
approximated by each unit's bounding-box centre — the compiler uses interior overlap, so units on a
basin boundary may get one more basin).

| level scope | levels | clauses |
|---|---|---|
{rows}

Provinces: {st['provinces']}; cities: {st['cities']}; central districts: {st['districts']} (the lowest
district code of each city); unit lists: {st['unit_levels']:,}.

Layers drawn by the script (`data/`): rivers 长江 (mainstream, Jinsha and five tributaries), 黄河,
珠江 (West, Yu, North and East rivers), 淮河, 松花江 and the 京杭大运河 line; ten major basins that tile
the country along shared divides (长江, 黄河, 淮河, 海河, 珠江, 松花江, 辽河, 东南诸河, 西南诸河, 西北诸河)
and three overlapping regions (太湖流域, 大运河沿线 — a ~5 km corridor —, 丹江口库区及上游);
{st['water_sources']:,} drinking-water protection zones (0.5–2 km rectangles inside pseudo-random
units); {st['parks']:,} industrial parks (1–3 km polygons in key-control units), of which
{st['chemical_parks']:,} are also chemical parks.

Units per basin (bounding-box centre): {basins}. The ten major basins tile the country along
shared divides (no overlaps); by bounding-box centre {st['no_basin']} units fall in none of them,
{st['no_basin_sansha']} of them the 三沙市 island units far out at sea, the rest on coasts and borders
where the hand-drawn outlines are rough.

| file | bytes |
|---|---|
{files}
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
