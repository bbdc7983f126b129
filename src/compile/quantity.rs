//! Quantities with units of measure (`1 km`, `35 t/h`, `0.5 tce/万元`), checked for compatible
//! dimensions at compile time. Values are stored in the base unit of their dimension.

use serde::{Deserialize, Serialize};

/// What a number measures. Only numbers of the same dimension compare or add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dimension {
    /// A pure number (ratios, multipliers, counts).
    Scalar,
    Length,
    Area,
    /// Mass per year: emissions and their offsets (t/a).
    MassPerYear,
    /// Boiler capacity, steam tonnes per hour (蒸吨/小时, t/h).
    SteamRate,
    /// Energy per unit of value added (tce/万元).
    EnergyIntensity,
    /// Energy use per year (tce/a).
    EnergyPerYear,
    /// Water use per year (m3/a).
    VolumePerYear,
    Power,
    /// Money (万元).
    Money,
}

impl Dimension {
    /// The base unit values of this dimension are stored in.
    pub fn base_unit(self) -> &'static str {
        match self {
            Dimension::Scalar => "",
            Dimension::Length => "m",
            Dimension::Area => "m2",
            Dimension::MassPerYear => "t/a",
            Dimension::SteamRate => "t/h",
            Dimension::EnergyIntensity => "tce/万元",
            Dimension::EnergyPerYear => "tce/a",
            Dimension::VolumePerYear => "m3/a",
            Dimension::Power => "MW",
            Dimension::Money => "万元",
        }
    }

    /// A name for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::Scalar => "a plain number",
            Dimension::Length => "a length",
            Dimension::Area => "an area",
            Dimension::MassPerYear => "a mass per year",
            Dimension::SteamRate => "a boiler capacity (steam per hour)",
            Dimension::EnergyIntensity => "an energy intensity",
            Dimension::EnergyPerYear => "an energy use per year",
            Dimension::VolumePerYear => "a volume per year",
            Dimension::Power => "a power",
            Dimension::Money => "an amount of money",
        }
    }
}

/// A unit of measure: its written name, dimension, and factor to the dimension's base unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub name: &'static str,
    pub dimension: Dimension,
    pub factor: f64,
}

const MEASURES: &[Measure] = &[
    Measure {
        name: "m",
        dimension: Dimension::Length,
        factor: 1.0,
    },
    Measure {
        name: "米",
        dimension: Dimension::Length,
        factor: 1.0,
    },
    Measure {
        name: "km",
        dimension: Dimension::Length,
        factor: 1000.0,
    },
    Measure {
        name: "公里",
        dimension: Dimension::Length,
        factor: 1000.0,
    },
    Measure {
        name: "千米",
        dimension: Dimension::Length,
        factor: 1000.0,
    },
    Measure {
        name: "m2",
        dimension: Dimension::Area,
        factor: 1.0,
    },
    Measure {
        name: "km2",
        dimension: Dimension::Area,
        factor: 1.0e6,
    },
    Measure {
        name: "ha",
        dimension: Dimension::Area,
        factor: 1.0e4,
    },
    Measure {
        name: "公顷",
        dimension: Dimension::Area,
        factor: 1.0e4,
    },
    Measure {
        name: "亩",
        dimension: Dimension::Area,
        factor: 10_000.0 / 15.0,
    },
    Measure {
        name: "t/a",
        dimension: Dimension::MassPerYear,
        factor: 1.0,
    },
    Measure {
        name: "吨/年",
        dimension: Dimension::MassPerYear,
        factor: 1.0,
    },
    Measure {
        name: "kg/a",
        dimension: Dimension::MassPerYear,
        factor: 0.001,
    },
    Measure {
        name: "万t/a",
        dimension: Dimension::MassPerYear,
        factor: 1.0e4,
    },
    Measure {
        name: "t/h",
        dimension: Dimension::SteamRate,
        factor: 1.0,
    },
    Measure {
        name: "蒸吨/小时",
        dimension: Dimension::SteamRate,
        factor: 1.0,
    },
    Measure {
        name: "tce/万元",
        dimension: Dimension::EnergyIntensity,
        factor: 1.0,
    },
    Measure {
        name: "吨标准煤/万元",
        dimension: Dimension::EnergyIntensity,
        factor: 1.0,
    },
    Measure {
        name: "tce/a",
        dimension: Dimension::EnergyPerYear,
        factor: 1.0,
    },
    Measure {
        name: "万tce/a",
        dimension: Dimension::EnergyPerYear,
        factor: 1.0e4,
    },
    Measure {
        name: "m3/a",
        dimension: Dimension::VolumePerYear,
        factor: 1.0,
    },
    Measure {
        name: "m3/d",
        dimension: Dimension::VolumePerYear,
        factor: 365.0,
    },
    Measure {
        name: "万m3/a",
        dimension: Dimension::VolumePerYear,
        factor: 1.0e4,
    },
    Measure {
        name: "MW",
        dimension: Dimension::Power,
        factor: 1.0,
    },
    Measure {
        name: "kW",
        dimension: Dimension::Power,
        factor: 0.001,
    },
    Measure {
        name: "万元",
        dimension: Dimension::Money,
        factor: 1.0,
    },
    Measure {
        name: "亿元",
        dimension: Dimension::Money,
        factor: 1.0e4,
    },
    Measure {
        name: "%",
        dimension: Dimension::Scalar,
        factor: 0.01,
    },
];

/// Looks a unit of measure up by its written name.
pub fn measure(name: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|m| m.name == name)
}

/// Names of all known units, for help messages.
pub fn known_measures() -> String {
    MEASURES
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names of the units of one dimension, for help messages: `m, 米, km, 公里, 千米`.
pub fn measures_of(dimension: Dimension) -> String {
    let names: Vec<&str> = MEASURES
        .iter()
        .filter(|m| m.dimension == dimension)
        .map(|m| m.name)
        .collect();
    if names.is_empty() {
        "no unit (a plain number)".to_string()
    } else {
        names.join(", ")
    }
}

/// Formats a base-unit value for people: `742 m`, `1.2 km`, `12.5 t/a`.
pub fn format_value(value: f64, dimension: Dimension) -> String {
    match dimension {
        Dimension::Scalar => trim_number(value),
        Dimension::Length if value.abs() >= 1000.0 => format!("{} km", trim_number(value / 1000.0)),
        Dimension::Length => format!("{} m", trim_number(value)),
        Dimension::Area if value.abs() >= 1.0e5 => format!("{} km²", trim_number(value / 1.0e6)),
        Dimension::Area => format!("{} m²", trim_number(value)),
        d => format!("{} {}", trim_number(value), d.base_unit()),
    }
}

/// A number with at most three decimals, without trailing zeros.
pub fn trim_number(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_their_base() {
        assert_eq!(measure("km").map(|m| m.factor), Some(1000.0));
        assert_eq!(
            measure("m3/d").map(|m| m.dimension),
            Some(Dimension::VolumePerYear)
        );
        assert!(measure("mile").is_none());
    }

    #[test]
    fn values_are_formatted_for_people() {
        assert_eq!(format_value(742.04, Dimension::Length), "742 m");
        assert_eq!(format_value(1500.0, Dimension::Length), "1.5 km");
        assert_eq!(format_value(12.5, Dimension::MassPerYear), "12.5 t/a");
        assert_eq!(
            format_value(0.31, Dimension::EnergyIntensity),
            "0.31 tce/万元"
        );
    }
}
