//! `[shop] service_phone`, `service_wechat_id`, `service_hours`: the shop's customer-service
//! contact, checked when the config is read (a phone number a `tel:` link can dial, a WeChat
//! ID without spaces, short hours); empty values count as unset.

use super::Service;
use super::validate::{Invalid, invalid};

/// `[shop] service_*`: a phone number a `tel:` link can dial, a WeChat ID, opening hours.
pub(super) fn read(
    phone: Option<String>,
    wechat_id: Option<String>,
    hours: Option<String>,
) -> Result<Service, Invalid> {
    let nonempty = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (phone, wechat_id, hours) = (nonempty(phone), nonempty(wechat_id), nonempty(hours));
    if let Some(p) = &phone
        && (p.len() > 30
            || !p.bytes().any(|b| b.is_ascii_digit())
            || !p
                .bytes()
                .all(|b| b.is_ascii_digit() || b" +-()".contains(&b)))
    {
        return Err(invalid(
            "shop.service_phone",
            format!("{p:?} is not a phone number (digits, spaces, + - and brackets, at most 30)"),
        ));
    }
    if let Some(w) = &wechat_id
        && (w.chars().count() > 40 || w.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(invalid(
            "shop.service_wechat_id",
            format!("{w:?} is not a WeChat ID (no spaces, at most 40 characters)"),
        ));
    }
    if let Some(h) = &hours
        && (h.chars().count() > 60 || h.chars().any(char::is_control))
    {
        return Err(invalid(
            "shop.service_hours",
            "must be at most 60 characters",
        ));
    }
    Ok(Service {
        phone,
        wechat_id,
        hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_values_are_checked_and_empty_ones_are_unset() {
        let s = read(
            Some("400 800 1234".into()),
            Some("shop_kefu".into()),
            Some(" ".into()),
        )
        .unwrap();
        assert_eq!(s.phone.as_deref(), Some("400 800 1234"));
        assert_eq!(s.hours, None);
        assert!(s.is_set());
        let e = read(Some("call us".into()), None, None).unwrap_err();
        assert_eq!(e.key, "shop.service_phone");
        let e = read(None, Some("has space".into()), None).unwrap_err();
        assert_eq!(e.key, "shop.service_wechat_id");
        assert!(!read(None, None, None).unwrap().is_set());
    }
}
