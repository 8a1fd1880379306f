//! The contact list as the user changes it: contacts, groups, allow and
//! block, people who added me; and what the UI is shown of it.

use super::*;

impl Controller {
    pub(super) fn publish_contacts(&self) {
        let action = {
            let i = self.0.borrow();
            let Some(ns) = i.ns.as_ref() else { return };
            let cl = ns.session.contacts();
            let contacts = cl
                .forward()
                .map(|c| ContactView {
                    email: c.email.to_ascii_lowercase(),
                    name: c.name.as_str().to_owned(),
                    status: c.status,
                    psm: c.psm.clone(),
                    groups: c.groups.clone(),
                    blocked: c.on(List::Block),
                })
                .collect();
            let groups =
                cl.groups.iter().map(|g| GroupView { id: g.id.clone(), name: g.name.as_str().to_owned() }).collect();
            let requests = cl
                .awaiting_decision()
                .map(|c| AddRequest { email: c.email.to_ascii_lowercase(), name: c.name.as_str().to_owned() })
                .collect();
            Action::Contacts { contacts, groups, requests }
        };
        self.dispatch(action);
    }

    pub fn add_contact(&self, email: &str) {
        self.on_ns(|s| s.add_to_list(List::Forward, email.trim(), None));
    }

    pub fn block(&self, email: &str, block: bool) {
        self.on_ns(|s| if block { s.block(email) } else { s.unblock(email) });
    }

    /// Answer someone who added me: allow them and add them back.
    pub fn accept(&self, email: &str) {
        self.on_ns(|s| {
            let on_list = s.contacts().get(email).is_some_and(|c| c.on(List::Forward));
            s.unblock(email)?;
            if !on_list {
                s.add_to_list(List::Forward, email, None)?;
            }
            Ok(())
        });
    }

    pub fn add_group(&self, name: &str) {
        self.on_ns(|s| s.add_group(name.trim()));
    }

    pub fn rename_group(&self, id: &str, name: &str) {
        self.on_ns(|s| s.rename_group(id, name.trim()));
    }

    pub fn remove_group(&self, id: &str) {
        self.on_ns(|s| s.remove_group(id));
    }

    /// Put a contact in group `to` instead of the groups it is in now.
    pub fn move_to_group(&self, email: &str, to: &str) {
        self.on_ns(|s| {
            let from = s.contacts().get(email).map(|c| c.groups.clone()).unwrap_or_default();
            if !from.iter().any(|g| g == to) {
                s.add_to_list(List::Forward, email, Some(to))?;
            }
            for g in from.iter().filter(|g| *g != to) {
                s.remove_from_list(List::Forward, email, Some(g))?;
            }
            Ok(())
        });
    }

    /// Take someone off my contact list (they stay allowed or blocked).
    pub fn remove_contact(&self, email: &str) {
        self.on_ns(|s| s.remove_from_list(List::Forward, email, None));
    }

    /// "Bob has just signed in.": a toast for a few seconds, and a desktop
    /// notification when the page is out of sight. Not while I am Busy: the
    /// classic client kept quiet then too.
    pub(super) fn signed_in_toast(&self, email: String) {
        if self.0.borrow().ns.as_ref().is_some_and(|n| n.session.status() == Status::Busy) {
            return;
        }
        let email = email.to_ascii_lowercase();
        let name = self.display_name(&email);
        let id = self.next_id();
        self.dispatch(Action::Toast(Toast { id, email: email.clone(), text: format!("{name} has just signed in.") }));
        let me = self.clone();
        Timeout::new(TOAST_MS, move || me.dispatch(Action::DismissToast(id))).forget();
        if crate::notify::page_hidden() {
            let me = self.clone();
            crate::notify::show(&format!("signed-in-{email}"), &name, "has just signed in.", move || {
                me.conversation_with(&email, true);
            });
        }
    }

    /// Someone's presence changed: if they are online now, send what was
    /// waiting for them.
    pub(super) fn contact_maybe_back(&self, email: &str) {
        let online = {
            let i = self.0.borrow();
            i.ns.as_ref().and_then(|n| n.session.contacts().get(email)).is_some_and(|c| c.status.is_visible())
        };
        if !online {
            return;
        }
        let waiting: Vec<u64> = {
            let mut i = self.0.borrow_mut();
            i.convs
                .iter_mut()
                .filter(|(_, c)| c.await_online && c.with.iter().any(|w| w.eq_ignore_ascii_case(email)))
                .map(|(id, c)| {
                    c.await_online = false;
                    *id
                })
                .collect()
        };
        for conv in waiting {
            self.ensure_switchboard(conv);
        }
    }

    /// A contact's friendly name, or the address.
    pub(super) fn display_name(&self, email: &str) -> String {
        let i = self.0.borrow();
        i.ns.as_ref()
            .and_then(|n| n.session.contacts().get(email))
            .map(|c| c.name.as_str().to_owned())
            .unwrap_or_else(|| email.to_owned())
    }
}
