//! Transactions: one configuration lock, a per-transaction working copy and its change log.
//!
//! SPS has a single configuration lock shared by every administrator: opening a transaction
//! takes it, and until commit or rollback the changes are visible only to the session that holds
//! it. Other sessions keep reading the committed configuration.

use serde_json::{json, Value};

use crate::store::Store;

/// Kind of one change-log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// An object was created.
    Create,
    /// An object was deleted.
    Delete,
    /// An object was replaced (PUT).
    Replace,
}

impl ChangeKind {
    /// The name SPS uses in `/api/transaction/changes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Delete => "delete",
            Self::Replace => "replace",
        }
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// Href of the changed object.
    pub path: String,
    /// Body before the change (none for create).
    pub old_value: Option<Value>,
    /// Body after the change (none for delete).
    pub new_value: Option<Value>,
}

impl Change {
    /// The JSON form listed by `/api/transaction/changes`.
    pub fn to_json(&self) -> Value {
        let mut entry = serde_json::Map::new();
        entry.insert("type".into(), json!(self.kind.as_str()));
        entry.insert("path".into(), json!(self.path));
        if let Some(old) = &self.old_value {
            entry.insert("old_value".into(), old.clone());
        }
        if let Some(new) = &self.new_value {
            entry.insert("new_value".into(), new.clone());
        }
        Value::Object(entry)
    }
}

/// An open transaction.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// Session id holding the lock.
    pub owner: String,
    /// User name of that session.
    pub user: String,
    /// The committed configuration plus this transaction's changes.
    pub working: Store,
    /// Changes in the order they were made.
    pub changes: Vec<Change>,
}

impl Transaction {
    /// Creates the object at `href`.
    pub fn create(&mut self, href: &str, body: Value) {
        self.working.put(href, body.clone());
        self.changes.push(Change {
            kind: ChangeKind::Create,
            path: href.to_owned(),
            old_value: None,
            new_value: Some(body),
        });
    }

    /// Replaces the object at `href`, which may not exist yet for a singleton.
    pub fn replace(&mut self, href: &str, body: Value) {
        let old = self.working.put(href, body.clone());
        let kind = if old.is_some() {
            ChangeKind::Replace
        } else {
            ChangeKind::Create
        };
        self.changes.push(Change {
            kind,
            path: href.to_owned(),
            old_value: old,
            new_value: Some(body),
        });
    }

    /// Registers a new write-once password. The change log names it but shows no value: the
    /// secret must not be readable back.
    pub fn create_password(&mut self, href: &str, key: &str) {
        self.working.add_password(key);
        self.changes.push(Change {
            kind: ChangeKind::Create,
            path: href.to_owned(),
            old_value: None,
            new_value: None,
        });
    }

    /// Deletes the object at `href`; `None` if there was none.
    pub fn delete(&mut self, href: &str) -> Option<Value> {
        let old = self.working.remove(href)?;
        self.changes.push(Change {
            kind: ChangeKind::Delete,
            path: href.to_owned(),
            old_value: Some(old.clone()),
            new_value: None,
        });
        Some(old)
    }
}

/// Why a transaction operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxError {
    /// The session has no open transaction.
    NoTransaction,
    /// Another session holds the lock; its user name.
    Locked(String),
}

/// The transaction status of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxStatus {
    /// The session holds the open transaction.
    Open,
    /// It does not.
    Closed,
}

/// Committed configuration and the (at most one) open transaction.
#[derive(Debug, Clone, Default)]
pub struct Transactions {
    committed: Store,
    open: Option<Transaction>,
}

impl Transactions {
    /// Starts from a committed configuration.
    pub fn new(committed: Store) -> Self {
        Self {
            committed,
            open: None,
        }
    }

    /// The committed configuration.
    pub fn committed(&self) -> &Store {
        &self.committed
    }

    /// What `session` sees: its working copy while it holds the transaction, else the committed
    /// configuration.
    pub fn view(&self, session: &str) -> &Store {
        match &self.open {
            Some(tx) if tx.owner == session => &tx.working,
            _ => &self.committed,
        }
    }

    /// The session's transaction status.
    pub fn status(&self, session: &str) -> TxStatus {
        match &self.open {
            Some(tx) if tx.owner == session => TxStatus::Open,
            _ => TxStatus::Closed,
        }
    }

    /// The session's open transaction, if it holds one.
    pub fn get(&self, session: &str) -> Option<&Transaction> {
        self.open.as_ref().filter(|tx| tx.owner == session)
    }

    /// Opens a transaction for `session`. Opening again from the holder is a no-op.
    pub fn open(&mut self, session: &str, user: &str) -> Result<(), TxError> {
        match &self.open {
            Some(tx) if tx.owner == session => Ok(()),
            Some(tx) => Err(TxError::Locked(tx.user.clone())),
            None => {
                self.open = Some(Transaction {
                    owner: session.to_owned(),
                    user: user.to_owned(),
                    working: self.committed.clone(),
                    changes: Vec::new(),
                });
                Ok(())
            }
        }
    }

    /// The transaction a write by `session` goes into.
    pub fn for_write(&mut self, session: &str) -> Result<&mut Transaction, TxError> {
        match &mut self.open {
            Some(tx) if tx.owner != session => Err(TxError::Locked(tx.user.clone())),
            Some(tx) => Ok(tx),
            None => Err(TxError::NoTransaction),
        }
    }

    /// Commits `session`'s transaction. `persist` sees the configuration about to become
    /// committed; if it fails, nothing changes and the transaction stays open.
    pub fn commit<E>(
        &mut self,
        session: &str,
        persist: impl FnOnce(&Store) -> Result<(), E>,
    ) -> Result<Result<(), E>, TxError> {
        let tx = self.for_write(session)?;
        if let Err(e) = persist(&tx.working) {
            return Ok(Err(e));
        }
        if let Some(tx) = self.open.take() {
            self.committed = tx.working;
        }
        Ok(Ok(()))
    }

    /// Throws away `session`'s transaction.
    pub fn rollback(&mut self, session: &str) -> Result<(), TxError> {
        self.for_write(session)?;
        self.open = None;
        Ok(())
    }

    /// Applies a write that needs no transaction (an endpoint without `x-sps-transaction`)
    /// straight to the committed configuration, and to the open working copy too so its holder
    /// does not lose it on commit. Such writes are not part of the transaction's change log.
    pub fn apply_direct<E>(
        &mut self,
        mut write: impl FnMut(&mut Transaction) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut scratch = Transaction {
            owner: String::new(),
            user: String::new(),
            working: std::mem::take(&mut self.committed),
            changes: Vec::new(),
        };
        let result = write(&mut scratch);
        self.committed = scratch.working;
        result?;
        if let Some(tx) = &mut self.open {
            let logged = tx.changes.len();
            write(tx)?;
            tx.changes.truncate(logged);
        }
        Ok(())
    }

    /// Releases the lock if `session` (logged out or expired) holds it.
    pub fn release(&mut self, session: &str) -> bool {
        if self.open.as_ref().is_some_and(|tx| tx.owner == session) {
            self.open = None;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Transactions {
        let mut store = Store::default();
        store.put("/api/configuration/x/a", json!({"name": "a"}));
        Transactions::new(store)
    }

    #[test]
    fn changes_are_isolated_until_commit() {
        let mut txs = base();
        txs.open("s1", "admin").expect("open");
        let tx = txs.for_write("s1").expect("write");
        tx.create("/api/configuration/x/b", json!({"name": "b"}));
        tx.replace("/api/configuration/x/a", json!({"name": "A"}));
        assert!(txs.view("s1").contains("/api/configuration/x/b"));
        assert!(
            !txs.view("s2").contains("/api/configuration/x/b"),
            "other sessions see committed data"
        );
        assert_eq!(
            txs.view("s2").get("/api/configuration/x/a"),
            Some(&json!({"name": "a"}))
        );
        let result: Result<Result<(), ()>, _> = txs.commit("s1", |_| Ok(()));
        assert_eq!(result, Ok(Ok(())));
        assert_eq!(txs.status("s1"), TxStatus::Closed);
        assert!(txs.view("s2").contains("/api/configuration/x/b"));
        assert_eq!(
            txs.view("s2").get("/api/configuration/x/a"),
            Some(&json!({"name": "A"}))
        );
    }

    #[test]
    fn rollback_discards_changes_and_releases_the_lock() {
        let mut txs = base();
        txs.open("s1", "admin").expect("open");
        txs.for_write("s1")
            .expect("write")
            .delete("/api/configuration/x/a");
        assert!(!txs.view("s1").contains("/api/configuration/x/a"));
        txs.rollback("s1").expect("rollback");
        assert!(txs.view("s1").contains("/api/configuration/x/a"));
        assert_eq!(txs.rollback("s1"), Err(TxError::NoTransaction));
        txs.open("s2", "other").expect("lock released");
    }

    #[test]
    fn second_session_is_locked_out() {
        let mut txs = base();
        txs.open("s1", "admin").expect("open");
        assert_eq!(
            txs.open("s1", "admin"),
            Ok(()),
            "re-opening by the holder is harmless"
        );
        assert_eq!(txs.open("s2", "bob"), Err(TxError::Locked("admin".into())));
        assert_eq!(
            txs.for_write("s2").err(),
            Some(TxError::Locked("admin".into()))
        );
        assert!(txs.release("s1"));
        assert!(txs
            .for_write("s2")
            .is_err_and(|e| e == TxError::NoTransaction));
    }

    #[test]
    fn direct_writes_reach_committed_and_working_copies_outside_the_log() {
        let mut txs = base();
        txs.open("s1", "admin").expect("open");
        let result: Result<(), ()> = txs.apply_direct(|tx| {
            tx.delete("/api/configuration/x/a");
            Ok(())
        });
        assert_eq!(result, Ok(()));
        assert!(!txs.committed().contains("/api/configuration/x/a"));
        assert!(!txs.view("s1").contains("/api/configuration/x/a"));
        assert!(txs.get("s1").is_some_and(|tx| tx.changes.is_empty()));
    }

    #[test]
    fn failed_persist_keeps_the_transaction_open() {
        let mut txs = base();
        txs.open("s1", "admin").expect("open");
        txs.for_write("s1")
            .expect("write")
            .create("/api/configuration/x/c", json!({}));
        let result = txs.commit("s1", |_| Err("disk full"));
        assert_eq!(result, Ok(Err("disk full")));
        assert_eq!(txs.status("s1"), TxStatus::Open);
        assert!(!txs.committed().contains("/api/configuration/x/c"));
    }

    #[test]
    fn change_log_records_old_and_new_values() {
        let mut txs = base();
        txs.open("s1", "admin").expect("open");
        let tx = txs.for_write("s1").expect("write");
        tx.replace("/api/configuration/x/a", json!({"name": "A"}));
        tx.delete("/api/configuration/x/a");
        assert!(
            tx.delete("/api/configuration/x/a").is_none(),
            "already gone: no entry"
        );
        let log: Vec<Value> = tx.changes.iter().map(Change::to_json).collect();
        assert_eq!(
            log,
            [
                json!({"type": "replace", "path": "/api/configuration/x/a",
                       "old_value": {"name": "a"}, "new_value": {"name": "A"}}),
                json!({"type": "delete", "path": "/api/configuration/x/a",
                       "old_value": {"name": "A"}}),
            ]
        );
    }
}
