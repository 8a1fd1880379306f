use std::fmt;

macro_rules! error_codes {
    ($($variant:ident = $num:literal, $text:literal;)*) => {
        /// Numeric server errors, named after the 1999 draft and later
        /// documentation. Codes we do not know are kept as `Other`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($variant,)*
            Other(u16),
        }

        impl ErrorCode {
            pub fn from_code(n: u16) -> Self {
                match n {
                    $($num => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other),
                }
            }
            pub fn code(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $num,)*
                    ErrorCode::Other(n) => n,
                }
            }
            /// A sentence a user can read.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                    ErrorCode::Other(_) => "The server reported an unknown error",
                }
            }
        }
    };
}

error_codes! {
    SyntaxError = 200, "Syntax error";
    InvalidParameter = 201, "Invalid parameter";
    InvalidUser = 205, "That user does not exist";
    DomainNameMissing = 206, "The address is missing its domain";
    AlreadyLoggedIn = 207, "Already signed in";
    InvalidUsername = 208, "Invalid address";
    InvalidFriendlyName = 209, "That name is not allowed";
    ListFull = 210, "Your contact list is full";
    AlreadyThere = 215, "Already on the list (or already in this conversation)";
    NotOnList = 216, "Not on the list, or you are blocked";
    NotOnline = 217, "That contact is not online";
    AlreadyInMode = 218, "Already in that mode";
    AlreadyInOppositeList = 219, "The contact is on the opposite list (allow vs block)";
    TooManyGroups = 223, "Too many groups";
    InvalidGroup = 224, "Invalid group";
    UserNotInGroup = 225, "The contact is not in that group";
    GroupNotEmpty = 227, "The group is not empty";
    GroupNameExists = 228, "A group with that name already exists";
    GroupNameTooLong = 229, "The group name is too long";
    CannotRemoveGroupZero = 230, "That group cannot be removed";
    SwitchboardFailed = 280, "Could not start the conversation";
    TransferToSwitchboardFailed = 281, "Could not transfer to the conversation server";
    P2pError = 282, "Peer-to-peer error";
    RequiredFieldsMissing = 300, "Required fields are missing";
    NotLoggedIn = 302, "Not signed in";
    InternalServerError = 500, "Internal server error";
    DatabaseServerError = 501, "Database server error";
    CommandDisabled = 502, "That command is disabled";
    FileOperationFailed = 510, "File operation failed";
    MemoryAllocationFailed = 520, "Memory allocation failed";
    ChallengeResponseFailed = 540, "Challenge response failed";
    ServerBusy = 600, "The server is busy";
    ServerUnavailable = 601, "The server is unavailable";
    PeerNsDown = 602, "A peer notification server is down";
    DatabaseConnectFailed = 603, "Database connection failed";
    ServerGoingDown = 604, "The server is going down";
    CouldNotCreateConnection = 707, "Could not create a connection";
    BlockingWriteFailed = 711, "Write is blocking";
    SessionOverload = 712, "Session is overloaded";
    TooRapid = 713, "Calling or changing too rapidly";
    TooManySessions = 714, "Too many sessions";
    NotExpected = 715, "Not expected";
    BadFriendFile = 717, "Bad friend file";
    ChangingTooRapidly = 800, "Changing too rapidly";
    ServerTooBusy = 910, "The server is too busy";
    AuthenticationFailed = 911, "Wrong e-mail address or password";
    NotAllowedWhenOffline = 913, "Not allowed while offline or invisible";
    NotAcceptingNewUsers = 920, "The server is not accepting new users";
    KidsWithoutConsent = 923, "Kids Passport without parental consent";
    PassportNotVerified = 924, "Passport account not verified";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trips_known_and_unknown() {
        assert_eq!(ErrorCode::from_code(911), ErrorCode::AuthenticationFailed);
        assert_eq!(ErrorCode::AuthenticationFailed.code(), 911);
        assert_eq!(ErrorCode::from_code(999), ErrorCode::Other(999));
        assert_eq!(ErrorCode::from_code(999).code(), 999);
    }
}
