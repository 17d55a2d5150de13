//! Just enough X.509 (DER) to use a WeChat Pay platform certificate: its serial number
//! (the `Wechatpay-Serial` that names it), its validity and its public key. The signature
//! chain is not checked here: a platform certificate is trusted because it arrived
//! encrypted under the merchant's APIv3 key from an authenticated API call.

use super::crypto::PublicKey;

#[derive(Debug)]
pub struct Certificate {
    /// Upper-case hex without leading zeros, as WeChat prints serials.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub public_key: PublicKey,
}

struct Tlv<'a> {
    tag: u8,
    /// The whole element, header included.
    raw: &'a [u8],
    body: &'a [u8],
}

fn tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let tag = *input.first().ok_or("truncated")?;
    let first = *input.get(1).ok_or("truncated")?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err("unsupported length".into());
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i).ok_or("truncated")?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len).ok_or("length overflow")?;
    if input.len() < end {
        return Err("truncated".into());
    }
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            body: &input[hdr..end],
        },
        &input[end..],
    ))
}

fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(Tlv<'a>, &'a [u8]), String> {
    let (t, rest) = tlv(input)?;
    if t.tag != tag {
        return Err(format!("expected {what}"));
    }
    Ok((t, rest))
}

fn digits(s: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| "bad time".to_string())
}

fn time(t: &Tlv<'_>) -> Result<i64, String> {
    let b = t.body;
    let (year, rest) = match t.tag {
        0x17 if b.len() >= 12 => {
            let y = digits(&b[0..2])?;
            (if y >= 50 { 1900 + y } else { 2000 + y }, &b[2..])
        }
        0x18 if b.len() >= 14 => (digits(&b[0..4])?, &b[4..]),
        _ => return Err("bad time".into()),
    };
    let month = digits(&rest[0..2])? as u8;
    let day = digits(&rest[2..4])? as u8;
    let (h, m, s) = (
        digits(&rest[4..6])?,
        digits(&rest[6..8])?,
        digits(&rest[8..10])?,
    );
    let date = time::Date::from_calendar_date(
        year as i32,
        time::Month::try_from(month).map_err(|_| "bad month")?,
        day,
    )
    .map_err(|_| "bad date")?;
    let dt = date
        .with_hms(h as u8, m as u8, s as u8)
        .map_err(|_| "bad time")?
        .assume_utc();
    Ok(dt.unix_timestamp())
}

/// Parses a DER certificate.
pub fn parse(der: &[u8]) -> Result<Certificate, String> {
    let (cert, _) = expect(der, 0x30, "certificate")?;
    let (tbs, _) = expect(cert.body, 0x30, "tbsCertificate")?;
    let mut rest = tbs.body;
    let (first, after) = tlv(rest)?;
    if first.tag == 0xa0 {
        rest = after;
    }
    let (serial, r) = expect(rest, 0x02, "serial")?;
    let (_sigalg, r) = expect(r, 0x30, "signature algorithm")?;
    let (_issuer, r) = expect(r, 0x30, "issuer")?;
    let (validity, r) = expect(r, 0x30, "validity")?;
    let (_subject, r) = expect(r, 0x30, "subject")?;
    let (spki, _) = expect(r, 0x30, "subjectPublicKeyInfo")?;
    let (nb, vr) = tlv(validity.body)?;
    let (na, _) = tlv(vr)?;
    let mut serial_bytes = serial.body;
    while serial_bytes.len() > 1 && serial_bytes[0] == 0 {
        serial_bytes = &serial_bytes[1..];
    }
    let serial_hex = crate::id::hex(serial_bytes).to_ascii_uppercase();
    let serial_hex = serial_hex.trim_start_matches('0');
    Ok(Certificate {
        serial: if serial_hex.is_empty() {
            "0".into()
        } else {
            serial_hex.to_string()
        },
        not_before: time(&nb)?,
        not_after: time(&na)?,
        public_key: PublicKey::from_spki_der(spki.raw),
    })
}
