//! The WeChat clients' own settings types: which WeChat Pay API family a merchant uses
//! (`Flavour`) and, for WeChat Pay Global's institution mode, the acquiring institution's
//! identities (`Institution`). `config` validates the TOML into these and re-exports them;
//! the clients depend on them, never on `config`.

/// Which WeChat Pay API family the merchant uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Mainland merchants: `/v3/pay/transactions/…`, CNY only.
    Domestic,
    /// Cross-border merchants: `/v3/global/…`, the settlement currency of the merchant.
    Global {
        merchant_category_code: String,
        /// `None`: a direct merchant (`appid` + `mchid`).
        institution: Option<Institution>,
    },
}

/// WeChat Pay Global's institution mode: the acquiring institution signs every call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Institution {
    pub sp_mchid: String,
    pub sp_appid: String,
    pub sub_mchid: String,
    /// The sub-merchant's own Official Account; shoppers then pay with `sub_openid`.
    pub sub_appid: Option<String>,
}

impl Flavour {
    pub fn is_global(&self) -> bool {
        matches!(self, Flavour::Global { .. })
    }

    /// The institution of Global institution mode; `None` for a direct merchant.
    pub fn institution(&self) -> Option<&Institution> {
        match self {
            Flavour::Global { institution, .. } => institution.as_ref(),
            Flavour::Domestic => None,
        }
    }
}
