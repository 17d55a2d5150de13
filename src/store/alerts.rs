//! The merchant's alerts: what went wrong that the owner must look at, stored by sequence
//! number and acknowledged from the dashboard.

use super::*;
pub use crate::alert::AlertKind;

/// A merchant alert (amount mismatch, late payment, failed refund, bill difference…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: u64,
    /// Unix seconds.
    pub at: i64,
    pub kind: AlertKind,
    #[serde(default)]
    pub order: Option<String>,
    pub message: String,
    #[serde(default)]
    pub acknowledged: bool,
}

impl Store {
    /// Raises an alert on its own. One that cannot be stored (the disk is full) is logged
    /// and counted in `/metrics` before the error is returned.
    pub fn alert(
        &self,
        kind: AlertKind,
        order: Option<&OrderNo>,
        message: String,
        now: i64,
    ) -> Result<(), StoreError> {
        self.db.alert_with(kind, order, message, now)
    }

    /// Alerts, newest first.
    pub fn alerts(&self) -> Result<Vec<Alert>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ALERTS)?;
        let mut v = Vec::new();
        for row in t.iter()?.rev() {
            let (_, b) = row?;
            v.push(dec::<Alert>("alerts", b.value())?);
        }
        Ok(v)
    }

    /// Marks an alert dealt with, by `by` (member, unix seconds): the audit entry is written
    /// in the same transaction.
    pub fn acknowledge_alert(&self, id: u64, by: (&str, i64)) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let found = {
            let mut t = tx.open_table(ALERTS)?;
            let current = t.get(id)?.map(|b| dec::<Alert>("alerts", b.value()));
            match current {
                Some(a) => {
                    let mut a = a?;
                    a.acknowledged = true;
                    t.insert(id, enc(&a).as_slice())?;
                    tx.open_table(OPEN_ALERTS)?.remove(id)?;
                    let action = crate::audit::Action::AlertDismissed { alert: a.kind };
                    audit::write_in(&tx, &crate::audit::Entry::new(by.1, by.0, action))?;
                    true
                }
                None => false,
            }
        };
        tx.commit()?;
        Ok(found)
    }
}

/// Appends an alert to the alerts table of a write transaction.
pub(super) fn insert_alert(
    alerts: &mut redb::Table<'_, u64, &'static [u8]>,
    open: &mut redb::Table<'_, u64, u64>,
    at: i64,
    kind: AlertKind,
    order: Option<&OrderNo>,
    message: String,
) -> Result<(), StoreError> {
    let id = alerts.last()?.map(|(k, _)| k.value()).unwrap_or(0) + 1;
    let a = Alert {
        id,
        at,
        kind,
        order: order.map(|o| o.to_string()),
        message,
        acknowledged: false,
    };
    alerts.insert(id, enc(&a).as_slice())?;
    open.insert(id, at.max(0) as u64)?;
    Ok(())
}
