//! The checkout form: what the shopper typed, validated into a recipient and a note, or
//! every problem listed by field.

use super::Recipient;
use serde::{Deserialize, Serialize};

/// Fields of the checkout form, for errors shown beside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Mobile,
    Address,
    Note,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    TooLong(usize),
    BadMobile,
}

pub const NAME_MAX: usize = 30;
pub const ADDRESS_MAX: usize = 200;
pub const NOTE_MAX: usize = 200;

/// The checkout form as posted. Everything is text until validated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub note: String,
}

impl CheckoutForm {
    /// Validates into a recipient and a note, or lists every problem by field.
    pub fn validate(&self) -> Result<(Recipient, String), Vec<(Field, FieldProblem)>> {
        let mut errors = Vec::new();
        let name = clean(&self.name);
        let address = clean(&self.address);
        let note = clean(&self.note);
        let mobile: String = self
            .mobile
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        check_text(&mut errors, Field::Name, &name, NAME_MAX, true);
        check_text(&mut errors, Field::Address, &address, ADDRESS_MAX, true);
        check_text(&mut errors, Field::Note, &note, NOTE_MAX, false);
        if mobile.is_empty() {
            errors.push((Field::Mobile, FieldProblem::Required));
        } else if !is_mobile(&mobile) {
            errors.push((Field::Mobile, FieldProblem::BadMobile));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Recipient {
                name,
                mobile,
                address,
                parts: None,
            },
            note,
        ))
    }
}

/// Trims, folds runs of whitespace and drops control characters.
fn clean(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_text(
    errors: &mut Vec<(Field, FieldProblem)>,
    field: Field,
    value: &str,
    max: usize,
    required: bool,
) {
    let n = value.chars().count();
    if required && n == 0 {
        errors.push((field, FieldProblem::Required));
    } else if n > max {
        errors.push((field, FieldProblem::TooLong(max)));
    }
}

/// A mainland mobile number (`1[3-9]` and nine digits) or an international one (`+` and 6–15 digits).
pub fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    if let Some(rest) = s.strip_prefix('+') {
        return (6..=15).contains(&rest.len()) && rest.bytes().all(|c| c.is_ascii_digit());
    }
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_validation_lists_every_field() {
        let form = CheckoutForm {
            name: "  ".into(),
            mobile: "12345".into(),
            address: "x".repeat(201),
            note: String::new(),
        };
        let errs = form.validate().unwrap_err();
        assert!(errs.contains(&(Field::Name, FieldProblem::Required)));
        assert!(errs.contains(&(Field::Mobile, FieldProblem::BadMobile)));
        assert!(errs.contains(&(Field::Address, FieldProblem::TooLong(200))));

        let ok = CheckoutForm {
            name: " 张三 ".into(),
            mobile: "138-0013-8000".into(),
            address: "上海市 徐汇区\n漕溪北路 1 号".into(),
            note: String::new(),
        };
        let (r, _) = ok.validate().unwrap();
        assert_eq!(r.name, "张三");
        assert_eq!(r.mobile, "13800138000");
        assert_eq!(r.address, "上海市 徐汇区 漕溪北路 1 号");
    }
}
