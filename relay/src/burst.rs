//! A read buffer that exists only while data flows.
//!
//! tungstenite keeps its read buffer for the life of a connection, so that
//! buffer must stay small for idle connections to stay cheap. Small reads cost
//! a system call per few KiB under load, though. [`BurstReader`] sits under
//! the WebSocket. It reads straight into the caller's buffer until a read
//! fills it (more is probably waiting); from then on it takes up to [`GULP`]
//! bytes per read and hands them out from memory, until the socket runs dry.
//! The buffer is freed as soon as it is handed out, so an idle connection
//! holds none, and a trickle of small messages never allocates one.

use bytes::{Buf, BytesMut};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes taken from the socket in one read.
pub const GULP: usize = 64 * 1024;

#[derive(Debug)]
pub struct BurstReader<S> {
    inner: S,
    /// Bytes read but not yet handed out; empty (no allocation) when idle.
    held: BytesMut,
    /// The last read filled what it was given: read in gulps.
    busy: bool,
    /// [`MoreHint`], kept up to date after every read.
    more: Arc<AtomicBool>,
}

/// Whether a read now might find more than the socket had a moment ago:
/// bytes are held, or the last read filled its buffer. When false, a read
/// would most likely only learn that nothing is there. A shared handle, so
/// that the reading half of a split WebSocket can ask it.
#[derive(Debug, Clone)]
pub struct MoreHint(Arc<AtomicBool>);

impl MoreHint {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl<S> BurstReader<S> {
    pub fn new(inner: S) -> Self {
        BurstReader { inner, held: BytesMut::new(), busy: false, more: Arc::default() }
    }

    pub fn more_hint(&self) -> MoreHint {
        MoreHint(self.more.clone())
    }

    fn may_have_more(&self) -> bool {
        !self.held.is_empty() || self.busy
    }

    /// Bytes held now (0 when idle); for tests.
    pub fn held_capacity(&self) -> usize {
        self.held.capacity()
    }

    fn hand_out(&mut self, dst: &mut ReadBuf<'_>) {
        let n = self.held.len().min(dst.remaining());
        dst.put_slice(&self.held[..n]);
        self.held.advance(n);
        if self.held.is_empty() {
            self.held = BytesMut::new();
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for BurstReader<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = this.read_some(cx, dst);
        this.more.store(this.may_have_more(), Ordering::Relaxed);
        r
    }
}

impl<S: AsyncRead + Unpin> BurstReader<S> {
    fn read_some(&mut self, cx: &mut Context<'_>, dst: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self;
        if !this.held.is_empty() {
            this.hand_out(dst);
            return Poll::Ready(Ok(()));
        }
        if !this.busy || dst.remaining() >= GULP {
            let room = dst.remaining();
            let start = dst.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, dst))?;
            this.busy = room > 0 && dst.filled().len() - start == room;
            return Poll::Ready(Ok(()));
        }
        let mut buf = BytesMut::with_capacity(GULP);
        // On Pending, `buf` is dropped here: nothing is held while idle.
        match tokio_util::io::poll_read_buf(Pin::new(&mut this.inner), cx, &mut buf) {
            Poll::Pending => {
                this.busy = false;
                Poll::Pending
            }
            Poll::Ready(r) => {
                r?;
                this.held = buf;
                this.hand_out(dst);
                Poll::Ready(Ok(()))
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for BurstReader<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn hands_out_everything_in_order_and_frees_when_drained() {
        let (mut a, b) = tokio::io::duplex(256 * 1024);
        let mut r = BurstReader::new(b);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        a.write_all(&data).await.unwrap();
        drop(a);
        let mut got = Vec::new();
        let mut small = [0u8; 1000];
        loop {
            let n = r.read(&mut small).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&small[..n]);
            if got.len() == data.len() {
                assert_eq!(r.held_capacity(), 0, "drained: nothing held");
            }
        }
        assert_eq!(got, data);
    }

    #[tokio::test]
    async fn reads_in_gulps_only_while_busy() {
        let (mut a, b) = tokio::io::duplex(256 * 1024);
        let mut r = BurstReader::new(b);
        let mut small = [0u8; 100];
        a.write_all(&[1u8; 50]).await.unwrap();
        assert_eq!(r.read(&mut small).await.unwrap(), 50);
        let hint = r.more_hint();
        assert!(!r.busy && !hint.get(), "a short read leaves it direct");
        a.write_all(&[2u8; 10_000]).await.unwrap();
        assert_eq!(r.read(&mut small).await.unwrap(), 100);
        assert!(r.busy && hint.get(), "a full read means more is waiting");
        assert_eq!(r.read(&mut small).await.unwrap(), 100);
        assert!(r.held_capacity() >= 9_800, "the rest came in one gulp");
    }

    #[tokio::test]
    async fn holds_nothing_while_waiting() {
        let (_a, b) = tokio::io::duplex(1024);
        let mut r = BurstReader::new(b);
        let mut small = [0u8; 16];
        let pending = futures_util::FutureExt::now_or_never(r.read(&mut small));
        assert!(pending.is_none());
        assert_eq!(r.held_capacity(), 0);
    }
}
