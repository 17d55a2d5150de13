//! Known-answer tests: every vector of `shared/reference/wechatpay-test-vectors.md`
//! (public test keys from WeChat's documentation and SDK test suites).

use super::crypto::*;
use super::verify::{SignedHeaders, VerifyError};
use super::x509;

const V1_KEY: &str = include_str!("testdata/v1_key.pem");
const V1_BODY: &str = include_str!("testdata/v1_body.json");
const V3_PUB: &str = include_str!("testdata/v3_pub.pem");
const V5_KEY: &str = include_str!("testdata/v5_key.pem");
const V5_PUB: &str = include_str!("testdata/v5_pub.pem");
const V5_CERT: &str = include_str!("testdata/v5_cert.pem");
const V6_CERT: &str = include_str!("testdata/v6_cert.pem");
const V6_BODY: &str = include_str!("testdata/v6_body.json");
const V6_SIG: &str = include_str!("testdata/v6_signature.txt");
const V8_CIPHERTEXT: &str = include_str!("testdata/v8_ciphertext.txt");

#[test]
fn v1_request_signature_for_jsapi_order() {
    let key = MerchantKey::from_pem(V1_KEY.as_bytes()).unwrap();
    let msg = request_message(
        "POST",
        "/v3/pay/transactions/jsapi",
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        V1_BODY.as_bytes(),
    );
    let sig = key.sign(&msg);
    assert_eq!(
        sig,
        "jnks4dlrPw3ZX+ozVvSK39oa0t7OMBsg83BHAwd8BRdUFiVaQNTLTvci+wURgP1OQBbKYhFGvt7iqYpDSTQkp7Uq1sltaQKyncCyrA1g88m5bsKERQfPyT0ahSwKTYJ1CAn9QiJuSJRq1QsQs07eehbU/k9BCS51jTyc1Jpsi2H77HF9f/BnjXAOP3/sPObg6V5Ee4EzwLox684hhuMuIwHo7D8KFk3LIHOKDcNI4It1aCXydFWNpNK+SG86VUDe5kwoDpw4Ulqfu9z8OFDGbDs9TCxEv8iqQzbpxOlEVoOe2kalSYM5kApQb3nZcxdUtoE0liJGW3RGUNE0t4v01A=="
    );
    let header = authorization(
        "1900007291",
        "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        1554208460,
        &sig,
    );
    let parsed = parse_authorization(&header).unwrap();
    assert_eq!(parsed.mchid, "1900007291");
    assert_eq!(parsed.signature, sig);
    assert_eq!(parsed.timestamp, "1554208460");
}

#[test]
fn v2_pay_sign() {
    let key = MerchantKey::from_pem(V1_KEY.as_bytes()).unwrap();
    let msg = pay_sign_message(
        "wx2421b1c4370ec43b",
        "1554208460",
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        "prepay_id=wx201410272009395522657a690389285100",
    );
    assert_eq!(
        key.sign(&msg),
        "mI35pfNEQV6777ke/1T+LJLQDNTm7yeoUJH+j/adPGhmCCi0PbgkvYQTRcXH0uibcLVtvFLdGLpmoYO9FV6lBBsTAjuhh5YOvQi0e2g3e0yytitiNET9FEuqM0pjnKfRW4K6LIZDdbWJv9KhZUx3DrJa5TL7OJ7VdADVivxVySIlPVKjGwuCXzuXSJes0UcILgWQUMyha5/3nYofuHtS7r+KYyMuxD+oJ9VM1Qdxk4UIG59CP5Y3wtYIFybyF3bdu1caHTRRX+DLyMXyYA/IrTmiW01c4RPjpHBX5Dk1sZyY1zVsWNsvMHr2e1NTWtBxKJ+qk5N61J7caYoepHFaxw=="
    );
}

fn v3_headers(signature: &str, body_ts: &str) -> SignedHeaders {
    SignedHeaders {
        timestamp: body_ts.to_string(),
        nonce: "d824f2e086d3c1df967785d13fcd22ef".into(),
        signature: signature.to_string(),
        serial: "PUB_KEY_ID_0000000000000024101100397200000006".into(),
    }
}

const V3_SIG: &str = "mfI1CPqvBrgcXfgXMFjdNIhBf27ACE2YyeWsWV9ZI7T7RU0vHvbQpu9Z32ogzc+k8ZC5n3kz7h70eWKjgqNdKQF0eRp8mVKlmfzMLBVHbssB9jEZEDXThOX1XFqX7s7ymia1hoHQxQagPGzkdWxtlZPZ4ZPvr1RiqkgAu6Is8MZgXXrRoBKqjmSdrP1N7uxzJ/cjfSiis9FiLjuADoqmQ1P7p2N876YPAol7Rn0+GswwAwxldbdLrmVSjfytfSBJFqTMHn4itojgxSWWN1byuckQt8hSTEv/Lg97QoeGniYP17T80pJeQyL3b+295FPHSO2AtvCgyIbKMZ0BALilAA==";
const V3_BODY: &str = r#"{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}"#;

#[test]
fn v3_response_verification_in_public_key_mode() {
    let key = PublicKey::from_pem(V3_PUB.as_bytes()).unwrap();
    let h = v3_headers(V3_SIG, "1722850421");
    let lookup =
        |s: &str| (s == "PUB_KEY_ID_0000000000000024101100397200000006").then(|| key.clone());
    assert_eq!(
        h.verify(V3_BODY.as_bytes(), 1722850421 + 10, lookup),
        Ok(())
    );
    // One byte of the body changed.
    let tampered = V3_BODY.replace("JyC9", "JyC8");
    assert_eq!(
        h.verify(tampered.as_bytes(), 1722850421, lookup),
        Err(VerifyError::BadSignature { probe: false })
    );
    // A probe signature fails like any bad one.
    let probe = v3_headers("WECHATPAY/SIGNTEST/mfI1CPqvBrgcXfgXMFjd", "1722850421");
    assert_eq!(
        probe.verify(V3_BODY.as_bytes(), 1722850421, lookup),
        Err(VerifyError::BadSignature { probe: true })
    );
    // Outside the five-minute window.
    assert!(matches!(
        h.verify(V3_BODY.as_bytes(), 1722850421 + 300, lookup),
        Err(VerifyError::Stale { .. })
    ));
    // Unknown serial.
    let other = SignedHeaders {
        serial: "PUB_KEY_ID_0000".into(),
        ..h.clone()
    };
    assert_eq!(
        other.verify(V3_BODY.as_bytes(), 1722850421, lookup),
        Err(VerifyError::UnknownSerial("PUB_KEY_ID_0000".into()))
    );
}

#[test]
fn v4_empty_body_get_signature() {
    let key = MerchantKey::from_pem(V1_KEY.as_bytes()).unwrap();
    let msg = request_message(
        "GET",
        "/v3/certificates",
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        b"",
    );
    assert!(msg.ends_with(b"593BEC0C930BF1AFEB40B4A08C8FB242\n\n"));
    assert_eq!(
        key.sign(&msg),
        "JNEITrKv8DWEtBJGZtxG9ARa+eIZDIn1Ht3MQM5j9jP77TtHdfCqLjpwevfWftBuaGMfEdiu2sWYtLvnZIoLW3FH10OVCBzKncid5xClTwav8JX+uDeGBBX8w64iHvFyuQj8ukZT+F1AFJii8hmXLD8Os90thnL0bfJYLo/4K237TH4dEd44NTH9ElFb/ykrvv9RBs+mCNpy5IUe2Qxhba3d3RiMqhWK2sSr3tsVzQihJ0TPMnjWqoU2W5Y/v3rBFDmLhqe0ZW6A4vyvjmiR0v/8XEI25Py4PNyZXszsdl4j0zLqelUJxGEMUBhYg1LIoDPjYMlA9HV1yKD6+JYZJA=="
    );
}

const V5_SIG: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

#[test]
fn v5_sign_source_and_verify_with_key_and_certificate() {
    let key = MerchantKey::from_pem(V5_KEY.as_bytes()).unwrap();
    assert_eq!(key.sign(b"source"), V5_SIG);
    let public = PublicKey::from_pem(V5_PUB.as_bytes()).unwrap();
    assert!(public.verify(b"source", V5_SIG));
    assert_eq!(key.public_key(), public);
    let cert_der = rustls::pki_types::pem::PemObject::from_pem_slice(V5_CERT.as_bytes())
        .map(|c: rustls::pki_types::CertificateDer<'_>| c.as_ref().to_vec())
        .unwrap();
    let cert = x509::parse(&cert_der).unwrap();
    assert_eq!(cert.serial, "F5765756002FDD77");
    assert!(cert.public_key.verify(b"source", V5_SIG));
    assert!(!cert.public_key.verify(b"sourcf", V5_SIG));
    // 2021-04-27 to 2031-04-25
    assert_eq!(cert.not_before, 1619512832);
    assert!(cert.not_after > 1934000000);
}

#[test]
fn v6_full_callback_verifies_and_decrypts() {
    let cert = PublicKey::from_pem(V6_CERT.as_bytes()).unwrap();
    let h = SignedHeaders {
        timestamp: "1624523846".into(),
        nonce: "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz".into(),
        signature: V6_SIG.trim().into(),
        serial: "D7CE59D1F522D701".into(),
    };
    let lookup = |s: &str| (s == "D7CE59D1F522D701").then(|| cert.clone());
    assert_eq!(h.verify(V6_BODY.as_bytes(), 1624523846, lookup), Ok(()));
    let n = super::notify::decrypt(V6_BODY.as_bytes(), b"testMchAPIv3Key0").unwrap();
    assert_eq!(n.event_type, "PAYSCORE.USER_OPEN_SERVICE");
    assert_eq!(n.summary, "签约成功");
    assert_eq!(
        n.plaintext,
        r#"{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c","create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}"#
    );
    assert_eq!(n.event, super::notify::Event::Other);
}

#[test]
fn v7_aes_256_gcm_round_trip() {
    let key = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    let ct = aead_encrypt(key, b"uluk4a9R25RW", b"associatedData", b"message").unwrap();
    assert_eq!(ct, "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=");
    assert_eq!(
        aead_decrypt(key, b"uluk4a9R25RW", b"associatedData", &ct).unwrap(),
        "message"
    );
    assert_eq!(
        aead_decrypt(key, b"uluk4a9R25RW", b"bad-associatedData", &ct),
        Err(AeadError::Open)
    );
    assert_eq!(
        aead_decrypt(key, b"bad-4a9R25RW", b"associatedData", &ct),
        Err(AeadError::Open)
    );
    use base64::Engine;
    let zeros = base64::engine::general_purpose::STANDARD.encode([0u8; 128]);
    assert_eq!(
        aead_decrypt(key, b"uluk4a9R25RW", b"associatedData", &zeros),
        Err(AeadError::Open)
    );
}

#[test]
fn v8_platform_certificate_download_decrypts() {
    let pem = aead_decrypt(
        b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
        b"14b16c03dc1b",
        b"certificate",
        V8_CIPHERTEXT,
    )
    .unwrap();
    assert_eq!(pem.len(), 1475);
    assert_eq!(
        sha256_hex(pem.as_bytes()),
        "8693813ac0735cb54b6e67f25086a5924c103712255b8857049b8e502d564eb4"
    );
    let der = rustls::pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|c: rustls::pki_types::CertificateDer<'_>| c.as_ref().to_vec())
        .unwrap();
    let cert = x509::parse(&der).unwrap();
    assert_eq!(cert.serial, "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC");
}

#[test]
fn v9_aes_128_gcm_and_its_negative_cases() {
    let (key, nonce, aad) = (
        b"testAPIv3Key0000",
        b"wCq51qZv4Yfg",
        b"Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
    );
    assert_eq!(
        aead_decrypt(key, nonce, aad, "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC").unwrap(),
        "Hello World"
    );
    assert_eq!(
        aead_decrypt(key, nonce, aad, "invalid cipher"),
        Err(AeadError::Base64)
    );
    assert_eq!(
        aead_decrypt(key, nonce, aad, "SGVsbG8gV29ybGQK"),
        Err(AeadError::Open)
    );
    assert_eq!(
        aead_decrypt(
            b"not a aes key",
            nonce,
            aad,
            "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"
        ),
        Err(AeadError::KeyLength)
    );
    assert_eq!(
        aead_decrypt(
            b"testAPIv3Key1111",
            nonce,
            aad,
            "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"
        ),
        Err(AeadError::Open)
    );
}

#[test]
fn v10_is_js_sdk_only() {
    // V10 (the JS-SDK wx.config SHA-1) is for wx.chooseWXPay, which puzi does not use: the
    // pay page calls WeixinJSBridge directly (no jsapi_ticket, no JS-safe domain). Pin the
    // digest primitive it would rely on anyway.
    let s = "jsapi_ticket=sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com";
    assert_eq!(
        sha1_hex(s.as_bytes()),
        "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    );
}

// -- property tests: random inputs from the OS RNG, many cases each -------------------------

fn random_vec(max: usize) -> Vec<u8> {
    let mut len = [0u8; 2];
    aws_lc_rs::rand::fill(&mut len).unwrap();
    let n = usize::from(u16::from_le_bytes(len)) % (max + 1);
    let mut v = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut v).unwrap();
    v
}

#[test]
fn prop_decrypt_inverts_encrypt() {
    for _ in 0..300 {
        let key: [u8; 32] = crate::random::random_bytes();
        let nonce: [u8; 12] = crate::random::random_bytes();
        let aad = random_vec(32);
        let plain = String::from_utf8_lossy(&random_vec(2048)).into_owned();
        let ct = aead_encrypt(&key, &nonce, &aad, plain.as_bytes()).unwrap();
        assert_eq!(aead_decrypt(&key, &nonce, &aad, &ct).unwrap(), plain);
    }
}

#[test]
fn prop_any_one_byte_change_is_refused() {
    use base64::Engine;
    let key = MerchantKey::generate();
    let public = key.public_key();
    let lookup = |s: &str| (s == "K").then(|| public.clone());
    for round in 0..4 {
        let body = format!(
            "{{\"n\":{round},\"x\":\"{}\"}}",
            crate::random::random_token::<8>()
        );
        let ts = "1700000000".to_string();
        let nonce = nonce();
        let sig = key.sign(&response_message(&ts, &nonce, body.as_bytes()));
        let good = SignedHeaders {
            timestamp: ts.clone(),
            nonce: nonce.clone(),
            signature: sig.clone(),
            serial: "K".into(),
        };
        assert_eq!(good.verify(body.as_bytes(), 1700000000, lookup), Ok(()));
        // Every byte of the body.
        for i in 0..body.len() {
            let mut b = body.clone().into_bytes();
            b[i] ^= 0x01;
            assert!(
                good.verify(&b, 1700000000, lookup).is_err(),
                "body byte {i}"
            );
        }
        // Every byte of the signature.
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&sig)
            .unwrap();
        for i in 0..raw.len() {
            let mut r = raw.clone();
            r[i] ^= 0x80;
            let h = SignedHeaders {
                signature: base64::engine::general_purpose::STANDARD.encode(&r),
                ..good.clone()
            };
            assert!(
                h.verify(body.as_bytes(), 1700000000, lookup).is_err(),
                "signature byte {i}"
            );
        }
        // Every digit of the timestamp (still inside the window where possible).
        for i in 0..ts.len() {
            let mut t = ts.clone().into_bytes();
            t[i] = if t[i] == b'9' { b'8' } else { t[i] + 1 };
            let t = String::from_utf8(t).unwrap();
            let now: i64 = t.parse().unwrap();
            let h = SignedHeaders {
                timestamp: t,
                ..good.clone()
            };
            assert!(
                h.verify(body.as_bytes(), now, lookup).is_err(),
                "timestamp digit {i}"
            );
        }
        // Every character of the nonce.
        for i in 0..nonce.len() {
            let mut n = nonce.clone().into_bytes();
            n[i] = if n[i] == b'a' { b'b' } else { b'a' };
            let h = SignedHeaders {
                nonce: String::from_utf8(n).unwrap(),
                ..good.clone()
            };
            assert!(
                h.verify(body.as_bytes(), 1700000000, lookup).is_err(),
                "nonce char {i}"
            );
        }
    }
}

#[test]
fn malformed_notifications_are_errors_never_panics() {
    let key = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    let good = super::notify::encrypt(
        key,
        "EV-1",
        "2026-11-25T00:00:00+08:00",
        "TRANSACTION.SUCCESS",
        "ok",
        "transaction",
        r#"{"out_trade_no":"X1234567","trade_state":"SUCCESS"}"#,
    )
    .unwrap();
    assert!(super::notify::decrypt(good.as_bytes(), key).is_ok());
    // Every truncation and a sweep of single-byte corruptions.
    for n in 0..good.len() {
        let _ = super::notify::decrypt(&good.as_bytes()[..n], key);
    }
    for i in 0..good.len() {
        let mut b = good.clone().into_bytes();
        b[i] = b[i].wrapping_add(1);
        let _ = super::notify::decrypt(&b, key);
    }
    for _ in 0..500 {
        let _ = super::notify::decrypt(&random_vec(600), key);
    }
    let wrong_types = [
        r#"{"id":1,"event_type":"X","resource":{}}"#,
        r#"{"id":"1","event_type":"TRANSACTION.SUCCESS","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"short","ciphertext":"AAAA"}}"#,
        r#"[]"#,
        r#"null"#,
    ];
    for w in wrong_types {
        assert!(super::notify::decrypt(w.as_bytes(), key).is_err(), "{w}");
    }
}
