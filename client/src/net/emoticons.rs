//! Custom emoticons. Mine: an image and a shortcut each, kept per account in
//! IndexedDB, announced (`text/x-mms-emoticon`) just before each message
//! that uses them and served to whoever asks. Other people's: announced
//! before their message, taken from the cache or fetched like a display
//! picture, and drawn in place of their shortcut in that message.

use super::core::{Input, Net};
use crate::picture;
use crate::state::{Action, CustomEmoticon};
use crate::store::{EMOTICONS, PICTURES};
use msnp::message::MessageBody;
use msnp::p2p::MsnObject;
use msnp::p2p::object::kind;
use msnp::types::Email;
use wasm_bindgen_futures::spawn_local;

/// One of my custom emoticons.
#[derive(Debug, Clone)]
pub(super) struct MyEmoticon {
    pub shortcut: String,
    pub object: MsnObject,
    pub data: Vec<u8>,
}

/// The longest shortcut, in characters (the classic clients' limit).
pub const MAX_SHORTCUT: usize = 7;
/// My custom emoticons at most (the classic clients allowed about this many).
pub const MAX_MINE: usize = 100;
/// Announced emoticons taken from one message; the rest are ignored.
const MAX_ANNOUNCED: usize = 16;
/// Emoticons per announcement: a few hundred bytes each, so that the
/// message stays well under the smallest switchboard payload cap.
const PER_ANNOUNCEMENT: usize = 4;
/// The largest custom emoticon fetched from someone else, in bytes.
const MAX_THEIRS: u64 = 512 << 10;

/// A shortcut as typed, checked: 1 to 7 characters, none of them a space or
/// a control character (a tab would break the announcement's format).
pub fn check_shortcut(typed: &str) -> Result<String, String> {
    let s = typed.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err("Type the characters that stand for the emoticon.".into());
    }
    if n > MAX_SHORTCUT {
        return Err(format!("A shortcut has at most {MAX_SHORTCUT} characters."));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A shortcut cannot hold spaces.".into());
    }
    Ok(s.to_owned())
}

/// My emoticons as IndexedDB keeps them: a line `shortcut\tSHA1D` each.
fn to_lines(list: &[MyEmoticon]) -> Vec<u8> {
    list.iter().map(|e| format!("{}\t{}\n", e.shortcut, e.object.sha1d)).collect::<String>().into_bytes()
}

fn from_lines(bytes: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(s, d)| (s.to_owned(), d.to_owned()))
        .collect()
}

fn log(text: &str) {
    web_sys::console::info_1(&format!("msn-web: emoticons: {text}").into());
}

impl Net {
    /// My emoticons as this browser keeps them for the account (once the
    /// cache is open and I am known).
    pub(super) fn load_my_emoticons(&self) {
        let (Some(store), Some(me)) = (self.pictures.store.clone(), self.me.clone()) else { return };
        let inbox = self.inbox.clone();
        spawn_local(async move {
            let Ok(Some(list)) = store.get(EMOTICONS, &me.folded()).await else { return };
            let mut found = Vec::new();
            for (shortcut, sha1d) in from_lines(&list) {
                match store.get(PICTURES, &sha1d).await {
                    Ok(Some(data)) => found.push((shortcut, data)),
                    _ => log(&format!("the image for {shortcut} is gone from the cache")),
                }
            }
            let _ = inbox.unbounded_send(Input::EmoticonsRemembered(me, found));
        });
    }

    /// Remembered emoticons arrived: mine, if I am still that account.
    pub(super) fn emoticons_remembered(&mut self, account: Email, found: Vec<(String, Vec<u8>)>) {
        if self.me.as_ref() != Some(&account) {
            return;
        }
        self.pictures.emoticons.clear();
        for (shortcut, data) in found {
            self.adopt_emoticon(shortcut, data);
        }
        self.publish_emoticons();
    }

    /// Add (or replace) one of mine: the image is made to fit first.
    pub(super) fn add_emoticon(&mut self, typed: String, raw: Vec<u8>) {
        let shortcut = match check_shortcut(&typed) {
            Ok(s) => s,
            Err(e) => return self.dispatch(Action::Failed(e)),
        };
        let replaces = self.pictures.emoticons.iter().any(|e| e.shortcut == shortcut);
        if !replaces && self.pictures.emoticons.len() >= MAX_MINE {
            return self.dispatch(Action::Failed(format!("You have {MAX_MINE} emoticons already.")));
        }
        let inbox = self.inbox.clone();
        spawn_local(async move {
            let image = picture::to_emoticon(&raw).await;
            let _ = inbox.unbounded_send(Input::EmoticonMade { shortcut, image });
        });
    }

    pub(super) fn emoticon_made(&mut self, shortcut: String, image: Result<Vec<u8>, String>) {
        let data = match image {
            Ok(d) => d,
            Err(e) => return self.dispatch(Action::Failed(format!("That image cannot be an emoticon: {e}."))),
        };
        let Some(sha1d) = self.adopt_emoticon(shortcut, data.clone()) else { return };
        if let Some(store) = self.pictures.store.clone() {
            spawn_local(async move {
                if let Err(e) = store.put(PICTURES, &sha1d, &data).await {
                    log(&format!("not kept: {e}"));
                }
            });
        }
        self.save_emoticons();
        self.publish_emoticons();
    }

    pub(super) fn remove_emoticon(&mut self, shortcut: &str) {
        self.pictures.emoticons.retain(|e| e.shortcut != shortcut);
        self.save_emoticons();
        self.publish_emoticons();
    }

    /// Make this image mine under `shortcut` (replacing one with the same
    /// shortcut) and show it; its SHA1D comes back.
    fn adopt_emoticon(&mut self, shortcut: String, data: Vec<u8>) -> Option<String> {
        let me = self.me.clone()?;
        let object = MsnObject::for_data(me.as_str(), kind::EMOTICON, "0", &data);
        let sha1d = object.sha1d.clone();
        self.show(sha1d.clone(), data.clone());
        let mine = &mut self.pictures.emoticons;
        match mine.iter_mut().find(|e| e.shortcut == shortcut) {
            Some(e) => *e = MyEmoticon { shortcut, object, data },
            None => mine.push(MyEmoticon { shortcut, object, data }),
        }
        Some(sha1d)
    }

    fn save_emoticons(&self) {
        let (Some(store), Some(me)) = (self.pictures.store.clone(), self.me.clone()) else { return };
        let lines = to_lines(&self.pictures.emoticons);
        spawn_local(async move {
            if let Err(e) = store.put(EMOTICONS, &me.folded(), &lines).await {
                log(&format!("the list was not kept: {e}"));
            }
        });
    }

    fn publish_emoticons(&self) {
        let list = self
            .pictures
            .emoticons
            .iter()
            .map(|e| CustomEmoticon { shortcut: e.shortcut.clone(), sha1d: e.object.sha1d.clone() })
            .collect();
        self.dispatch(Action::MyEmoticons(list));
    }

    /// Announce the emoticons of mine that `text` uses, ahead of it in
    /// `conv`; what the message shows of them comes back.
    pub(super) fn announce_emoticons(&mut self, conv: u64, text: &str) -> Vec<CustomEmoticon> {
        let used: Vec<MyEmoticon> =
            self.pictures.emoticons.iter().filter(|e| text.contains(e.shortcut.as_str())).cloned().collect();
        for chunk in used.chunks(PER_ANNOUNCEMENT) {
            let items = chunk.iter().map(|e| (e.shortcut.clone(), e.object.to_xml())).collect();
            // An id the screen does not show: its delivery is nobody's to see.
            let id = self.next_id();
            self.send_body(conv, id, MessageBody::Emoticons { animated: false, items });
        }
        used.into_iter().map(|e| CustomEmoticon { shortcut: e.shortcut, sha1d: e.object.sha1d }).collect()
    }

    /// Someone announced custom emoticons: those that can be read are
    /// wanted (from the cache, else from them) and kept for their next
    /// message.
    pub(super) fn their_emoticons(&mut self, from: &Email, items: Vec<(String, String)>) -> Vec<(String, MsnObject)> {
        let mut kept = Vec::new();
        for (shortcut, xml) in items.into_iter().take(MAX_ANNOUNCED) {
            let object = MsnObject::parse(&xml).filter(|o| o.size <= MAX_THEIRS);
            match (shortcut.is_empty() || shortcut.chars().any(char::is_control), object) {
                (false, Some(object)) => {
                    self.want_object(from.clone(), object.clone());
                    kept.push((shortcut, object));
                }
                _ => log(&format!("{from} announced an emoticon that cannot be used: {shortcut:?}")),
            }
        }
        kept
    }
}
