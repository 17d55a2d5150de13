//! Notification parsing on arbitrary input: headers from the first bytes, the rest as the
//! body. Anything may fail; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().copied().unwrap_or(0) as usize % (data.len().max(1));
    let (head, body) = data.split_at(split.min(data.len()));
    let mut headers = hyper::HeaderMap::new();
    for (i, line) in head.split(|b| *b == b'\n').enumerate().take(5) {
        let name = ["wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial", "wechatpay-signature-type"][i];
        if let Ok(v) = hyper::header::HeaderValue::from_bytes(line) {
            headers.insert(name, v);
        }
    }
    if let Ok(signed) = puzi::wechat::verify::SignedHeaders::from_headers(&headers) {
        let key = puzi::wechat::PublicKey::from_spki_der(body);
        let _ = signed.verify(body, 1_700_000_000, |_| Some(key.clone()));
    }
    let _ = puzi::wechat::notify::decrypt(body, b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb");
    let _ = puzi::wechat::notify::decrypt(body, b"testAPIv3Key0000");
});
