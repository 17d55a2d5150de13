//! The address part of checkout: a saved address picked from the shopper's book, or a new
//! one from the three dependent region selects (codes checked on the server, so the form
//! works without JavaScript) plus the street line; and `GET /regions/{code}` for the
//! selects' script.

use super::Ctx;
use super::http::{Resp, WebError, json};
use crate::order::{AddressBook, AddressParts, CheckoutForm};
use crate::region::{self, RegionError};
use std::collections::HashMap;

/// What the address part of a posted checkout form says.
#[derive(Clone, Debug, Default)]
pub struct AddressInput {
    /// A saved address chosen by id; `None` for a new one.
    pub chosen: Option<u32>,
    /// The new address's codes and street (or the chosen one's).
    pub parts: AddressParts,
    pub make_default: bool,
    /// Why the address cannot be used as posted (shown above the selects).
    pub problem: Option<&'static str>,
    /// The no-JS "update the choices" button: re-render, place nothing.
    pub refresh: bool,
    /// Whether the form used the structured fields at all (else the free-text `address`).
    pub structured: bool,
}

impl AddressInput {
    /// Pre-filled from the book's default address.
    pub fn from_book(book: &AddressBook) -> AddressInput {
        match book.default_entry() {
            Some(e) => AddressInput {
                chosen: Some(e.id),
                parts: e.parts.clone(),
                structured: true,
                ..AddressInput::default()
            },
            None => AddressInput {
                structured: true,
                ..AddressInput::default()
            },
        }
    }
}

fn region_problem(ctx: &Ctx, e: RegionError) -> &'static str {
    let st = ctx.app.config.shop.language.text().shopper();
    match e {
        RegionError::NoProvince => st.no_province,
        RegionError::NoCity => st.no_city,
        RegionError::NoDistrict => st.no_district,
        RegionError::Unknown => st.unknown_region,
    }
}

/// Reads the checkout form: the recipient fields with the whole address as one line, and
/// the address input beside them.
pub fn read(
    ctx: &Ctx,
    f: &HashMap<String, String>,
    book: &AddressBook,
) -> (CheckoutForm, AddressInput) {
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut form = CheckoutForm {
        name: get("name"),
        mobile: get("mobile"),
        address: f.get("address").cloned().unwrap_or_default(),
        note: get("note"),
    };
    let mut input = AddressInput {
        make_default: f.contains_key("make_default"),
        refresh: f.contains_key("refresh"),
        ..AddressInput::default()
    };
    match f.get("addr").map(String::as_str) {
        Some(id) if id != "new" => {
            input.structured = true;
            match id.parse::<u32>().ok().and_then(|id| book.get(id)) {
                Some(e) => {
                    input.chosen = Some(e.id);
                    input.parts = e.parts.clone();
                    form.name = e.name.clone();
                    form.mobile = e.mobile.clone();
                    form.address = e.address.clone();
                }
                None => {
                    input.problem = Some(
                        ctx.app
                            .config
                            .shop
                            .language
                            .text()
                            .shopper()
                            .unknown_address,
                    )
                }
            }
            return (form, input);
        }
        _ => {}
    }
    let keys = ["province", "city", "district", "street"];
    if !keys.iter().any(|k| f.contains_key(*k)) {
        // The free-text address (older clients and scripts).
        return (form, input);
    }
    input.structured = true;
    input.parts = AddressParts {
        province: get("province"),
        city: get("city"),
        district: get("district"),
        street: get("street"),
    };
    let p = &input.parts;
    match region::check(&p.province, &p.city, &p.district) {
        // An empty street leaves the address empty: "required" under it.
        Ok(r) if p.street.is_empty() => {
            let _ = r;
            form.address = String::new();
        }
        Ok(r) => form.address = format!("{} {}", r.display(), p.street),
        Err(e) => {
            if !input.refresh {
                input.problem = Some(region_problem(ctx, e));
            }
        }
    }
    (form, input)
}

/// `GET /regions/{code}` → `[{"code": …, "name": …}]`: the cities of a province or the
/// districts of a city; `GET /regions/0` the provinces.
pub async fn children(code: &str) -> Result<Resp, WebError> {
    let list = if code == "0" {
        region::provinces()
    } else {
        region::children(code)
    };
    if list.is_empty() {
        return Err(WebError::NotFound);
    }
    let v: Vec<_> = list
        .iter()
        .map(|d| serde_json::json!({ "code": d.code, "name": d.name }))
        .collect();
    Ok(json(&serde_json::Value::Array(v)))
}
