//! The customer-service page (`/service`): the shop's phone as a `tel:` link, its WeChat
//! ID with a copy button, its hours, and the Official Account's QR code when configured.

use super::*;

pub fn service(ctx: &Ctx, v: &Visitor, s: &crate::config::Service) -> Markup {
    let tx = t(ctx);
    let sf = tx.lang.storefront();
    let st = tx.shopper();
    let qr = ctx.app.config.wechat.follow_qr_image.is_some();
    let body = html! {
        h1 { (sf.service_title) }
        section.service #service {
            @if s.is_set() || qr {
                p.muted { (sf.service_intro) }
                dl.contact-list {
                    @if let Some(phone) = &s.phone {
                        dt { (sf.phone) }
                        dd { a.tel #service-phone href={ "tel:" (phone.replace(' ', "")) } { (phone) } }
                    }
                    @if let Some(id) = &s.wechat_id {
                        dt { (sf.wechat_id) }
                        dd {
                            span.mono #service-wechat { (id) }
                            button.copy type="button" data-copy=(id) data-done=(st.copied)
                                aria-label={ (st.copy) " · " (sf.wechat_id) } { (st.copy) }
                        }
                    }
                    @if let Some(h) = &s.hours {
                        dt { (sf.hours) }
                        dd { (h) }
                    }
                }
                @if qr {
                    figure.service-qr {
                        img src="/follow-qr" alt=(sf.follow_qr_alt) width="180" height="180";
                        figcaption { (sf.follow_qr) }
                    }
                }
            } @else {
                p.muted { (sf.service_unset) }
            }
        }
        a.back href="/orders" { (tx.my_orders) }
        script src={ "/assets/order.js?v=" (ctx.assets.version("order.js")) } defer {}
    };
    layout(ctx, v.cart_units(), sf.service_title, Tab::None, body)
}
