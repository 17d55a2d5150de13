//! The back office's words for staff and the audit log, in Simplified Chinese and English:
//! roles, invitations, the member list, the refusal page, and each audit entry as a
//! sentence. Reached by `AdminText::staff`.

use super::{ADMIN_ZH, AdminText, Lang};
use crate::audit::{Action, Role};
use crate::money::{Currency, Money};

/// Staff and audit-log words. Plain fields for fixed words; methods for sentences.
pub struct AdminStaffText {
    lang: Lang,
    pub nav_staff: &'static str,
    pub nav_audit: &'static str,
    pub forbidden_title: &'static str,
    pub title: &'static str,
    pub invite: &'static str,
    pub role: &'static str,
    pub invite_button: &'static str,
    pub invite_link_title: &'static str,
    pub invite_link_hint: &'static str,
    pub members: &'static str,
    pub joined: &'static str,
    pub change_role: &'static str,
    pub revoke: &'static str,
    pub revoke_title: &'static str,
    pub cancel: &'static str,
    pub no_members: &'static str,
    pub owner_fixed: &'static str,
    pub join_title: &'static str,
    pub join_button: &'static str,
    pub join_done: &'static str,
    pub name_taken: &'static str,
    pub audit_title: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub order: &'static str,
    pub product: &'static str,
    pub everyone: &'static str,
    pub filter: &'static str,
    pub older: &'static str,
    pub export: &'static str,
    pub empty: &'static str,
}

impl AdminText {
    /// Staff and audit-log words.
    pub fn staff(&self) -> &'static AdminStaffText {
        if std::ptr::eq(self, &ADMIN_ZH) {
            &STAFF_ZH
        } else {
            &STAFF_EN
        }
    }
}

impl AdminStaffText {
    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    pub fn role(&self, r: Role) -> &'static str {
        match (self.zh(), r) {
            (true, Role::Owner) => "店主",
            (true, Role::Staff) => "员工",
            (true, Role::Viewer) => "只读",
            (false, Role::Owner) => "Owner",
            (false, Role::Staff) => "Staff",
            (false, Role::Viewer) => "Viewer",
        }
    }

    /// What a role may do, in a sentence.
    pub fn role_means(&self, r: Role) -> &'static str {
        match (self.zh(), r) {
            (true, Role::Owner) => "可以做所有操作",
            (true, Role::Staff) => {
                "处理订单、发货、售后和商品；不能退款、修改设置、导入商品或管理成员"
            }
            (true, Role::Viewer) => "只能查看，不能修改任何内容",
            (false, Role::Owner) => "May do everything",
            (false, Role::Staff) => {
                "Orders, shipping, after-sales and products; no refunds, settings, catalog import or staff"
            }
            (false, Role::Viewer) => "May look at everything and change nothing",
        }
    }

    /// The refusal page's explanation.
    pub fn forbidden(&self, r: Role) -> String {
        let role = self.role(r);
        if self.zh() {
            format!("你的账号角色是「{role}」，不能进行这项操作。如有需要，请联系店主。")
        } else {
            format!(
                "Your account's role is “{role}”, which may not do this. Ask the shop owner if you need it."
            )
        }
    }

    /// The confirmation before removing a member.
    pub fn revoke_confirm(&self, name: &str) -> String {
        if self.zh() {
            format!("移除成员 {name}？对方会立即退出登录，之后无法再登录。")
        } else {
            format!("Remove {name}? They are signed out at once and cannot sign in again.")
        }
    }

    /// An audit entry as a sentence (without who and when, which have their columns).
    pub fn sentence(&self, a: &Action, cur: Currency) -> String {
        let zh = self.zh();
        let money = |m: i64| Money(m).display(cur);
        match a {
            Action::Shipped {
                carrier,
                tracking_no,
            } => {
                let (c, _) = crate::carrier::display(carrier, tracking_no, self.lang);
                if zh {
                    format!("发货：{c}，运单号 {tracking_no}")
                } else {
                    format!("Shipped with {c}, tracking number {tracking_no}")
                }
            }
            Action::Refunded { amount, reason } => {
                if zh {
                    format!("退款 {}，原因：{reason}", money(*amount))
                } else {
                    format!("Refunded {}; reason: {reason}", money(*amount))
                }
            }
            Action::AftersalesApproved { amount } => {
                if zh {
                    format!("同意售后申请并退款 {}", money(*amount))
                } else {
                    format!(
                        "Approved the after-sales request and refunded {}",
                        money(*amount)
                    )
                }
            }
            Action::AftersalesDeclined { reason } => {
                if zh {
                    format!("拒绝售后申请，原因：{reason}")
                } else {
                    format!("Declined the after-sales request; reason: {reason}")
                }
            }
            Action::ProductSaved { name } => {
                if zh {
                    format!("保存商品「{name}」")
                } else {
                    format!("Saved the product “{name}”")
                }
            }
            Action::ProductPublished { name, published } => match (zh, published) {
                (true, true) => format!("上架商品「{name}」"),
                (true, false) => format!("下架商品「{name}」"),
                (false, true) => format!("Published the product “{name}”"),
                (false, false) => format!("Unpublished the product “{name}”"),
            },
            Action::ImagesChanged { name } => {
                if zh {
                    format!("修改商品「{name}」的图片")
                } else {
                    format!("Changed the images of “{name}”")
                }
            }
            Action::StockAdjusted { sku, stock } => {
                if zh {
                    format!("把 {sku} 的库存设为 {stock}")
                } else {
                    format!("Set the stock of {sku} to {stock}")
                }
            }
            Action::CategorySaved { name } => {
                if zh {
                    format!("保存分类「{name}」")
                } else {
                    format!("Saved the category “{name}”")
                }
            }
            Action::CategoryDeleted { id } => {
                if zh {
                    format!("删除分类 {id}")
                } else {
                    format!("Deleted the category {id}")
                }
            }
            Action::CatalogImported { products } => {
                if zh {
                    format!("导入商品表格：{products} 个商品")
                } else {
                    format!("Imported the catalog: {products} products")
                }
            }
            Action::MemberInvited { role } => {
                let r = self.role(*role);
                if zh {
                    format!("生成邀请链接（角色：{r}）")
                } else {
                    format!("Created an invitation link (role: {r})")
                }
            }
            Action::InviteAccepted { role } => {
                let r = self.role(*role);
                if zh {
                    format!("通过邀请加入（角色：{r}）")
                } else {
                    format!("Joined by invitation (role: {r})")
                }
            }
            Action::RoleChanged { member, role } => {
                let r = self.role(*role);
                if zh {
                    format!("把 {member} 的角色改为{r}")
                } else {
                    format!("Changed {member}'s role to {r}")
                }
            }
            Action::MemberRevoked { member } => {
                if zh {
                    format!("移除成员 {member} 并结束其登录")
                } else {
                    format!("Removed {member} and ended their sessions")
                }
            }
            Action::VerifyFileSaved { name } => {
                if zh {
                    format!("上传域名校验文件 {name}")
                } else {
                    format!("Stored the domain verification file {name}")
                }
            }
            Action::VerifyFileDeleted { name } => {
                if zh {
                    format!("删除域名校验文件 {name}")
                } else {
                    format!("Deleted the domain verification file {name}")
                }
            }
            Action::AlertDismissed { alert } => {
                let k = self.lang.work().alert_kind(*alert);
                if zh {
                    format!("处理完提醒：{k}")
                } else {
                    format!("Dismissed the alert: {k}")
                }
            }
            Action::CouponCreated { .. }
            | Action::CouponDisabled { .. }
            | Action::ShippingTemplateSaved { .. }
            | Action::ShippingTemplateDeleted { .. } => self.lang.pricing().sentence(a),
            Action::ServiceContactSaved { .. } => self.lang.service_contact().sentence(a),
            Action::LoginSucceeded => (if zh { "登录成功" } else { "Signed in" }).to_string(),
            Action::LoginFailed => (if zh {
                "登录失败（用户名或密码错误）"
            } else {
                "Sign-in failed (wrong username or password)"
            })
            .to_string(),
            // -- the owner's phone --
            Action::WechatBound { wechat } => {
                if zh {
                    format!("绑定微信接收店铺通知（{wechat}）")
                } else {
                    format!("Bound a WeChat for the shop's notifications ({wechat})")
                }
            }
            Action::WechatUnbound => (if zh {
                "解除绑定微信，不再接收店铺通知"
            } else {
                "Unbound their WeChat from the shop's notifications"
            })
            .to_string(),
        }
    }
}

static STAFF_ZH: AdminStaffText = AdminStaffText {
    lang: Lang::Zh,
    nav_staff: "成员",
    nav_audit: "操作记录",
    forbidden_title: "无权操作",
    title: "成员与权限",
    invite: "邀请成员",
    role: "角色",
    invite_button: "生成邀请链接",
    invite_link_title: "邀请链接（只显示这一次）",
    invite_link_hint: "把这个链接发给对方。链接 3 天内有效，只能使用一次。",
    members: "成员",
    joined: "加入时间",
    change_role: "修改角色",
    revoke: "移除",
    revoke_title: "移除成员",
    cancel: "取消",
    no_members: "还没有其他成员",
    owner_fixed: "店主账号不能移除或降级",
    join_title: "加入店铺后台",
    join_button: "创建账号",
    join_done: "账号已创建，请登录。",
    name_taken: "这个用户名已被使用，请换一个",
    audit_title: "操作记录",
    when: "时间",
    who: "成员",
    what: "操作",
    order: "订单",
    product: "商品",
    everyone: "全部成员",
    filter: "筛选",
    older: "更早的记录",
    export: "导出 CSV",
    empty: "暂无记录",
};

static STAFF_EN: AdminStaffText = AdminStaffText {
    lang: Lang::En,
    nav_staff: "Staff",
    nav_audit: "Activity",
    forbidden_title: "Not allowed",
    title: "Staff and roles",
    invite: "Invite someone",
    role: "Role",
    invite_button: "Create an invitation link",
    invite_link_title: "Invitation link (shown only this once)",
    invite_link_hint: "Send this link to them. It works once, within 3 days.",
    members: "Members",
    joined: "Joined",
    change_role: "Change role",
    revoke: "Remove",
    revoke_title: "Remove a member",
    cancel: "Cancel",
    no_members: "No other members yet",
    owner_fixed: "The owner's account cannot be removed or demoted",
    join_title: "Join the back office",
    join_button: "Create my account",
    join_done: "Your account is ready; sign in.",
    name_taken: "That username is taken; choose another",
    audit_title: "Activity log",
    when: "When",
    who: "Member",
    what: "What",
    order: "Order",
    product: "Product",
    everyone: "Everyone",
    filter: "Filter",
    older: "Older entries",
    export: "Export CSV",
    empty: "Nothing recorded yet",
};
