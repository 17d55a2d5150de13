//! Carriers (快递公司) an order ships with: a short stable code stored on the shipment, the
//! name in the shop's language, and the carrier's public tracking page. Shipments from
//! before the list stored free text; `Carrier::recognise` reads those back when it can,
//! and anything else displays as it was typed. Domain only: no I/O.

use crate::text::Lang;

/// A carrier a merchant in mainland China ships with, or `Other` (typed by hand).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Carrier {
    Sf,
    Zto,
    Yto,
    Yunda,
    Sto,
    Jt,
    Ems,
    Jd,
    ChinaPost,
    Other,
}

impl Carrier {
    /// Every carrier, in the order the ship form lists them.
    pub const ALL: [Carrier; 10] = [
        Carrier::Sf,
        Carrier::Zto,
        Carrier::Yto,
        Carrier::Yunda,
        Carrier::Sto,
        Carrier::Jt,
        Carrier::Ems,
        Carrier::Jd,
        Carrier::ChinaPost,
        Carrier::Other,
    ];

    /// The stable code stored on a shipment and used in the bulk-shipping CSV.
    pub fn code(self) -> &'static str {
        match self {
            Carrier::Sf => "SF",
            Carrier::Zto => "ZTO",
            Carrier::Yto => "YTO",
            Carrier::Yunda => "YUNDA",
            Carrier::Sto => "STO",
            Carrier::Jt => "JT",
            Carrier::Ems => "EMS",
            Carrier::Jd => "JD",
            Carrier::ChinaPost => "CHINAPOST",
            Carrier::Other => "OTHER",
        }
    }

    /// The carrier with this code (any case), if any.
    pub fn from_code(code: &str) -> Option<Carrier> {
        let code = code.trim();
        Carrier::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }

    /// A code or a name in either language ("顺丰", "SF Express", "sf"), as old free-text
    /// shipments and hand-written CSV files carry them. `Other` is never recognised: a name
    /// nobody knows stays free text.
    pub fn recognise(s: &str) -> Option<Carrier> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let simple: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '&' | '-' | '_'))
            .collect::<String>()
            .to_lowercase();
        Carrier::ALL
            .into_iter()
            .filter(|c| *c != Carrier::Other)
            .find(|c| {
                c.code().eq_ignore_ascii_case(s)
                    || c.aliases().iter().any(|a| {
                        let a: String = a
                            .chars()
                            .filter(|c| !c.is_whitespace() && !matches!(c, '&' | '-' | '_'))
                            .collect::<String>()
                            .to_lowercase();
                        a == simple
                    })
            })
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Carrier::Sf => &["顺丰", "顺丰速运", "SF Express", "SF"],
            Carrier::Zto => &["中通", "中通快递", "ZTO Express", "ZTO"],
            Carrier::Yto => &["圆通", "圆通速递", "YTO Express", "YTO"],
            Carrier::Yunda => &["韵达", "韵达快递", "Yunda Express", "Yunda"],
            Carrier::Sto => &["申通", "申通快递", "STO Express", "STO"],
            Carrier::Jt => &["极兔", "极兔速递", "J&T Express", "J&T", "JT"],
            Carrier::Ems => &["EMS", "邮政EMS", "中国邮政EMS"],
            Carrier::Jd => &["京东", "京东物流", "京东快递", "JD Logistics", "JD"],
            Carrier::ChinaPost => &["中国邮政", "邮政", "邮政包裹", "China Post"],
            Carrier::Other => &[],
        }
    }

    /// The carrier's name in the shop's language.
    pub fn name(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Zh, Carrier::Sf) => "顺丰速运",
            (Lang::Zh, Carrier::Zto) => "中通快递",
            (Lang::Zh, Carrier::Yto) => "圆通速递",
            (Lang::Zh, Carrier::Yunda) => "韵达快递",
            (Lang::Zh, Carrier::Sto) => "申通快递",
            (Lang::Zh, Carrier::Jt) => "极兔速递",
            (Lang::Zh, Carrier::Ems) => "EMS",
            (Lang::Zh, Carrier::Jd) => "京东物流",
            (Lang::Zh, Carrier::ChinaPost) => "中国邮政",
            (Lang::Zh, Carrier::Other) => "其他",
            (Lang::En, Carrier::Sf) => "SF Express",
            (Lang::En, Carrier::Zto) => "ZTO Express",
            (Lang::En, Carrier::Yto) => "YTO Express",
            (Lang::En, Carrier::Yunda) => "Yunda Express",
            (Lang::En, Carrier::Sto) => "STO Express",
            (Lang::En, Carrier::Jt) => "J&T Express",
            (Lang::En, Carrier::Ems) => "EMS",
            (Lang::En, Carrier::Jd) => "JD Logistics",
            (Lang::En, Carrier::ChinaPost) => "China Post",
            (Lang::En, Carrier::Other) => "Other",
        }
    }

    /// The carrier's public tracking page for a waybill number, where it has one that
    /// takes the number in the address. `Other` has none.
    pub fn tracking_url(self, no: &str) -> Option<String> {
        let no: String = form_urlencoded::byte_serialize(no.trim().as_bytes()).collect();
        if no.is_empty() {
            return None;
        }
        Some(match self {
            Carrier::Sf => format!("https://www.sf-express.com/chn/sc/waybill/waybill-detail/{no}"),
            Carrier::Zto => format!("https://www.zto.com/express/expressCheck.html?txtBill={no}"),
            Carrier::Yto => format!("https://www.yto.net.cn/waybill?waybillNo={no}"),
            Carrier::Yunda => format!("https://www.yundaex.com/cn/chaxun.php?number={no}"),
            Carrier::Sto => format!("https://www.sto.cn/pc/service-page/Waybill?WaybillNo={no}"),
            Carrier::Jt => format!("https://www.jtexpress.com.cn/trajectoryQuery?waybillNo={no}"),
            Carrier::Ems | Carrier::ChinaPost => {
                format!("https://www.ems.com.cn/queryList?mailNum={no}")
            }
            Carrier::Jd => format!("https://www.jdl.com/orderSearch/?waybillCodes={no}"),
            Carrier::Other => return None,
        })
    }
}

/// How a stored courier string displays: the carrier's name in the shop's language when it
/// is a known code or name, otherwise the text as it was typed; with the tracking page.
pub fn display(stored: &str, tracking_no: &str, lang: Lang) -> (String, Option<String>) {
    match Carrier::from_code(stored).or_else(|| Carrier::recognise(stored)) {
        Some(Carrier::Other) | None => (stored.to_string(), None),
        Some(c) => (c.name(lang).to_string(), c.tracking_url(tracking_no)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_names_are_recognised() {
        for c in Carrier::ALL {
            assert_eq!(Carrier::from_code(c.code()), Some(c));
            assert_eq!(Carrier::from_code(&c.code().to_lowercase()), Some(c));
            if c != Carrier::Other {
                assert_eq!(Carrier::recognise(c.name(Lang::Zh)), Some(c), "{c:?}");
                assert_eq!(Carrier::recognise(c.name(Lang::En)), Some(c), "{c:?}");
                let url = c.tracking_url("SF 123/4").unwrap();
                assert!(
                    url.starts_with("https://") && url.contains("SF+123%2F4"),
                    "{url}"
                );
            }
        }
        assert_eq!(Carrier::recognise("顺丰"), Some(Carrier::Sf));
        assert_eq!(Carrier::recognise("j&t"), Some(Carrier::Jt));
        assert_eq!(Carrier::recognise("德邦"), None);
        assert_eq!(Carrier::Other.tracking_url("1"), None);
        assert_eq!(Carrier::Sf.tracking_url("  "), None);
        assert_eq!(display("德邦", "1", Lang::Zh), ("德邦".to_string(), None));
        assert_eq!(display("SF", "1", Lang::En).0, "SF Express");
    }
}
