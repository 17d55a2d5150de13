//! The dashboard's figures read through the store's indexes and running totals (issue 19),
//! not from every order the shop ever took.

use super::views;

/// The dashboard's figures without reading every order (issue 19): today and this week
/// from the orders placed since the day before the week began (order numbers are keyed by
/// time; an order is paid within minutes of being placed), orders to ship and the sales
/// per channel from the running totals kept in each order's transaction.
pub(super) fn figures(
    s: &crate::store::Store,
    now: time::OffsetDateTime,
) -> Result<views::Stats, crate::store::StoreError> {
    let today = now.date();
    let since =
        today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()) + 1);
    let from = format!(
        "{:04}-{:02}-{:02}",
        since.year(),
        u8::from(since.month()),
        since.day()
    );
    let q = crate::store::OrderQuery {
        from: Some(&from),
        ..crate::store::OrderQuery::default()
    };
    let mut stats = views::Stats::compute(&s.orders_page(&q, usize::MAX)?, now);
    stats.to_ship = s
        .order_counts()?
        .into_iter()
        .find(|(st, _)| *st == crate::order::OrderState::Paid)
        .map_or(0, |(_, n)| n as usize);
    stats.by_channel = s
        .channel_totals()?
        .into_iter()
        .map(|(ch, (n, net))| (ch, (n as usize, crate::money::Money(net))))
        .collect();
    Ok(stats)
}
