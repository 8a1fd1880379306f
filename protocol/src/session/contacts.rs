//! The contact list model the notification session keeps up to date.

use crate::types::{BlpMode, Capabilities, Email, GtcMode, List, ListMask, Name, Status};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Email,
    pub name: Name,
    pub lists: ListMask,
    /// Group ids (numbers before MSNP10, GUIDs after).
    pub groups: Vec<String>,
    /// MSNP10+ contact GUID.
    pub guid: Option<String>,
    pub status: Status,
    pub caps: Option<Capabilities>,
    pub msnobj: Option<Name>,
    /// Personal message (MSNP11+ `UBX`).
    pub psm: String,
    /// Now playing, from `CurrentMedia`.
    pub media: String,
    /// `BPR` phone numbers and flags, by key (`PHH`, `MOB`, ...).
    pub phones: BTreeMap<String, String>,
}

impl Contact {
    pub fn new(email: Email, name: Name) -> Self {
        Contact {
            email,
            name,
            lists: ListMask::default(),
            groups: Vec::new(),
            guid: None,
            status: Status::Offline,
            caps: None,
            msnobj: None,
            psm: String::new(),
            media: String::new(),
            phones: BTreeMap::new(),
        }
    }
    pub fn on(&self, list: List) -> bool {
        self.lists.contains(list)
    }

    /// Their display picture, if they announce one that can be read.
    pub fn picture(&self) -> Option<crate::p2p::MsnObject> {
        let o = crate::p2p::MsnObject::parse(self.msnobj.as_ref()?.as_str())?;
        (o.kind == crate::p2p::object::kind::DISPLAY_PICTURE).then_some(o)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub name: Name,
}

/// Everything `SYN` tells, kept current by later commands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactList {
    pub contacts: BTreeMap<Email, Contact>,
    /// In the order the server listed them.
    pub groups: Vec<Group>,
    pub blp: BlpMode,
    pub gtc: GtcMode,
    /// List version (`SYN` serial or MSNP10 timestamp).
    pub version: String,
}

impl ContactList {
    pub fn get(&self, email: impl AsRef<str>) -> Option<&Contact> {
        self.contacts.get(&Email::from_wire(email.as_ref()))
    }

    pub(crate) fn get_mut(&mut self, email: &str) -> Option<&mut Contact> {
        self.contacts.get_mut(&Email::from_wire(email))
    }

    pub(crate) fn entry(&mut self, email: &str, name: Option<&Name>) -> &mut Contact {
        let c = self
            .contacts
            .entry(Email::from_wire(email))
            .or_insert_with(|| Contact::new(Email::from_wire(email), Name::new(email)));
        if let Some(n) = name {
            c.name = n.clone();
        }
        c
    }

    /// Find a contact by its MSNP10+ GUID.
    pub fn by_guid(&self, guid: &str) -> Option<&Contact> {
        self.contacts.values().find(|c| c.guid.as_deref() == Some(guid))
    }

    pub(crate) fn remove_from(&mut self, target: &str, list: List, group: Option<&str>) {
        let k = if target.contains('@') {
            Email::from_wire(target)
        } else {
            match self.by_guid(target) {
                Some(c) => c.email.clone(),
                None => return,
            }
        };
        let Some(c) = self.contacts.get_mut(&k) else {
            return;
        };
        match (list, group) {
            (List::Forward, Some(g)) => c.groups.retain(|x| x != g),
            _ => {
                c.lists.remove(list);
                if list == List::Forward {
                    c.groups.clear();
                }
            }
        }
        if c.lists.is_empty() {
            self.contacts.remove(&k);
        }
    }

    /// The forward list: the people the user sees.
    pub fn forward(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values().filter(|c| c.on(List::Forward))
    }

    /// People who added me (reverse or, from MSNP12, pending list) and whom
    /// I have neither allowed nor blocked: the classic client asks about them.
    pub fn awaiting_decision(&self) -> impl Iterator<Item = &Contact> {
        self.contacts
            .values()
            .filter(|c| (c.on(List::Reverse) || c.on(List::Pending)) && !c.on(List::Allow) && !c.on(List::Block))
    }

    pub fn group_name(&self, id: &str) -> Option<&Name> {
        self.groups.iter().find(|g| g.id == id).map(|g| &g.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(cl: &mut ContactList, email: &str, lists: &[List]) {
        let c = cl.entry(email, None);
        for &l in lists {
            c.lists.insert(l);
        }
    }

    #[test]
    fn those_who_added_me_await_a_decision_until_allowed_or_blocked() {
        let mut cl = ContactList::default();
        on(&mut cl, "new@x.com", &[List::Reverse]);
        on(&mut cl, "pending@x.com", &[List::Pending]);
        on(&mut cl, "allowed@x.com", &[List::Reverse, List::Allow]);
        on(&mut cl, "blocked@x.com", &[List::Reverse, List::Block]);
        on(&mut cl, "friend@x.com", &[List::Forward, List::Allow]);
        let waiting: Vec<&str> = cl.awaiting_decision().map(|c| c.email.as_str()).collect();
        assert_eq!(waiting, ["new@x.com", "pending@x.com"]);
    }
}
