//! The contact list as the user changes it: contacts, groups, allow and
//! block, people who added me; and what the screen is shown of it.

use super::core::{LinkId, Net};
use crate::state::{Action, AddRequest, ContactView, Contacts, GroupView, PrivacyView};
use msnp::session::contacts::{Contact, ContactList};
use msnp::types::{BlpMode, Email, GtcMode, List, ListMask};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

impl Net {
    /// The contact list, groups, requests and privacy lists to the screen,
    /// as of bytes that arrived at `at` (ms). Not while the list is still
    /// coming at sign-in: drawn once when it is whole, not once per read.
    /// With `changed`, only those people's rows are made again (a hundred
    /// presence changes in a list of thousands); the rest are the same rows.
    pub(super) fn publish_contacts(&mut self, at: f64, changed: Option<&HashSet<Email>>) {
        self.contact_pictures(changed);
        let Some(ns) = self.ns.as_ref().filter(|n| n.session.is_online()) else { return };
        let (cl, link) = (ns.session.contacts(), ns.id);
        if let Some(rows) = changed.and_then(|ch| patched_rows(&self.rows, cl, ch, link)) {
            // Presence, names, pictures: the rows alone. Nobody's lists
            // changed, so groups, requests and privacy are as they were.
            self.rows = rows;
            self.dispatch(Action::Rows { contacts: self.rows.contacts.clone(), at });
            return;
        }
        self.rows = all_rows(&self.rows, cl, link);
        let contacts = self.rows.contacts.clone();
        let groups =
            cl.groups.iter().map(|g| GroupView { id: g.id.clone(), name: g.name.as_str().to_owned() }).collect();
        let requests = cl
            .awaiting_decision()
            .map(|c| AddRequest { email: c.email.folded(), name: c.name.as_str().to_owned() })
            .collect();
        let on = |list: List| cl.contacts.values().filter(|c| c.on(list)).map(|c| c.email.folded()).collect();
        let privacy = PrivacyView {
            only_allowed: cl.blp == BlpMode::BlockAll,
            ask_when_added: cl.gtc == GtcMode::Ask,
            allowed: on(List::Allow),
            blocked: on(List::Block),
        };
        self.dispatch(Action::Contacts { contacts, groups, requests, privacy, at });
    }

    /// Someone the user typed in: checked here, told plainly if it is not an address.
    pub(super) fn add_contact(&mut self, typed: &str) {
        match Email::parse(typed) {
            Ok(who) => self.on_ns(|s| s.add_to_list(List::Forward, &who, None)),
            Err(e) => self.dispatch(Action::Failed(format!("Cannot add \"{}\": {e}.", typed.trim()))),
        }
    }

    pub(super) fn block(&mut self, email: &str, block: bool) {
        let who = Email::from_wire(email);
        self.on_ns(|s| if block { s.block(&who) } else { s.unblock(&who) });
    }

    /// Answer someone who added me: allow them and add them back.
    pub(super) fn accept(&mut self, email: &str) {
        let who = Email::from_wire(email);
        self.on_ns(|s| {
            let on_list = s.contacts().get(&who).is_some_and(|c| c.on(List::Forward));
            s.unblock(&who)?;
            if !on_list {
                s.add_to_list(List::Forward, &who, None)?;
            }
            Ok(())
        });
    }

    /// Put a contact in group `to` instead of the groups it is in now.
    pub(super) fn move_to_group(&mut self, email: &str, to: &str) {
        let who = Email::from_wire(email);
        self.on_ns(|s| {
            let from = s.contacts().get(&who).map(|c| c.groups.clone()).unwrap_or_default();
            if !from.iter().any(|g| g == to) {
                s.add_to_list(List::Forward, &who, Some(to))?;
            }
            for g in from.iter().filter(|g| *g != to) {
                s.remove_from_list(List::Forward, &who, Some(g))?;
            }
            Ok(())
        });
    }

    /// Take someone off my contact list (they stay allowed or blocked).
    pub(super) fn remove_contact(&mut self, email: &str) {
        let who = Email::from_wire(email);
        self.on_ns(|s| s.remove_from_list(List::Forward, &who, None));
    }
}

/// The rows as last shown, and where each person's is: a presence change
/// replaces those rows in a copy of the list (pointers), instead of looking
/// at every contact again (a hundred changes in a list of thousands).
#[derive(Default)]
pub(super) struct Rows {
    contacts: Contacts,
    /// Each person's row, and the lists they were on when it was made.
    at: Rc<HashMap<Email, (usize, ListMask)>>,
    /// The connection whose list they show: another's (after signing in
    /// again) are not patched.
    link: Option<LinkId>,
}

fn row(c: &Contact, old: Option<&Rc<ContactView>>) -> Rc<ContactView> {
    let row = ContactView {
        psm: c.psm.clone(),
        groups: c.groups.clone(),
        blocked: c.on(List::Block),
        picture: c.picture().map(|p| p.sha1d),
        ..ContactView::new(c.email.folded(), c.name.as_str().to_owned(), c.status)
    };
    // Unchanged: the same row as last time, so it is not drawn again.
    match old {
        Some(old) if **old == row => old.clone(),
        _ => Rc::new(row),
    }
}

/// Every forward-list contact's row, reusing the unchanged, in the order
/// the list shows them (by name).
fn all_rows(old: &Rows, cl: &ContactList, link: LinkId) -> Rows {
    let prev = |c: &Contact| old.at.get(&c.email).and_then(|&(i, _)| old.contacts.get(i));
    let mut made: Vec<_> = cl.forward().map(|c| (row(c, prev(c)), c)).collect();
    crate::order::sort_by(&mut made, |(a, _), (b, _)| (&a.sort_key, &a.email).cmp(&(&b.sort_key, &b.email)));
    let at = made.iter().enumerate().map(|(i, (_, c))| (c.email.clone(), (i, c.lists))).collect();
    Rows { contacts: Rc::new(made.into_iter().map(|(r, _)| r).collect()), at: Rc::new(at), link: Some(link) }
}

/// The last rows with `changed` made again; `None` when more than rows
/// changed: someone new, someone no longer on the forward list, someone's
/// lists (blocked, allowed), a name (the order), or rows of another
/// connection's list.
fn patched_rows(old: &Rows, cl: &ContactList, changed: &HashSet<Email>, link: LinkId) -> Option<Rows> {
    if old.link != Some(link) {
        return None;
    }
    let mut contacts = (*old.contacts).clone();
    for email in changed {
        let c = cl.contacts.get(email).filter(|c| c.on(List::Forward))?;
        let &(i, _) = old.at.get(email).filter(|(_, lists)| *lists == c.lists)?;
        let prev = contacts.get(i)?;
        let new = row(c, Some(prev));
        if new.sort_key != prev.sort_key {
            return None;
        }
        contacts[i] = new;
    }
    Some(Rows { contacts: Rc::new(contacts), at: old.at.clone(), link: old.link })
}

#[cfg(test)]
mod tests {
    use super::*;
    use msnp::types::{Name, Status};
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn list(people: &[(&str, &str, Status)]) -> ContactList {
        let mut cl = ContactList::default();
        for (email, name, status) in people {
            let mut c = Contact::new(Email::from_wire(*email), Name::new(*name));
            c.lists = ListMask(List::Forward.bit() | List::Allow.bit());
            c.status = *status;
            cl.contacts.insert(c.email.clone(), c);
        }
        cl
    }

    fn names(r: &Rows) -> Vec<&str> {
        r.contacts.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn rows_come_by_name_and_a_presence_change_makes_only_that_row() {
        let mut cl =
            list(&[("a@x", "zed", Status::Offline), ("b@x", "Amy", Status::Offline), ("c@x", "bob", Status::Offline)]);
        let rows = all_rows(&Rows::default(), &cl, 1);
        assert_eq!(names(&rows), ["Amy", "bob", "zed"]);
        cl.contacts.get_mut(&Email::from_wire("C@X")).unwrap().status = Status::Online;
        let changed: HashSet<Email> = [Email::from_wire("c@x")].into();
        let patched = patched_rows(&rows, &cl, &changed, 1).expect("presence alone patches");
        assert_eq!(patched.contacts[1].status, Status::Online);
        assert!(Rc::ptr_eq(&patched.contacts[0], &rows.contacts[0]), "the others are the same rows");
        assert!(Rc::ptr_eq(&patched.contacts[2], &rows.contacts[2]));
        assert_eq!(*patched.contacts, *all_rows(&rows, &cl, 1).contacts, "the same as making them all");
    }

    #[test]
    fn more_than_presence_makes_every_row_again() {
        let cl = list(&[("a@x", "Amy", Status::Online), ("b@x", "Bob", Status::Online)]);
        let rows = all_rows(&Rows::default(), &cl, 1);
        let bob: HashSet<Email> = [Email::from_wire("b@x")].into();
        // A new name can change the order.
        let mut renamed = cl.clone();
        renamed.contacts.get_mut(&Email::from_wire("b@x")).unwrap().name = Name::new("Aaron");
        assert!(patched_rows(&rows, &renamed, &bob, 1).is_none());
        assert_eq!(names(&all_rows(&rows, &renamed, 1)), ["Aaron", "Amy"]);
        // Blocked: the privacy lists change too.
        let mut blocked = cl.clone();
        blocked.contacts.get_mut(&Email::from_wire("b@x")).unwrap().lists.0 |= List::Block.bit();
        assert!(patched_rows(&rows, &blocked, &bob, 1).is_none());
        // Someone new, or rows of another list.
        let new: HashSet<Email> = [Email::from_wire("n@x")].into();
        let mut joined = cl.clone();
        joined.contacts.extend(list(&[("n@x", "New", Status::Online)]).contacts);
        assert!(patched_rows(&rows, &joined, &new, 1).is_none());
        assert!(patched_rows(&rows, &cl, &bob, 2).is_none(), "the list of another connection");
        assert!(patched_rows(&rows, &cl, &bob, 1).is_some());
    }
}
