//! Display pictures: mine (chosen, scaled, announced, remembered per
//! account) and contacts' (from the cache by SHA1D, else fetched over a
//! switchboard with them, then cached), so that each picture crosses the
//! network once ever. Pictures are shown by SHA1D: the app state maps each
//! to a Blob URL made only once the bytes decode as an image.

use super::core::{Input, Net};
use crate::picture;
use crate::state::Action;
use crate::store::{MINE, PICTURES, Store};
use msnp::p2p::MsnObject;
use msnp::p2p::object::kind;
use msnp::types::Email;
use std::collections::{HashMap, HashSet};
use wasm_bindgen_futures::spawn_local;

/// Picture state of the actor.
#[derive(Default)]
pub(super) struct Pictures {
    pub store: Option<Store>,
    /// My picture: what I announce, and the bytes I serve.
    pub mine: Option<(MsnObject, Vec<u8>)>,
    /// SHA1Ds on screen already, or being looked up, fetched or checked.
    known: HashSet<String>,
    /// Pictures the cache does not have, by whose they are: fetched over
    /// the next switchboard they are in.
    pub wanted: HashMap<Email, MsnObject>,
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
                Err(e) => log(&format!("no picture cache: {e}")),
            }
        });
    }

    pub(super) fn store_ready(&mut self, store: Store) {
        self.pictures.store = Some(store);
        self.load_my_picture();
        self.publish_contacts();
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
    fn show(&mut self, sha1d: String, bytes: Vec<u8>) {
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

    /// Contacts' pictures the screen lacks: look in the cache first.
    pub(super) fn contact_pictures(&mut self) {
        let Some(store) = self.pictures.store.clone() else { return };
        let Some(ns) = self.ns.as_ref() else { return };
        let new: Vec<(Email, MsnObject)> = ns
            .session
            .contacts()
            .forward()
            .filter_map(|c| c.picture().map(|p| (c.email.clone(), p)))
            .filter(|(_, p)| !self.pictures.known.contains(&p.sha1d))
            .collect();
        for (owner, object) in new {
            self.pictures.known.insert(object.sha1d.clone());
            let (store, inbox) = (store.clone(), self.inbox.clone());
            spawn_local(async move {
                let bytes = store.get(PICTURES, &object.sha1d).await.ok().flatten();
                let _ = inbox.unbounded_send(Input::Cached { owner, object, bytes });
            });
        }
    }

    pub(super) fn cached(&mut self, owner: Email, object: MsnObject, bytes: Option<Vec<u8>>) {
        match bytes.filter(|b| object.matches(b)) {
            Some(b) => self.show(object.sha1d, b),
            None => {
                self.pictures.wanted.insert(owner.clone(), object);
                self.fetch_picture(&owner);
            }
        }
    }

    /// Ask for `owner`'s picture over a switchboard they are in, if any.
    pub(super) fn fetch_picture(&mut self, owner: &Email) {
        let Some(object) = self.pictures.wanted.get(owner).cloned() else { return };
        let conv = self.chats.iter().find(|(_, c)| c.has_ready(owner)).map(|(id, _)| *id);
        if let Some(conv) = conv {
            self.pictures.wanted.remove(owner);
            self.request_object(conv, owner, &object);
        }
    }

    /// A picture arrived (checked against its SHA1D by the P2P layer).
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

    /// A fetch that failed may be tried again with the next switchboard.
    pub(super) fn picture_failed(&mut self, owner: Email, object: MsnObject) {
        self.pictures.known.remove(&object.sha1d);
        self.pictures.wanted.insert(owner, object);
    }
}
