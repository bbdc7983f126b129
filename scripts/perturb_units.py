#!/usr/bin/env python3
"""Makes a second version of a unit set whose geometry differs everywhere, for diff benchmarks.

Every vertex moves by a smooth displacement field (about AMPLITUDE degrees, wavelengths of a
fraction of a degree): a vertex shared by two units moves the same way in both, so the units
still tile the territory without gaps or overlaps, but no unit keeps its polygon. A fraction
RETYPE of the units (chosen by SHA-256 of the code) changes type, and with it the type digit
of its code (`ZH320115` `3` `0007` → `ZH320115` `2` `0007`; serials are unique per county, so
codes never collide). Illustrative data for benchmarks only.

usage: perturb_units.py IN.geojson[.gz] OUT.geojson[.gz] [--amplitude DEG] [--retype F]
Python 3 standard library only.
"""
import argparse, gzip, hashlib, json, math

TYPES = {"1": "优先保护", "2": "重点管控", "3": "一般管控"}


def opener(path, mode):
    return gzip.open(path, mode + "t", encoding="utf-8") if path.endswith(".gz") else open(path, mode, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp"); ap.add_argument("out")
    ap.add_argument("--amplitude", type=float, default=0.002)
    ap.add_argument("--retype", type=float, default=0.05)
    a = ap.parse_args()
    A = a.amplitude

    def move(c):
        x, y = c[0], c[1]
        dx = A * math.sin(2 * math.pi * y / 0.37 + 0.5) * math.cos(2 * math.pi * x / 1.3)
        dy = A * math.sin(2 * math.pi * x / 0.29 + 1.1) * math.cos(2 * math.pi * y / 1.7)
        return [round(x + dx, 6), round(y + dy, 6)]

    def rings(coords, depth):
        if depth == 0:
            return [move(c) for c in coords]
        return [rings(c, depth - 1) for c in coords]

    with opener(a.inp, "r") as f:
        fc = json.load(f)
    retyped = 0
    for feat in fc["features"]:
        g = feat["geometry"]
        g["coordinates"] = rings(g["coordinates"], 1 if g["type"] == "Polygon" else 2)
        p = feat["properties"]
        code = p["code"]
        h = int(hashlib.sha256(("retype:" + code).encode()).hexdigest()[:8], 16) / 2**32
        if h < a.retype and code.startswith("ZH"):
            digits = [d for d in "123" if d != code[8]]
            d = digits[int(h / a.retype * 2) % 2]
            p["code"] = code[:8] + d + code[9:]
            p["type"] = TYPES[d]
            p["name"] = p["name"].replace(TYPES[code[8]], TYPES[d])
            retyped += 1
    with opener(a.out, "w") as f:
        json.dump(fc, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(fc['features'])} units, {retyped} re-typed", flush=True)


if __name__ == "__main__":
    main()
