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
    sb.until_said("seen it").await;
    alice.c.close().await.unwrap();
}

/// What hostile people put wherever a client shows text: markup and
/// script, links to elsewhere, layout breakers, and bytes that are not text.
fn payloads() -> Vec<String> {
    let mut p: Vec<String> = [
        "<script>window.__pwned=1</script>",
        "<img src=x onerror=\"window.__pwned=2\">",
        "<svg onload=window.__pwned=3>",
        "\"><script>window.__pwned=4</script>",
        "'><img src=http://evil.example/a.png>",
        "javascript:window.__pwned=5",
        "JaVaScRiPt:window.__pwned=6//",
        "data:text/html,<script>window.__pwned=7</script>",
        "<a href=\"javascript:window.__pwned=8\">click me</a>",
        "<iframe src=\"http://evil.example/\"></iframe>",
        "<style>body{display:none}</style>",
        "<link rel=stylesheet href=http://evil.example/x.css>",
        "<object data=http://evil.example/x></object>",
        "<form action=http://evil.example><input type=submit></form>",
        "</div></div></main><h1>owned</h1>",
        "';window.__pwned=9;'",
        "&lt;script&gt;window.__pwned=10&lt;/script&gt;",
        "{{constructor.constructor('window.__pwned=11')()}}",
        "http://evil.example/x.png",
        "www.evil.example/<script>",
        "http://127.0.0.1@evil.example/",
        "\u{202E}gnp.exe\u{202C} and \u{2067}rtl\u{2069}",
        "\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}",
        "%E0%A4%A broken %FF%FE%00 escapes %%% %0D%0AMSG 1 A 5",
        "\u{0007}\u{001B}[31mred\u{001B}[0m\u{0008}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Floods as large as a server carries (a message's payload is at most
    // 1,664 bytes; longer names and personal messages are refused before
    // they are sent, and a server would close on them).
    p.push("\u{200B}".repeat(500));
    p.push(format!("Z{}", "\u{0301}\u{0302}\u{0303}\u{0330}".repeat(100)));
    p.push("W".repeat(380));
    p
}

/// The page's state after hostile input: no script ran, no request left for
/// another host (but the Passport server signed in with, `arguments[0]`),
/// the layout held.
const CHECK_PAGE: &str = "
    const origin = location.origin;
    const away = performance.getEntriesByType('resource').map(e => e.name)
        .filter(n => !n.startsWith(origin) && !n.startsWith('blob:') && !n.startsWith('data:') && n !== arguments[0]);
    const compose = document.querySelector('[data-testid=compose-input]');
    const r = compose ? compose.getBoundingClientRect() : null;
    return {
        pwned: window.__pwned === undefined ? null : String(window.__pwned),
        alerted: window.__alerted || 0,
        away,
        scroll_x: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        compose_visible: !!r && r.width > 0 && r.height > 0 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1,
        foreign: document.querySelectorAll('iframe, object, embed, form, style, script, h1, svg, img:not([src^=blob]):not([src^=data]), link').length,
    };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_messages_fonts_invitations_and_file_names_stay_text() {
    use msnp::message::MimeMessage;
    use msnp::p2p::{P2pConfig, P2pLink};
    let stack = Stack::start(Timing::default()).await;
    let driver = Driver::start().await;
    let alice = driver.signed_in(&stack, "alice@example.com", "alice", "MSNP12").await;
    // A dialog would stop the page; a script that calls one is counted.
    alice.c.execute("window.alert = window.confirm = window.prompt = () => { window.__alerted = (window.__alerted || 0) + 1; };", vec![]).await.unwrap();
    // What the app itself has of what the checks count (its own scripts).
    let baseline = alice.c.execute(CHECK_PAGE, vec![stack.passport().into()]).await.unwrap();
    let (mut ns, _relay) = carol(&stack).await;
    let payloads = payloads();
    let mut sent = 0;

    // Names and personal messages, each seen by Alice's list.
    for p in &payloads {
        if ns.s.set_personal_message(p).is_ok() {
            sent += 1;
        }
        if ns.s.set_name(p).is_ok() {
            sent += 1;
            // Taken (the name comes back) or refused by the server.
            ns.until(|e| matches!(e, msnp::session::NsEvent::OwnName(_) | msnp::session::NsEvent::Error { .. })).await;
        }
    }
    // A name with broken escapes and bytes that are not UTF-8, as raw
    // bytes on the wire (our own client never writes one).
    use futures_util::SinkExt;
    let raw = b"PRP 900 MFN %E0%A4%A%FF%ZZ%C3%28%%\r\n".to_vec();
    ns.ws.send(tokio_tungstenite::tungstenite::Message::Binary(raw.into())).await.unwrap();
    sent += 1;
    ns.until(|e| {
        matches!(
            e,
            msnp::session::NsEvent::OwnName(_)
                | msnp::session::NsEvent::Error { .. }
                | msnp::session::NsEvent::Skipped(_)
        )
    })
    .await;
    let mut sb = ns.call("alice@example.com", Dialect::MSNP12).await;
    // Messages, as text.
    for p in &payloads {
        sb.s.send_message(MessageBody::text(p.as_str(), TextFormat::default()), AckMode::Acknowledged).unwrap();
        sent += 1;
    }
    // Font headers (CSS injection), raw, and text that is not UTF-8.
    let fonts = [
        "FN=x';}body{background:url(http://evil.example/f)}{; EF=BIU; CO=ff0000; CS=0; PF=22",
        "FN=Arial\"><script>window.__pwned=12</script>; EF=; CO=expression(alert(1)); CS=0; PF=0",
        "FN=%3Cscript%3E; EF=%%%; CO=zzzzzz; CS=zz; PF=",
        "FN=\u{202E}lairA; EF=S; CO=-1; CS=999; PF=22",
        "FN=; EF=; CO=url(javascript:alert(1)); CS=0; PF=22",
    ];
    for f in fonts {
        let raw = MimeMessage {
            headers: vec![
                ("MIME-Version".into(), "1.0".into()),
                ("Content-Type".into(), "text/plain; charset=UTF-8".into()),
                ("X-MMS-IM-Format".into(), f.into()),
            ],
            body: b"styled?".to_vec(),
        };
        sb.s.send_message(MessageBody::Other(raw), AckMode::Acknowledged).unwrap();
        sent += 1;
    }
    let not_utf8 = MimeMessage {
        headers: vec![
            ("MIME-Version".into(), "1.0".into()),
            ("Content-Type".into(), "text/plain; charset=UTF-8".into()),
        ],
        body: b"bad \xff\xfe bytes \xc3\x28 and \xe2\x82".to_vec(),
    };
    sb.s.send_message(MessageBody::Other(not_utf8), AckMode::Acknowledged).unwrap();
    // Invitations with hostile fields.
    for p in payloads.iter().take(4) {
        let fields = vec![
            ("Application-Name".to_owned(), p.clone()),
            ("Application-GUID".to_owned(), "{5D3E02AB-6190-11D3-BBBB-00C04F795683}".to_owned()),
            ("Invitation-Command".to_owned(), "INVITE".to_owned()),
            ("Invitation-Cookie".to_owned(), p.chars().take(20).collect()),
            ("Application-File".to_owned(), p.clone()),
            ("Application-FileSize".to_owned(), "-1".to_owned()),
        ];
        let invite = MessageBody::Invite { command: msnp::message::InviteCommand::Invite, cookie: None, fields };
        sb.s.send_message(invite, AckMode::Acknowledged).unwrap();
        sent += 1;
    }
    // File offers whose names are hostile.
    let mut link = P2pLink::new("carol@example.com", "alice@example.com", 5, P2pConfig::default());
    let names = [
        "<img src=x onerror=window.__pwned=13>.png",
        "../../../etc/passwd",
        "\u{202E}gpj.exe",
        "con:*?\"<>|.txt",
        "........",
    ];
    for n in names {
        link.offer_file(n, 10, std::time::Instant::now());
        sent += 1;
    }
    while let Some(body) = link.poll_transmit() {
        sb.s.send_message(body, AckMode::Data).unwrap();
    }
    sb.s.send_message(MessageBody::text("the end", TextFormat::default()), AckMode::Acknowledged).unwrap();
    sb.flush().await;
    assert!(sent >= 50, "{sent} payloads");

    // All of it arrived, as text.
    let conv = "[data-testid=conversation][data-with='carol@example.com']";
    alice.until_text(&format!("{conv} [data-testid=message]"), "the end").await;
    alice.until_text(&format!("{conv} [data-testid=message]"), "<script>window.__pwned=1</script>").await;
    alice.until_text(&format!("{conv} [data-testid=message]"), "bad").await;
    for n in names.iter().take(2) {
        alice.el(&format!("[data-testid=transfer][data-state=offered][data-name='{}']", n.replace('\'', "\\'"))).await;
    }
    alice.el("[data-testid=contact][data-email='carol@example.com']").await;
    let page = alice.c.execute(CHECK_PAGE, vec![stack.passport().into()]).await.unwrap();
    assert_eq!(page["pwned"], serde_json::Value::Null, "a script ran: {page}");
    assert_eq!(page["alerted"], 0, "a dialog was called: {page}");
    assert_eq!(page["away"], serde_json::json!([]), "a request left for another host: {page}");
    assert!(page["scroll_x"].as_i64().unwrap() <= 0, "the page scrolls sideways: {page}");
    assert_eq!(page["compose_visible"], true, "the compose box is out of sight: {page}");
    assert_eq!(page["foreign"], baseline["foreign"], "markup from the network became elements: {page}");
    // Links go only to http(s): none to javascript: or data:.
    let bad_links = alice
        .c
        .execute("return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')).filter(h => !/^(https?:|blob:|#|$)/i.test(h))", vec![])
        .await
        .unwrap();
    assert_eq!(bad_links, serde_json::json!([]));
    // No style from the network: the font header became a safe font name.
    let styles = alice
        .c
        .execute("return Array.from(document.querySelectorAll('.message .text[style]')).map(e => e.getAttribute('style')).filter(s => /url\\(|expression|javascript|[{}<>]/i.test(s))", vec![])
        .await
        .unwrap();
    assert_eq!(styles, serde_json::json!([]));

    // The app still works: a file with a hostile name is saved under a safe one, and chat goes on.
    let offer = "[data-testid=transfer][data-name='../../../etc/passwd'][data-state=offered]";
    alice.el(&format!("{offer} [data-testid=transfer-accept]")).await.click().await.unwrap();
    loop {
        let events = sb.step().await;
        for e in events {
            if let msnp::session::SbEvent::Message { body: MessageBody::P2p { data, .. }, .. } = e {
                let _ = link.handle_packet(&data, std::time::Instant::now());
            }
        }
        while let Some(body) = link.poll_transmit() {
            sb.s.send_message(body, AckMode::Data).unwrap();
        }
        let mut done = false;
        while let Some(e) = link.poll_event() {
            match e {
                msnp::p2p::P2pEvent::WantData { session, len, .. } => {
                    link.give_data(session, &vec![7; len as usize]).unwrap()
                }
                msnp::p2p::P2pEvent::Sent { .. } => done = true,
                _ => {}
            }
        }
        if done {
            break;
        }
    }
    let save = alice.el("[data-testid=transfer][data-state=done] [data-testid=transfer-save]").await;
    assert_eq!(save.attr("download").await.unwrap().as_deref(), Some("passwd"));
    alice.say("still working").await;
    sb.until_said("still working").await;
    alice.c.close().await.unwrap();
}
