//! Pure data: the values that appear on the wire, validated once so that
//! encoding them cannot fail.

mod command;
mod dialect;
mod email;
mod error_code;
mod lists;
mod name;
mod secret;
mod status;
mod trid;

pub use command::{
    AckMode, AdcFields, AuthMethod, ClientCommand, ClientVersion, LsgForm, LstForm, LstItem, OutReason, Presence,
    RegLayout, ServerCommand,
};
pub use dialect::{Dialect, UnknownDialect, UsrOkFields};
pub use email::{Email, InvalidEmail};
pub use error_code::ErrorCode;
pub use lists::{BlpMode, GtcMode, List, ListMask};
pub use name::Name;
pub use secret::Secret;
pub use status::{Capabilities, Status};
pub use trid::TrId;
