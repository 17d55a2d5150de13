//! WeChat Pay notifications: from raw headers and raw body, verify the signature, then
//! decrypt `resource` with the APIv3 key into a typed `TRANSACTION.*` or `REFUND.*` event.
//! Malformed input of any kind is a `NotifyError`, never a panic.

use super::crypto::{self, AeadError};
use super::pay::{EncryptedResource, Transaction};
use super::verify::VerifyError;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum NotifyError {
    #[error("signature: {0}")]
    Verify(#[from] VerifyError),
    #[error("not a notification envelope: {0}")]
    Malformed(String),
    #[error("unsupported resource algorithm {0}")]
    Algorithm(String),
    #[error("cannot decrypt the resource: {0}")]
    Decrypt(#[from] AeadError),
    #[error("the decrypted resource is not a valid {kind}: {detail}")]
    Resource { kind: &'static str, detail: String },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct Envelope {
    id: String,
    #[serde(default)]
    create_time: String,
    event_type: String,
    #[serde(default)]
    resource_type: String,
    #[serde(default)]
    summary: String,
    resource: EncryptedResource,
}

/// A decrypted refund notification resource. Note `refund_status`, not `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotice {
    #[serde(default)]
    pub mchid: Option<String>,
    #[serde(default)]
    pub out_trade_no: Option<String>,
    #[serde(default)]
    pub transaction_id: Option<String>,
    pub out_refund_no: String,
    #[serde(default)]
    pub refund_id: Option<String>,
    pub refund_status: String,
    #[serde(default)]
    pub success_time: Option<String>,
    #[serde(default)]
    pub amount: Option<super::pay::RefundAmount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `TRANSACTION.SUCCESS`.
    TransactionSuccess(Box<Transaction>),
    /// `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    Refund(Box<RefundNotice>),
    /// Any other event type, kept with its decrypted text.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub summary: String,
    /// The decrypted resource, as WeChat sent it.
    pub plaintext: String,
    pub event: Event,
}

/// Decrypts a notification whose signature has already been verified.
pub fn decrypt(body: &[u8], apiv3_key: &[u8]) -> Result<Notification, NotifyError> {
    let env: Envelope =
        serde_json::from_slice(body).map_err(|e| NotifyError::Malformed(e.to_string()))?;
    let r = &env.resource;
    if r.algorithm != "AEAD_AES_256_GCM" {
        return Err(NotifyError::Algorithm(r.algorithm.clone()));
    }
    let plaintext = crypto::aead_decrypt(
        apiv3_key,
        r.nonce.as_bytes(),
        r.associated_data.as_bytes(),
        &r.ciphertext,
    )?;
    let event = if env.event_type.starts_with("TRANSACTION.") {
        let t: Transaction =
            serde_json::from_str(&plaintext).map_err(|e| NotifyError::Resource {
                kind: "transaction",
                detail: e.to_string(),
            })?;
        if env.event_type == "TRANSACTION.SUCCESS" {
            Event::TransactionSuccess(Box::new(t))
        } else {
            Event::Other
        }
    } else if env.event_type.starts_with("REFUND.") {
        Event::Refund(Box::new(serde_json::from_str(&plaintext).map_err(|e| {
            NotifyError::Resource {
                kind: "refund",
                detail: e.to_string(),
            }
        })?))
    } else {
        Event::Other
    };
    Ok(Notification {
        id: env.id,
        create_time: env.create_time,
        event_type: env.event_type,
        summary: env.summary,
        plaintext,
        event,
    })
}

/// Builds an encrypted notification body exactly as WeChat does (used by the sandbox and
/// tests): `resource` is `plaintext` under AEAD_AES_256_GCM with a random 12-char nonce.
pub fn encrypt(
    apiv3_key: &[u8],
    id: &str,
    create_time: &str,
    event_type: &str,
    summary: &str,
    original_type: &str,
    plaintext: &str,
) -> Result<String, AeadError> {
    let nonce: String = crypto::nonce().chars().take(12).collect();
    let ciphertext = crypto::aead_encrypt(
        apiv3_key,
        nonce.as_bytes(),
        original_type.as_bytes(),
        plaintext.as_bytes(),
    )?;
    Ok(serde_json::json!({
        "id": id,
        "create_time": create_time,
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": original_type,
            "nonce": nonce,
        }
    })
    .to_string())
}
