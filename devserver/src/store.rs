//! Accounts, lists, groups and privacy settings in SQLite. Everything the
//! draft says survives a sign-out survives a restart too.

use msnp::types::{BlpMode, GtcMode, List};
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// One account. The password is kept as entered: MD5 login (MSNP2-7) needs
/// `md5(challenge + password)`, so a hash of it would not do. This is a
/// development server; say so to anyone hosting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub email: String,
    pub password: String,
    pub name: String,
    pub blp: BlpMode,
    pub gtc: GtcMode,
    pub serial: u32,
    pub psm: String,
}

/// One list entry of an owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub contact: String,
    pub list: List,
    /// The name the owner sees (custom name, or the contact's at the time).
    pub name: String,
}

#[derive(Debug)]
pub struct Store {
    db: Mutex<Connection>,
}

fn list_of(s: &str) -> List {
    s.parse().unwrap_or(List::Forward)
}

impl Store {
    /// Open (and create) the database at `path`; `:memory:` for tests.
    pub fn open(path: &str) -> Result<Store, StoreError> {
        let db = Connection::open(path)?;
        db.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE IF NOT EXISTS users (
                email TEXT PRIMARY KEY COLLATE NOCASE, password TEXT NOT NULL, name TEXT NOT NULL,
                blp TEXT NOT NULL DEFAULT 'AL', gtc TEXT NOT NULL DEFAULT 'A',
                serial INTEGER NOT NULL DEFAULT 0, psm TEXT NOT NULL DEFAULT '');
             CREATE TABLE IF NOT EXISTS lists (
                owner TEXT NOT NULL COLLATE NOCASE, contact TEXT NOT NULL COLLATE NOCASE, list TEXT NOT NULL,
                name TEXT NOT NULL, PRIMARY KEY (owner, contact, list));
             CREATE TABLE IF NOT EXISTS groups (
                owner TEXT NOT NULL COLLATE NOCASE, id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (owner, id));
             CREATE TABLE IF NOT EXISTS memberships (
                owner TEXT NOT NULL COLLATE NOCASE, contact TEXT NOT NULL COLLATE NOCASE, group_id INTEGER NOT NULL,
                PRIMARY KEY (owner, contact, group_id));",
        )?;
        Ok(Store { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Create or update an account (password and name).
    pub fn upsert_user(&self, email: &str, password: &str, name: Option<&str>) -> Result<(), StoreError> {
        let name = name.unwrap_or(email);
        self.db().execute(
            "INSERT INTO users (email, password, name) VALUES (?1, ?2, ?3)
             ON CONFLICT(email) DO UPDATE SET password = excluded.password",
            params![email, password, name],
        )?;
        Ok(())
    }

    pub fn user(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .db()
            .query_row(
                "SELECT email, password, name, blp, gtc, serial, psm FROM users WHERE email = ?1",
                [email],
                |r| {
                    Ok(User {
                        email: r.get(0)?,
                        password: r.get(1)?,
                        name: r.get(2)?,
                        blp: r.get::<_, String>(3)?.parse().unwrap_or_default(),
                        gtc: r.get::<_, String>(4)?.parse().unwrap_or_default(),
                        serial: r.get(5)?,
                        psm: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every change to lists or settings increases the serial (draft 7.5).
    pub fn bump_serial(&self, email: &str) -> Result<u32, StoreError> {
        let db = self.db();
        db.execute("UPDATE users SET serial = serial + 1 WHERE email = ?1", [email])?;
        Ok(db.query_row("SELECT serial FROM users WHERE email = ?1", [email], |r| r.get(0))?)
    }

    pub fn set_name(&self, email: &str, name: &str) -> Result<(), StoreError> {
        self.db().execute("UPDATE users SET name = ?2 WHERE email = ?1", params![email, name])?;
        Ok(())
    }
    pub fn set_psm(&self, email: &str, psm: &str) -> Result<(), StoreError> {
        self.db().execute("UPDATE users SET psm = ?2 WHERE email = ?1", params![email, psm])?;
        Ok(())
    }
    pub fn set_blp(&self, email: &str, blp: BlpMode) -> Result<(), StoreError> {
        self.db().execute("UPDATE users SET blp = ?2 WHERE email = ?1", params![email, blp.code()])?;
        Ok(())
    }
    pub fn set_gtc(&self, email: &str, gtc: GtcMode) -> Result<(), StoreError> {
        self.db().execute("UPDATE users SET gtc = ?2 WHERE email = ?1", params![email, gtc.code()])?;
        Ok(())
    }

    pub fn entries(&self, owner: &str) -> Result<Vec<Entry>, StoreError> {
        let db = self.db();
        let mut st = db.prepare_cached("SELECT contact, list, name FROM lists WHERE owner = ?1 ORDER BY rowid")?;
        let rows = st.query_map([owner], |r| {
            Ok(Entry { contact: r.get(0)?, list: list_of(&r.get::<_, String>(1)?), name: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn on_list(&self, owner: &str, list: List, contact: &str) -> Result<bool, StoreError> {
        Ok(self
            .db()
            .query_row(
                "SELECT 1 FROM lists WHERE owner = ?1 AND list = ?2 AND contact = ?3",
                params![owner, list.code(), contact],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    pub fn add_entry(&self, owner: &str, list: List, contact: &str, name: &str) -> Result<(), StoreError> {
        self.db().execute(
            "INSERT OR REPLACE INTO lists (owner, contact, list, name) VALUES (?1, ?2, ?3, ?4)",
            params![owner, contact, list.code(), name],
        )?;
        Ok(())
    }

    pub fn remove_entry(&self, owner: &str, list: List, contact: &str) -> Result<(), StoreError> {
        let db = self.db();
        db.execute(
            "DELETE FROM lists WHERE owner = ?1 AND list = ?2 AND contact = ?3",
            params![owner, list.code(), contact],
        )?;
        if list == List::Forward {
            db.execute("DELETE FROM memberships WHERE owner = ?1 AND contact = ?2", params![owner, contact])?;
        }
        Ok(())
    }

    /// Rename a contact everywhere the owner lists them.
    pub fn rename_entry(&self, owner: &str, contact: &str, name: &str) -> Result<(), StoreError> {
        self.db()
            .execute("UPDATE lists SET name = ?3 WHERE owner = ?1 AND contact = ?2", params![owner, contact, name])?;
        Ok(())
    }

    /// Groups in id order. Group 0 ("Other Contacts") is implicit.
    pub fn groups(&self, owner: &str) -> Result<Vec<(u32, String)>, StoreError> {
        let db = self.db();
        let mut st = db.prepare_cached("SELECT id, name FROM groups WHERE owner = ?1 ORDER BY id")?;
        let rows = st.query_map([owner], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn add_group(&self, owner: &str, name: &str) -> Result<u32, StoreError> {
        let db = self.db();
        let id: u32 =
            db.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM groups WHERE owner = ?1", [owner], |r| r.get(0))?;
        db.execute("INSERT INTO groups (owner, id, name) VALUES (?1, ?2, ?3)", params![owner, id, name])?;
        Ok(id)
    }

    pub fn rename_group(&self, owner: &str, id: u32, name: &str) -> Result<(), StoreError> {
        self.db().execute("UPDATE groups SET name = ?3 WHERE owner = ?1 AND id = ?2", params![owner, id, name])?;
        Ok(())
    }

    pub fn remove_group(&self, owner: &str, id: u32) -> Result<(), StoreError> {
        let db = self.db();
        db.execute("DELETE FROM groups WHERE owner = ?1 AND id = ?2", params![owner, id])?;
        db.execute("DELETE FROM memberships WHERE owner = ?1 AND group_id = ?2", params![owner, id])?;
        Ok(())
    }

    pub fn memberships(&self, owner: &str) -> Result<Vec<(String, u32)>, StoreError> {
        let db = self.db();
        let mut st =
            db.prepare_cached("SELECT contact, group_id FROM memberships WHERE owner = ?1 ORDER BY group_id")?;
        let rows = st.query_map([owner], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set_membership(&self, owner: &str, contact: &str, group: u32, member: bool) -> Result<(), StoreError> {
        let sql = if member {
            "INSERT OR IGNORE INTO memberships (owner, contact, group_id) VALUES (?1, ?2, ?3)"
        } else {
            "DELETE FROM memberships WHERE owner = ?1 AND contact = ?2 AND group_id = ?3"
        };
        self.db().execute(sql, params![owner, contact, group])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_groups_and_serials_persist_in_a_file() {
        let dir = std::env::temp_dir().join(format!("msn-store-{}", std::process::id()));
        let path = dir.with_extension("db");
        let p = path.to_str().unwrap();
        {
            let s = Store::open(p).unwrap();
            s.upsert_user("a@x.com", "pw", Some("Ann")).unwrap();
            s.upsert_user("b@x.com", "pw", None).unwrap();
            s.add_entry("a@x.com", List::Forward, "b@x.com", "Bee").unwrap();
            let g = s.add_group("a@x.com", "Friends").unwrap();
            s.set_membership("a@x.com", "b@x.com", g, true).unwrap();
            s.set_blp("a@x.com", BlpMode::BlockAll).unwrap();
            assert_eq!(s.bump_serial("a@x.com").unwrap(), 1);
            assert_eq!(s.bump_serial("A@X.COM").unwrap(), 2, "addresses are case-insensitive");
        }
        let s = Store::open(p).unwrap();
        let u = s.user("a@x.com").unwrap().unwrap();
        assert_eq!((u.name.as_str(), u.serial, u.blp), ("Ann", 2, BlpMode::BlockAll));
        assert_eq!(s.entries("a@x.com").unwrap()[0].name, "Bee");
        assert_eq!(s.groups("a@x.com").unwrap(), vec![(1, "Friends".to_owned())]);
        assert_eq!(s.memberships("a@x.com").unwrap(), vec![("b@x.com".to_owned(), 1)]);
        let _ = std::fs::remove_file(&path);
    }
}
