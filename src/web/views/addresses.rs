//! The shopper's address book page: saved addresses, the default one marked, making
//! another the default, deleting one (asked first).

use super::*;
use crate::order::AddressBook;

/// `confirm`: the address whose deletion is being asked about.
pub fn addresses(ctx: &Ctx, v: &Visitor, book: &AddressBook, confirm: Option<u32>) -> Markup {
    let tx = t(ctx);
    let st = tx.shopper();
    let body = html! {
        h1 { (st.addresses) }
        @if book.entries.is_empty() {
            div.empty { p { (st.no_addresses) } a.button href="/" { (tx.go_shopping) } }
        }
        ul.book-list #address-book {
            @for e in book.entries.iter().rev() {
                li.card-row data-id=(e.id) {
                    div {
                        strong { (e.name) } " " span.muted { (e.mobile) }
                        @if book.default == Some(e.id) { " " span.tag { (st.default_tag) } }
                        br; span { (e.address) }
                    }
                    @if confirm == Some(e.id) {
                        form.confirm method="post" action={ "/addresses/" (e.id) "/delete" } role="alertdialog" {
                            p { (st.delete_address_ask) }
                            button.danger type="submit" { (st.delete_address) }
                            " "
                            a.button href="/addresses" { (st.cancel) }
                        }
                    } @else {
                        div.actions {
                            @if book.default != Some(e.id) {
                                form.inline method="post" action={ "/addresses/" (e.id) "/default" } {
                                    button.link type="submit" { (st.set_default) }
                                }
                            }
                            a.link href={ "/addresses?delete=" (e.id) } { (st.delete_address) }
                        }
                    }
                }
            }
        }
        p { a href="/orders" { (tx.my_orders) } }
    };
    layout(ctx, v.cart_units(), st.addresses, Tab::Orders, body)
}
