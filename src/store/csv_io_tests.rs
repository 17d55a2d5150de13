//! The catalog import is all or nothing, also when the store refuses a row that the CSV
//! parser accepted.

use super::*;
use crate::catalog::{Category, Product, Variant};
use crate::money::Money;

fn product(id: &str, skus: &[&str]) -> Product {
    Product {
        id: id.into(),
        category: "tea".into(),
        name: id.to_uppercase(),
        summary: String::new(),
        description: String::new(),
        images: vec![],
        option_name: String::new(),
        variants: skus
            .iter()
            .map(|s| Variant {
                sku: (*s).into(),
                name: String::new(),
                price: Money(100),
            })
            .collect(),
        featured: false,
        published: true,
        sort: 0,
    }
}

fn shop() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("puzi.redb")).unwrap();
    s.put_category(&Category {
        id: "tea".into(),
        name: "茶".into(),
        sort: 0,
    })
    .unwrap();
    s.put_product(&product("green", &["green-50"]), &[("green-50".into(), 5)])
        .unwrap();
    s.put_product(&product("mug", &["mug-1"]), &[("mug-1".into(), 2)])
        .unwrap();
    (dir, s)
}

/// What an import could change: products, the SKU index with stock, and the stock log.
type Snapshot = (Vec<Product>, Vec<Option<(Product, u32)>>, usize);

fn snapshot(s: &Store) -> Snapshot {
    let skus = ["green-50", "mug-1", "black-50", "oolong-50"]
        .iter()
        .map(|k| s.sku(k).unwrap())
        .collect();
    (
        s.products().unwrap(),
        skus,
        s.stock_log(None).unwrap().len(),
    )
}

const HEAD: &str = "product_id,category,name,sku,price,stock\n";

#[test]
fn a_last_row_the_store_refuses_leaves_the_catalog_unchanged() {
    let (_dir, s) = shop();
    let before = snapshot(&s);
    // Rows 2–4 are written into the transaction first (a new product, a changed price and
    // stock); row 5 passes the parser but takes the SKU of a product the file leaves out.
    let text = format!(
        "{HEAD}black,tea,Black,black-50,12.00,7\ngreen,tea,Green,green-50,9.90,8\n\
         oolong,tea,Oolong,oolong-50,20.00,1\noolong,tea,Oolong,mug-1,25.00,1\n"
    );
    let errors = s
        .import_catalog(&text, Currency::CNY, "test", 1)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        errors,
        vec!["line 5: sku \"mug-1\" belongs to the product mug".to_string()]
    );
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.stock("green-50").unwrap(), 5);

    // The same file without the last row: all of it lands, stock changes logged.
    let text = text.lines().take(4).collect::<Vec<_>>().join("\n");
    assert_eq!(
        s.import_catalog(&text, Currency::CNY, "test", 1).unwrap(),
        Ok(3)
    );
    assert_eq!(s.stock("green-50").unwrap(), 8);
    assert_eq!(
        s.product("green").unwrap().unwrap().variants[0].price,
        Money(990)
    );
    assert_eq!(s.sku("oolong-50").unwrap().unwrap().1, 1);
    let log = s.stock_log(None).unwrap();
    assert_eq!(log.len(), 1, "new SKUs start at their stock: {log:?}");
    assert_eq!((log[0].before, log[0].after), (5, 8));
    assert_eq!(log[0].reason, "CSV import");
}

#[test]
fn a_sku_may_move_between_products_of_the_same_file() {
    let (_dir, s) = shop();
    // mug-1 moves to "cup", which comes first; "mug" keeps a new SKU.
    let text = format!("{HEAD}cup,tea,Cup,mug-1,3.00,\nmug,tea,Mug,mug-2,3.00,4\n");
    assert_eq!(
        s.import_catalog(&text, Currency::CNY, "test", 1).unwrap(),
        Ok(2)
    );
    assert_eq!(s.sku("mug-1").unwrap().unwrap().0.id, "cup");
    assert_eq!(
        s.sku("mug-1").unwrap().unwrap().1,
        2,
        "stock follows the SKU"
    );
    assert_eq!(s.sku("mug-2").unwrap().unwrap().0.id, "mug");
}

#[test]
fn a_file_the_parser_refuses_writes_nothing() {
    let (_dir, s) = shop();
    let before = snapshot(&s);
    let text = format!("{HEAD}black,tea,Black,black-50,12.00,7\nblack,nope,Black,b-2,x,1\n");
    let errors = s
        .import_catalog(&text, Currency::CNY, "test", 1)
        .unwrap()
        .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(snapshot(&s), before);
}
