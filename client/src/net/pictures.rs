//! Display pictures: mine (chosen, scaled, announced, remembered per
//! account) and contacts' (from the cache by SHA1D, else fetched over a
//! switchboard with them, then cached), so that each picture crosses the
//! network once ever. A contact's picture is fetched when a conversation
//! with them opens, or when their row comes into view in the list: then a
//! switchboard is opened just for it, a few at a time, and closed after.
//! Pictures are shown by SHA1D: the app state maps each to a Blob URL made
//! only once the bytes decode as an image. Custom emoticons ride on the same
//! cache and fetches.

use super::core::{Input, Net};
use crate::picture;
use crate::state::Action;
use crate::store::{MINE, PICTURES, Store};
use msnp::p2p::MsnObject;
use msnp::p2p::object::kind;
use msnp::types::{Email, List};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use wasm_bindgen_futures::spawn_local;
use web_time::Instant;

/// Switchboards opened only to fetch contacts' pictures, at most this many
/// at once: a list coming into view never calls everyone at the same time.
const BACKGROUND_SWITCHBOARDS: usize = 2;
/// A picture that could not be fetched is not called for again before this.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// Picture state of the actor (display pictures and custom emoticons: both
/// are MSN objects, cached and shown by SHA1D).
#[derive(Default)]
pub(super) struct Pictures {
    pub store: Option<Store>,
    /// The browser would not open the store: nothing will be kept.
    pub store_failed: bool,
    /// My picture: what I announce, and the bytes I serve.
    pub mine: Option<(MsnObject, Vec<u8>)>,
    /// My custom emoticons, in the order I added them.
    pub emoticons: Vec<super::emoticons::MyEmoticon>,
    /// SHA1Ds on screen already, or being looked up, fetched or checked.
    known: HashSet<String>,
    /// Objects the cache does not have, by SHA1D, with whose they are:
    /// fetched over the next switchboard their owner is in.
    wanted: HashMap<String, (Email, MsnObject)>,
    /// Contacts whose row in the list is on screen.
    in_view: HashSet<Email>,
    /// Objects whose fetch failed, and when they may be called for again.
    retry_at: HashMap<String, Instant>,
}

fn log(text: &str) {
    web_sys::console::info_1(&format!("msn-web: pictures: {text}").into());
}

impl Net {
    /// Open the picture cache (once, at start).
    pub(super) fn open_store(&self) {
        let inbox = self.inbox.clone();
        spawn_local(async move {
            match Store::open().await {
                Ok(s) => {
                    let _ = inbox.unbounded_send(Input::Store(s));
                }
                Err(e) => {
                    log(&format!("no store: {e}"));
                    let _ = inbox.unbounded_send(Input::NoStore);
                }
            }
        });
    }

    pub(super) fn store_ready(&mut self, store: Option<Store>) {
        self.pictures.store_failed = store.is_none();
        self.pictures.store = store;
        if self.history_waiting {
            self.history_open();
        }
        if self.pictures.store.is_none() {
            return;
        }
        self.load_my_picture();
        self.load_my_emoticons();
        self.publish_contacts(super::perf_now(), None);
    }

    /// The picture this account had last time, from the cache.
    pub(super) fn load_my_picture(&self) {
        // Once the cache is open (this runs again then), and only once.
        let Some(me) = self.me.clone().filter(|_| self.pictures.store.is_some() && self.pictures.mine.is_none()) else {
            return;
        };
        let inbox = self.inbox.clone();
        spawn_local(async move {
            if let Some(png) = crate::store::my_picture(&me.folded()).await {
                let _ = inbox.unbounded_send(Input::PictureRemembered(png));
            }
        });
    }

    /// A picture file the user chose: scaled and cropped, then made mine.
    pub(super) fn choose_picture(&self, raw: Vec<u8>) {
        let inbox = self.inbox.clone();
        spawn_local(async move {
            let png = picture::to_display_picture(&raw).await;
            let _ = inbox.unbounded_send(Input::PictureMade(png));
        });
    }

    /// A picture the user just chose is ready: mine, and remembered for
    /// this account.
    pub(super) fn picture_made(&mut self, png: Result<Vec<u8>, String>) {
        let png = match png {
            Ok(p) => p,
            Err(e) => {
                self.dispatch(Action::Failed(format!("That picture cannot be used: {e}.")));
                return;
            }
        };
        let (Some(sha1d), Some(me)) = (self.adopt_picture(png.clone()), self.me.clone()) else { return };
        if let Some(store) = self.pictures.store.clone() {
            let key = me.folded();
            spawn_local(async move {
                if let Err(e) =
                    store.put(PICTURES, &sha1d, &png).await.and(store.put(MINE, &key, sha1d.as_bytes()).await)
                {
                    log(&format!("not remembered: {e}"));
                }
            });
        }
    }

    /// Make `png` my picture (chosen now, or remembered from last time):
    /// announce it and show it. Its SHA1D comes back.
    pub(super) fn adopt_picture(&mut self, png: Vec<u8>) -> Option<String> {
        let me = self.me.clone()?;
        let object = MsnObject::for_data(me.as_str(), kind::DISPLAY_PICTURE, "0", &png);
        let sha1d = object.sha1d.clone();
        self.pictures.mine = Some((object.clone(), png.clone()));
        if let Some(ns) = self.ns.as_mut() {
            ns.session.set_picture(Some(object));
        }
        self.pump_ns();
        self.dispatch(Action::MyPicture(Some(sha1d.clone())));
        self.show(sha1d.clone(), png);
        Some(sha1d)
    }

    /// Show picture bytes under their SHA1D, once they decode as an image.
    pub(super) fn show(&mut self, sha1d: String, bytes: Vec<u8>) {
        self.pictures.known.insert(sha1d.clone());
        let inbox = self.inbox.clone();
        spawn_local(async move {
            let url = picture::checked_url(&bytes).await;
            let _ = inbox.unbounded_send(Input::Shown { sha1d, url });
        });
    }

    pub(super) fn shown(&mut self, sha1d: String, url: Result<String, String>) {
        match url {
            Ok(url) => self.dispatch(Action::Picture { sha1d, url }),
            Err(e) => {
                log(&format!("{sha1d} not shown: {e}"));
                self.pictures.known.remove(&sha1d);
            }
        }
    }

    /// The bytes of one of my objects (my picture, one of my emoticons)
    /// by SHA1D: what a peer may ask me for.
    pub(super) fn my_object(&self, sha1d: &str) -> Option<Vec<u8>> {
        let picture = self.pictures.mine.iter().map(|(o, png)| (o, png));
        let emoticons = self.pictures.emoticons.iter().map(|e| (&e.object, &e.data));
        picture.chain(emoticons).find(|(o, _)| o.sha1d == sha1d).map(|(_, d)| d.clone())
    }

    /// Contacts' pictures the screen lacks (of those in `only`, when given):
    /// look in the cache first.
    pub(super) fn contact_pictures(&mut self, only: Option<&std::collections::HashSet<Email>>) {
        let Some(ns) = self.ns.as_ref() else { return };
        let cl = ns.session.contacts();
        // Only those who changed, looked up: not every contact looked at.
        let new: Vec<(Email, MsnObject)> = match only {
            Some(only) => only.iter().filter_map(|e| cl.contacts.get(e)).filter(|c| c.on(List::Forward)).collect(),
            None => cl.forward().collect::<Vec<_>>(),
        }
        .into_iter()
        .filter_map(|c| c.picture().map(|p| (c.email.clone(), p)))
        .collect();
        for (owner, object) in new {
            self.want_object(owner, object);
        }
        self.fetch_in_view();
    }

    /// Make sure `owner`'s object will be shown: from the cache, else
    /// fetched from them.
    pub(super) fn want_object(&mut self, owner: Email, object: MsnObject) {
        let Some(store) = self.pictures.store.clone() else { return };
        if !self.pictures.known.insert(object.sha1d.clone()) {
            return;
        }
        let inbox = self.inbox.clone();
        spawn_local(async move {
            let bytes = store.get(PICTURES, &object.sha1d).await.ok().flatten();
            let _ = inbox.unbounded_send(Input::Cached { owner, object, bytes });
        });
    }

    pub(super) fn cached(&mut self, owner: Email, object: MsnObject, bytes: Option<Vec<u8>>) {
        match bytes.filter(|b| object.matches(b)) {
            Some(b) => self.show(object.sha1d, b),
            None => {
                self.pictures.wanted.insert(object.sha1d.clone(), (owner.clone(), object));
                self.fetch_wanted(&owner);
                self.fetch_in_view();
            }
        }
    }

    /// Ask for what is wanted of `owner`'s over a switchboard they are in,
    /// if any.
    pub(super) fn fetch_wanted(&mut self, owner: &Email) {
        let Some(conv) = self.chats.iter().find(|(_, c)| c.has_ready(owner)).map(|(id, _)| *id) else { return };
        let theirs: Vec<String> =
            self.pictures.wanted.iter().filter(|(_, (o, _))| o == owner).map(|(k, _)| k.clone()).collect();
        for sha1d in theirs {
            if let Some((owner, object)) = self.pictures.wanted.remove(&sha1d) {
                self.request_object(conv, &owner, &object);
            }
        }
    }

    /// A conversation window opened: if the other person's picture is
    /// wanted and they are online, its switchboard starts now (the first
    /// message then goes out on it too).
    pub(super) fn fetch_on_open(&mut self, conv: u64) {
        let Some([who]) = self.chats.get(&conv).map(|c| c.with.as_slice()) else { return };
        let online =
            self.ns.as_ref().and_then(|n| n.session.contacts().get(who)).is_some_and(|c| c.status.is_visible());
        if online && self.pictures.wanted.values().any(|(owner, _)| owner == who) {
            self.ensure_switchboard(conv);
        }
    }

    /// The list's rows for these contacts came into view (`true`) or went
    /// out of it.
    pub(super) fn in_view(&mut self, rows: Vec<(String, bool)>) {
        for (email, visible) in rows {
            let email = Email::from_wire(email);
            if visible {
                self.pictures.in_view.insert(email);
            } else {
                self.pictures.in_view.remove(&email);
            }
        }
        self.fetch_in_view();
    }

    /// Open a switchboard (a few at most) with contacts in view whose
    /// picture is wanted, who are online and not already in one with me.
    pub(super) fn fetch_in_view(&mut self) {
        let now = Instant::now();
        self.pictures.retry_at.retain(|_, at| *at > now);
        let busy = self.chats.values().filter(|c| c.background).count();
        let Some(ns) = self.ns.as_ref() else { return };
        let contacts = ns.session.contacts();
        let owners: Vec<Email> = self
            .pictures
            .wanted
            .iter()
            .filter(|(sha1d, (owner, _))| {
                !self.pictures.retry_at.contains_key(*sha1d)
                    && self.pictures.in_view.contains(owner)
                    && contacts.get(owner).is_some_and(|c| c.status.is_visible())
            })
            .map(|(_, (owner, _))| owner.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .filter(|owner| !self.chats.values().any(|c| c.with.contains(owner) && (c.requested || c.sb.is_some())))
            .collect();
        for owner in owners.into_iter().take(BACKGROUND_SWITCHBOARDS.saturating_sub(busy)) {
            let conv = self.next_id();
            self.chats.insert(conv, super::chat::Chat::background(owner));
            self.ensure_switchboard(conv);
        }
    }

    /// An object arrived (checked against its SHA1D by the P2P layer).
    pub(super) fn picture_received(&mut self, object: MsnObject, data: Vec<u8>) {
        if let Some(store) = self.pictures.store.clone() {
            let (key, bytes) = (object.sha1d.clone(), data.clone());
            spawn_local(async move {
                if let Err(e) = store.put(PICTURES, &key, &bytes).await {
                    log(&format!("not cached: {e}"));
                }
            });
        }
        self.show(object.sha1d, data);
    }

    /// A fetch that failed may be tried again with the next switchboard
    /// they are in, and in the background after a while.
    pub(super) fn picture_failed(&mut self, owner: Email, object: MsnObject) {
        self.pictures.retry_at.insert(object.sha1d.clone(), Instant::now() + RETRY_AFTER);
        self.pictures.wanted.insert(object.sha1d.clone(), (owner, object));
    }
}
