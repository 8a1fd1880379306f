//! What other MSN clients send and ours never does, from a scripted peer
//! (an `msnp` client with no screen, through a relay of its own) to a
//! person in headless Chromium.

use bench::peer::Ns;
use devserver::hub::Timing;
use e2e::*;
use msnp::message::{MessageBody, TextFormat};
use msnp::types::{AckMode, Dialect};

/// Carol, signed in as a scripted peer on MSNP12, and the relay she uses.
async fn carol(stack: &Stack) -> (Ns, relay::Relay) {
    let relay = stack.extra_relay(|c| c.allow_no_origin = true).await;
    let http = stack.dev.http.unwrap().port();
    let ns = Ns::login(relay.addr.port(), http, "carol@example.com", Dialect::MSNP12).await;
    (ns, relay)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn winks_and_voice_clips_are_told_not_played() {
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    let (mut ns, _relay) = carol(&stack).await;
    let mut sb = ns.call("alice@example.com", Dialect::MSNP12).await;
    let wink = r#"<msnobj Creator="carol@example.com" Size="2000" Type="8" Location="TFR1.dat" Friendly="AAA=" SHA1D="a" SHA1C="b"/>"#;
    for body in [
        MessageBody::Datacast { id: 2, data: Some(wink.into()) },
        MessageBody::Datacast { id: 3, data: Some("voice".into()) },
        MessageBody::text("and words", TextFormat::default()),
    ] {
        sb.s.send_message(body, AckMode::Acknowledged).unwrap();
    }
    sb.flush().await;
    let conv = "[data-testid=conversation][data-with='carol@example.com']";
    alice.until_text(&format!("{conv} [data-testid=notice]"), "Carol sent you a wink.").await;
    alice.until_text(&format!("{conv} [data-testid=notice]"), "Carol sent you a voice clip.").await;
    alice.until_text(&format!("{conv} [data-testid=message]"), "and words").await;
    // Nothing was played or fetched: no media element, no transfer.
    let media = alice.c.execute("return document.querySelectorAll('audio, video, object, embed').length", vec![]);
    assert_eq!(media.await.unwrap(), serde_json::json!(0));
    alice.say("seen it").await;
    let mut heard = false;
    while !heard {
        heard = sb.step().await.iter().any(|e| matches!(e, msnp::session::SbEvent::Message { body: MessageBody::Text { text, .. }, .. } if text == "seen it"));
    }
    alice.c.close().await.unwrap();
}
