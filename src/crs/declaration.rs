//! Reading a user's CRS declaration: EPSG codes, names, and free text in Chinese or English.

use super::{Crs, CrsError, GaussKruger, ZoneWidth};

/// Longest declaration read; longer text is not a CRS name.
const MAX_LEN: usize = 500;

pub(super) fn parse(decl: &str) -> Result<Crs, CrsError> {
    let unknown = || CrsError::UnknownDeclaration {
        decl: decl.trim().to_string(),
    };
    if decl.len() > MAX_LEN {
        return Err(CrsError::UnknownDeclaration {
            decl: format!("{}…", decl.chars().take(40).collect::<String>()),
        });
    }
    let text = normalise(decl);
    if text.is_empty() {
        return Err(unknown());
    }
    // Without separators, for names written `CGCS 2000`, `WGS_84`, `BD-09`.
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '/' | '.' | '\'' | '(' | ')'))
        .collect();

    if let Some(datum) = other_datum(&text, &compact) {
        return Err(CrsError::UnsupportedDatum {
            found: decl.trim().to_string(),
            datum: datum.to_string(),
        });
    }
    if let Some(code) = epsg_code(&text) {
        match code {
            4490 if !mentions_projection(&text, &compact) => return Ok(Crs::Cgcs2000),
            4490 => {}
            _ => return from_epsg(code),
        }
    }
    if compact.contains("bd09mc") || text.contains("墨卡托") || compact.contains("mercator") {
        return Err(unknown());
    }
    if compact.contains("bd09") || text.contains("百度") || compact.contains("baidu") {
        return Ok(Crs::Bd09);
    }
    if compact.contains("gcj02")
        || text.contains("火星")
        || text.contains("高德")
        || text.contains("腾讯")
        || compact.contains("amap")
        || compact.contains("gaode")
        || compact.contains("tencent")
    {
        return Ok(Crs::Gcj02);
    }
    let cgcs = compact.contains("cgcs2000")
        || compact.contains("china2000")
        || compact.contains("chinageodeticcoordinatesystem2000")
        || compact.contains("2000国家")
        || compact.contains("国家2000")
        || compact.contains("国家大地坐标系2000")
        || compact.contains("2000坐标")
        || compact.contains("2000大地坐标");
    // OGC CRS84 (GeoJSON's `urn:ogc:def:crs:OGC:1.3:CRS84`, as GDAL and QGIS write it) is WGS84
    // longitude/latitude.
    let wgs = compact.contains("wgs84") || compact.contains("wgs1984") || compact.contains("crs84");
    if compact.contains("utm") {
        return Err(CrsError::UnsupportedProjection {
            found: decl.trim().to_string(),
        });
    }
    if mentions_projection(&text, &compact) {
        // Gauss-Krüger on WGS 84 is taken as on CGCS2000, like WGS 84 degrees are (the two
        // ellipsoids' flattenings differ by 1e-10: well under a millimetre in a zone).
        if !cgcs && !wgs {
            return Err(CrsError::MissingDatum {
                decl: decl.trim().to_string(),
            });
        }
        return gauss_kruger(decl, &text);
    }
    if cgcs || epsg_code(&text) == Some(4490) {
        Ok(Crs::Cgcs2000)
    } else if wgs {
        Ok(Crs::Wgs84)
    } else {
        Err(unknown())
    }
}

/// Lower case, ASCII punctuation and digits for their full-width forms, `ü` → `u`.
fn normalise(decl: &str) -> String {
    decl.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '：' => ':',
            '（' => '(',
            '）' => ')',
            '，' | '、' => ',',
            '　' => ' ',
            '＝' => '=',
            'ü' | 'Ü' => 'u',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn other_datum(text: &str, compact: &str) -> Option<&'static str> {
    if compact.contains("xian") || text.contains("西安") || text.contains("80坐标") {
        Some("Xian 1980 (西安80)")
    } else if compact.contains("newbeijing") || text.contains("新北京") {
        Some("New Beijing (新北京54)")
    } else if compact.contains("beijing1954")
        || compact.contains("beijing54")
        || text.contains("北京54")
        || text.contains("北京1954")
        || text.contains("54坐标")
        || text.contains("1954坐标")
    {
        Some("Beijing 1954 (北京54)")
    } else {
        None
    }
}

fn mentions_projection(text: &str, compact: &str) -> bool {
    [
        "gauss", "kruger", "gk", "zone", "degree", "cm", "meridian", "lon0",
    ]
    .iter()
    .any(|k| compact.contains(k))
        || [
            "高斯",
            "克吕格",
            "带",
            "中央经线",
            "中央子午线",
            "投影",
            "中央经度",
        ]
        .iter()
        .any(|k| text.contains(k))
}

/// The number after `epsg` (`EPSG:4527`, `epsg 4527`, `EPSG::4527`).
fn epsg_code(text: &str) -> Option<u32> {
    let at = text.find("epsg")?;
    let rest = text
        .get(at + 4..)?
        .trim_start_matches([':', ' ', '_', '=', '-']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn from_epsg(code: u32) -> Result<Crs, CrsError> {
    let datum = |datum: &str| CrsError::UnsupportedDatum {
        found: format!("EPSG:{code}"),
        datum: datum.to_string(),
    };
    let gk = |width: ZoneWidth, base: u32, zone_prefixed: bool| {
        let zone = u8::try_from(code - base).unwrap_or(0) + *width.zones().start();
        Crs::GaussKruger(GaussKruger {
            width,
            zone,
            central_meridian: width.central_meridian(zone),
            zone_prefixed,
        })
    };
    match code {
        4490 => Ok(Crs::Cgcs2000),
        4326 => Ok(Crs::Wgs84),
        4491..=4501 => Ok(gk(ZoneWidth::Six, 4491, true)),
        4502..=4512 => Ok(gk(ZoneWidth::Six, 4502, false)),
        4513..=4533 => Ok(gk(ZoneWidth::Three, 4513, true)),
        4534..=4554 => Ok(gk(ZoneWidth::Three, 4534, false)),
        4610 | 2327..=2390 => Err(datum("Xian 1980 (西安80)")),
        4214 | 2401..=2442 | 21413..=21423 | 21453..=21463 | 21473..=21483 => {
            Err(datum("Beijing 1954 (北京54)"))
        }
        4555 => Err(datum("New Beijing (新北京54)")),
        _ => Err(CrsError::UnsupportedEpsg { code }),
    }
}

/// A number in the text and where it sits.
struct Number {
    value: f64,
    start: usize,
    end: usize,
}

fn numbers(text: &str) -> Vec<Number> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i).is_some_and(u8::is_ascii_digit) {
            let start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            if let Some(value) = text.get(start..i).and_then(|s| s.parse().ok()) {
                out.push(Number {
                    value,
                    start,
                    end: i,
                });
            }
        } else {
            i += 1;
        }
    }
    out
}

const SEPARATORS: &[char] = &[' ', '_', '-', ':', '=', '#', '(', ','];

fn preceded_by(text: &str, n: &Number, keys: &[&str]) -> bool {
    let before = text
        .get(..n.start)
        .unwrap_or("")
        .trim_end_matches(SEPARATORS);
    keys.iter().any(|k| before.ends_with(k))
}

fn followed_by(text: &str, n: &Number, keys: &[&str]) -> bool {
    let after = text
        .get(n.end..)
        .unwrap_or("")
        .trim_start_matches(SEPARATORS);
    keys.iter().any(|k| after.starts_with(k))
}

fn gauss_kruger(decl: &str, text: &str) -> Result<Crs, CrsError> {
    let mut width = None;
    let mut zone = None;
    let mut cm = None;
    if text.contains("三度") {
        width = Some(ZoneWidth::Three);
    } else if text.contains("六度") {
        width = Some(ZoneWidth::Six);
    }
    for n in numbers(text) {
        let is_width = (n.value == 3.0 || n.value == 6.0)
            && followed_by(text, &n, &["度", "°", "degree", "deg"])
            && !followed_by(text, &n, &["°e", "度e", "°东"]);
        let is_cm = preceded_by(
            text,
            &n,
            &[
                "cm",
                "central meridian",
                "central_meridian",
                "lon_0",
                "中央经线",
                "中央子午线",
                "中央经度",
                "东经",
            ],
        ) || (n.value >= 70.0
            && followed_by(text, &n, &["°e", "度e", "e", "°东", "度东"]));
        let is_zone = preceded_by(text, &n, &["zone", "带号", "投影带", "第", "带"])
            || (followed_by(text, &n, &["带"]) && !is_width);
        if is_width && width.is_none() {
            width = Some(if n.value == 3.0 {
                ZoneWidth::Three
            } else {
                ZoneWidth::Six
            });
        } else if is_cm && cm.is_none() {
            cm = Some(n.value);
        } else if is_zone && zone.is_none() {
            zone = Some(n.value);
        }
    }
    match (zone, cm) {
        (Some(z), _) => {
            let z_u32 = z as u32;
            let (Some(zone), true) = (u8::try_from(z_u32).ok(), z.fract() == 0.0) else {
                return Err(CrsError::UnknownZone { zone: z_u32 });
            };
            let width = match width.or_else(|| ZoneWidth::of_zone(zone)) {
                Some(w) => w,
                None => return Err(CrsError::UnknownZone { zone: z_u32 }),
            };
            let Crs::GaussKruger(gk) = Crs::gauss_kruger(width, zone)? else {
                return Err(CrsError::UnknownZone { zone: z_u32 });
            };
            if let Some(cm) = cm
                && cm != gk.central_meridian
            {
                return Err(CrsError::ZoneMeridianMismatch {
                    zone,
                    width,
                    expected: gk.central_meridian,
                    cm,
                });
            }
            Ok(Crs::GaussKruger(gk))
        }
        (None, Some(cm)) => {
            // Without a stated width, a meridian on the 6° grid is read as the 6° zone, as the
            // EPSG names do (`CGCS2000 / Gauss-Kruger CM 117E` is 6°); the maths is the same.
            let width = width.unwrap_or(if ZoneWidth::Six.zone_of_meridian(cm).is_some() {
                ZoneWidth::Six
            } else {
                ZoneWidth::Three
            });
            Crs::gauss_kruger_cm(width, cm)
        }
        (None, None) => Err(CrsError::MissingZone {
            decl: decl.trim().to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_with_their_place() {
        let ns = numbers("cgcs2000 / 3-degree zone 39.5");
        let values: Vec<f64> = ns.iter().map(|n| n.value).collect();
        assert_eq!(values, vec![2000.0, 3.0, 39.5]);
    }
}
