use crate::types::TrId;

/// Hands out TrIDs 1, 2, 3... unique per connection.
#[derive(Debug, Default)]
pub(crate) struct TrIds(u32);

impl TrIds {
    pub(crate) fn next(&mut self) -> TrId {
        self.0 = self.0.wrapping_add(1).max(1);
        TrId(self.0)
    }
}
