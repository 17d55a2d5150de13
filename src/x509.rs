//! Reading an X.509 certificate (DER) for the few facts puzi needs: its serial number, its
//! validity and its public key (SubjectPublicKeyInfo DER). A leaf: it depends on nothing
//! else in the crate, and the parsing itself is the `x509-parser` crate's. Uses: the
//! WeChat Pay platform and merchant certificates (whose serial is the `Wechatpay-Serial`
//! that names them), and the expiry of the shop's own TLS certificate. No signature chain
//! is checked here; callers trust a certificate for their own reasons.

/// What puzi reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Upper-case hex without leading zeros, as WeChat prints serials (`"0"` for zero).
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    /// The DER of the whole SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
}

/// Parses a DER certificate. Bytes after the certificate are ignored.
pub fn parse(der: &[u8]) -> Result<Certificate, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
    let tbs = &cert.tbs_certificate;
    Ok(Certificate {
        serial: serial_hex(tbs.raw_serial()),
        not_before: tbs.validity.not_before.timestamp(),
        not_after: tbs.validity.not_after.timestamp(),
        spki_der: tbs.subject_pki.raw.to_vec(),
    })
}

/// Upper-case hex of the serial's bytes, leading zeros dropped.
fn serial_hex(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    match hex.trim_start_matches('0') {
        "" => "0".into(),
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_print_as_wechat_prints_them() {
        assert_eq!(serial_hex(&[0x00, 0xF5, 0x76]), "F576");
        assert_eq!(serial_hex(&[0x05, 0xDE]), "5DE");
        assert_eq!(serial_hex(&[0x00]), "0");
        assert_eq!(serial_hex(&[]), "0");
    }

    fn der<T: rustls::pki_types::pem::PemObject + AsRef<[u8]>>(pem: &str) -> Vec<u8> {
        T::from_pem_slice(pem.as_bytes()).unwrap().as_ref().to_vec()
    }

    #[test]
    fn reads_serial_validity_and_key_of_a_wechat_style_certificate() {
        use rustls::pki_types::{CertificateDer, SubjectPublicKeyInfoDer};
        // The V5 known-answer certificate and its public key (`wechat/testdata`).
        let cert = include_str!("wechat/testdata/v5_cert.pem");
        let public = include_str!("wechat/testdata/v5_pub.pem");
        let c = parse(&der::<CertificateDer<'_>>(cert)).unwrap();
        assert_eq!(c.serial, "F5765756002FDD77");
        // 2021-04-27T08:40:32Z to 2031-04-25T08:40:32Z
        assert_eq!(c.not_before, 1619512832);
        assert_eq!(c.not_after, 1934872832);
        assert_eq!(c.spki_der, der::<SubjectPublicKeyInfoDer<'_>>(public));
        // Trailing bytes after the certificate are ignored.
        let mut padded = der::<CertificateDer<'_>>(cert);
        padded.extend_from_slice(b"trailing");
        assert_eq!(parse(&padded).unwrap(), c);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"").is_err());
        assert!(parse(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
    }
}
