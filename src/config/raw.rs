//! The file's shape as serde reads it: every key optional, unknown keys refused. Nothing
//! here is checked beyond TOML types; `validate` turns these into the typed `Config`.

use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) shop: RawShop,
    #[serde(default)]
    pub(super) server: RawServer,
    #[serde(default)]
    pub(super) storage: RawStorage,
    #[serde(default)]
    pub(super) tls: RawTls,
    #[serde(default)]
    pub(super) wechat: RawWechat,
    #[serde(default)]
    pub(super) log: RawLog,
    #[serde(default)]
    pub(super) sandbox: RawSandbox,
    #[serde(default)]
    pub(super) jobs: RawJobs,
    #[serde(default)]
    pub(super) backup: RawBackup,
    #[serde(default)]
    pub(super) owner: RawOwner,
}

/// `[owner]`: the owner's phone (issue 14).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOwner {
    pub(super) quiet_hours: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackup {
    pub(super) interval_hours: Option<u64>,
    pub(super) keep: Option<usize>,
    pub(super) dir: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJobs {
    pub(super) interval_secs: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSandbox {
    pub(super) notify_retry_scale: Option<f64>,
    pub(super) refund_delay_secs: Option<i64>,
    pub(super) exchange_rate: Option<f64>,
    pub(super) public: Option<bool>,
    pub(super) refill: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShop {
    pub(super) name: Option<String>,
    pub(super) base_url: Option<String>,
    pub(super) currency: Option<String>,
    pub(super) language: Option<String>,
    pub(super) shipping_fee: Option<String>,
    pub(super) free_shipping_over: Option<String>,
    pub(super) order_timeout_minutes: Option<u64>,
    pub(super) auto_complete_days: Option<u32>,
    pub(super) order_link_days: Option<u32>,
    pub(super) session_idle_days: Option<u32>,
    pub(super) max_unpaid_orders: Option<u32>,
    pub(super) checkouts_per_hour: Option<u32>,
    pub(super) thanks_text: Option<String>,
    pub(super) thanks_image: Option<String>,
    pub(super) thanks_link: Option<String>,
    pub(super) thanks_link_text: Option<String>,
    // customer service (issue 15)
    pub(super) service_phone: Option<String>,
    pub(super) service_wechat_id: Option<String>,
    pub(super) service_hours: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) listen: Option<String>,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<String>,
    pub(super) body_limit_kb: Option<u64>,
    pub(super) body_timeout_secs: Option<u64>,
    pub(super) idle_timeout_secs: Option<u64>,
    pub(super) max_connections: Option<usize>,
    pub(super) metrics_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub(super) data_dir: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTls {
    pub(super) mode: Option<String>,
    #[serde(default)]
    pub(super) names: Vec<String>,
    pub(super) cert_file: Option<String>,
    pub(super) key_file: Option<String>,
    pub(super) acme_directory: Option<String>,
    pub(super) acme_email: Option<String>,
    pub(super) acme_ca_file: Option<String>,
    pub(super) http_listen: Option<String>,
    pub(super) reload_secs: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub(super) format: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWechat {
    pub(super) mode: Option<String>,
    pub(super) flavour: Option<String>,
    pub(super) merchant_category_code: Option<String>,
    pub(super) sp_mchid: Option<String>,
    pub(super) sp_appid: Option<String>,
    pub(super) sub_mchid: Option<String>,
    pub(super) sub_appid: Option<String>,
    pub(super) appid: Option<String>,
    pub(super) app_secret: Option<String>,
    pub(super) mchid: Option<String>,
    pub(super) merchant_serial_no: Option<String>,
    pub(super) merchant_key_file: Option<String>,
    pub(super) merchant_cert_file: Option<String>,
    pub(super) apiv3_key_file: Option<String>,
    pub(super) public_key_id: Option<String>,
    pub(super) public_key_file: Option<String>,
    pub(super) platform_certificates: Option<bool>,
    pub(super) api_base: Option<String>,
    pub(super) oauth_base: Option<String>,
    pub(super) sns_base: Option<String>,
    pub(super) shipped_template_id: Option<String>,
    pub(super) shipped_template_keys: Option<Vec<String>>,
    pub(super) aftersales_template_id: Option<String>,
    pub(super) owner_order_template_id: Option<String>,
    pub(super) owner_aftersales_template_id: Option<String>,
    pub(super) owner_alert_template_id: Option<String>,
    pub(super) owner_template_keys: Option<Vec<String>>,
    pub(super) follow_qr_image: Option<String>,
    #[serde(default)]
    pub(super) menu: Vec<RawMenuButton>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMenuButton {
    pub(super) name: String,
    pub(super) url: String,
}
