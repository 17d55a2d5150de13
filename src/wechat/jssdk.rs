//! The JS-SDK: the `jsapi_ticket` (fetched with the cached access token, cached and shared
//! by every caller until shortly before it expires, one fetch at a time, fetched again once
//! after WeChat refuses the token with 40001/42001), the `wx.config` signature (SHA-1 of
//! `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, the URL without its `#` fragment), and
//! the mapping of an `openAddress` answer (`nationalCode` and the names) onto the GB/T 2260
//! codes of the checkout's region selects.

use super::official_account::{OaError, OfficialAccount, RENEW_BEFORE_SECS};
use serde::{Deserialize, Serialize};

/// A ticket and when to fetch the next one.
#[derive(Debug)]
pub struct CachedTicket {
    /// Empty after a failed fetch with nothing to fall back on: WeChat is not asked again
    /// before `renew_at` (pages keep working without the JS-SDK meanwhile).
    ticket: String,
    renew_at: i64,
    /// When WeChat's ticket itself runs out (it is renewed `RENEW_BEFORE_SECS` earlier).
    expires_at: i64,
}

/// After a failed ticket fetch, seconds before WeChat is asked again (every page view
/// would otherwise spend a token and a ticket call of the account's daily quota).
pub const RETRY_AFTER_FAILURE_SECS: i64 = 60;

#[derive(Deserialize)]
struct TicketAnswer {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

/// The parameters of `wx.config`, as the page's script hands them over (and as the
/// `<script type="application/json" id="wx-config">` element carries them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WxConfig {
    pub app_id: String,
    pub timestamp: i64,
    pub nonce_str: String,
    pub signature: String,
    /// The URL that was signed (the page's, without `#…`).
    pub url: String,
    pub js_api_list: Vec<String>,
}

/// The page URL as WeChat signs it: everything before the first `#`.
pub fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// The string WeChat's `wx.config` signature covers: the four fields sorted by name,
/// values as they are (not URL-encoded).
pub fn string_to_sign(ticket: &str, noncestr: &str, timestamp: i64, url: &str) -> String {
    format!(
        "jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={}",
        without_fragment(url)
    )
}

/// The `wx.config` signature: lower-case hex SHA-1 of [`string_to_sign`].
pub fn signature(ticket: &str, noncestr: &str, timestamp: i64, url: &str) -> String {
    let s = string_to_sign(ticket, noncestr, timestamp, url);
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, s.as_bytes());
    crate::random::hex(d.as_ref())
}

impl OfficialAccount {
    /// The current `jsapi_ticket`. Callers share one cached ticket; while it is fetched
    /// the others wait for the same answer.
    pub async fn jsapi_ticket(&self) -> Result<String, OaError> {
        let mut guard = self.ticket.lock().await;
        let now = self.clock.unix();
        if let Some(c) = guard.as_ref()
            && now < c.renew_at
        {
            if c.ticket.is_empty() {
                return Err(OaError::Transport(
                    "the jsapi_ticket could not be had a moment ago; not asking again yet".into(),
                ));
            }
            return Ok(c.ticket.clone());
        }
        let answer = match self.access_token().await {
            Ok(token) => self.fetch_with(&token).await,
            Err(e) => Err(e),
        };
        let (ticket, expires) = match answer {
            Ok(a) => a,
            Err(e) => {
                // A ticket renewed early is still good for a few minutes: keep using it.
                let (kept, expires_at) = guard
                    .as_ref()
                    .filter(|c| now < c.expires_at)
                    .map(|c| (c.ticket.clone(), c.expires_at))
                    .unwrap_or_default();
                *guard = Some(CachedTicket {
                    ticket: kept.clone(),
                    renew_at: if kept.is_empty() {
                        now + RETRY_AFTER_FAILURE_SECS
                    } else {
                        (now + RETRY_AFTER_FAILURE_SECS).min(expires_at)
                    },
                    expires_at,
                });
                return if kept.is_empty() { Err(e) } else { Ok(kept) };
            }
        };
        *guard = Some(CachedTicket {
            ticket: ticket.clone(),
            renew_at: now + (expires - RENEW_BEFORE_SECS).max(expires / 2),
            expires_at: now + expires,
        });
        Ok(ticket)
    }

    /// The ticket with `token`, replacing the token once when WeChat rejects it.
    async fn fetch_with(&self, token: &str) -> Result<(String, i64), OaError> {
        match self.fetch_ticket(token).await {
            Err(e) if e.token_rejected() => {
                tracing::info!(error = %e, "access token rejected for the jsapi_ticket; replacing it");
                match self.replace_token(token).await? {
                    Some(fresh) => self.fetch_ticket(&fresh).await,
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// `GET /cgi-bin/ticket/getticket?access_token=…&type=jsapi`.
    async fn fetch_ticket(&self, token: &str) -> Result<(String, i64), OaError> {
        let url = format!(
            "{}/cgi-bin/ticket/getticket?access_token={token}&type=jsapi",
            self.sns_base
        );
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| OaError::Transport(e.without_url().to_string()))?;
        let a: TicketAnswer = r
            .json()
            .await
            .map_err(|e| OaError::Decode(e.without_url().to_string()))?;
        if let Some(code) = a.errcode.filter(|c| *c != 0) {
            return Err(OaError::Api {
                errcode: code,
                errmsg: a.errmsg.unwrap_or_default(),
            });
        }
        let ticket = a
            .ticket
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OaError::Decode("no ticket".into()))?;
        Ok((ticket, a.expires_in.unwrap_or(7200)))
    }

    /// The `wx.config` parameters for a page at `url` (its fragment is dropped).
    pub async fn wx_config(&self, url: &str, apis: &[&str]) -> Result<WxConfig, OaError> {
        let ticket = self.jsapi_ticket().await?;
        let timestamp = self.clock.unix();
        let nonce_str = crate::random::random_token::<8>();
        let url = without_fragment(url).to_string();
        Ok(WxConfig {
            app_id: self.appid.clone(),
            timestamp,
            signature: signature(&ticket, &nonce_str, timestamp, &url),
            nonce_str,
            url,
            js_api_list: apis.iter().map(|s| s.to_string()).collect(),
        })
    }
}

/// The region codes an `openAddress` answer maps onto; `None` where the shopper picks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressRegions {
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
}

/// Maps an `openAddress` answer onto the checkout's province, city and district codes:
/// the 6-digit `nationalCode` (the county) when it is known, its parents derived from it;
/// else the names (`provinceName`, `cityName`, `countryName`) matched level by level, as
/// far as they match.
pub fn address_regions(
    national_code: &str,
    province_name: &str,
    city_name: &str,
    county_name: &str,
) -> AddressRegions {
    use crate::region;
    let c = national_code.trim();
    if c.len() == 6
        && c.bytes().all(|b| b.is_ascii_digit())
        && region::check(&c[..2], &c[..4], c).is_ok()
    {
        return AddressRegions {
            province: Some(c[..2].to_string()),
            city: Some(c[..4].to_string()),
            district: Some(c.to_string()),
        };
    }
    let mut out = AddressRegions::default();
    let Some(p) = find_name(region::provinces(), province_name) else {
        return out;
    };
    out.province = Some(p.code.to_string());
    let cities = region::children(p.code);
    // A municipality's one city is a placeholder (`市辖区`) WeChat names after the province.
    let city = find_name(cities, city_name).or(match cities {
        [only] => Some(*only),
        _ => None,
    });
    let Some(city) = city else {
        return out;
    };
    out.city = Some(city.code.to_string());
    out.district = find_name(region::children(city.code), county_name).map(|d| d.code.to_string());
    out
}

/// The division named `name`: exactly, or without the suffix one side leaves off
/// (`广东` for `广东省`).
fn find_name(list: &[crate::region::Division], name: &str) -> Option<crate::region::Division> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    list.iter()
        .find(|d| d.name == name)
        .or_else(|| {
            list.iter().find(|d| {
                let shorter = |a: &str, b: &str| a.len() >= 6 && b.starts_with(a);
                shorter(name, d.name) || shorter(d.name, name)
            })
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_url_without_its_fragment() {
        let a = signature("T", "N", 1, "https://shop.example/p/mug?ch=x#top");
        let b = signature("T", "N", 1, "https://shop.example/p/mug?ch=x");
        assert_eq!(a, b);
        assert_eq!(a.len(), 40);
        assert_eq!(
            string_to_sign("T", "N", 1, "https://s/#x"),
            "jsapi_ticket=T&noncestr=N&timestamp=1&url=https://s/"
        );
    }

    #[test]
    fn the_national_code_gives_the_three_codes_and_names_fill_in_without_it() {
        let r = address_regions("110105", "", "", "");
        assert_eq!(r.district.as_deref(), Some("110105"));
        assert_eq!(r.city.as_deref(), Some("1101"));
        let r = address_regions("999999", "北京市", "北京市", "朝阳区");
        assert_eq!(r.district.as_deref(), Some("110105"));
        let r = address_regions("", "火星", "", "");
        assert_eq!(r, AddressRegions::default());
    }
}
