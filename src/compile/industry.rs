//! The GB/T 4754-2017 industry classification (国民经济行业分类), embedded in the binary.
//!
//! Codes are written with their section letter (`C2614`); people also write the digits alone
//! (`2614`) or lower case. A rule on `C26` covers every code below it (prefix semantics).

use std::collections::BTreeMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../data/gbt4754-2017.tsv");

/// One entry of the classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Industry {
    /// 1 section (门类), 2 division (大类), 3 group (中类), 4 class (小类).
    pub level: u8,
    pub code: String,
    pub name: String,
}

/// The whole table, by normalised code, plus a digits → code map for codes written without
/// their section letter.
#[derive(Debug)]
pub struct IndustryTable {
    by_code: BTreeMap<String, Industry>,
    by_digits: BTreeMap<String, String>,
}

impl IndustryTable {
    fn parse(text: &str) -> Self {
        let mut by_code = BTreeMap::new();
        let mut by_digits = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let mut cols = line.split('\t');
            let (Some(level), Some(code), Some(name)) = (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let Ok(level) = level.parse::<u8>() else {
                continue;
            };
            if code.len() > 1 {
                by_digits.insert(code[1..].to_string(), code.to_string());
            }
            by_code.insert(
                code.to_string(),
                Industry {
                    level,
                    code: code.to_string(),
                    name: name.to_string(),
                },
            );
        }
        IndustryTable { by_code, by_digits }
    }

    /// The embedded GB/T 4754-2017 table.
    pub fn get() -> &'static IndustryTable {
        static TABLE_CELL: OnceLock<IndustryTable> = OnceLock::new();
        TABLE_CELL.get_or_init(|| IndustryTable::parse(TABLE))
    }

    /// Normalises a code as people write it (`c2614`, `2614`, ` C26 `) to the table's form
    /// (`C2614`), or `None` if the table has no such code.
    pub fn normalise(&self, written: &str) -> Option<&Industry> {
        let w = written.trim().to_ascii_uppercase();
        if let Some(i) = self.by_code.get(&w) {
            return Some(i);
        }
        if w.chars().all(|c| c.is_ascii_digit()) {
            let code = self.by_digits.get(&w)?;
            return self.by_code.get(code);
        }
        None
    }

    pub fn lookup(&self, code: &str) -> Option<&Industry> {
        self.by_code.get(code)
    }

    /// Number of entries at each level (sections, divisions, groups, classes).
    pub fn counts(&self) -> [usize; 4] {
        let mut n = [0; 4];
        for i in self.by_code.values() {
            if let Some(slot) = n.get_mut(usize::from(i.level).saturating_sub(1)) {
                *slot += 1;
            }
        }
        n
    }

    /// All entries, in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Industry> {
        self.by_code.values()
    }

    /// Suggests close codes for an unknown one (same leading characters), for help messages.
    pub fn suggest(&self, written: &str) -> Vec<String> {
        let w = written.trim().to_ascii_uppercase();
        let mut prefix = w.as_str();
        while prefix.len() > 1 {
            let hits: Vec<String> = self
                .by_code
                .range(prefix.to_string()..)
                .take_while(|(k, _)| k.starts_with(prefix))
                .take(4)
                .map(|(k, v)| format!("{k} {}", v.name))
                .collect();
            if !hits.is_empty() {
                return hits;
            }
            // Drop the last character, not byte: codes as written may hold any text.
            let mut chars = prefix.chars();
            chars.next_back();
            prefix = chars.as_str();
        }
        Vec::new()
    }
}

/// Help for an unknown industry code: the codes nearby, or how codes are written.
pub fn code_help(near: &[String]) -> String {
    if near.is_empty() {
        "codes follow GB/T 4754-2017: a section letter and up to 4 digits, e.g. C26 or C2614"
            .to_string()
    } else {
        format!("codes nearby: {}", near.join("; "))
    }
}

/// Does `code` fall under `prefix` in the classification (`C2614` under `C26`)?
pub fn covers(prefix: &str, code: &str) -> bool {
    code.starts_with(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_non_ascii_codes_do_not_split_characters() {
        let t = IndustryTable::get();
        assert!(t.suggest("\u{80}").is_empty());
        assert!(t.suggest("化工").is_empty());
        assert!(!t.suggest("C26é").is_empty());
    }

    #[test]
    fn the_embedded_table_has_every_level() {
        assert_eq!(IndustryTable::get().counts(), [20, 97, 473, 1381]);
    }

    #[test]
    fn codes_are_normalised_as_people_write_them() {
        let t = IndustryTable::get();
        assert_eq!(t.normalise("c2614").map(|i| i.code.as_str()), Some("C2614"));
        assert_eq!(t.normalise("2614").map(|i| i.code.as_str()), Some("C2614"));
        assert_eq!(
            t.normalise("C26").map(|i| i.name.as_str()),
            Some("化学原料和化学制品制造业")
        );
        assert!(t.normalise("C9999").is_none());
        assert!(t.normalise("").is_none());
    }

    #[test]
    fn prefixes_cover_the_codes_below_them() {
        assert!(covers("C26", "C2614"));
        assert!(!covers("C26", "C2511"));
    }
}
