//! The back-office audit log's domain: who may do what ([`Role`]), who did it
//! ([`Entry::by`]), and what was done ([`Action`]), each told as a sentence through the
//! text tables (`crate::text::AdminStaffText::sentence`). The store writes an entry inside
//! the transaction of the change it records: its write functions take the entry
//! (`Store::update_order_as`, `put_product_as`, …), so a change cannot commit without it.

use serde::{Deserialize, Serialize};

/// What a back-office member may do. The owner may do everything; staff run the daily
/// work (orders, shipping, after-sales, products) but not refunds, settings, catalog
/// import or staff management; a viewer only looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Staff,
    Viewer,
}

impl Role {
    /// The roles a member may be given (the owner's is not given).
    pub const MEMBER_ROLES: [Role; 2] = [Role::Staff, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
        }
    }

    /// A member's role from a form value (never the owner's).
    pub fn member_role(s: &str) -> Option<Role> {
        Role::MEMBER_ROLES.into_iter().find(|r| r.as_str() == s)
    }

    /// May change things at all (not a viewer).
    pub fn can_change(self) -> bool {
        self != Role::Viewer
    }

    /// Refunds, settings, catalog import, staff and the audit log: the owner's alone.
    pub fn is_owner(self) -> bool {
        self == Role::Owner
    }
}

/// What a back-office member did. Amounts in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Shipped {
        carrier: String,
        tracking_no: String,
    },
    Refunded {
        amount: i64,
        reason: String,
    },
    AftersalesApproved {
        amount: i64,
    },
    AftersalesDeclined {
        reason: String,
    },
    ProductSaved {
        name: String,
    },
    ProductPublished {
        name: String,
        published: bool,
    },
    ImagesChanged {
        name: String,
    },
    StockAdjusted {
        sku: String,
        stock: u32,
    },
    CategorySaved {
        name: String,
    },
    CategoryDeleted {
        id: String,
    },
    CatalogImported {
        products: usize,
    },
    MemberInvited {
        role: Role,
    },
    InviteAccepted {
        role: Role,
    },
    RoleChanged {
        member: String,
        role: Role,
    },
    MemberRevoked {
        member: String,
    },
    LoginSucceeded,
    LoginFailed,
    /// A WeChat domain verification file stored (back office or command line).
    VerifyFileSaved {
        name: String,
    },
    VerifyFileDeleted {
        name: String,
    },
    /// An alert marked as dealt with.
    AlertDismissed {
        alert: crate::alert::AlertKind,
    },
    // -- coupons and shipping templates (issue 15) --
    CouponCreated {
        code: String,
    },
    CouponDisabled {
        code: String,
    },
    ShippingTemplateSaved {
        province: String,
    },
    ShippingTemplateDeleted {
        province: String,
    },
    // -- customer-service contact (issue 15) --
    /// The contact shown at `/service` saved in the back office (empty: not shown).
    ServiceContactSaved {
        phone: String,
        wechat_id: String,
        hours: String,
    },
    // -- the owner's phone (issue 14 item 6) --
    /// A member's WeChat bound for the owner messages by scanning the QR code; `wechat`:
    /// the openid in its masked form, never whole.
    WechatBound {
        wechat: String,
    },
    /// A member unbound their WeChat.
    WechatUnbound,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Sequence number, given by the store when written.
    #[serde(default)]
    pub id: u64,
    /// Unix seconds.
    pub at: i64,
    /// The member's username (for a failed login: the name that was typed).
    pub by: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

impl Entry {
    pub fn new(at: i64, by: &str, action: Action) -> Entry {
        Entry {
            id: 0,
            at,
            by: by.chars().take(64).collect(),
            action,
            order: None,
            product: None,
        }
    }

    /// The order it concerns.
    pub fn order(mut self, no: &str) -> Entry {
        self.order = Some(no.to_string());
        self
    }

    /// The product it concerns.
    pub fn product(mut self, id: &str) -> Entry {
        self.product = Some(id.to_string());
        self
    }
}
