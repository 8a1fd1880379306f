//! One component per file.
pub mod contact_list;
pub mod contact_rows;
pub mod conversation;
pub mod debug_panel;
pub mod emoticon_text;
pub mod history_window;
pub mod me_bar;
pub mod message_block;
pub mod message_view;
pub mod my_emoticons;
pub mod picture;
pub mod settings;
pub mod signin;
