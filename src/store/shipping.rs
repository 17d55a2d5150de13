//! Shipping templates in the store, by province code; each change is audited in its own
//! transaction. Placing an order reads its province's template inside the order's
//! transaction.

use super::*;
use crate::audit::{Action, Entry};
use crate::shipping::ShippingTemplate;

/// Province code → its shipping template (JSON).
pub(crate) const SHIPPING_TEMPLATES: TableDefinition<'static, &str, &[u8]> =
    TableDefinition::new("shipping_templates");

impl Store {
    /// Every template, by province code.
    pub fn shipping_templates(&self) -> Result<Vec<ShippingTemplate>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SHIPPING_TEMPLATES)?;
        let mut v = Vec::new();
        for row in t.iter()? {
            let (_, b) = row?;
            v.push(dec("shipping_templates", b.value())?);
        }
        Ok(v)
    }

    pub fn shipping_template(
        &self,
        province: &str,
    ) -> Result<Option<ShippingTemplate>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SHIPPING_TEMPLATES)?;
        template_in(&t, province)
    }

    /// Saves (adds or replaces) a province's template, with its audit entry.
    pub fn save_shipping_template(
        &self,
        t: &ShippingTemplate,
        by: (&str, i64),
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(SHIPPING_TEMPLATES)?
            .insert(t.province.as_str(), enc(t).as_slice())?;
        let entry = Entry::new(
            by.1,
            by.0,
            Action::ShippingTemplateSaved {
                province: t.province.clone(),
            },
        );
        audit::write_in(&tx, &entry)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a province's template (it falls back to the default), with its audit entry.
    pub fn delete_shipping_template(
        &self,
        province: &str,
        by: (&str, i64),
    ) -> Result<bool, StoreError> {
        let tx = self.db.begin_write()?;
        let gone = tx
            .open_table(SHIPPING_TEMPLATES)?
            .remove(province)?
            .is_some();
        if gone {
            let entry = Entry::new(
                by.1,
                by.0,
                Action::ShippingTemplateDeleted {
                    province: province.to_string(),
                },
            );
            audit::write_in(&tx, &entry)?;
            tx.commit()?;
        }
        Ok(gone)
    }
}

/// A province's template, read from an open table.
pub(crate) fn template_in(
    t: &impl ReadableTable<&'static str, &'static [u8]>,
    province: &str,
) -> Result<Option<ShippingTemplate>, StoreError> {
    t.get(province)?
        .map(|b| dec("shipping_templates", b.value()))
        .transpose()
}
