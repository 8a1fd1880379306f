//! What the app keeps in the browser between visits, in IndexedDB: display
//! pictures and custom emoticons by their SHA1D (so each crosses the
//! network once ever), and per account which picture and emoticons are
//! mine. A key-value use of IndexedDB, wrapped in futures; every failure is
//! a `String` the caller logs (a browser without storage still chats).

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB: &str = "msn-web";
const VERSION: u32 = 3;
/// SHA1D → picture bytes.
pub const PICTURES: &str = "pictures";
/// `<account>` → the SHA1D of my picture.
pub const MINE: &str = "my-picture";
/// `<account>` → my custom emoticons, a line `shortcut\tSHA1D` each (the
/// images are in [`PICTURES`]).
pub const EMOTICONS: &str = "my-emoticons";
/// `[account, with, at, n]` → one message of a conversation, as
/// [`crate::history`] writes it: keys sort by account, then conversation,
/// then time, so one key range reads a conversation or an account.
pub const HISTORY: &str = "history";

/// An open database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: IdbDatabase,
}

fn text(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Wait for a request's success (its result) or error.
async fn done(req: &IdbRequest) -> Result<JsValue, String> {
    let r = req.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let ok_req = r.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok_req.result().unwrap_or(JsValue::UNDEFINED));
        });
        let err = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB request failed"));
        });
        r.set_onsuccess(Some(ok.unchecked_ref()));
        r.set_onerror(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(text)
}

thread_local! {
    /// The page's one open database, once opened.
    static OPEN: std::cell::RefCell<Option<Store>> = const { std::cell::RefCell::new(None) };
}

impl Store {
    /// The database, opened on first use and shared by the whole page.
    pub async fn open() -> Result<Store, String> {
        if let Some(s) = OPEN.with(|o| o.borrow().clone()) {
            return Ok(s);
        }
        let s = Store::open_new().await?;
        OPEN.with(|o| *o.borrow_mut() = Some(s.clone()));
        Ok(s)
    }

    async fn open_new() -> Result<Store, String> {
        let factory = gloo::utils::window().indexed_db().map_err(text)?.ok_or("no IndexedDB in this browser")?;
        let req = factory.open_with_u32(DB, VERSION).map_err(text)?;
        let upgrade_req = req.clone();
        let upgrade = Closure::once_into_js(move || {
            if let Ok(db) = upgrade_req.result().and_then(|d| d.dyn_into::<IdbDatabase>()) {
                for name in [PICTURES, MINE, EMOTICONS, HISTORY] {
                    if !db.object_store_names().contains(name) {
                        let _ = db.create_object_store(name);
                    }
                }
            }
        });
        req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let db = done(&req).await?.dyn_into::<IdbDatabase>().map_err(|_| "not a database".to_owned())?;
        Ok(Store { db })
    }

    pub async fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        let tx = self.db.transaction_with_str(store).map_err(text)?;
        let req = tx.object_store(store).map_err(text)?.get(&JsValue::from_str(key)).map_err(text)?;
        let v = done(&req).await?;
        Ok(v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec))
    }

    pub async fn put(&self, store: &str, key: &str, bytes: &[u8]) -> Result<(), String> {
        let tx = self.db.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite).map_err(text)?;
        let value = Uint8Array::from(bytes);
        let req = tx.object_store(store).map_err(text)?.put_with_key(&value, &JsValue::from_str(key)).map_err(text)?;
        done(&req).await.map(|_| ())
    }
}

impl Store {
    /// Put a string under an array key (`parts`: strings and numbers).
    pub async fn put_text(&self, store: &str, key: &js_sys::Array, value: &str) -> Result<(), String> {
        let tx = self.db.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite).map_err(text)?;
        let req = tx.object_store(store).map_err(text)?.put_with_key(&JsValue::from_str(value), key).map_err(text)?;
        done(&req).await.map(|_| ())
    }

    /// Every key and string value whose key starts with `prefix` (an array
    /// key's first elements), in key order.
    pub async fn prefixed(&self, store: &str, prefix: &js_sys::Array) -> Result<Vec<(js_sys::Array, String)>, String> {
        let range = prefix_range(prefix)?;
        let tx = self.db.transaction_with_str(store).map_err(text)?;
        let os = tx.object_store(store).map_err(text)?;
        let keys = done(&os.get_all_keys_with_key(&range).map_err(text)?).await?;
        let values = done(&os.get_all_with_key(&range).map_err(text)?).await?;
        let (keys, values) = (js_sys::Array::from(&keys), js_sys::Array::from(&values));
        Ok(keys
            .iter()
            .zip(values.iter())
            .filter_map(|(k, v)| Some((k.dyn_into::<js_sys::Array>().ok()?, v.as_string()?)))
            .collect())
    }

    /// Delete every record whose key starts with `prefix`.
    pub async fn delete_prefixed(&self, store: &str, prefix: &js_sys::Array) -> Result<(), String> {
        let range = prefix_range(prefix)?;
        let tx = self.db.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite).map_err(text)?;
        let req = tx.object_store(store).map_err(text)?.delete(&range).map_err(text)?;
        done(&req).await.map(|_| ())
    }
}

/// The keys that start with `prefix`: from it to it followed by `[]`, which
/// sorts after every string and number.
fn prefix_range(prefix: &js_sys::Array) -> Result<web_sys::IdbKeyRange, String> {
    let upper = prefix.slice(0, prefix.length());
    upper.push(&js_sys::Array::new());
    web_sys::IdbKeyRange::bound(prefix, &upper).map_err(text)
}

/// The picture this browser remembers for `account` (a lower-case
/// address), if any: mine at sign-in, and the sign-in window's.
pub async fn my_picture(account: &str) -> Option<Vec<u8>> {
    let store = Store::open().await.ok()?;
    let sha1d = String::from_utf8(store.get(MINE, account).await.ok()??).ok()?;
    store.get(PICTURES, &sha1d).await.ok()?
}
