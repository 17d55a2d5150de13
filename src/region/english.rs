//! English names of the 34 provincial-level divisions, keyed by their two-digit GB/T 2260
//! code: the pinyin names (and the customary English ones for Inner Mongolia, Hong Kong
//! and Macao), for the English shop when it names a shopper's province. Cities and
//! districts stay in Chinese, as the addresses are written.

/// Code → English name. Hong Kong, Macao and Taiwan are listed although the compiled
/// division data has no cities for them.
const NAMES: [(&str, &str); 34] = [
    ("11", "Beijing"),
    ("12", "Tianjin"),
    ("13", "Hebei"),
    ("14", "Shanxi"),
    ("15", "Inner Mongolia"),
    ("21", "Liaoning"),
    ("22", "Jilin"),
    ("23", "Heilongjiang"),
    ("31", "Shanghai"),
    ("32", "Jiangsu"),
    ("33", "Zhejiang"),
    ("34", "Anhui"),
    ("35", "Fujian"),
    ("36", "Jiangxi"),
    ("37", "Shandong"),
    ("41", "Henan"),
    ("42", "Hubei"),
    ("43", "Hunan"),
    ("44", "Guangdong"),
    ("45", "Guangxi"),
    ("46", "Hainan"),
    ("50", "Chongqing"),
    ("51", "Sichuan"),
    ("52", "Guizhou"),
    ("53", "Yunnan"),
    ("54", "Xizang"),
    ("61", "Shaanxi"),
    ("62", "Gansu"),
    ("63", "Qinghai"),
    ("64", "Ningxia"),
    ("65", "Xinjiang"),
    ("71", "Taiwan"),
    ("81", "Hong Kong"),
    ("82", "Macao"),
];

/// Chinese names of the three divisions the compiled data leaves out (the short names:
/// the embedded font's subset has every character of these).
const ZH_EXTRA: [(&str, &str); 3] = [("71", "台湾省"), ("81", "香港"), ("82", "澳门")];

/// The Chinese name of a provincial-level division the compiled data leaves out.
pub(super) fn province_zh_extra(code: &str) -> Option<&'static str> {
    ZH_EXTRA.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The English name of a provincial-level division, by its two-digit code.
pub fn province_en(code: &str) -> Option<&'static str> {
    NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_province_of_the_data_has_an_english_name() {
        for p in super::super::provinces() {
            assert!(province_en(p.code).is_some(), "{} ({})", p.name, p.code);
        }
        assert_eq!(province_en("44"), Some("Guangdong"));
        assert_eq!(province_en("15"), Some("Inner Mongolia"));
        assert_eq!(province_en("81"), Some("Hong Kong"));
        assert_eq!(province_en("4401"), None);
        let mut codes: Vec<_> = NAMES.iter().map(|(c, _)| c).collect();
        codes.dedup();
        assert_eq!(codes.len(), 34);
    }
}
