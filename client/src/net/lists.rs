//! The contact list as the user changes it: contacts, groups, allow and
//! block, people who added me; and what the screen is shown of it.

use super::core::Net;
use crate::state::{Action, AddRequest, ContactView, GroupView, PrivacyView};
use msnp::types::{BlpMode, Email, GtcMode, List};
use std::collections::HashSet;
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
        let cl = ns.session.contacts();
        // Rows made in this pass, to remember for the next.
        let mut made: Vec<(Email, Rc<ContactView>)> = Vec::new();
        let rows: Vec<Rc<ContactView>> = cl
            .forward()
            .map(|c| {
                let old = self.rows.get(&c.email);
                if let Some(old) = old.filter(|_| changed.is_some_and(|ch| !ch.contains(&c.email))) {
                    return old.clone();
                }
                let row = ContactView {
                    email: c.email.folded(),
                    name: c.name.as_str().to_owned(),
                    status: c.status,
                    psm: c.psm.clone(),
                    groups: c.groups.clone(),
                    blocked: c.on(List::Block),
                    picture: c.picture().map(|p| p.sha1d),
                };
                // Unchanged: the same row as last time, so it is not drawn again.
                let row = match old {
                    Some(old) if **old == row => old.clone(),
                    _ => Rc::new(row),
                };
                made.push((c.email.clone(), row.clone()));
                row
            })
            .collect();
        if changed.is_none() {
            self.rows.clear();
        }
        self.rows.extend(made);
        let contacts = Rc::new(rows);
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
